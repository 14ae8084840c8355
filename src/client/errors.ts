/**
 * The one error type the client throws. Its `kind` says what class of failure it is (and
 * whether retrying can help); its message is one line that says what to do about it.
 */
import { METADATA } from '../proto/enums.js';
import { GRPC_STATUS as status, statusName } from './transport/grpc-status.js';
import type { FleetErrorCode, FleetErrorDetails } from './types.js';

/** What class of failure a FleetClientError is. Only `unavailable` and `timeout` may succeed if retried. */
export type FleetClientErrorKind =
  | 'unavailable'
  | 'timeout'
  | 'precondition'
  | 'invalid'
  | 'not-found'
  | 'unauthenticated'
  | 'permission-denied'
  /** A TLS mismatch: the member answered the handshake, but its CA, name or scheme is not what the client was given. */
  | 'tls'
  /** RESOURCE_EXHAUSTED: e.g. the leader's disk is full and no other member could take over (the message names it). */
  | 'exhausted'
  | 'internal';

/**
 * A FleetClientError's machine-readable code: the registry's refusal code (a write it refused),
 * a target that cannot be resolved (`NO_TARGET`, `UNKNOWN_CONTEXT`, `BAD_TARGET`, see target.ts),
 * `UNREACHABLE` (`connect()` found no member answering), or `NOT_APPLIED` (a read's min-index
 * was not applied by any member within the deadline: the read would not see that write yet).
 */
export type FleetClientErrorCode =
  | FleetErrorCode
  | 'NO_TARGET'
  | 'UNKNOWN_CONTEXT'
  | 'BAD_TARGET'
  | 'BAD_CONTEXT'
  | 'UNSUPPORTED_ENGINE'
  | 'UNREACHABLE'
  | 'NOT_APPLIED'
  /** A recipe used after its session ended (closed, or a lease lost): make a new session. */
  | 'SESSION_ENDED'
  /** A recipe used after its client was closed: connect again and make a new session. */
  | 'CLIENT_CLOSED'
  /** A shard set started before its membership joined: `await membership.join()` first. */
  | 'NOT_JOINED'
  /** A recipe's wait given up: its AbortSignal fired or its timeout passed. */
  | 'ABORTED'
  /** A submitted application command's answer was lost after it may have been proposed: it may or may not have applied. */
  | 'OUTCOME_UNKNOWN'
  /** `startMember()` (fleet/embed) was given options that are missing or conflict. */
  | 'BAD_MEMBER_OPTIONS';

/** Everything a FleetClientError may carry besides its kind and message. */
export interface FleetClientErrorInit {
  /** The machine-readable code, where there is one (a registry refusal, a bad target, an unreachable cluster). */
  readonly code?: FleetClientErrorCode;
  readonly details?: FleetErrorDetails;
  /** The Raft index a refused write was answered at. */
  readonly index?: number;
  /** The gRPC status code, when the failure came as one. */
  readonly grpcCode?: number;
  /** The endpoint that failed (`host:port`). */
  readonly endpoint?: string;
  /** With NOT_LEADER: the leader the member named ('' when it knows none). */
  readonly leaderId?: string;
  readonly leaderAddress?: string;
  /** Whether the member said it is not the leader (the leader fields are its hint). */
  readonly notLeader?: boolean;
  readonly cause?: unknown;
}

/**
 * A failed client call. Invariant: `message` is a single line meant for an operator; the
 * structured fields carry what programs need (`code`, `details`, `index`).
 */
export class FleetClientError extends Error {
  readonly kind: FleetClientErrorKind;
  /** Set for a registry refusal, a bad target and an unreachable cluster at `connect()`; see `kind` for every failure. */
  readonly code: FleetClientErrorCode | undefined;
  readonly details: FleetErrorDetails;
  readonly index: number | undefined;
  readonly grpcCode: number | undefined;
  readonly endpoint: string | undefined;
  readonly leaderId: string;
  readonly leaderAddress: string;
  readonly notLeader: boolean;

