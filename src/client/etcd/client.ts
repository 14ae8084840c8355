/**
 * A client of etcd's own v3 gRPC API (KV, Watch, Lease, Maintenance, Cluster, Auth), 3.4 and later, on the
 * same grpc-js and proto-loader as fleet's client. It speaks the unary API the way etcd's own
 * clients do: one channel per member, a `token` metadata once authenticated, no retry policy of
 * its own beyond what a caller asks for. Failures come out as FleetClientErrors, so the CLI maps
 * them to exit codes as it does fleet's.
 */
import { Metadata, type ChannelCredentials, type ChannelOptions, type Client, type ServiceError } from '@grpc/grpc-js';
import { channelCredentials, memberChannelOptions } from '../transport/channel.js';
import { FleetClientError } from '../errors.js';
import { fromServiceError, isServiceError } from '../grpc-errors.js';
import type { TlsFiles } from '../transport/tls.js';
import { etcdServices, type AuthService, type ClusterService, type KvService, type LeaseService, type MaintenanceService, type Unary, type WatchService } from './services.js';
import { SnapshotWriter } from './snapshot.js';
import { prefixEnd } from '../../common/etcd-keys.js';
import { EtcdWatchStream } from './watch.js';
import { txnToWire, type TxnCompare, type TxnRequest, type TxnResult } from './txn.js';
import type { EtcdAlarm, EtcdKeyValue, EtcdMember, EtcdStatus } from './types.js';

export type { EtcdAlarm, EtcdKeyValue, EtcdMember, EtcdStatus } from './types.js';
export { prefixEnd };
export { EtcdWatchStream, type EtcdWatchEvent, type EtcdWatchOptions } from './watch.js';
import { ALARM_GET, alarmsFromWire, keyValueFromWire, memberFromWire, statusFromWire } from './from-wire.js';

/** A transaction's condition on one key: its mod revision equals `modRevision` (0: the key is absent). */
export interface EtcdCompare {
  readonly key: Buffer;
  readonly modRevision: number;
}

/** A transaction's write: a put, or a delete when `value` is absent. */
export interface EtcdTxnOp {
  readonly key: Buffer;
  readonly value?: Buffer;
  /** The etcd lease (decimal id) a put attaches the key to: the key goes when the lease expires. */
  readonly lease?: string;
}

/** How a range is read beyond its keys: see `EtcdClient.range`. */
/** What a compare-and-put requires of the key: its value (null: absent) and/or its mod revision (0: absent). */
export interface CasCondition {
  readonly value?: Buffer | null;
  readonly modRevision?: number;
}

export interface RangeOptions {
  readonly rangeEnd?: Buffer;
  readonly limit?: number;
  readonly byCreate?: 'ascend' | 'descend';
  readonly maxCreateRevision?: number;
  /**
   * Any state at this store revision or later will do: the member asked answers from what it has
   * applied (no ReadIndex round) when that is recent enough, and the read is made linearizable
   * only when it is not. For reads whose answer cannot go back once a revision is reached.
   */
  readonly atLeastRevision?: number;
}

/** How to reach a cluster. */
export interface EtcdClientOptions {
  /** `host:port` of the members' client URLs. */
  readonly endpoints: readonly string[];
  readonly callTimeoutMs?: number;
  readonly tls?: TlsFiles;
  /** etcd's user/password auth: Auth.Authenticate gives the token every later call carries. */
  readonly user?: { readonly name: string; readonly password: string };
  /** A fleet member's token (`authorization: Bearer …`), for fleet's etcd API on members that require one. */
  readonly bearerToken?: string;
  readonly channelOptions?: Readonly<Record<string, number>>;
}

/** The same reconnect back-off and message limit as FleetClient's channels. */
const DEFAULT_CHANNEL_OPTIONS = { 'grpc.initial_reconnect_backoff_ms': 100, 'grpc.max_reconnect_backoff_ms': 2_000, 'grpc.max_receive_message_length': 64 << 20 };

/** The stubs of one member, on one channel (grpc-js shares the connection between them). */
class MemberChannel {
  readonly kv: KvService;
  readonly maintenance: MaintenanceService;
  readonly cluster: ClusterService;
  readonly auth: AuthService;
  readonly lease: LeaseService;
  readonly watch: WatchService;

