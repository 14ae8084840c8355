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
import { ServerInterceptingCall, status, type ServerInterceptingCallInterface, type ServerInterceptor } from '@grpc/grpc-js';
import { MAX_REQUEST_BYTES, MAX_TXN_OPS } from '../../etcd-store/mvcc.js';
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

/** What grpc-js's base call keeps of its limit (1.14, server-interceptors.js, BaseServerInterceptingCall; private there). */
interface BaseCallLimits {
  maxReceiveMessageSize: number;
  decoder: { maxReadMessageLength: number };
}

/** Whether `call` is grpc-js's base call, by the fields its limit lives in. */
function isBaseCall(call: ServerInterceptingCallInterface): call is ServerInterceptingCallInterface & BaseCallLimits {
  if (!('maxReceiveMessageSize' in call && typeof call.maxReceiveMessageSize === 'number')) return false;
  if (!('decoder' in call && typeof call.decoder === 'object' && call.decoder !== null)) return false;
  return 'maxReadMessageLength' in call.decoder && typeof call.decoder.maxReadMessageLength === 'number';
}

/**
 * `call`, passed on as it is. grpc-js's `ServerInterceptor` type says an interceptor returns a
 * `ServerInterceptingCall`, but grpc-js (1.14, getServerInterceptingCall) chains interceptors over
 * any `ServerInterceptingCallInterface`, starting with its base call, which is not one: wrapping
 * the base call would put a layer between it and the handler, so its type is widened here, once.
 */
function passOn(call: ServerInterceptingCallInterface): ServerInterceptingCall {
  return call as ServerInterceptingCall;
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
    if (!isBaseCall(call)) return limit < DEFAULT_MAX_REQUEST_BYTES ? refuseUnlimited(call) : passOn(call);
    if (limit < call.maxReceiveMessageSize) {
      call.maxReceiveMessageSize = limit;
      call.decoder.maxReadMessageLength = limit;
      if (counts !== undefined) return countRefusals(method.path, call, counts);
    }
    return passOn(call);
  };
}

/** A call whose limit cannot be set: refused from its metadata, before its message is read. */
function refuseUnlimited(call: ServerInterceptingCallInterface): ServerInterceptingCall {
  return new ServerInterceptingCall(call, {
    start: (next) =>
      next({
        onReceiveMetadata: () => call.sendStatus({ code: status.INTERNAL, details: 'the request limit of this method cannot be applied (grpc-js changed); refused' }),
      }),
  });
}

/** Counts a RESOURCE_EXHAUSTED the limited call ends with (the decoder's refusal). */
function countRefusals(path: string, base: ServerInterceptingCallInterface, counts: RequestLimitCounts): ServerInterceptingCall {
  const sendStatus = base.sendStatus.bind(base);
  base.sendStatus = (s) => {
    if (s.code === status.RESOURCE_EXHAUSTED && /larger than/.test(s.details)) counts.record(path);
    sendStatus(s);
  };
  return passOn(base);
}

/**
 * Compares and operations in one etcd Txn, nested txns included. etcd limits each list to
 * MAX_TXN_OPS but not their nesting: a tree of 2^17 nested txns (about 1 MB) passed, became a
 * multi-MB log entry and held a leader's loop into an election (issue 56).
 */
export const MAX_TXN_TOTAL_OPS = 8 * MAX_TXN_OPS;

/** etcd's TxnRequest: compare = 1, success = 2, failure = 3; a RequestOp's request_txn = 4. */
const TXN_COMPARE = 1;
const TXN_SUCCESS = 2;
const TXN_FAILURE = 3;
const OP_TXN = 4;

/** Reads a varint at `at`; returns [value, next offset], or undefined when the bytes end first or it is over 2^35. */
function varint(b: Uint8Array, at: number): [number, number] | undefined {
  let value = 0;
  for (let shift = 0, i = at; i < b.length && shift <= 35; shift += 7, i++) {
    value += (b[i]! & 0x7f) * 2 ** shift;
    if ((b[i]! & 0x80) === 0) return [value, i + 1];
  }
  return undefined;
}

/** Calls `field(number, start, end)` for each length-delimited field of the message in b[start, end); false on malformed bytes. */
function eachLengthField(b: Uint8Array, start: number, end: number, field: (n: number, from: number, to: number) => boolean): boolean {
  for (let at = start; at < end; ) {
    const tag = varint(b, at);
    if (tag === undefined) return false;
    const [key, next] = tag;
    const wire = key % 8;
    if (wire === 0) {
      const v = varint(b, next);
      if (v === undefined) return false;
      at = v[1];
    } else if (wire === 1 || wire === 5) {
      at = next + (wire === 1 ? 8 : 4);
    } else if (wire === 2) {
      const len = varint(b, next);
      if (len === undefined || len[1] + len[0] > end) return false;
      if (!field(Math.floor(key / 8), len[1], len[1] + len[0])) return false;
      at = len[1] + len[0];
    } else {
      return false;
    }
  }
  return true;
}

/**
 * Whether the encoded TxnRequest in `b` holds more than `limit` compares and operations, nested
 * txns included: counted on the bytes, before protobuf builds an object for each (a 0.53 MB tree
 * of 262,142 nested txns decoded into as many objects and held a leader's loop into an election).
 * Bytes it cannot read are left to the decoder to refuse.
 */
export function txnBytesOverOps(b: Uint8Array, limit: number): boolean {
  const pending: [number, number][] = [[0, b.length]];
  let total = 0;
  for (let txn = pending.pop(); txn !== undefined; txn = pending.pop()) {
    const ok = eachLengthField(b, txn[0], txn[1], (n, from, to) => {
      if (n !== TXN_COMPARE && n !== TXN_SUCCESS && n !== TXN_FAILURE) return true;
      if (++total > limit) return false;
      if (n === TXN_COMPARE) return true;
      return eachLengthField(b, from, to, (m, innerFrom, innerTo) => (m === OP_TXN && pending.push([innerFrom, innerTo]), true));
    });
    if (total > limit) return true;
    if (!ok) return false;
  }
  return false;
}

/** What KV/Txn's deserializer hands the handler for a request over the operations limit: no decoded tree. */
export const TXN_OVER_OPS = Symbol('txn over the operations limit');

/**
 * etcd's KV service definition with a Txn deserializer that counts operations on the bytes first:
 * a request over `limit` is not decoded, and the handler refuses it with etcd's error.
 */
export function withTxnOpsLimit<D extends Record<string, { requestDeserialize: (b: Buffer) => unknown }>>(definition: D, limit = MAX_TXN_TOTAL_OPS): D {
  const txn = definition['Txn'];
  if (txn === undefined) return definition;
  const decode = txn.requestDeserialize;
  return { ...definition, Txn: { ...txn, requestDeserialize: (b: Buffer) => (txnBytesOverOps(b, limit) ? { [TXN_OVER_OPS]: true } : decode(b)) } };
}
