/**
 * etcd's v3 messages as proto-loader hands them to a server (64-bit integers as decimal strings,
 * enums by name, camelCase fields), and their conversion to and from the MVCC store's shapes
 * (src/core/etcd-store/mvcc.ts). Also the service definitions, loaded once from
 * proto/etcd/rpc.proto on first use (a member serves them through `lazyEtcdServices` until
 * then), and etcd's ids for fleet's names.
 */
import { loadPackageDefinition, type ChannelCredentials, type Client, type GrpcObject, type MethodDefinition, type ServiceClientConstructor, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { protoRoot } from '../../../proto/index.js';
import { ETCD_METHODS, type EtcdServiceName } from '../etcd-methods.js';
import type { Compare, DeleteRangeRequest, KeyValue, PutRequest, RangeRequest, RequestOp, ResponseOp, SortTarget, TxnRequest, TxnResponse } from '../../etcd-store/mvcc.js';

/** The etcd services a member serves, as grpc-js service definitions and client constructors. */
export interface EtcdDefinitions {
  readonly KV: { service: ServiceDefinition } & (new (address: string, creds: ChannelCredentials, options?: object) => Client);
  readonly Lease: { service: ServiceDefinition } & (new (address: string, creds: ChannelCredentials, options?: object) => Client);
  readonly Maintenance: { service: ServiceDefinition } & (new (address: string, creds: ChannelCredentials, options?: object) => Client);
  readonly Watch: { service: ServiceDefinition };
  readonly Cluster: { service: ServiceDefinition } & (new (address: string, creds: ChannelCredentials, options?: object) => Client);
  readonly Auth: { service: ServiceDefinition } & (new (address: string, creds: ChannelCredentials, options?: object) => Client);
  /** etcd's v3lockpb.Lock and v3electionpb.Election (etcd-lock-service.ts). */
  readonly Lock: { service: ServiceDefinition } & (new (address: string, creds: ChannelCredentials, options?: object) => Client);
  readonly Election: { service: ServiceDefinition } & (new (address: string, creds: ChannelCredentials, options?: object) => Client);
}

let definitions: EtcdDefinitions | undefined;

export function loadEtcdDefinitions(): EtcdDefinitions {
  if (definitions === undefined) {
    const dir = join(protoRoot(), 'etcd');
    const files = ['rpc.proto', 'v3lock.proto', 'v3election.proto'].map((f) => join(dir, f));
    const pkg = loadPackageDefinition(loadSync(files, { includeDirs: [dir], longs: String, enums: String, defaults: true, oneofs: true }));
    const etcd = (name: string): ServiceClientConstructor => serviceIn(pkg, 'etcdserverpb', name);
    const loaded: EtcdDefinitions = {
      KV: etcd('KV'),
      Lease: etcd('Lease'),
      Maintenance: etcd('Maintenance'),
      Watch: etcd('Watch'),
      Cluster: etcd('Cluster'),
      Auth: etcd('Auth'),
      Lock: serviceIn(pkg, 'v3lockpb', 'Lock'),
      Election: serviceIn(pkg, 'v3electionpb', 'Election'),
    };
    // Every service of rpc.proto is named above (and in ETCD_METHODS, which etcd-wire.test.ts compares).
    const namespace = pkg['etcdserverpb'];
    const unnamed = isNamespace(namespace) ? Object.keys(namespace).filter((k) => isServiceClient(namespace[k]) && !(k in loaded)) : [];
    if (unnamed.length > 0) throw new Error(`proto/etcd/rpc.proto declares services etcd-wire.ts does not load: ${unnamed.join(', ')}`);
    definitions = loaded;
  }
  return definitions;
}

/** The client constructor of `pkgName.name` in a loaded package; throws if the .proto files lack that service. */
function serviceIn(pkg: GrpcObject, pkgName: string, name: string): ServiceClientConstructor {
  const namespace = pkg[pkgName];
  const found = isNamespace(namespace) ? namespace[name] : undefined;
  if (!isServiceClient(found)) throw new Error(`proto/etcd declares no service ${pkgName}.${name}`);
  return found;
}

/** A package of a loaded definition: an object of its own (a service's constructor is a function, a message type's definition has a `format`). */
function isNamespace(o: GrpcObject[string] | undefined): o is GrpcObject {
  return typeof o === 'object' && !('format' in o);
}

/** A service's client constructor: a function carrying its service definition. */
function isServiceClient(o: GrpcObject[string] | undefined): o is ServiceClientConstructor {
  return typeof o === 'function' && 'service' in o;
}

/** A method's name as proto-loader gives it (lodash's camelCase): HashKV is hashKv, LeaseKeepAlive leaseKeepAlive. */
function camelCase(name: string): string {
  const words = name.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+/g) ?? [name];
  return words.map((w, i) => (i === 0 ? w.toLowerCase() : w.charAt(0).toUpperCase() + w.slice(1).toLowerCase())).join('');
}

