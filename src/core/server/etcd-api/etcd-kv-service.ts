/**
 * etcd's v3 KV, Lease, Maintenance, Cluster (etcd-cluster-service.ts) and Auth.Authenticate services on a member's client port (issue 36): the
 * same keyspace on every member, replicated through the member's Raft log (FleetMember.submitEtcd,
 * etcd-store/replica.ts). Every member accepts a write: a follower forwards it to the leader's
 * client port (etcd clients do not follow redirects), marked so that it is forwarded once at
 * most. Range is linearizable (a ReadIndex round) unless the request asks for serializable, then
 * it is this member's state as it is. A txn without writes is a read: it takes no log entry.
 *
 * Errors carry etcd's gRPC codes and messages, so the clients' own retry logic works.
 */
import { getHeapStatistics } from 'node:v8';
import { LIMITS } from '../../../common/registry/registry-limits.js';
import { Metadata, status, type ClientDuplexStream, type sendUnaryData, type ServerUnaryCall, type ServerDuplexStream, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { NodeError, type MemberStatus } from '../../node/api.js';
import { growsStore, type EtcdAnswer, type EtcdOp } from '../../etcd-store/replica.js';
import { KeepAliveRelays } from './keepalive-relay.js';
import type { LeaderHint, LeaderPath } from '../leader-path.js';
import { etcdErrorLimit, type LimitRefusals } from '../guard/limit-refusals.js';
import { TXN_OVER_OPS } from '../guard/request-limits.js';
import { runBudgeted, type StreamBudget } from '../guard/bounds.js';
import { checkTxnOverlap } from '../../etcd-store/txn-overlap.js';
import { hashKeyspace, hashStore } from '../../etcd-store/keyspace-hash.js';
import { ERR_NO_SPACE, ERR_TOO_MANY_OPS, MvccError, txnWrites, validateTxn, type MvccStore, type RequestOp, type StoreAlarm, type TxnRequest } from '../../etcd-store/mvcc.js';
import { actorOf, authorizeCall, authorizeEtcdAction, etcdKeysUser, type AuthOptions } from '../guard/auth.js';
import { AUTH_ERRORS, EtcdAuthStore } from '../../etcd-store/auth-store.js';
import type { KeyCheck } from '../../etcd-store/permissions.js';
import type { Actor } from '../../fleet/index.js';
import { auditedTransfer } from '../admin/admin-service.js';
import { memberAudit, type AuditRecorder } from '../admin/member-audit.js';
import { METADATA } from '../../../proto/index.js';
import { authError, createEtcdAuthService } from './etcd-auth-service.js';
import { createEtcdClusterService, type EtcdClusterNode, type EtcdUnary } from './etcd-cluster-service.js';
import { createEtcdSnapshot, type EtcdSnapshotNode } from './etcd-snapshot.js';
import {
  deleteFromWire,
  etcdClusterId,
  etcdIdOf,
  kvToWire,
  loadEtcdDefinitions,
  putFromWire,
  rangeFromWire,
  txnFromWire,
  txnToWire,
  type WireDeleteRangeRequest,
  type WireHeader,
  type WirePutRequest,
  type WireRangeRequest,
  type WireTxnRequest,
} from './etcd-wire.js';

/** What the services need of the member (membership changes and snapshots as fleet.v1's Admin makes them). */
export interface EtcdNode extends EtcdClusterNode, EtcdSnapshotNode {
  readonly id: string;
  submitEtcd(op: EtcdOp): Promise<{ value: EtcdAnswer; index: number }>;
  /** A serializable read of `revision` (0: the latest) may wait a moment for this member to apply it (FleetMember.readEtcd). */
  readEtcd<T>(linearizable: boolean, query: (store: MvccStore) => T, revision?: number): Promise<{ value: T; index: number }>;
  /** A lease's remaining time as the leader times it; NOT_LEADER elsewhere (then the call is forwarded). */
  etcdLeaseTimeToLive(id: number): Promise<{ value: { ttl: ReturnType<MvccStore['leaseTimeToLive']>; revision: number } }>;
  /** A keep-alive answered by the leader without a log entry; NOT_LEADER elsewhere (then it is relayed). */
  etcdLeaseKeepAlive(id: number): Promise<{ value: EtcdAnswer }>;
  /** Hands leadership to `to`, on the leader; resolves once it has moved (member-admin.ts). */
  transferLeadership(to: string | undefined): Promise<unknown>;
  leadership(): { term: number; leader: string };
  status(): MemberStatus;
  etcdStore(): MvccStore;
  /** The keyspace's users, roles and permissions as applied here (Maintenance.Hash covers them). */
  etcdAuth(): { image(): unknown };
  /** Records an admin effect (MoveLeader, Compact) in the audit log; NOT_LEADER elsewhere (member-audit.ts). */
  recordAudit(by: Actor, op: string, args: Readonly<Record<string, unknown>>, outcome: string): Promise<void>;
}

export interface EtcdServiceOptions {
  readonly auth: AuthOptions;
  /** The cluster's id (16 hex digits), once known. */
  readonly clusterId: () => string | undefined;
  /** How to reach the leader's client port when forwarding a write (the member's peer credentials). */
  readonly forward: LeaderPath;
  /** The version `etcdctl endpoint status` shows. */
  readonly version: string;
  /** Whether the port serves TLS (members' URLs are https). */
  readonly tls?: boolean;
  /** The keyspace's space quota in bytes (etcd's --quota-backend-bytes; default: spaceQuotaDefault()). */
  readonly quotaBytes?: number;
  /** Counts the refusals of limits this member answers (fleet_limit_refusals_total); a forwarded call's are the leader's. */
  readonly limitRefusals?: LimitRefusals | undefined;
  /** The member's budget of etcd streams, which LeaseKeepAlive streams count against (bounds.ts); none: unbounded. */
  readonly streams?: StreamBudget | undefined;
}

/**
 * The default space quota: a quarter of the member's V8 heap limit, at most etcd's 2 GiB. The
 * keyspace lives on the heap (etcd's is on disk, behind the page cache), and a record takes
 * two to three times the bytes the quota counts: a larger quota would end in an out-of-memory
 * crash before the alarm.
 */
export function spaceQuotaDefault(): number {
  return Math.min(2 * 1024 ** 3, Math.floor(getHeapStatistics().heap_size_limit / 4));
}

/** The bytes a write would add to the store, as `approximateBytes` counts them (0: it cannot grow it). */
function growthOf(op: EtcdOp): number {
  if (op.type === 'lease-grant') return 1;
  if (op.type !== 'txn' || !growsStore(op.txn)) return 0;
  const put = (ops: readonly RequestOp[] | undefined): number =>
    (ops ?? []).reduce((n, o) => n + ('put' in o ? o.put.key.length + (o.put.value?.length ?? 0) + 32 : 'txn' in o ? Math.max(put(o.txn.success), put(o.txn.failure)) : 0), 0);
  return Math.max(1, put(op.txn.success), put(op.txn.failure));
}

/** The services whose calls a follower sends on to the leader. */
type ForwardedService = 'KV' | 'Lease' | 'Cluster' | 'Auth';

/** Metadata that marks a write forwarded by a member: the receiver never forwards it again. */
const FORWARDED = 'fleet-etcd-forwarded';
/** etcd's smallest lease TTL is about 1.5 election timeouts; fleet's default election timeout is 1 s. */
const MIN_LEASE_TTL_S = 2;
/** The longest lease TTL granted: the registry's (LIMITS.maxLeaseTtlMs, 24 h). */
export const MAX_LEASE_TTL_S = LIMITS.maxLeaseTtlMs / 1000;

/** etcd's errors (server/etcdserver/api/v3rpc/rpctypes): code and exact message. */
export const ETCD_ERRORS = {
  noLeader: { code: status.UNAVAILABLE, details: 'etcdserver: no leader' },
  noSpace: { code: status.RESOURCE_EXHAUSTED, details: ERR_NO_SPACE },
  leaderChanged: { code: status.UNAVAILABLE, details: 'etcdserver: leader changed' },
  timeout: { code: status.UNAVAILABLE, details: 'etcdserver: request timed out' },
  /** What a follower answers while its path to the leader is closed (leader-path.ts's breaker). */
  timeoutLeaderFail: { code: status.UNAVAILABLE, details: 'etcdserver: request timed out, possibly due to previous leader failure' },
  stopped: { code: status.UNAVAILABLE, details: 'etcdserver: server stopped' },
  leaseNotFound: { code: status.NOT_FOUND, details: 'etcdserver: requested lease not found' },
  leaseTtlTooLarge: { code: status.OUT_OF_RANGE, details: 'etcdserver: too large lease TTL' },
  notLeader: { code: status.FAILED_PRECONDITION, details: 'etcdserver: not leader' },
  badTransferee: { code: status.FAILED_PRECONDITION, details: 'etcdserver: bad leader transferee' },
} as const;

type GrpcError = { code: status; details: string; metadata?: Metadata };

/** The gRPC error of a store refusal (the same on every member). */
function refusalError(e: Extract<EtcdAnswer, { ok: false }>['error']): GrpcError {
  switch (e.code) {
    case 'compacted':
    case 'future':
      return { code: status.OUT_OF_RANGE, details: e.message };
    case 'lease-not-found':
      return { code: status.NOT_FOUND, details: e.message };
    case 'no-space':
      return ETCD_ERRORS.noSpace;
    case 'auth':
      return authError(e.message);
    default:
      if (e.message === 'etcdserver: lease already exists') return { code: status.FAILED_PRECONDITION, details: e.message };
      return { code: status.INVALID_ARGUMENT, details: e.message };
  }
}

/** The gRPC error for whatever a handler threw. */
export function toGrpcError(err: unknown): GrpcError {
  if (typeof err === 'object' && err !== null && 'code' in err && 'details' in err && typeof (err as GrpcError).code === 'number') return err as GrpcError;
  if (err instanceof MvccError) return refusalError({ message: err.message, code: err.code });
  if (err instanceof NodeError) return nodeRefusalToEtcd(err);
  return { code: status.UNKNOWN, details: err instanceof Error ? err.message : String(err) };
}

/** etcd's error for a member's refusal, by its reason: what etcd's clients retry on ("leader changed", "no leader") they get in etcd's words. */
function nodeRefusalToEtcd(err: NodeError): GrpcError {
  if (err.code === 'TIMEOUT') return ETCD_ERRORS.timeout;
  switch (err.reason) {
    case 'shutting-down':
      return ETCD_ERRORS.stopped;
    case 'leader-changed':
    case 'superseded':
      return ETCD_ERRORS.leaderChanged;
    case 'no-leader':
      return ETCD_ERRORS.noLeader;
    default:
      return { code: status.UNAVAILABLE, details: `etcdserver: ${err.message}` };
  }
}


/** The etcd services of one member. */
export interface EtcdServices {
  readonly kv: UntypedServiceImplementation;
  readonly lease: UntypedServiceImplementation;
  readonly maintenance: UntypedServiceImplementation;
  readonly cluster: UntypedServiceImplementation;
  readonly auth: UntypedServiceImplementation;
  /** A response header of this member at `revision`. */
  header(revision: number): WireHeader;
  /**
   * Runs a KV or Lease method for another service (etcd-lock-service.ts) as a client's call with
   * `metadata` runs: authorized as that caller, proposed here or forwarded to the leader.
   */
  invoke(path: `/etcdserverpb.${'KV' | 'Lease'}/${string}`, request: object, metadata: Metadata): Promise<unknown>;
  /** Closes the channels to leaders it forwarded to. */
  close(): void;
}

/** What a keep-alive relay calls of a client of the leader's Lease service. */
interface LeaseRelayClient {
  LeaseKeepAlive(md: Metadata): ClientDuplexStream<{ ID: string }, unknown>;
}

/** Whether `client` has etcd Lease's bidirectional LeaseKeepAlive (grpc-js's client constructor puts each method on it by its .proto name). */
function isLeaseRelayClient(client: object): client is LeaseRelayClient {
  return 'LeaseKeepAlive' in client && typeof client.LeaseKeepAlive === 'function';
}

/** The etcd services of one member. */
export function createEtcdServices(
  node: EtcdNode,
  o: EtcdServiceOptions,
): EtcdServices {
  const c = new EtcdCalls(node, o);
  const kv = kvService(c);
  const lease = leaseService(c);
  const cluster = createEtcdClusterService(node, {
    auth: o.auth,
    tls: o.tls === true,
    credentials: o.forward.credentials,
    header: () => c.header(node.etcdStore().revision),
    unary: c.unary as EtcdUnary,
    audit: c.audit,
  }) as UntypedServiceImplementation;

  return {
    kv,
    lease,
    maintenance: maintenanceService(c),
    cluster,
    auth: createEtcdAuthService(node, { auth: o.auth, header: () => c.header(node.etcdStore().revision), unary: c.unary as EtcdUnary, write: c.write, toGrpcError: c.refusal }),
    header: c.header,
    invoke: (path, request, metadata) =>
      new Promise((resolve, reject) => {
        const [service, method] = path.slice('/etcdserverpb.'.length).split('/') as [string, string];
        const handler = (service === 'KV' ? kv : lease)[method] as ((call: object, cb: sendUnaryData<unknown>) => void) | undefined;
        if (handler === undefined) return void reject(new Error(`no etcd handler ${path}`));
        handler({ request, metadata, getPath: () => path }, (err, res) => (err ? reject(err) : resolve(res)));
      }),
    close: () => {
      c.relays.close();
    },
  };
}

/**
 * What every etcd handler of a member goes through: authorization, etcd's key permissions, the
 * quota, the proposal of a write here or its forwarding to the leader, and the header of an
 * answer. The members that other code receives as functions (`header`, `unary`, `write`,
 * `refusal`) are bound arrows.
 */
class EtcdCalls {
  readonly relays = new KeepAliveRelays();
  readonly audit: AuditRecorder;
  private readonly memberId: string;
  private readonly quotaBytes: number;

  constructor(
    readonly node: EtcdNode,
    readonly o: EtcdServiceOptions,
  ) {
    this.memberId = etcdIdOf(node.id);
    this.audit = memberAudit(node);
    this.quotaBytes = o.quotaBytes ?? spaceQuotaDefault();
  }

  readonly header = (revision: number): WireHeader => ({ clusterId: etcdClusterId(this.o.clusterId()), memberId: this.memberId, revision: String(revision), raftTerm: String(this.node.leadership().term) });

  /**
   * A client of the leader's Lease service for relayed keep-alives, on the path's lane for held
   * streams: they never take the streams forwarded writes need.
   */
  relayClient(leader: LeaderHint): LeaseRelayClient {
    const client = this.o.forward.client('streams', 'etcd Lease', loadEtcdDefinitions().Lease, leader);
    if (!isLeaseRelayClient(client)) throw new Error('the etcd Lease client has no LeaseKeepAlive method (see etcd-kv-service.ts)');
    return client;
  }

  /** Forwards a write this member could not propose to the leader's client port, once, on the member's one path there. */
  async forward(method: string, call: ServerUnaryCall<unknown, unknown>, err: NodeError): Promise<unknown> {
    const [service, name] = method.split('.') as [ForwardedService, string];
    if (call.metadata.get(FORWARDED).length > 0) throw ETCD_ERRORS.leaderChanged;
    if (err.leaderId === '' || err.leaderAddress === '') throw ETCD_ERRORS.noLeader;
    if (!this.o.forward.allow(err.leaderAddress)) throw ETCD_ERRORS.timeoutLeaderFail;
    const r = await this.o.forward.unary(`etcd ${service}`, loadEtcdDefinitions()[service], name, err, call.request, this.forwardedMetadata(call.metadata));
    if ('response' in r) return r.response;
    throw r.error;
  }

  /** The caller's credentials, and the mark that the call was forwarded. */
  forwardedMetadata(from: Metadata): Metadata {
    const md = new Metadata();
    // The credentials, and the `user@host` a fleet client says (fleet-actor), which the audit log records.
    for (const key of ['authorization', 'token', METADATA.actor]) for (const v of from.get(key)) md.add(key, v);
    md.set(FORWARDED, this.node.id);
    return md;
  }

  /**
   * etcd's quota check before a write is proposed: a write that would take the store past its
   * quota raises the replicated NOSPACE alarm (through the log, so every member then refuses what
   * grows the store) and is refused with etcd's "database space exceeded". On a follower the
   * alarm's proposal answers NOT_LEADER, and the whole call goes to the leader, which raises it.
   */
  private async checkQuota(op: EtcdOp): Promise<void> {
    const { node } = this;
    const growth = growthOf(op);
    if (growth === 0) return;
    const store = node.etcdStore();
    if (store.alarms.some((a) => a.alarm === 'NOSPACE')) throw ETCD_ERRORS.noSpace;
    if (store.approximateBytes() + growth <= this.quotaBytes) return;
    await node.submitEtcd({ type: 'alarm', action: 'activate', alarm: { member: node.id, alarm: 'NOSPACE' } });
    throw ETCD_ERRORS.noSpace;
  }

  /** Proposes a write here, or forwards the call to the leader; the answer of the applied write. */
  readonly write = async (op: EtcdOp): Promise<Extract<EtcdAnswer, { ok: true }>> => {
    // A txn etcd would refuse whatever the state (too large, too many operations, a key written
    // twice) never reaches the log.
    if (op.type === 'txn') {
      validateTxn(op.txn);
      checkTxnOverlap(op.txn);
    }
    await this.checkQuota(op);
    const { value } = await this.node.submitEtcd(op);
    if (!value.ok) throw refusalError(value.error);
    return value;
  };

  /** The gRPC error this member answers a call with, counted when it is a limit's refusal (limit-refusals.ts). */
  readonly refusal = (err: unknown): GrpcError => {
    const e = toGrpcError(err);
    const limit = etcdErrorLimit(e.details);
    if (limit !== undefined) this.o.limitRefusals?.refused(limit);
    return e;
  };

  /** Runs a unary handler: authorization, then `run`; a NOT_LEADER write goes to the leader as `method`. */
  readonly unary =
    <Req>(method: string, run: (req: Req, call: ServerUnaryCall<Req, unknown>) => Promise<unknown>) =>
    (call: ServerUnaryCall<Req, unknown>, cb: sendUnaryData<unknown>): void => {
      const refused = authorizeCall(call, this.o.auth);
      if (refused) return void cb(refused as GrpcError);
      run(call.request, call).then(
        (res) => cb(null, res),
        (err: unknown) => {
          if (err instanceof NodeError && err.code === 'NOT_LEADER') {
            this.forward(method, call as ServerUnaryCall<unknown, unknown>, err).then((res) => cb(null, res), (e: unknown) => cb(toGrpcError(e) as GrpcError));
          } else {
            cb(this.refusal(err));
          }
        },
      );
    };

  /**
   * etcd's key permissions for a call: nothing for a caller every key is open to; else the user
   * must be permitted every check (etcd's "permission denied"), judged on this member's state and,
   * for a write, again when it is applied (the user goes into the entry as `as`). A member behind
   * its leader may not have applied a grant yet: it refuses only once it has caught up (a ReadIndex
   * round), so a permission granted is usable at once on every member.
   */
  async checkKeys(user: string | undefined, checks: () => readonly KeyCheck[]): Promise<void> {
    const permitted = (): boolean => {
      const auth = this.o.auth.etcdUsers?.auth();
      return user === undefined || auth === undefined || auth.permits(user, checks());
    };
    if (permitted()) return;
    await this.node.readEtcd(true, () => undefined);
    if (!permitted()) throw authError(AUTH_ERRORS.permissionDenied);
  }

  readonly leaseKeys = (id: number): readonly string[] => this.node.etcdStore().leaseKeys(id);

  /** The user a call's keys are checked for: etcdKeysUser of its metadata. */
  keysUser(call: ServerUnaryCall<unknown, unknown>): string | undefined {
    return etcdKeysUser(call.metadata, this.o.auth);
  }
}

const asUser = (user: string | undefined): { as?: string } => (user === undefined ? {} : { as: user });

/** etcd's KV service. */
function kvService(c: EtcdCalls): UntypedServiceImplementation {
  const { node, header, leaseKeys } = c;
  return {
    Range: c.unary<WireRangeRequest>('KV.Range', async (req, call) => {
      const r = rangeFromWire(req);
      await c.checkKeys(c.keysUser(call), () => EtcdAuthStore.opChecks({ range: r }, leaseKeys));
      const { value } = await node.readEtcd(!req.serializable, (store) => store.range(r), r.revision);
      return { header: header(value.revision), kvs: value.kvs.map(kvToWire), more: value.more, count: String(value.count) };
    }),
    Put: c.unary<WirePutRequest>('KV.Put', async (req, call) => {
      const put = { put: putFromWire(req) };
      const user = c.keysUser(call);
      await c.checkKeys(user, () => EtcdAuthStore.opChecks(put, leaseKeys));
      const a = await c.write({ type: 'txn', txn: { success: [put] }, ...asUser(user) });
      const done = a.txn!.responses[0] as { put: { prevKv?: import('../../etcd-store/mvcc.js').KeyValue } };
      return { header: header(a.revision), ...(done.put.prevKv ? { prevKv: kvToWire(done.put.prevKv) } : {}) };
    }),
    DeleteRange: c.unary<WireDeleteRangeRequest>('KV.DeleteRange', async (req, call) => {
      const del = { deleteRange: deleteFromWire(req) };
      const user = c.keysUser(call);
      await c.checkKeys(user, () => EtcdAuthStore.opChecks(del, leaseKeys));
      const a = await c.write({ type: 'txn', txn: { success: [del] }, ...asUser(user) });
      const done = (a.txn!.responses[0] as { deleteRange: { deleted: number; prevKvs: import('../../etcd-store/mvcc.js').KeyValue[] } }).deleteRange;
      return { header: header(a.revision), deleted: String(done.deleted), prevKvs: done.prevKvs.map(kvToWire) };
    }),
    Txn: c.unary<WireTxnRequest>('KV.Txn', async (req, call) => {
      // Counted on its bytes by the server's definition (withTxnOpsLimit), and never decoded.
      if (TXN_OVER_OPS in req) throw new MvccError(ERR_TOO_MANY_OPS, 'too-many-ops');
      const txn: TxnRequest = txnFromWire(req);
      // Every compare and every operation of both branches, as etcd's checkTxnAuth.
      const user = c.keysUser(call);
      await c.checkKeys(user, () => EtcdAuthStore.txnChecks(txn, leaseKeys));
      if (!txnWrites(txn)) {
        // A read: linearizable, and no entry in the log (the store runs it without writing).
        const { value } = await node.readEtcd(true, (store) => store.txn(txn));
        return txnToWire(value, header(value.revision));
      }
      const a = await c.write({ type: 'txn', txn, ...asUser(user) });
      return txnToWire(a.txn!, header(a.revision));
    }),
    // Audited where it is proposed: on the leader, a follower having forwarded the call there.
    Compact: c.unary<{ revision: string; physical: boolean }>('KV.Compact', async (req, call) => compact(c, req, call)),
  };
}

async function compact(c: EtcdCalls, req: { revision: string }, call: ServerUnaryCall<unknown, unknown>): Promise<{ header: WireHeader }> {
  const what = { revision: Number(req.revision) };
  const recorded = (outcome: string) => c.audit(actorOf(call.metadata, c.o.auth, 'etcd'), 'etcd.compact', what, outcome).catch(() => undefined);
  let a: Extract<EtcdAnswer, { ok: true }>;
  try {
    a = await c.write({ type: 'compact', revision: what.revision });
  } catch (err) {
    // NOT_LEADER: nothing was done here; the leader the call is forwarded to records it.
    if (!(err instanceof NodeError && err.code === 'NOT_LEADER')) await recorded(`${(err as { details?: string }).details ?? (err as Error).message}`);
    throw err;
  }
  await recorded('ok');
  return { header: c.header(a.revision) };
}

/** etcd's Lease service. */
function leaseService(c: EtcdCalls): UntypedServiceImplementation {
  const { node, header, leaseKeys } = c;
  return {
    LeaseGrant: c.unary<{ TTL: string; ID: string }>('Lease.LeaseGrant', async (req) => {
      const ttl = Math.max(MIN_LEASE_TTL_S, Number(req.TTL));
      // etcd's own bound is 9e9 s: a lease that outlives every client is a leak. fleet's is the registry's.
      if (ttl > MAX_LEASE_TTL_S) throw ETCD_ERRORS.leaseTtlTooLarge;
      // The id is chosen before proposing, so every member applies the same one.
      const id = Number(req.ID) > 0 ? Number(req.ID) : 1 + Math.floor(Math.random() * (2 ** 53 - 2));
      const a = await c.write({ type: 'lease-grant', id, ttl });
      return { header: header(a.revision), ID: String(id), TTL: String(a.lease!.ttl), error: '' };
    }),
    LeaseRevoke: c.unary<{ ID: string }>('Lease.LeaseRevoke', async (req, call) => {
      // Revoking deletes the keys attached: write permission on each, as etcd's checkLeasePuts.
      const user = c.keysUser(call);
      await c.checkKeys(user, () => leaseKeys(Number(req.ID)).map((key): KeyCheck => ({ access: 'write', key, rangeEnd: '' })));
      const a = await c.write({ type: 'lease-revoke', id: Number(req.ID), ...asUser(user) });
      return { header: header(a.revision) };
    }),
    LeaseTimeToLive: c.unary<{ ID: string; keys: boolean }>('Lease.LeaseTimeToLive', async (req) => {
      const id = Number(req.ID);
      const { value } = await node.etcdLeaseTimeToLive(id);
      if (value.ttl === undefined) return { header: header(value.revision), ID: req.ID, TTL: '-1', grantedTTL: '0', keys: [] };
      return { header: header(value.revision), ID: req.ID, TTL: String(value.ttl.ttl), grantedTTL: String(value.ttl.grantedTtl), keys: req.keys ? value.ttl.keys.map((k) => Buffer.from(k)) : [] };
    }),
    LeaseLeases: c.unary<Record<string, never>>('Lease.LeaseLeases', async () => {
      const { value } = await node.readEtcd(true, (store) => ({ ids: store.leaseList(), revision: store.revision }));
      return { header: header(value.revision), leases: value.ids.map((id) => ({ ID: String(id) })) };
    }),
    LeaseKeepAlive: (call: ServerDuplexStream<{ ID: string }, unknown>) => runBudgeted(c.o.streams, call, (s) => keepAlive(c, s)),
  };
}

/**
 * Keep-alives: each is answered by the leader without a log entry (its lessor, FleetMember.
 * etcdLeaseKeepAlive), in order of arrival. On a follower
 * each renewal is relayed to the leader's LeaseKeepAlive, on a stream shared by every client
 * stream with the same credentials and on a channel apart from forwarded writes
 * (keepalive-relay.ts), as an etcd client expects any member to keep its leases alive.
 */
function keepAlive(c: EtcdCalls, call: ServerDuplexStream<{ ID: string }, unknown>): void {
  const { node, header } = c;
  const refused = authorizeCall(call, c.o.auth);
  if (refused) return void call.emit('error', refused);
  let chain = Promise.resolve();
  let pending = 0;
  let halfClosed = false;
  const fail = (err: unknown): void => {
    if (!call.destroyed) call.emit('error', toGrpcError(err));
  };
  /** One request answered (or failed): a client that half-closed is ended once all of its are. */
  const settled = (): void => {
    if (--pending === 0 && halfClosed && !call.destroyed) call.end();
  };
  const relay = (req: { ID: string }, err: NodeError): void => {
    if (call.metadata.get(FORWARDED).length > 0) throw ETCD_ERRORS.leaderChanged;
    if (err.leaderId === '' || err.leaderAddress === '') throw ETCD_ERRORS.noLeader;
    const credentials = ['authorization', 'token'].flatMap((k) => call.metadata.get(k).map(String)).join('\n');
    pending++;
    c.relays.send(`${err.leaderAddress}\n${credentials}`, () => c.relayClient(err).LeaseKeepAlive(c.forwardedMetadata(call.metadata)), req, {
      answer: (res) => {
        if (call.writable) call.write(res);
        settled();
      },
      fail: (e) => {
        fail(e);
        settled();
      },
    });
  };
  call.on('data', (req: { ID: string }) => {
    pending++;
    // Asked at once, so that a stream's keep-alives share one ReadIndex round (a follower relays
    // every client's on one stream); answered in order of arrival, as the relay expects.
    const kept = node.etcdLeaseKeepAlive(Number(req.ID));
    kept.catch(() => undefined);
    chain = chain
      .then(async () => {
        try {
          const { value } = await kept;
          // etcd answers a keep-alive of an unknown lease with TTL 0, not an error.
          const res = value.ok ? { header: header(value.revision), ID: req.ID, TTL: String(value.lease!.ttl) } : { header: header(0), ID: req.ID, TTL: '0' };
          if (call.writable) call.write(res);
        } catch (err) {
          if (!(err instanceof NodeError && err.code === 'NOT_LEADER')) throw err;
          relay(req, err);
        }
      })
      .catch(fail)
      .finally(settled);
  });
  call.on('end', () => {
    halfClosed = true;
    if (pending === 0 && !call.destroyed) call.end();
  });
}

/** etcd's Maintenance service. */
function maintenanceService(c: EtcdCalls): UntypedServiceImplementation {
  const { node, o, header, audit } = c;
  return {
    Status: c.unary<Record<string, never>>('Maintenance.Status', async () => {
      const st = node.status();
      const { value } = await node.readEtcd(false, (store) => ({ revision: store.revision, size: store.approximateBytes(), alarms: store.alarms }));
      return {
        header: header(value.revision),
        version: o.version,
        dbSize: String(value.size),
        leader: st.leaderId ? etcdIdOf(st.leaderId) : '0',
        raftIndex: String(st.commitIndex),
        raftTerm: String(st.term),
        raftAppliedIndex: String(st.appliedIndex),
        // As etcd lists them (etcdctl endpoint status's ERRORS column): each alarm in its proto text form.
        errors: value.alarms.map((a) => `memberID:${etcdIdOf(a.member)} alarm:${a.alarm} `),
        dbSizeInUse: String(value.size),
        isLearner: st.role === 'learner',
      };
    }),
    // Equal on members at the same revision (etcdctl endpoint hashkv --cluster); this member's
    // own store, as etcd serves it.
    HashKV: c.unary<{ revision: string }>('Maintenance.HashKV', async (req) => {
      const h = await hashKeyspace(node.etcdStore(), Number(req.revision));
      return { header: header(h.revision), hash: h.hash, compactRevision: String(h.compactRevision) };
    }),
    // The whole store, keys and auth, as etcd's covers its whole database; equal on members at one revision.
    Hash: c.unary<Record<string, never>>('Maintenance.Hash', async () => {
      const h = await hashStore(node.etcdStore(), node.etcdAuth().image());
      return { header: header(h.revision), hash: h.hash };
    }),
    Snapshot: createEtcdSnapshot(node, { auth: o.auth, header: () => header(node.etcdStore().revision), audit, toGrpcError }),
    // The store is in memory and drops what compaction frees at once: nothing to defragment.
    Defragment: c.unary<Record<string, never>>('Maintenance.Defragment', async () => ({ header: header(node.etcdStore().revision) })),
    // Only the leader moves leadership, as etcd's (etcdctl move-leader sends it to the leader it finds).
    MoveLeader: c.unary<{ targetID: string }>('Maintenance.MoveLeader', async (req, call) => {
      const st = node.status();
      if (st.role !== 'leader') throw ETCD_ERRORS.notLeader;
      const target = st.members.find((m) => etcdIdOf(m.id) === String(req.targetID));
      if (target === undefined || !target.voter) throw ETCD_ERRORS.badTransferee;
      if (target.id !== node.id) await auditedTransfer(node, audit, actorOf(call.metadata, o.auth, 'etcd'), target.id, { api: 'etcd' });
      return { header: header(node.etcdStore().revision) };
    }),
    Alarm: c.unary<AlarmRequest>('Maintenance.Alarm', async (req, call) => alarm(c, req, call)),
  };
}

type AlarmRequest = { action: string; memberID: string; alarm: string };

/**
 * The keyspace's NOSPACE alarms, replicated (etcdctl alarm list / disarm). A member whose disk
 * is full refuses writes itself and raises none here.
 */
async function alarm(c: EtcdCalls, req: AlarmRequest, call: ServerUnaryCall<unknown, unknown>) {
  const { node, header } = c;
  if (req.action !== 'GET') {
    const refused = authorizeEtcdAction(call.metadata, 'admin', c.o.auth, `Maintenance.Alarm ${req.action}`);
    if (refused) throw refused;
  }
  const wire = (alarms: readonly StoreAlarm[]) => alarms.map((a) => ({ memberID: etcdIdOf(a.member), alarm: a.alarm }));
  if (req.action === 'GET') return { header: header(node.etcdStore().revision), alarms: wire(node.etcdStore().alarms) };
  if (req.action !== 'ACTIVATE' && req.action !== 'DEACTIVATE') throw { code: status.INVALID_ARGUMENT, details: `etcdserver: unknown alarm action ${req.action}` };
  // etcd's NONE with DEACTIVATE clears every alarm of the member (etcdctl alarm disarm sends each it listed).
  const matching = node.etcdStore().alarms.filter((a) => (req.memberID === '0' || etcdIdOf(a.member) === String(req.memberID)) && (req.alarm === 'NONE' || a.alarm === req.alarm));
  if (req.action === 'ACTIVATE') {
    if (req.alarm !== 'NOSPACE') throw { code: status.INVALID_ARGUMENT, details: `etcdserver: fleet raises only NOSPACE, not ${req.alarm}` };
    const member = node.status().members.find((m) => etcdIdOf(m.id) === String(req.memberID))?.id ?? node.id;
    const a = await c.write({ type: 'alarm', action: 'activate', alarm: { member, alarm: 'NOSPACE' } });
    return { header: header(a.revision), alarms: wire([{ member, alarm: 'NOSPACE' }]) };
  }
  let revision = node.etcdStore().revision;
  for (const alarm of matching) revision = (await c.write({ type: 'alarm', action: 'deactivate', alarm })).revision;
  return { header: header(revision), alarms: wire(matching) };
}
