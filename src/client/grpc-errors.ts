/**
 * grpc-js failures to FleetClientErrors: the status code gives the kind, the trailers give the
 * leader hint (and, for a refused unary write, the WriteResponse).
 */
import { status, type Metadata, type ServiceError } from '@grpc/grpc-js';
import { METADATA } from '../proto/index.js';
import type * as wire from '../proto/index.js';
import { FleetClientError, kindOfStatus } from './errors.js';

/** Whether a value is a grpc-js call failure. */
export function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === 'number' && 'details' in err;
}

function text(metadata: Metadata | undefined, key: string): string | undefined {
  const value = metadata?.get(key)[0];
  return typeof value === 'string' ? value : undefined;
}

/** The serialized WriteResponse a refused unary write carries in its trailers. */
export function refusedWriteResponse(err: ServiceError): Buffer | undefined {
  const value = err.metadata?.get(METADATA.writeResponse)[0];
  return Buffer.isBuffer(value) ? value : undefined;
}

/** Advice for an operator, by kind, when the member's own message gives none. */
function advice(code: number): string {
  if (code === status.UNAVAILABLE) return 'is it running? (fleet status)';
  if (code === status.DEADLINE_EXCEEDED) return 'it may be overloaded or partitioned (fleet status)';
  if (code === status.UNAUTHENTICATED) return 'pass --token or set FLEET_TOKEN';
  if (code === status.PERMISSION_DENIED) return 'this needs the admin token';
  return 'run with --debug for details';
}

/** A grpc-js call failure at `endpoint` as a FleetClientError. */
export function fromServiceError(err: ServiceError, endpoint: string): FleetClientError {
  const leaderId = text(err.metadata, METADATA.leaderId);
  const leaderAddress = text(err.metadata, METADATA.leaderAddress);
  const notLeader = leaderId !== undefined || leaderAddress !== undefined;
  const details = err.details === '' ? status[err.code] : err.details;
  // Failures grpc-js makes up itself (no connection, deadline) get a hint; the member's own messages already carry one.
  const local = err.code === status.UNAVAILABLE || err.code === status.DEADLINE_EXCEEDED || err.code === status.CANCELLED;
  const message = local && !notLeader ? `${endpoint}: ${details}: ${advice(err.code)}` : `${endpoint}: ${details}`;
  return new FleetClientError(kindOfStatus(err.code), message, {
    grpcCode: err.code,
    endpoint,
    leaderId: leaderId ?? '',
    leaderAddress: leaderAddress ?? '',
    notLeader,
    cause: err,
  });
}

/** A session operation's RequestError as a FleetClientError. */
export function fromRequestError(e: wire.RequestError__Output, endpoint: string): FleetClientError {
  return new FleetClientError(kindOfStatus(e.code), `${endpoint}: ${e.message}`, {
    grpcCode: e.code,
    endpoint,
    leaderId: e.leaderId,
    leaderAddress: e.leaderAddress,
    notLeader: e.notLeader,
  });
}

/** Anything a call threw, as a FleetClientError. */
export function toClientError(err: unknown, endpoint: string): FleetClientError {
  if (err instanceof FleetClientError) return err;
  if (isServiceError(err)) return fromServiceError(err, endpoint);
  const message = err instanceof Error ? err.message : String(err);
  return new FleetClientError('internal', `${endpoint}: ${message}`, { endpoint, cause: err });
}