  constructor(
    readonly address: string,
    creds: ChannelCredentials,
    channelOptions: ChannelOptions,
  ) {
    const pkg = etcdServices();
    const options = { ...DEFAULT_CHANNEL_OPTIONS, ...channelOptions };
    this.kv = new pkg.KV(address, creds, options);
    const shared = { ...options, channelOverride: this.kv.getChannel() };
    this.maintenance = new pkg.Maintenance(address, creds, shared);
    this.cluster = new pkg.Cluster(address, creds, shared);
    this.auth = new pkg.Auth(address, creds, shared);
    this.lease = new pkg.Lease(address, creds, shared);
    this.watch = new pkg.Watch(address, creds, shared);
  }

  close(): void {
    this.kv.close();
  }
}

/** A client of one etcd cluster: a channel per member, opened on first use. */
export class EtcdClient {
  readonly endpoints: readonly string[];
  readonly callTimeoutMs: number;
  readonly #channels = new Map<string, MemberChannel>();
  readonly #opts: EtcdClientOptions;
  #token: Promise<string> | undefined;

  constructor(opts: EtcdClientOptions) {
    if (opts.endpoints.length === 0) throw new FleetClientError('invalid', 'no etcd endpoints given');
    this.#opts = opts;
    this.endpoints = opts.endpoints;
    this.callTimeoutMs = opts.callTimeoutMs ?? 5_000;
  }

  /**
   * Runs `run` on the first member that answers, in the order given: etcd forwards writes to its
   * leader and makes reads linearizable, so any member serves. A refusal is final; only retryable
   * failures move on to the next member.
   */
  async onAnyMember<T>(run: (endpoint: string) => Promise<T>): Promise<T> {
    let last: unknown;
    for (const ep of this.endpoints) {
      try {
        return await run(ep);
      } catch (err) {
        last = err;
        if (!(err instanceof FleetClientError) || !err.retryable) throw err;
      }
    }
    throw last;
  }

  #member(endpoint: string): MemberChannel {
    let ch = this.#channels.get(endpoint);
    if (ch === undefined) {
      // As fleet's own channels: no IP address as the TLS server name (RFC 6066), the certificate checked against the IP.
      const tls = this.#opts.tls;
      ch = new MemberChannel(endpoint, channelCredentials(tls, endpoint), { ...this.#opts.channelOptions, ...memberChannelOptions(endpoint, tls) });
      this.#channels.set(endpoint, ch);
    }
    return ch;
  }

  /** The metadata of a call: the auth token once there is a user, else none. */
  async #metadata(endpoint: string): Promise<Metadata> {
    const md = new Metadata();
    if (this.#opts.bearerToken !== undefined) md.set('authorization', `Bearer ${this.#opts.bearerToken}`);
    const user = this.#opts.user;
    if (user === undefined) return md;
    this.#token ??= this.#authenticate(endpoint, user).catch((err: unknown) => {
      this.#token = undefined;
      throw err;
    });
    md.set('token', await this.#token);
    return md;
  }

