/**
 * The largest request message each RPC accepts, applied before a byte of the message is buffered.
 * grpc-js reads a message's 5-byte prefix (its length) first and refuses one over the call's
 * limit there (RESOURCE_EXHAUSTED); its server has one limit for every method (64 MiB here, for
 * peers' snapshots and rebind batches), so without this table the RPCs that need no token (gRPC
 * health, reflection, etcd's Authenticate and MemberList) decoded up to 64 MiB from anyone: eight
 * 60 MB health Checks took a leader to 2.73 GB and into an election. The interceptor sets each
 * call's limit from the table; docs/security.md lists it, and each refusal is counted by method
 * (`fleet_requests_too_large_total`).
 */
import { ServerInterceptingCall, status, type ServerInterceptor } from '@grpc/grpc-js';
import { MAX_REQUEST_BYTES } from '../etcd-store/mvcc.js';
import { isEtcdPath, rpcRequirement } from './rpc-roles.js';

/** Requests of the RPCs anyone may make: a service name, a user and password, a reflection query. */
export const OPEN_RPC_MAX_REQUEST_BYTES = 4 * 1024;
/** etcd's own bound: its `--max-request-bytes` (1.5 MiB) plus the 512 KiB it allows gRPC's framing. */
export const ETCD_RPC_MAX_REQUEST_BYTES = MAX_REQUEST_BYTES + 512 * 1024;
/** fleet.v1 and the peers' streams: a rebind batch, a snapshot chunk. The server's own limit. */
export const DEFAULT_MAX_REQUEST_BYTES = 64 << 20;

/** The largest request message the call at `path` may carry. */
export function maxRequestBytes(path: string): number {
  if (rpcRequirement(path) === undefined) return OPEN_RPC_MAX_REQUEST_BYTES;
  return isEtcdPath(path) ? ETCD_RPC_MAX_REQUEST_BYTES : DEFAULT_MAX_REQUEST_BYTES;
}

/** What grpc-js's base call keeps of its limit (server-interceptors.js, BaseServerInterceptingCall). */
interface BaseCallLimits {
  maxReceiveMessageSize: number;
  decoder: { maxReadMessageLength: number };
}

function isBaseCall(call: unknown): call is BaseCallLimits {
  const c = call as Partial<BaseCallLimits> | null;
  return typeof c?.maxReceiveMessageSize === 'number' && typeof c.decoder?.maxReadMessageLength === 'number';
}

/** Refusals by method, read by the metrics at scrape time. */
export class RequestLimitCounts {
  readonly counts = new Map<string, number>();
  record(path: string): void {
    this.counts.set(path, (this.counts.get(path) ?? 0) + 1);
  }
}

/**
 * The interceptor, first in the server's chain so that it receives grpc-js's base call before any
 * data frame is read (the base call pauses its stream until the handler asks for a message). It
 * lowers that call's limit, both the framed length the decoder refuses and the decompressed size.
 * grpc-js is pinned; should its shape ever change, a call that needs a lower limit is refused
 * (INTERNAL) rather than served without it, and the tests of the table fail.
 */
export function requestLimitInterceptor(counts?: RequestLimitCounts): ServerInterceptor {
  return (method, call) => {
    const limit = maxRequestBytes(method.path);
    if (!isBaseCall(call)) return limit < DEFAULT_MAX_REQUEST_BYTES ? refuseUnlimited(call as ServerInterceptingCall) : (call as ServerInterceptingCall);
    if (limit < call.maxReceiveMessageSize) {
      call.maxReceiveMessageSize = limit;
      call.decoder.maxReadMessageLength = limit;
      if (counts !== undefined) return countRefusals(method.path, call, counts);
    }
    return call as unknown as ServerInterceptingCall;
  };
}

/** A call whose limit cannot be set: refused from its metadata, before its message is read. */
function refuseUnlimited(call: ServerInterceptingCall): ServerInterceptingCall {
  return new ServerInterceptingCall(call, {
    start: (next) =>
      next({
        onReceiveMetadata: () => call.sendStatus({ code: status.INTERNAL, details: 'the request limit of this method cannot be applied (grpc-js changed); refused' }),
      }),
  });
}

/** Counts a RESOURCE_EXHAUSTED the limited call ends with (the decoder's refusal). */
function countRefusals(path: string, call: BaseCallLimits, counts: RequestLimitCounts): ServerInterceptingCall {
  const base = call as unknown as ServerInterceptingCall;
  const sendStatus = base.sendStatus.bind(base);
  base.sendStatus = (s) => {
    if (s.code === status.RESOURCE_EXHAUSTED && /larger than/.test(s.details)) counts.record(path);
    sendStatus(s);
  };
  return base;
}