  constructor(kind: FleetClientErrorKind, message: string, init: FleetClientErrorInit = {}) {
    super(message.replace(/\s*\n\s*/g, ' '), init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'FleetClientError';
    this.kind = kind;
    this.code = init.code;
    this.details = init.details ?? {};
    this.index = init.index;
    this.grpcCode = init.grpcCode;
    this.endpoint = init.endpoint;
    this.leaderId = init.leaderId ?? '';
    this.leaderAddress = init.leaderAddress ?? '';
    this.notLeader = init.notLeader ?? false;
  }

  /** Whether trying again (elsewhere or later) may succeed. */
  get retryable(): boolean {
    return this.kind === 'unavailable' || this.kind === 'timeout';
  }
}

const KIND_OF_STATUS: Readonly<Partial<Record<number, FleetClientErrorKind>>> = {
  [status.UNAVAILABLE]: 'unavailable',
  [status.CANCELLED]: 'unavailable',
  [status.DEADLINE_EXCEEDED]: 'timeout',
  [status.FAILED_PRECONDITION]: 'precondition',
  [status.ABORTED]: 'precondition',
  [status.ALREADY_EXISTS]: 'precondition',
  [status.INVALID_ARGUMENT]: 'invalid',
  [status.OUT_OF_RANGE]: 'invalid',
  [status.NOT_FOUND]: 'not-found',
  [status.UNAUTHENTICATED]: 'unauthenticated',
  [status.PERMISSION_DENIED]: 'permission-denied',
  [status.RESOURCE_EXHAUSTED]: 'exhausted',
};

/** The kind of a gRPC status code. */
export function kindOfStatus(code: number): FleetClientErrorKind {
  return KIND_OF_STATUS[code] ?? 'internal';
}

/** The kind of a registry refusal code. */
export function kindOfRefusal(code: FleetErrorCode): FleetClientErrorKind {
  if (code === 'NOT_FOUND') return 'not-found';
  if (code === 'INVALID_ARGUMENT') return 'invalid';
  return 'precondition';
}

/**
 * The CLI's exit code for a failure (see DESIGN.md): 3 when the cluster is unreachable or has
 * no quorum, 4 when a precondition failed, 8 when a read's min-index was not applied in time,
 * 9 when what the call names does not exist, 1 otherwise.
 */
export function exitCodeOf(err: unknown): number {
  if (!(err instanceof FleetClientError)) return 1;
  if (err.code === 'NOT_APPLIED') return 8;
  if (err.kind === 'unavailable' || err.kind === 'timeout') return 3;
  if (err.kind === 'precondition') return 4;
  if (err.kind === 'not-found') return 9;
  return 1;
}

/** A failed call as the client sees it, whatever carried it: the status, its message, the trailers. */
export interface GrpcFailure {
  readonly code: number;
  readonly details: string;
  readonly trailer: (key: string) => string | undefined;
}

/** Advice for an operator, by kind, when the member's own message gives none. */
function advice(code: number): string {
  if (code === status.UNAVAILABLE) return 'is it running? (fleet status)';
  if (code === status.DEADLINE_EXCEEDED) return 'it may be overloaded or partitioned (fleet status)';
  if (code === status.UNAUTHENTICATED) return 'pass --token or set FLEET_TOKEN';
  if (code === status.PERMISSION_DENIED) return "the token's role does not allow this (docs/security.md)";
  return 'run with --debug for details';
}

/** A failed call at `endpoint` as a FleetClientError; a not-leader refusal carries the leader it names. */
export function fromGrpcStatus(f: GrpcFailure, endpoint: string, cause?: unknown): FleetClientError {
  const leaderId = f.trailer(METADATA.leaderId);
  const leaderAddress = f.trailer(METADATA.leaderAddress);
  const notLeader = leaderId !== undefined || leaderAddress !== undefined;
  const details = f.details === '' ? statusName(f.code) : f.details;
  // Failures the transport makes up itself (no connection, deadline) get a hint; the member's own messages already carry one.
  const local = f.code === status.UNAVAILABLE || f.code === status.DEADLINE_EXCEEDED || f.code === status.CANCELLED;
  const message = local && !notLeader ? `${endpoint}: ${details}: ${advice(f.code)}` : `${endpoint}: ${details}`;
  return new FleetClientError(kindOfStatus(f.code), message, {
    grpcCode: f.code,
    endpoint,
    leaderId: leaderId ?? '',
    leaderAddress: leaderAddress ?? '',
    notLeader,
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Whether the member could not be reached at all (as opposed to answering with a refusal or a leader hint). */
export function isTransportFailure(err: FleetClientError): boolean {
  return (err.kind === 'unavailable' || err.kind === 'timeout') && !err.notLeader && err.leaderAddress === '';
}

/**
 * A failed Submit attempt (the client's, or a follower's forwarded one, src/embed): retryable only
 * when the command surely was not proposed, that is when its endpoint refused the connection;
 * any other lost answer is OUTCOME_UNKNOWN (the command may or may not have applied).
 */
export function submitFailure(err: unknown): unknown {
  if (!(err instanceof FleetClientError) || !err.retryable || err.notLeader) return err;
  if (err.grpcCode === status.UNAVAILABLE && isTransportFailure(err) && /ECONNREFUSED|No connection established/.test(err.message)) return err;
  return new FleetClientError('internal', `${err.message}: the command may or may not have applied`, { code: 'OUTCOME_UNKNOWN', cause: err, ...(err.endpoint === undefined ? {} : { endpoint: err.endpoint }) });
}

/** A grace after a call's deadline before the client stops waiting on its own (the transport should have answered by then). */
export const DEADLINE_GRACE_MS = 50;

/** The error of a unary call that got no answer at all within its deadline (plus the grace). */
export function noAnswerError(endpoint: string, timeoutMs: number): FleetClientError {
  return new FleetClientError('timeout', `${endpoint}: no answer within ${timeoutMs} ms: it may be overloaded or partitioned (fleet status)`, { endpoint });
}
