/**
 * The one error type `fleet/embed` rejects with. Every failure has a `code`, one per cause, and
 * whether retrying can help follows from the code alone (RETRYABLE), so that a host's retry loop
 * never depends on which path a failure took. Messages are one line for a log, naming the member;
 * they never suggest CLI flags, which a host's users do not have.
 */
import type { AppFault } from '../core/node/state/app-machine.js';

/** Why an embedded member refused or failed; docs/embedding.md has the table. */
export type MemberErrorCode =
  /** `startMember()` options missing or conflicting. */
  | 'BAD_MEMBER_OPTIONS'
  /** A call's own arguments are wrong (an empty op, an unknown consistency, a bad timeout). */
  | 'INVALID_ARGUMENT'
  /** The `listen` or `metricsListen` port is taken (or cannot be bound on that address). */
  | 'PORT_IN_USE'
  /** Another live process (or another member in this one) holds the data dir. */
  | 'DATA_DIR_LOCKED'
  /** The data dir holds damaged or foreign data: the member will not start from it. */
  | 'DATA_DIR_UNUSABLE'
  /** The start failed for another reason (the cause says which); nothing was left running. */
  | 'START_FAILED'
  /** `submitWrite` or `read` on a member started without a `stateMachine`. */
  | 'NO_STATE_MACHINE'
  /** `client()` on a member started without `apis: ['fleet']`. */
  | 'API_NOT_SERVED'
  /** No leader is known now (an election is under way, or there is no quorum): retry. */
  | 'NO_LEADER'
  /** A follower could not reach the leader to forward a write; the write was not sent: retry. */
  | 'LEADER_UNREACHABLE'
  /** This member cannot serve the call now (out of the membership, stuck, its disk full): retry, or use another member. */
  | 'UNAVAILABLE'
  /** A read or `ready()` was not satisfied within its time. */
  | 'TIMEOUT'
  /** A write's answer was lost after it may have been proposed: it may or may not have applied. Not retryable as is. */
  | 'OUTCOME_UNKNOWN'
  /** The command applied, but the application's answer is not JSON-serializable (return plain data from `apply`). */
  | 'BAD_ANSWER'
  /** The leader (or the member forwarded to) refused the caller's credentials or role. */
  | 'PERMISSION_DENIED'
  /** This member's application state differs from the leader's: it serves no reads of it. */
  | 'DIVERGED'
  /** `ready()` given up: its AbortSignal fired. */
  | 'ABORTED'
  /** The host stopped the member (`stop()`); nothing more is served by it. */
  | 'STOPPED'
  /** The member failed (`fatal`: its storage failed, or the application's apply threw). */
  | 'FAILED';

/** Whether trying the same call again (later, or on this member) may succeed, by code. */
const RETRYABLE: Readonly<Record<MemberErrorCode, boolean>> = {
  BAD_MEMBER_OPTIONS: false,
  INVALID_ARGUMENT: false,
  PORT_IN_USE: false,
  DATA_DIR_LOCKED: false,
  DATA_DIR_UNUSABLE: false,
  START_FAILED: false,
  NO_STATE_MACHINE: false,
  API_NOT_SERVED: false,
  NO_LEADER: true,
  LEADER_UNREACHABLE: true,
  UNAVAILABLE: true,
  TIMEOUT: true,
  OUTCOME_UNKNOWN: false,
  BAD_ANSWER: false,
  PERMISSION_DENIED: false,
  DIVERGED: false,
  ABORTED: false,
  STOPPED: false,
  FAILED: false,
};

/** The codes, in the order the table in docs/embedding.md lists them (its test compares the two). */
export const MEMBER_ERROR_CODES = Object.keys(RETRYABLE) as readonly MemberErrorCode[];

/** What a MemberError may carry besides its code and message. */
export interface MemberErrorInit {
  /** The leader this member named, when it knows one ('' otherwise). */
  readonly leaderId?: string;
  readonly leaderAddress?: string;
  /** With DIVERGED and FAILED from an apply: the application's fault. */
  readonly fault?: AppFault;
  readonly cause?: unknown;
}

/** A refused or failed call of an embedded member. Invariant: `retryable` is a function of `code`. */
export class MemberError extends Error {
  override readonly name = 'MemberError';
  readonly code: MemberErrorCode;
  readonly leaderId: string;
  readonly leaderAddress: string;
  readonly fault: AppFault | undefined;

  constructor(code: MemberErrorCode, message: string, init: MemberErrorInit = {}) {
    super(message.replace(/\s*\n\s*/g, ' '), init.cause === undefined ? undefined : { cause: init.cause });
    this.code = code;
    this.leaderId = init.leaderId ?? '';
    this.leaderAddress = init.leaderAddress ?? '';
    this.fault = init.fault;
  }

  /** Whether trying again (later, or elsewhere) may succeed. */
  get retryable(): boolean {
    return RETRYABLE[this.code];
  }
}

export function badOptions(message: string): MemberError {
  return new MemberError('BAD_MEMBER_OPTIONS', message);
}

export function badArgument(message: string): MemberError {
  return new MemberError('INVALID_ARGUMENT', message);
}
