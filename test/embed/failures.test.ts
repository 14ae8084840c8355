/**
 * One code per cause, whatever path the failure took (issue 57: OUTCOME_UNKNOWN was retryable
 * when the write was local and not when it was forwarded, and carried the CLI's "run with
 * --debug"), and the codes documented as docs/embedding.md's table lists them.
 */
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FleetClientError, fromGrpcStatus } from '../../src/client/errors.js';
import { GRPC_STATUS } from '../../src/client/transport/grpc-status.js';
import { NodeError } from '../../src/core/node/api.js';
import { StorageLockedError } from '../../src/core/storage/errors.js';
import { MEMBER_ERROR_CODES, MemberError } from '../../src/embed/errors.js';
import { forwardedFailure, forwardFailure, nodeRefusal, startFailure, type RefusalContext } from '../../src/embed/failures.js';
import { METADATA } from '../../src/proto/index.js';

const running: RefusalContext = { id: 'b', write: true, ended: undefined, leaderId: 'a', fault: undefined };
const leader = { id: 'a', address: '127.0.0.1:7781' };

/** What the client's Submit makes of a call whose answer was lost (errors.ts, submitFailure). */
function lostForwardedAnswer(): FleetClientError {
  const grpcFailure = fromGrpcStatus({ code: GRPC_STATUS.INTERNAL, details: 'stream reset', trailer: () => undefined }, leader.address);
  return new FleetClientError('internal', `${grpcFailure.message}: the command may or may not have applied`, { code: 'OUTCOME_UNKNOWN', cause: grpcFailure });
}

describe('OUTCOME_UNKNOWN', () => {
  it('is one code, never retryable, with no CLI advice, whether the write was local or forwarded', () => {
    const local = nodeRefusal(new NodeError('TIMEOUT', 'leadership changed while the write was in flight: the command may or may not have applied'), running) as MemberError;
    const forwarded = forwardFailure(lostForwardedAnswer(), 'b', leader) as MemberError;
    for (const err of [local, forwarded]) {
      expect(err).toBeInstanceOf(MemberError);
      expect({ code: err.code, retryable: err.retryable }).toEqual({ code: 'OUTCOME_UNKNOWN', retryable: false });
      expect(err.message).not.toMatch(/--debug|fleet status|--token/);
      expect(err.message).toMatch(/may or may not have applied/);
    }
  });
});

describe('the other causes', () => {
  it('a read from a diverged member is DIVERGED, with the fault', () => {
    const fault = { code: 'DIVERGED' as const, index: 20, message: "the application's state here differs from the leader's at index 20" };
    const err = nodeRefusal(new NodeError('FAILED_PRECONDITION', fault.message), { ...running, write: false, fault }) as MemberError;
    expect({ code: err.code, retryable: err.retryable, fault: err.fault }).toEqual({ code: 'DIVERGED', retryable: false, fault });
  });

  it('no leader is NO_LEADER, a read not confirmed in time TIMEOUT, a stopped member STOPPED', () => {
    expect((nodeRefusal(new NodeError('NOT_LEADER', 'no leader elected yet; retry'), { ...running, leaderId: '' }) as MemberError).code).toBe('NO_LEADER');
    expect((nodeRefusal(new NodeError('TIMEOUT', 'the read was not confirmed in time; retry'), { ...running, write: false }) as MemberError).code).toBe('TIMEOUT');
    const stopped = new MemberError('STOPPED', 'member b was stopped');
    expect((nodeRefusal(new NodeError('UNAVAILABLE', 'this member is shutting down'), { ...running, ended: stopped }) as MemberError).code).toBe('STOPPED');
  });

  it("a forwarded write the leader's port never took is LEADER_UNREACHABLE (retryable), a refused token PERMISSION_DENIED", () => {
    const refused = new FleetClientError('unavailable', `${leader.address}: connect ECONNREFUSED: is it running? (fleet status)`, { grpcCode: GRPC_STATUS.UNAVAILABLE, endpoint: leader.address });
    const unreachable = forwardFailure(refused, 'b', leader) as MemberError;
    expect({ code: unreachable.code, retryable: unreachable.retryable }).toEqual({ code: 'LEADER_UNREACHABLE', retryable: true });
    expect(unreachable.message).not.toMatch(/fleet status/);
    const denied = forwardFailure(new FleetClientError('permission-denied', 'denied'), 'b', leader) as MemberError;
    expect(denied.code).toBe('PERMISSION_DENIED');
  });

  it("a write forwarded on the member's path: a refused connection is LEADER_UNREACHABLE, a lost answer OUTCOME_UNKNOWN, even with a leader hint", () => {
    const failed = (code: number, details: string, md = new Metadata()): ServiceError => Object.assign(new Error(details), { code, details, metadata: md });
    const refused = forwardedFailure(failed(status.UNAVAILABLE, 'No connection established. Last error: connect ECONNREFUSED 127.0.0.1:7781'), 'b', leader) as MemberError;
    expect({ code: refused.code, retryable: refused.retryable, leaderAddress: refused.leaderAddress }).toEqual({ code: 'LEADER_UNREACHABLE', retryable: true, leaderAddress: leader.address });
    expect((forwardedFailure(failed(status.DEADLINE_EXCEEDED, 'Deadline exceeded after 10.001s'), 'b', leader) as MemberError).code).toBe('OUTCOME_UNKNOWN');
    expect((forwardedFailure(failed(status.UNAVAILABLE, 'Connection dropped'), 'b', leader) as MemberError).code).toBe('OUTCOME_UNKNOWN');
    // The leader's own TIMEOUT: it lost the leadership while the write was in flight, and names the new one.
    const hint = new Metadata();
    hint.set(METADATA.leaderId, 'c');
    hint.set(METADATA.leaderAddress, '127.0.0.1:7783');
    expect((forwardedFailure(failed(status.DEADLINE_EXCEEDED, 'leadership changed while the write was in flight: the command may or may not have applied', hint), 'b', leader) as MemberError).code).toBe('OUTCOME_UNKNOWN');
    const denied = forwardedFailure(failed(status.UNAUTHENTICATED, 'a token is required'), 'b', leader) as MemberError;
    expect(denied.code).toBe('PERMISSION_DENIED');
  });

  it('a start that failed on a locked data dir is DATA_DIR_LOCKED; on an unknown cause START_FAILED with the cause', () => {
    expect(startFailure('a', new StorageLockedError('/d', 42)).code).toBe('DATA_DIR_LOCKED');
    const other = startFailure('a', new Error('cannot read the TLS key'));
    expect({ code: other.code, cause: (other.cause as Error).message }).toEqual({ code: 'START_FAILED', cause: 'cannot read the TLS key' });
    expect(startFailure('a', new Error('cannot listen on 127.0.0.1:1: No address added out of total 1 resolved errors: [Error: listen EADDRINUSE: address already in use]')).code).toBe('PORT_IN_USE');
  });
});

describe("docs/embedding.md's table of codes", () => {
  it('lists every code, in order, with whether it is retryable', () => {
    const doc = readFileSync(new URL('../../docs/embedding.md', import.meta.url), 'utf8');
    const rows = [...doc.matchAll(/^\| `([A-Z_]+)` \| (yes|no) \|/gm)].map((m) => [m[1], m[2]]);
    expect(rows).toEqual(MEMBER_ERROR_CODES.map((code) => [code, new MemberError(code, '').retryable ? 'yes' : 'no']));
  });
});
