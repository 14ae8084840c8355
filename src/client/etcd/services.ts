/**
 * etcd's services as grpc-js constructors, loaded once from proto/etcd/rpc.proto (a declared,
 * wire-compatible subset of etcd's API; see its header) beside fleet's own protos. The shapes
 * below are what proto-loader hands out with these options: 64-bit integers as decimal strings
 * (member ids do not fit a double), enums by name, defaults for absent fields.
 */
import { loadPackageDefinition, type Client, type ClientDuplexStream, type Metadata, type ServiceError, type ChannelCredentials } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { join } from 'node:path';
import { protoRoot } from '../../proto/index.js';

type Callback<T> = (err: ServiceError | null, value?: T) => void;
export type Unary<Req, Res> = (req: Req, md: Metadata, opts: { deadline: number }, cb: Callback<Res>) => void;

interface WireHeader {
  memberId: string;
  revision: string;
}
export interface WireKeyValue {
  key: Buffer;
  value: Buffer;
  version: string;
  createRevision: string;
  modRevision: string;
  lease?: string;
}
export interface WireMember {
  ID: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}
/** A Range request: one key, or `key` up to `rangeEnd`; sorted and filtered by create revision where asked. */
export interface WireRangeRequest {
  key: Buffer;
  rangeEnd?: Buffer;
  limit?: number;
  countOnly?: boolean;
  serializable: boolean;
  sortOrder?: 'NONE' | 'ASCEND' | 'DESCEND';
  sortTarget?: 'KEY' | 'VERSION' | 'CREATE' | 'MOD' | 'VALUE';
  maxCreateRevision?: string;
}
export interface KvService extends Client {
  Range: Unary<WireRangeRequest, { header: WireHeader; kvs: WireKeyValue[]; more: boolean; count: string }>;
  Put: Unary<{ key: Buffer; value: Buffer; lease?: string; prevKv?: boolean }, { header: WireHeader; prevKv?: WireKeyValue | null }>;
  DeleteRange: Unary<{ key: Buffer; rangeEnd?: Buffer }, { header: WireHeader; deleted: string }>;
  Txn: Unary<Record<string, unknown>, { header: WireHeader; succeeded: boolean; responses?: { responsePut?: { prevKv?: WireKeyValue | null } | null }[] }>;
}
export interface WireStatus {
  header: WireHeader;
  version: string;
  dbSize: string;
  leader: string;
  raftIndex: string;
  raftTerm: string;
  raftAppliedIndex: string;
  errors: string[];
  dbSizeInUse: string;
  isLearner: boolean;
}
export interface MaintenanceService extends Client {
  Status: Unary<Record<string, never>, WireStatus>;
  Alarm: Unary<{ action: string; memberID: string; alarm: string }, { header: WireHeader; alarms: { memberID: string; alarm: string }[] }>;
  MoveLeader: Unary<{ targetID: string }, { header: WireHeader }>;
  Snapshot(req: Record<string, never>, md: Metadata, opts: { deadline: number }): NodeJS.ReadableStream & { cancel(): void };
}
export interface ClusterService extends Client {
  MemberList: Unary<Record<string, never>, { members: WireMember[] }>;
  MemberAdd: Unary<{ peerURLs: string[]; isLearner: boolean }, { member: WireMember; members: WireMember[] }>;
  MemberPromote: Unary<{ ID: string }, { members: WireMember[] }>;
  MemberRemove: Unary<{ ID: string }, { members: WireMember[] }>;
}
export interface AuthService extends Client {
  Authenticate: Unary<{ name: string; password: string }, { token: string }>;
}
export interface LeaseService extends Client {
  LeaseGrant: Unary<{ TTL: string; ID: string }, { header: WireHeader; ID: string; TTL: string; error: string }>;
  LeaseRevoke: Unary<{ ID: string }, { header: WireHeader }>;
  LeaseKeepAlive(md: Metadata): ClientDuplexStream<{ ID: string }, { header: WireHeader; ID: string; TTL: string }>;
}
/** A Watch request: create a watcher (the member assigns its id when `watchId` is 0) or cancel one. */
export interface WireWatchRequest {
  createRequest?: { key: Buffer; rangeEnd?: Buffer; startRevision?: string; prevKv?: boolean };
  cancelRequest?: { watchId: string };
}
export interface WireEvent {
  type: 'PUT' | 'DELETE';
  kv: WireKeyValue;
}
export interface WireWatchResponse {
  header: WireHeader;
  watchId: string;
  created: boolean;
  canceled: boolean;
  compactRevision: string;
  cancelReason: string;
  events: WireEvent[];
}
export interface WatchService extends Client {
  Watch(md: Metadata): ClientDuplexStream<WireWatchRequest, WireWatchResponse>;
}
type ServiceCtor<T> = new (address: string, creds: ChannelCredentials, options: Record<string, unknown>) => T;
export interface EtcdServices {
  KV: ServiceCtor<KvService>;
  Maintenance: ServiceCtor<MaintenanceService>;
  Cluster: ServiceCtor<ClusterService>;
  Auth: ServiceCtor<AuthService>;
  Lease: ServiceCtor<LeaseService>;
  Watch: ServiceCtor<WatchService>;
}

/** The .proto file, relative to proto/. */
export const ETCD_PROTO_FILE = 'etcd/rpc.proto';

let loaded: EtcdServices | undefined;

/** etcd's services, loaded on first use. */
export function etcdServices(): EtcdServices {
  loaded ??= (
    loadPackageDefinition(loadSync(join(protoRoot(), ETCD_PROTO_FILE), { longs: String, enums: String, defaults: true, oneofs: true })) as unknown as {
      etcdserverpb: EtcdServices;
    }
  ).etcdserverpb;
  return loaded;
}