  async #authenticate(endpoint: string, user: { name: string; password: string }): Promise<string> {
    const auth = this.#member(endpoint).auth;
    const r = await unary(auth.Authenticate, auth, { name: user.name, password: user.password }, new Metadata(), endpoint, this.callTimeoutMs);
    return r.token;
  }

  async #call<Req, Res>(endpoint: string, pick: (m: MemberChannel) => [Unary<Req, Res>, Client], req: Req, timeoutMs = this.callTimeoutMs): Promise<Res> {
    const [method, self] = pick(this.#member(endpoint));
    return unary(method, self, req, await this.#metadata(endpoint), endpoint, timeoutMs);
  }

  /** Puts one key (attached to `lease`, a decimal id, when given); answers the revision it was committed at. */
  async put(endpoint: string, key: Buffer, value: Buffer, timeoutMs?: number, lease?: string): Promise<number> {
    const r = await this.#call(endpoint, (m) => [m.kv.Put, m.kv], { key, value, ...(lease === undefined ? {} : { lease }) }, timeoutMs);
    return Number(r.header.revision);
  }

  /** Puts one key and answers the revision it was committed at and the value it replaced (etcd's prev_kv; absent: a new key). */
  async putKv(endpoint: string, key: Buffer, value: Buffer, timeoutMs?: number): Promise<{ revision: number; previous?: EtcdKeyValue }> {
    const r = await this.#call(endpoint, (m) => [m.kv.Put, m.kv], { key, value, prevKv: true }, timeoutMs);
    return { revision: Number(r.header.revision), ...(r.prevKv ? { previous: keyValueFromWire(r.prevKv) } : {}) };
  }

  /** Reads one key: linearizable (ReadIndex through the leader) unless `serializable`. */
  async get(endpoint: string, key: Buffer, opts: { serializable?: boolean; timeoutMs?: number } = {}): Promise<EtcdKeyValue | undefined> {
    const r = await this.#call(endpoint, (m) => [m.kv.Range, m.kv], { key, serializable: opts.serializable ?? false }, opts.timeoutMs);
    const found = r.kvs[0];
    return found === undefined ? undefined : keyValueFromWire(found);
  }

  /** Keys from `prefix` on (all keys with that prefix), in key order, at most `limit` (0: all). */
  async list(endpoint: string, prefix: Buffer, limit = 0): Promise<{ kvs: EtcdKeyValue[]; more: boolean }> {
    const r = await this.#call(endpoint, (m) => [m.kv.Range, m.kv], { key: prefix.length === 0 ? Buffer.from([0]) : prefix, rangeEnd: prefixEnd(prefix), limit, serializable: false });
    return { kvs: r.kvs.map(keyValueFromWire), more: r.more };
  }

  /** How many keys start with `prefix` (etcd counts them; no key or value is sent). */
  async count(endpoint: string, prefix: Buffer): Promise<number> {
    const r = await this.#call(endpoint, (m) => [m.kv.Range, m.kv], { key: prefix.length === 0 ? Buffer.from([0]) : prefix, rangeEnd: prefixEnd(prefix), countOnly: true, serializable: false });
    return Number(r.count);
  }

  /** Deletes one key; answers how many keys were deleted (0 or 1). */
  async delete(endpoint: string, key: Buffer, timeoutMs?: number): Promise<number> {
    return (await this.deleteRange(endpoint, key, undefined, timeoutMs)).deleted;
  }

  /** Deletes one key, or every key from `key` up to `rangeEnd`; answers how many and the revision after. */
  async deleteRange(endpoint: string, key: Buffer, rangeEnd?: Buffer, timeoutMs?: number): Promise<{ deleted: number; revision: number }> {
    const r = await this.#call(endpoint, (m) => [m.kv.DeleteRange, m.kv], { key, ...(rangeEnd === undefined ? {} : { rangeEnd }) }, timeoutMs);
    return { deleted: Number(r.deleted), revision: Number(r.header.revision) };
  }

  /**
   * Puts `value` if the key holds `expected` (null: the key is absent); answers whether it did,
   * the revision, and the value it replaced (absent for a new key).
   */
  /**
   * Puts `value` if the key is as `when` says: its value `when.value` (null: absent) and/or its
   * mod revision `when.modRevision` (0: absent). `expected` alone is the value's.
   */
  async compareAndPut(endpoint: string, key: Buffer, expected: Buffer | null | CasCondition, value: Buffer, timeoutMs?: number): Promise<{ succeeded: boolean; revision: number; previous?: EtcdKeyValue }> {
    const when: CasCondition = expected === null || Buffer.isBuffer(expected) ? { value: expected } : expected;
    // An absent key has create_revision 0; a present one is compared by value and/or mod revision.
    const absent = { result: 'EQUAL', target: 'CREATE', key, createRevision: 0 };
    const compare: object[] = [];
    if (when.value === null || when.modRevision === 0) compare.push(absent);
    if (when.value !== undefined && when.value !== null) compare.push({ result: 'EQUAL', target: 'VALUE', key, value: when.value });
    if (when.modRevision !== undefined && when.modRevision > 0) compare.push({ result: 'EQUAL', target: 'MOD', key, modRevision: String(when.modRevision) });
    const r = await this.#call(endpoint, (m) => [m.kv.Txn, m.kv], { compare, success: [{ requestPut: { key, value, prevKv: true } }], failure: [] }, timeoutMs);
    const previous = r.responses?.[0]?.responsePut?.prevKv;
    return { succeeded: r.succeeded, revision: Number(r.header.revision), ...(previous ? { previous: keyValueFromWire(previous) } : {}) };
  }

  /**
   * Keys from `key` up to `rangeEnd` (absent: that one key), at most `limit` (0: all), and the
   * store's revision the read saw. `byCreate` sorts by create revision (oldest first, or newest
   * with `descend`), `maxCreateRevision` leaves out keys created after it.
   */
  async range(endpoint: string, key: Buffer, opts: RangeOptions = {}): Promise<{ kvs: EtcdKeyValue[]; more: boolean; revision: number }> {
    const sort = opts.byCreate === undefined ? {} : { sortTarget: 'CREATE' as const, sortOrder: opts.byCreate === 'descend' ? ('DESCEND' as const) : ('ASCEND' as const) };
    const req = {
      key,
      ...(opts.rangeEnd === undefined ? {} : { rangeEnd: opts.rangeEnd }),
      limit: opts.limit ?? 0,
      ...sort,
      ...(opts.maxCreateRevision === undefined ? {} : { maxCreateRevision: String(opts.maxCreateRevision) }),
    };
    const read = async (serializable: boolean) => {
      const r = await this.#call(endpoint, (m) => [m.kv.Range, m.kv], { ...req, serializable });
      return { kvs: r.kvs.map(keyValueFromWire), more: r.more, revision: Number(r.header.revision) };
    };
    if (opts.atLeastRevision !== undefined) {
      const local = await read(true);
      if (local.revision >= opts.atLeastRevision) return local;
    }
    return read(false);
  }

  /**
   * One transaction: if every compare holds, the puts and deletes are applied together at one
   * revision; otherwise nothing is. Answers whether it was applied and the revision after it.
   */
  async txn(endpoint: string, compare: readonly EtcdCompare[], ops: readonly EtcdTxnOp[], timeoutMs?: number): Promise<{ succeeded: boolean; revision: number }> {
    // An absent key has create_revision 0; a present one is compared by mod_revision.
    const compares = compare.map((c): TxnCompare => (c.modRevision === 0 ? { key: c.key, target: 'create', value: 0 } : { key: c.key, target: 'mod', value: c.modRevision }));
    const success = ops.map((op) => (op.value === undefined ? { delete: op.key } : { put: op.key, value: op.value, ...(op.lease === undefined ? {} : { lease: op.lease }) }));
    return this.transact(endpoint, { compare: compares, success }, timeoutMs);
  }

  /** One transaction with etcd's whole compare set and both branches (txn.ts). */
  async transact(endpoint: string, t: TxnRequest, timeoutMs?: number): Promise<TxnResult> {
    const r = await this.#call(endpoint, (m) => [m.kv.Txn, m.kv], txnToWire(t), timeoutMs);
    return { succeeded: r.succeeded, revision: Number(r.header.revision) };
  }

  /** Grants an etcd lease of `ttlSeconds` (etcd may raise it to its minimum); answers its id (decimal) and the TTL granted. */
  async leaseGrant(endpoint: string, ttlSeconds: number): Promise<{ id: string; ttlSeconds: number }> {
    const r = await this.#call(endpoint, (m) => [m.lease.LeaseGrant, m.lease], { TTL: String(ttlSeconds), ID: '0' });
    if (r.error !== '') throw new FleetClientError('internal', `etcd refused a lease of ${ttlSeconds} s: ${r.error}`);
    return { id: r.ID, ttlSeconds: Number(r.TTL) };
  }

  /** Revokes an etcd lease: the keys attached to it go at once. */
  async leaseRevoke(endpoint: string, id: string): Promise<void> {
    await this.#call(endpoint, (m) => [m.lease.LeaseRevoke, m.lease], { ID: id });
  }

  async status(endpoint: string, timeoutMs?: number): Promise<EtcdStatus> {
    return statusFromWire(await this.#call(endpoint, (m) => [m.maintenance.Status, m.maintenance], {}, timeoutMs));
  }

  async memberList(endpoint: string, timeoutMs?: number): Promise<EtcdMember[]> {
    const r = await this.#call(endpoint, (m) => [m.cluster.MemberList, m.cluster], {}, timeoutMs);
    return r.members.map(memberFromWire);
  }

  /** Adds a member (a learner unless `isLearner` is false); answers it (its name is empty until it starts). */
  async memberAdd(endpoint: string, peerUrls: readonly string[], isLearner: boolean): Promise<{ member: EtcdMember; members: EtcdMember[] }> {
    const r = await this.#call(endpoint, (m) => [m.cluster.MemberAdd, m.cluster], { peerURLs: [...peerUrls], isLearner });
    return { member: memberFromWire(r.member), members: r.members.map(memberFromWire) };
  }

  /** Promotes a learner that has caught up with the leader; etcd refuses one that has not. */
  async memberPromote(endpoint: string, id: string): Promise<EtcdMember[]> {
    const r = await this.#call(endpoint, (m) => [m.cluster.MemberPromote, m.cluster], { ID: id });
    return r.members.map(memberFromWire);
  }

  async memberRemove(endpoint: string, id: string): Promise<EtcdMember[]> {
    const r = await this.#call(endpoint, (m) => [m.cluster.MemberRemove, m.cluster], { ID: id });
    return r.members.map(memberFromWire);
  }

  /** Hands leadership to `targetId`; `endpoint` must be the current leader's (the others refuse). */
  async moveLeader(endpoint: string, targetId: string, timeoutMs?: number): Promise<void> {
    await this.#call(endpoint, (m) => [m.maintenance.MoveLeader, m.maintenance], { targetID: targetId }, timeoutMs);
  }

  /** The cluster's active alarms (any member answers for all). */
  async alarms(endpoint: string, timeoutMs?: number): Promise<EtcdAlarm[]> {
    const r = await this.#call(endpoint, (m) => [m.maintenance.Alarm, m.maintenance], ALARM_GET, timeoutMs);
    return alarmsFromWire(r);
  }

  /** The leader's client endpoint, asking every member (the first that knows one answers). */
  async leaderEndpoint(timeoutMs = 1_000): Promise<string | undefined> {
    const answers = await Promise.all(this.endpoints.map((ep) => this.status(ep, timeoutMs).then((s) => ({ ep, s }), () => undefined)));
    return answers.find((a) => a !== undefined && a.s.leaderId !== '0' && a.s.leaderId === a.s.memberId)?.ep;
  }

  /**
   * Opens a Watch stream to one member, on which many watchers can be created: watches are
   * served by the member they are opened on, over its own applied keyspace.
   */
  async watchStream(endpoint: string): Promise<EtcdWatchStream> {
    const m = this.#member(endpoint).watch;
    return new EtcdWatchStream(endpoint, m.Watch(await this.#metadata(endpoint)));
  }

  /** Opens a LeaseKeepAlive stream to one member (a follower relays it to the leader). */
  async keepAliveStream(endpoint: string): Promise<ReturnType<LeaseService['LeaseKeepAlive']>> {
    const m = this.#member(endpoint).lease;
    return m.LeaseKeepAlive(await this.#metadata(endpoint));
  }

  /**
   * Streams Maintenance.Snapshot of one member into `toFile`, as etcdctl saves it (the db and its
   * trailing sha256), and checks that hash: a snapshot whose hash does not match is deleted and
   * the call fails. Answers the bytes written and the hash.
   */
  async snapshot(endpoint: string, toFile: string, timeoutMs = 600_000): Promise<{ bytes: number; sha256: string }> {
    const m = this.#member(endpoint).maintenance;
    const stream = m.Snapshot({}, await this.#metadata(endpoint), { deadline: Date.now() + timeoutMs });
    const writer = await SnapshotWriter.create(toFile);
    try {
      for await (const chunk of stream as AsyncIterable<{ blob: Buffer }>) await writer.write(chunk.blob);
      return await writer.finish();
    } catch (err) {
      stream.cancel();
      await writer.abort();
      throw isServiceError(err) ? fromServiceError(err, endpoint) : err;
    }
  }

  close(): void {
    for (const ch of this.#channels.values()) ch.close();
    this.#channels.clear();
  }
}

function unary<Req, Res>(method: Unary<Req, Res>, self: Client, req: Req, md: Metadata, endpoint: string, timeoutMs: number): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(self, req, md, { deadline: Date.now() + timeoutMs }, (err: ServiceError | null, value?: Res) => (err ? reject(fromServiceError(err, endpoint)) : resolve(value!)));
  });
}

/** `http://host:port` or `https://…` to `host:port`. */
export function hostPort(url: string): string {
  return url.replace(/^[a-z]+:\/\//, '').replace(/\/$/, '');
}

/** Whether a failed call may succeed elsewhere or later (no leader, member down, deadline). */
export function isRetryable(err: unknown): boolean {
  return err instanceof FleetClientError && err.retryable;
}
