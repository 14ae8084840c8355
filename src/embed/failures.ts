/**
 * What went wrong, as a MemberError with one code per cause: a start that failed, a node's
 * refusal of a write or a read, a write forwarded to the leader that failed. The code is decided
 * by the cause (the node's code, the member's own state), never by which path the error took, so
 * `OUTCOME_UNKNOWN` is one thing (never retryable as is) whether the write was local or forwarded.
 */
import { status, type ServiceError } from '@grpc/grpc-js';
import { FleetClientError, submitFailure } from '../client/errors.js';
import { fromServiceError } from '../client/grpc-errors.js';
import { NodeError } from '../core/node/api.js';
import type { AppFault } from '../core/node/state/app-machine.js';
import { StorageCorruptionError, StorageLayoutError, StorageLockedError } from '../core/storage/errors.js';
import { MemberError, type MemberErrorCode } from './errors.js';

/** A failed start (storage, ports, TLS files, …), after everything it opened was closed. */
export function startFailure(id: string, err: unknown): MemberError {
  if (err instanceof MemberError) return err;
  const message = `member ${id} did not start: ${err instanceof Error ? err.message : String(err)}`;
  return new MemberError(startCode(err), message, { cause: err });
}

function startCode(err: unknown): MemberErrorCode {
  if (err instanceof StorageLockedError) return 'DATA_DIR_LOCKED';
  if (err instanceof StorageCorruptionError || err instanceof StorageLayoutError) return 'DATA_DIR_UNUSABLE';
  // grpc-js's bind failure (the port taken between the probe and the bind) and the metrics port's.
  if (err instanceof Error && /EADDRINUSE|address already in use/i.test(`${err.message} ${String((err.cause as Error | undefined)?.message ?? '')}`)) return 'PORT_IN_USE';
  return 'START_FAILED';
}

/** What a refusal is about: the member it came from, whether it was a write, and what that member knows now. */
export interface RefusalContext {
  readonly id: string;
  readonly write: boolean;
  /** The member's error when it no longer runs (STOPPED or FAILED), else undefined. */
  readonly ended: MemberError | undefined;
  readonly leaderId: string;
  readonly fault: AppFault | undefined;
}

/** A node's refusal of a write or a read; anything else (the host's own query throwing) is passed on as it is. */
export function nodeRefusal(err: unknown, ctx: RefusalContext): unknown {
  if (!(err instanceof NodeError)) return err;
  const init = { cause: err, leaderId: err.leaderId, leaderAddress: err.leaderAddress };
  const said = err.message.replace(/; retry$/, '');
  if (ctx.ended) {
    const open = ctx.write ? ': the write may or may not have applied' : '';
    return new MemberError(ctx.ended.code, `${ctx.ended.message}${open}`, init);
  }
  if (ctx.write && err.code === 'TIMEOUT') return new MemberError('OUTCOME_UNKNOWN', `member ${ctx.id}: ${said}`, init);
  if (err.code === 'FAILED_PRECONDITION' && ctx.fault?.code === 'DIVERGED') return new MemberError('DIVERGED', `member ${ctx.id}: ${ctx.fault.message}; read from another member`, { ...init, fault: ctx.fault });
  return new MemberError(nodeCode(err, ctx), `member ${ctx.id}: ${said}`, init);
}

function nodeCode(err: NodeError, ctx: RefusalContext): MemberErrorCode {
  switch (err.code) {
    case 'NOT_LEADER':
    case 'UNAVAILABLE':
      return ctx.leaderId === '' || (err.code === 'NOT_LEADER' && err.leaderAddress === '') ? 'NO_LEADER' : 'UNAVAILABLE';
    case 'TIMEOUT':
      return 'TIMEOUT';
    case 'INVALID_ARGUMENT':
      return 'INVALID_ARGUMENT';
    case 'PERMISSION_DENIED':
      return 'PERMISSION_DENIED';
    default:
      // OUT_OF_SPACE, and preconditions the embedding checks first (no state machine, a fault).
      return 'UNAVAILABLE';
  }
}

/**
 * A write a follower forwarded to `leader` over the member's path to it (forwarder.ts) that failed
 * with `err`, read as the client reads a failed Submit: a refused connection means it was not
 * sent, any other lost answer that it may have applied. A leader's own TIMEOUT carries a hint (it
 * lost the leadership while the write was in flight) and may have applied all the same.
 */
export function forwardedFailure(err: ServiceError, id: string, leader: { id: string; address: string }): unknown {
  const failure = fromServiceError(err, leader.address);
  const lost = err.code === status.DEADLINE_EXCEEDED ? new FleetClientError('internal', `${failure.message}: the command may or may not have applied`, { code: 'OUTCOME_UNKNOWN', cause: failure }) : submitFailure(failure);
  return forwardFailure(lost, id, leader);
}

/** A write a follower forwarded to `leader` that failed: whether it may have been proposed decides OUTCOME_UNKNOWN. */
export function forwardFailure(err: unknown, id: string, leader: { id: string; address: string }): unknown {
  if (!(err instanceof FleetClientError)) return err;
  const to = `the leader ${leader.id} at ${leader.address}`;
  const init = { cause: err, leaderId: err.leaderId || leader.id, leaderAddress: err.leaderAddress || leader.address };
  if (err.code === 'OUTCOME_UNKNOWN') return new MemberError('OUTCOME_UNKNOWN', `member ${id}: the write forwarded to ${to} got no answer: it may or may not have applied`, init);
  switch (err.kind) {
    case 'unauthenticated':
    case 'permission-denied':
      return new MemberError('PERMISSION_DENIED', `member ${id}: ${to} refused the forwarded write: the tokens given to this member do not allow it`, init);
    case 'invalid':
      return new MemberError('INVALID_ARGUMENT', `member ${id}: ${to} refused the write as invalid (${err.message})`, init);
    case 'precondition':
      return /hosts no application state machine/.test(err.message)
        ? new MemberError('NO_STATE_MACHINE', `member ${id}: ${to} hosts no state machine: start every member with one`, init)
        : new MemberError('UNAVAILABLE', `member ${id}: ${to} refused the write (${err.message})`, init);
    case 'exhausted':
      return new MemberError('UNAVAILABLE', `member ${id}: ${to} cannot take writes now (${err.message})`, init);
    case 'internal':
      return new MemberError('BAD_ANSWER', `member ${id}: ${to} applied the write but could not send its answer (${err.message})`, init);
    default:
      // Refused before it was proposed: a leader that moved, or one that could not be reached.
      return err.notLeader
        ? new MemberError('NO_LEADER', `member ${id}: the leader moved while the write was forwarded and no new one answered in time`, init)
        : new MemberError('LEADER_UNREACHABLE', `member ${id}: ${to} could not be reached; the write was not sent`, init);
  }
}