/**
 * The etcd service definitions a server registers, each method's codec loaded with etcd's protos
 * on its first message: building them (proto-loader and protobufjs over three .proto files) was
 * ≈ 80 ms of every member's start and its memory ever after, also for members no etcd client
 * ever calls (BENCHMARKS.md, "Session 27").
 */
export function lazyEtcdServices(): { readonly [S in keyof EtcdDefinitions]: ServiceDefinition } {
  const entries = Object.entries(ETCD_METHODS).map(([service, { path, methods }]) => {
    const definition = Object.fromEntries(
      Object.entries(methods).map(([name, streaming]) => {
        // Looked up once, on the method's first message: every later message goes straight to it.
        let method: MethodDefinition<unknown, unknown> | undefined;
        const loaded = (): MethodDefinition<unknown, unknown> => (method ??= loadEtcdDefinitions()[service as EtcdServiceName].service[name] as MethodDefinition<unknown, unknown>);
        return [name, {
          path: `/${path}/${name}`,
          requestStream: streaming === 'bidi',
          responseStream: streaming !== 'unary',
          originalName: camelCase(name),
          requestSerialize: (value: unknown) => loaded().requestSerialize(value),
          requestDeserialize: (bytes: Buffer) => loaded().requestDeserialize(bytes),
          responseSerialize: (value: unknown) => loaded().responseSerialize(value),
          responseDeserialize: (bytes: Buffer) => loaded().responseDeserialize(bytes),
        } satisfies MethodDefinition<unknown, unknown>];
      }),
    );
    return [service, definition];
  });
  return Object.fromEntries(entries) as { readonly [S in keyof EtcdDefinitions]: ServiceDefinition };
}

/** An etcd uint64 id (decimal) for one of fleet's names: the first 8 bytes of its SHA-256, never 0. */
export function etcdIdOf(name: string): string {
  const n = BigInt(`0x${createHash('sha256').update(name).digest('hex').slice(0, 16)}`);
  return (n === 0n ? 1n : n).toString();
}

/** A 16-hex-digit cluster id as etcd's uint64 (decimal). */
export function etcdClusterId(hex: string | undefined): string {
  return hex && /^[0-9a-f]{1,16}$/i.test(hex) ? BigInt(`0x${hex}`).toString() : '0';
}

export interface WireHeader {
  clusterId: string;
  memberId: string;
  revision: string;
  raftTerm: string;
}

export interface WireKeyValue {
  key: Buffer;
  createRevision: string;
  modRevision: string;
  version: string;
  value: Buffer;
  lease: string;
}

export interface WireRangeRequest {
  key: Buffer;
  rangeEnd: Buffer;
  limit: string;
  revision: string;
  sortOrder: 'NONE' | 'ASCEND' | 'DESCEND';
  sortTarget: 'KEY' | 'VERSION' | 'CREATE' | 'MOD' | 'VALUE';
  serializable: boolean;
  keysOnly: boolean;
  countOnly: boolean;
  minModRevision: string;
  maxModRevision: string;
  minCreateRevision: string;
  maxCreateRevision: string;
}
export interface WirePutRequest { key: Buffer; value: Buffer; lease: string; prevKv: boolean; ignoreValue: boolean; ignoreLease: boolean }
export interface WireDeleteRangeRequest { key: Buffer; rangeEnd: Buffer; prevKv: boolean }
export interface WireCompare {
  result: 'EQUAL' | 'GREATER' | 'LESS' | 'NOT_EQUAL';
  target: 'VERSION' | 'CREATE' | 'MOD' | 'VALUE' | 'LEASE';
  key: Buffer;
  rangeEnd: Buffer;
  version?: string;
  createRevision?: string;
  modRevision?: string;
  value?: Buffer;
  lease?: string;
}
export interface WireRequestOp {
  requestRange?: WireRangeRequest | null;
  requestPut?: WirePutRequest | null;
  requestDeleteRange?: WireDeleteRangeRequest | null;
  requestTxn?: WireTxnRequest | null;
}
export interface WireTxnRequest { compare: WireCompare[]; success: WireRequestOp[]; failure: WireRequestOp[] }

