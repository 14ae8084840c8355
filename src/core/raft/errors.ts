/**
 * Why the core refused an input. Named values (not exceptions) so that hot paths such as
 * `propose` stay cheap and callers can switch on them.
 */
export type RaftErrorCode =
  /** No leader is known, or this node is not the leader: the host should redirect or retry. */
  | 'not-leader'
  /** A leadership transfer is in progress; proposals are refused until it ends. */
  | 'transfer-in-progress'
  /** A membership change is still uncommitted or unapplied, or the leader has not committed an entry of its term yet. */
  | 'conf-change-pending'
  /** The change was conditioned on a configuration (its index) that is no longer the current one. */
  | 'conf-changed'
  /** The change is not allowed (e.g. removing an unknown member, adding a voter twice). */
  | 'invalid-conf-change'
  /** The leader holds too many uncommitted bytes; back off and retry. */
  | 'too-many-uncommitted'
  /** The transfer target is not a voter, or is this node. */
  | 'invalid-transferee'
  /** The leader already holds MAX_PENDING_READS reads awaiting confirmation; back off and retry. */
  | 'too-many-pending-reads';

/** The outcome of a proposal: where the entries landed, or why they were refused. */
export type ProposeResult =
  | { readonly ok: true; readonly firstIndex: number; readonly term: number }
  | { readonly ok: false; readonly error: RaftErrorCode };

/** A human-readable line for each error code. */
export function describeRaftError(code: RaftErrorCode): string {
  switch (code) {
    case 'not-leader':
      return 'this member is not the leader';
    case 'transfer-in-progress':
      return 'a leadership transfer is in progress';
    case 'conf-change-pending':
      return 'a membership change is already in progress';
    case 'conf-changed':
      return 'the membership changed since the configuration the change was checked against';
    case 'invalid-conf-change':
      return 'the membership change is not allowed';
    case 'too-many-uncommitted':
      return 'the leader has too many uncommitted entries';
    case 'invalid-transferee':
      return 'the transfer target is not a voting member';
    case 'too-many-pending-reads':
      return 'the leader has too many linearizable reads waiting';
  }
}

/**
 * The state a node was asked to start from contradicts itself (the host's storage is damaged,
 * or the host misuses InitialState). Thrown by the constructor, never by a hot path.
 */
export class InvalidInitialStateError extends Error {
  constructor(message: string) {
    super(`raft: ${message}`);
    this.name = 'InvalidInitialStateError';
  }
}

/**
 * A state the core's own comments promise never to reach (a cursor out of order, a role changed
 * the way Raft forbids) throws InvariantError naming it: the core's one check, shared with the
 * rest of src/core (src/core/invariant.ts, a leaf this module may import).
 */
export { checkInvariant, InvariantError } from '../invariant.js';
