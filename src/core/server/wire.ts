/**
 * Shared pieces of the translation between the wire (src/proto) and the node (NodeApi): the
 * error for bad wire input, and the one place that decides which gRPC status a failure gets
 * (the ERRORS rule in proto/fleet/v1/client.proto).
 */
import { Metadata, status, type StatusObject } from '@grpc/grpc-js';
import { METADATA, type EnumMap, type FleetErrorCodeName } from '../../proto/index.js';
import { NodeError, type NodeErrorCode, type ReadConsistency } from '../node/api.js';

/** Bad wire input: answered with INVALID_ARGUMENT. The message names the wire field (snake_case, as in the .proto). */
export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireError';
  }
}

/** A wire enum value as a plain name; UNSPECIFIED or unknown is a WireError naming `field`. */
export function enumFromWire<Name extends string>(map: EnumMap<Name, string>, value: string | number | null | undefined, field: string): Name {
  const name = map.fromWire(value);
  if (name === undefined) throw new WireError(`${field}: got ${String(value)}, want one of ${map.names.map((n) => map.toWire(n)).join(', ')}`);
  return name;
}

/** The consistency oneof of a ReadRequest; none means linearizable. */
export function consistencyFromWire(req: { consistency?: string; minIndex?: number; maxStalenessMs?: number }): ReadConsistency {
  switch (req.consistency) {
    case 'minIndex':
      return { mode: 'min-index', index: req.minIndex ?? 0 };
    case 'maxStalenessMs':
      return { mode: 'max-staleness', ms: req.maxStalenessMs ?? 0 };
    default:
      return { mode: 'linearizable' };
  }
}

/** A failure as the protocol reports it: a gRPC status code, a message and, for NOT_LEADER, the leader. */
export interface WireFailure {
  readonly code: status;
  readonly message: string;
  readonly leaderId: string;
  readonly leaderAddress: string;
  /** The node said it is not the leader (NOT_LEADER). */
  readonly notLeader: boolean;
}

const NODE_CODES: Readonly<Record<NodeErrorCode, status>> = {
  NOT_LEADER: status.UNAVAILABLE,
  UNAVAILABLE: status.UNAVAILABLE,
  TIMEOUT: status.DEADLINE_EXCEEDED,
  OUT_OF_SPACE: status.RESOURCE_EXHAUSTED,
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  FAILED_PRECONDITION: status.FAILED_PRECONDITION,
  NOT_FOUND: status.NOT_FOUND,
  PERMISSION_DENIED: status.PERMISSION_DENIED,
};

/** The gRPC code of a registry refusal (see ERRORS in client.proto). */
export function refusalCode(code: FleetErrorCodeName): status {
  if (code === 'NOT_FOUND') return status.NOT_FOUND;
  if (code === 'INVALID_ARGUMENT') return status.INVALID_ARGUMENT;
  return status.FAILED_PRECONDITION;
}

/** Classifies anything a handler caught. Unknown errors are INTERNAL: a bug here or in the node, never the caller's fault. */
export function failureOf(err: unknown): WireFailure {
  const plain = { leaderId: '', leaderAddress: '', notLeader: false };
  if (err instanceof NodeError) {
    return { code: NODE_CODES[err.code], message: err.message, leaderId: err.leaderId, leaderAddress: err.leaderAddress, notLeader: err.code === 'NOT_LEADER' };
  }
  if (err instanceof WireError) return { ...plain, code: status.INVALID_ARGUMENT, message: err.message };
  const message = err instanceof Error ? err.message : String(err);
  return { ...plain, code: status.INTERNAL, message: `internal error: ${message}` };
}

/** A failure as a unary call's (or a stream's) final status, with the leader hint in the trailers. */
export function statusOf(failure: WireFailure): Partial<StatusObject> {
  const metadata = new Metadata();
  // A hint travels whenever there is one; for NOT_LEADER even an empty one (no leader known).
  if (failure.notLeader || failure.leaderAddress !== '') {
    metadata.set(METADATA.leaderId, failure.leaderId);
    metadata.set(METADATA.leaderAddress, failure.leaderAddress);
  }
  return { code: failure.code, details: failure.message, metadata };
}

/** Shorthand: the final status for anything a handler caught. */
export function errorStatus(err: unknown): Partial<StatusObject> {
  return statusOf(failureOf(err));
}

/** An optional string on the wire: absent stands for null. */
export function nullable(value: string | undefined): string | null {
  return value ?? null;
}