const num = (s: string | number | undefined): number => (s === undefined || s === '' ? 0 : Number(s));
const bytes = (b: Buffer | Uint8Array | undefined): Uint8Array => (b ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : new Uint8Array());
const buf = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

const SORT_TARGETS: Record<WireRangeRequest['sortTarget'], SortTarget> = { KEY: 'key', VERSION: 'version', CREATE: 'create', MOD: 'mod', VALUE: 'value' };

export function rangeFromWire(r: WireRangeRequest): RangeRequest {
  return {
    key: bytes(r.key),
    rangeEnd: bytes(r.rangeEnd),
    limit: num(r.limit),
    revision: num(r.revision),
    sortOrder: r.sortOrder === 'ASCEND' ? 'ascend' : r.sortOrder === 'DESCEND' ? 'descend' : 'none',
    sortTarget: SORT_TARGETS[r.sortTarget] ?? 'key',
    keysOnly: r.keysOnly,
    countOnly: r.countOnly,
    minModRevision: num(r.minModRevision),
    maxModRevision: num(r.maxModRevision),
    minCreateRevision: num(r.minCreateRevision),
    maxCreateRevision: num(r.maxCreateRevision),
  };
}

function compareFromWire(c: WireCompare): Compare {
  const result = c.result === 'GREATER' ? 'greater' : c.result === 'LESS' ? 'less' : c.result === 'NOT_EQUAL' ? 'not-equal' : 'equal';
  const key = bytes(c.key);
  const rangeEnd = bytes(c.rangeEnd);
  switch (c.target) {
    case 'VALUE':
      return { key, rangeEnd, result, target: 'value', operand: bytes(c.value) };
    case 'CREATE':
      return { key, rangeEnd, result, target: 'create', operand: num(c.createRevision) };
    case 'MOD':
      return { key, rangeEnd, result, target: 'mod', operand: num(c.modRevision) };
    case 'LEASE':
      return { key, rangeEnd, result, target: 'lease', operand: num(c.lease) };
    default:
      return { key, rangeEnd, result, target: 'version', operand: num(c.version) };
  }
}

function opFromWire(op: WireRequestOp): RequestOp {
  if (op.requestRange) return { range: rangeFromWire(op.requestRange) };
  if (op.requestPut) return { put: putFromWire(op.requestPut) };
  if (op.requestDeleteRange) return { deleteRange: deleteFromWire(op.requestDeleteRange) };
  if (op.requestTxn) return { txn: txnFromWire(op.requestTxn) };
  // etcd answers an empty RequestOp with an empty range of no key.
  return { range: { key: new Uint8Array() } };
}

export function putFromWire(p: WirePutRequest): PutRequest {
  return { key: bytes(p.key), value: bytes(p.value), lease: num(p.lease), prevKv: p.prevKv, ignoreValue: p.ignoreValue, ignoreLease: p.ignoreLease };
}

export function deleteFromWire(d: WireDeleteRangeRequest): DeleteRangeRequest {
  return { key: bytes(d.key), rangeEnd: bytes(d.rangeEnd), prevKv: d.prevKv };
}

export function txnFromWire(t: WireTxnRequest): TxnRequest {
  return { compare: t.compare.map(compareFromWire), success: t.success.map(opFromWire), failure: t.failure.map(opFromWire) };
}

export function kvToWire(kv: KeyValue): WireKeyValue {
  return { key: buf(kv.key), createRevision: String(kv.createRevision), modRevision: String(kv.modRevision), version: String(kv.version), value: buf(kv.value), lease: String(kv.lease) };
}

/** A txn's response for the wire: `header` at the top, the revision alone in the nested responses' headers (as etcd's). */
export function txnToWire(t: TxnResponse, header: WireHeader | { revision: string }): object {
  // etcd's responses inside a txn carry only the revision in their headers.
  const inner = { revision: header.revision };
  return { header, succeeded: t.succeeded, responses: t.responses.map((r) => responseOpToWire(r, inner)) };
}

function responseOpToWire(r: ResponseOp, header: { revision: string }): object {
  if ('range' in r) return { responseRange: { header, kvs: r.range.kvs.map(kvToWire), more: r.range.more, count: String(r.range.count) } };
  if ('put' in r) return { responsePut: { header, ...(r.put.prevKv ? { prevKv: kvToWire(r.put.prevKv) } : {}) } };
  if ('deleteRange' in r) return { responseDeleteRange: { header, deleted: String(r.deleteRange.deleted), prevKvs: r.deleteRange.prevKvs.map(kvToWire) } };
  return { responseTxn: txnToWire(r.txn, header) };
}
