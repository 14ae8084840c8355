/**
 * A member's refusals in etcd's words (issue 61: NodeError's reason). The etcd API tells apart the
 * refusals etcd's clients retry on by the reason the member gave, not by its text: a message that
 * happens to say "no leader" or "superseded" is not mapped as those are, and a refusal with the
 * reason is, whatever its text says.
 */
import { describe, expect, it } from 'vitest';
import { NodeError, type NodeErrorReason } from '../../../../src/core/node/api.js';
import { ETCD_ERRORS, toGrpcError } from '../../../../src/core/server/etcd-api/etcd-kv-service.js';

const refusal = (reason: NodeErrorReason | undefined, message = 'a refusal', code: 'UNAVAILABLE' | 'NOT_LEADER' = 'UNAVAILABLE'): NodeError => new NodeError(code, message, reason === undefined ? {} : { reason });

describe("a member's refusals as etcd's errors", () => {
  it.each([
    ['leader-changed', ETCD_ERRORS.leaderChanged],
    ['superseded', ETCD_ERRORS.leaderChanged],
    ['no-leader', ETCD_ERRORS.noLeader],
    ['shutting-down', ETCD_ERRORS.stopped],
  ] as const)('maps %s by its reason, whatever the text', (reason, expected) => {
    expect(toGrpcError(refusal(reason))).toEqual(expected);
  });

  it('maps a NOT_LEADER without a leader known as "no leader"', () => {
    expect(toGrpcError(refusal('no-leader', 'no leader elected yet; retry', 'NOT_LEADER'))).toEqual(ETCD_ERRORS.noLeader);
  });

  it('does not read the text: a refusal that only says those words stays a plain UNAVAILABLE', () => {
    for (const message of ['no leader in sight', 'superseded by something', 'the server is shutting down soon', 'leadership changed hands']) {
      expect(toGrpcError(refusal(undefined, message))).toEqual({ code: ETCD_ERRORS.noLeader.code, details: `etcdserver: ${message}` });
    }
  });

  it('answers a timeout as etcd\'s "request timed out", whatever the reason', () => {
    expect(toGrpcError(new NodeError('TIMEOUT', 'the read was not confirmed in time; retry', { reason: 'read-unconfirmed' }))).toEqual(ETCD_ERRORS.timeout);
  });
});
