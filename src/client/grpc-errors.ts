/**
 * grpc-js failures to FleetClientErrors: the status code gives the kind, the trailers give the
 * leader hint (and, for a refused unary write, the WriteResponse).
 */
import type { Metadata, ServiceError } from '@grpc/grpc-js';
import { METADATA } from '../proto/index.js';
import type * as wire from '../proto/index.js';
import { FleetClientError, fromGrpcStatus, kindOfStatus } from './errors.js';

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

/** A grpc-js call failure at `endpoint` as a FleetClientError. */
export function fromServiceError(err: ServiceError, endpoint: string): FleetClientError {
  return fromGrpcStatus({ code: err.code, details: err.details, trailer: (key) => text(err.metadata, key) }, endpoint, err);
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
