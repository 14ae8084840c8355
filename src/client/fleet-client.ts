/**
 * FleetClient: what every CLI command, drill and benchmark uses to talk to a coordinator
 * cluster. Writes go to the leader on one session stream per member and are exactly-once
 * (client id + seq, reused by retries); reads go where their consistency allows; failures
 * come out as FleetClientError with a one-line message that says what to do.
 */
import type { ChannelOptions } from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import type * as wire from '../proto/index.js';
import type { BreakerOptions } from '../common/breaker.js';
import { adminCalls, type AdminCalls } from './admin-calls.js';
import { autopilotSettingsFromWire, memberStatusFromWire, refusalError, writeResultFromWire } from './decode.js';
import { commandToWire, consistencyToWire, isFollowerRead } from './encode.js';
import { FleetClientError, submitFailure } from './errors.js';
import { Router, type EndpointStatus, type Route } from './transport/router.js';
import { downloadSnapshot, type DownloadOptions } from './snapshot-download.js';
import { closeEtcdAccess, EtcdAccess, etcdAccessOf, registerEtcdAccess } from './etcd/access.js';
import { AccessKeyspace, type Keyspace } from './etcd/keyspace.js';
import { watchChanges, type WatchOptions } from './watch.js';
import * as q from './queries.js';
import type {
  AutopilotSettings,
  AutopilotSettingsView,
  ClusterView,
  Command,
  CommandOf,
  CommandType,
  DomainView,
  KvEntry,
  KvListOptions,
  LeaseStatus,
  ListClustersOptions,
  MemberStatus,
  MembersView,
  Page,
  PlanView,
  ProviderView,
  QuotaView,
  ReadOptions,
  RebindMove,
  RegistryCounts,
  WatchBatch,
  AuditEntry,
  DrillAuditRecord,
  ShardState,
  ShardView,
  SnapshotInfo,
  TransferResult,
  Written,
  Commands,
} from './types.js';
import type { TlsFiles } from './transport/tls.js';
export { channelCredentials } from './transport/channel.js';

export type { TlsFiles } from './transport/tls.js';

/** How to reach a cluster and how patient to be. */
export interface FleetClientOptions {
  /** `host:port` of each member's gRPC port; the first is preferred for follower reads (make it the local one). */
  readonly endpoints: readonly string[];
  /** The client's own region: min-index and max-staleness reads go first to members that say they run in it. */
  readonly region?: string;
  /** Bearer token (FLEET_TOKEN). */
  readonly token?: string;
  readonly tls?: TlsFiles;
  /** Deadline of one attempt (default 5 s). */
  readonly callTimeoutMs?: number;
  /** Deadline of a call with all its retries (default 15 s). */
  readonly overallTimeoutMs?: number;
  /** The session identity for exactly-once writes (default: a fresh random one). */
  readonly clientId?: string;
  /** `unary` sends each write and read as its own call instead of on the session stream (for simple tools and comparisons). */
  readonly transport?: 'session' | 'unary';
  readonly breaker?: BreakerOptions;
  /** Back-off before a retry: first delay and cap, before jitter (default 50 ms, 1 s). */
  readonly backoffMs?: { readonly initial: number; readonly max: number };
  /** Extra grpc-js channel options (they override the defaults). */
  readonly channelOptions?: ChannelOptions;
  /** Jitter source (default Math.random). */
  readonly random?: () => number;
  /** Who this client says it is, for the members' audit log (default `user@host`; '' sends nothing). */
  readonly actor?: string;
}

/**
 * A membership change made only if the membership is still the one it was checked against: the
 * `configIndex` a status read showed. Absent: the change applies to whatever the membership is.
 */
export interface ConditionalChange {
  readonly ifConfigIndex?: number;
}

function ifConfig(opts: ConditionalChange): { ifConfigIndex?: number } {
  return opts.ifConfigIndex === undefined ? {} : { ifConfigIndex: opts.ifConfigIndex };
}

/** `user@host` of this process, as the audit log records the client (unverified by the members). */
function localActor(): string {
  try {
    return `${userInfo().username}@${hostname()}`.replace(/[^\x21-\x7e]/g, '?').slice(0, 200);
  } catch {
    return `uid-${process.getuid?.() ?? '?'}@${hostname()}`;
  }
}

/**
 * Channel defaults: keepalive pings find a dead connection in ~25 s even when idle, and a
 * short reconnect back-off lets a restarted member be used again within seconds.
 */
export const DEFAULT_CHANNEL_OPTIONS: ChannelOptions = {
  'grpc.keepalive_time_ms': 20_000,
  'grpc.keepalive_timeout_ms': 5_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 2_000,
  'grpc.max_receive_message_length': 64 << 20,
  'grpc.max_send_message_length': 64 << 20,
};


/**
 * Sequence numbers of this client's writes. Invariant: `firstIncomplete` is the lowest seq not
 * yet settled (answered or given up), so the registry only forgets answers the client has seen.
 */
class Sequencer {
  #next = 1;
  // Insertion order is seq order, so the first element is the lowest seq in flight.
  readonly #inFlight = new Set<number>();

  begin(): number {
    const seq = this.#next++;
    this.#inFlight.add(seq);
    return seq;
  }

  end(seq: number): void {
    this.#inFlight.delete(seq);
  }

  get firstIncomplete(): number {
    for (const seq of this.#inFlight) return seq;
    return this.#next;
  }
}

/**
 * A client of one coordinator cluster. Invariants: a write keeps its seq across every retry
 * (so it is applied at most once); the highest index seen only grows; after `close()` no
 * channel or stream is left open.
 */
export class FleetClient {
  /** The session identity of this client's writes. */
  readonly clientId: string;
  readonly #router: Router;
  readonly #seqs = new Sequencer();
  #highestIndex = 0;
  readonly #closing = new AbortController();
  /**
   * Every operation of fleet.v1.Admin as one typed call (`admin.call('ListMembers', {})`, or
   * `admin.stream(…)` for a server stream), routed as its row of the operations' table says.
   */
  readonly admin: AdminCalls;

  constructor(opts: FleetClientOptions) {
    this.clientId = opts.clientId ?? `client-${randomUUID()}`;
    this.#router = new Router({
      endpoints: opts.endpoints,
      ...(opts.region === undefined ? {} : { region: opts.region }),
      config: {
        tls: opts.tls,
        channelOptions: { ...DEFAULT_CHANNEL_OPTIONS, ...opts.channelOptions },
        token: opts.token,
        actor: opts.actor ?? localActor(),
        breaker: opts.breaker ?? {},
        unary: opts.transport === 'unary',
      },
      callTimeoutMs: opts.callTimeoutMs ?? 5_000,
      overallTimeoutMs: opts.overallTimeoutMs ?? 15_000,
      backoffMs: opts.backoffMs ?? { initial: 50, max: 1_000 },
      random: opts.random ?? Math.random,
    });
    this.admin = adminCalls(this.#router, this.closeSignal);
    // The etcd keyspace the same members serve, with the same credentials: built once, on first use.
    registerEtcdAccess(this, () => new EtcdAccess({ endpoints: opts.endpoints, token: opts.token, tls: opts.tls, callTimeoutMs: opts.callTimeoutMs ?? 5_000, overallTimeoutMs: opts.overallTimeoutMs ?? 15_000, leaderHint: () => this.leaderEndpoint, closeSignal: this.closeSignal }));
  }

  /** The etcd keyspace the members serve (keys, leases, transactions), through this client's endpoints and credentials; the recipes stand on it. */
  get keyspace(): Keyspace {
    return new AccessKeyspace(etcdAccessOf(this));
  }

  /** A client that has found the leader (fails like a write would when there is none). */
  static async connect(opts: FleetClientOptions): Promise<FleetClient> {
    const client = new FleetClient(opts);
    try {
      await client.findLeader();
      return client;
    } catch (err) {
      client.close();
      throw err;
    }
  }

  /** The configured endpoints. */
  get endpoints(): readonly string[] {
    return this.#router.configured.map((ep) => ep.address);
  }

  /** The leader's endpoint as last seen. */
  get leaderEndpoint(): string | undefined {
    return this.#router.leader?.address;
  }

  /** The highest Raft index this client has seen in an answer (what `read-your-writes` waits for). */
  get highestIndex(): number {
    return this.#highestIndex;
  }

  /** Finds the leader (asking every member in parallel). */
  async findLeader(): Promise<{ endpoint: string; memberId: string }> {
    const ep = await this.#router.findLeader();
    return { endpoint: ep.address, memberId: ep.memberId };
  }

  /** One member's status (default: the leader's). */
  async status(endpoint?: string): Promise<MemberStatus> {
    const route: Route = endpoint === undefined ? 'leader' : { endpoint };
    return this.#router.run(route, async (ep, timeout) => memberStatusFromWire(await ep.status(timeout)));
  }

  /** Every configured member's status, or why it has none; never throws, answers within the call deadline. */
  statusAll(): Promise<EndpointStatus[]> {
    return this.#router.statusAll();
  }

  /**
   * Follows a registry's changes as the members apply them (see watch.ts): each entry's changes
   * once, in index order, across the loss of the member being read from.
   */
  watch(opts: WatchOptions = {}): AsyncGenerator<WatchBatch> {
    // close() ends every watch of the client, whatever signal its caller passed.
    const signal = opts.signal === undefined ? this.closeSignal : AbortSignal.any([opts.signal, this.closeSignal]);
    return watchChanges(this.#router.configured, { ...opts, signal });
  }

  /** Aborted once `close()` was called: watches and recipe waits on this client stop on it. */
  get closeSignal(): AbortSignal {
    return this.#closing.signal;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closing.signal.aborted;
  }

  /** Closes every channel and stream, so the process can exit; ends every watch and recipe wait. */
  close(): void {
    this.#closing.abort();
    this.#router.close();
    closeEtcdAccess(this);
  }

  #seen(index: number): void {
    if (index > this.#highestIndex) this.#highestIndex = index;
  }

  // -------------------------------------------------------------------------------------------
  // Writes
  // -------------------------------------------------------------------------------------------

  /**
   * Sends one write to the leader until answered; every retry reuses its seq, so it applies at
   * most once. A duplicate answer counts as `already applied` only on the first attempt: after
   * a lost attempt of this very call, the write may have been applied by that attempt.
   */
  async #send(command: Command): Promise<{ response: wire.WriteResponse__Output; endpoint: string }> {
    const part = commandToWire(command);
    const seq = this.#seqs.begin();
    let attempts = 0;
    try {
      const answer = await this.#router.run('leader', async (ep, timeout) => {
        const req: wire.WriteRequest = { clientId: this.clientId, seq, firstIncomplete: this.#seqs.firstIncomplete, ...part };
        attempts++;
        return { response: await ep.write(req, timeout), endpoint: ep.address };
      });
      this.#seen(answer.response.index);
      if (attempts > 1 && answer.response.duplicate) return { ...answer, response: { ...answer.response, duplicate: false } };
      return answer;
    } finally {
      this.#seqs.end(seq);
    }
  }

  /**
   * Submits one command to the state machine of the application that embeds the cluster's members
   * (fleet/embed) through the leader; resolves with its apply's answer and the index it committed
   * at. Retried only where it surely was not proposed (a member that named another leader, or
   * none reached); once it may have been, a lost answer fails with code OUTCOME_UNKNOWN: it may
   * or may not have applied, so commands that must apply once carry their own id.
   */
  async submit(op: string, payload: Uint8Array): Promise<{ value: unknown; index: number }> {
    const r = await this.#router.run('leader', async (ep, timeout) => {
      try {
        return await ep.unary<wire.SubmitResponse__Output>((md, o, cb) => ep.fleet.Submit({ op, payload }, md, o, cb), timeout);
      } catch (err) {
        throw submitFailure(err);
      }
    });
    this.#seen(r.index);
    return { value: JSON.parse(r.resultJson || 'null') as unknown, index: r.index };
  }

  /** Applies one registry write through the leader, exactly once; resolves with its result and index. */
  async write<T extends CommandType>(command: CommandOf<T>): Promise<Written<T>> {
    // A CommandOf<T> is one member of the Command union; TypeScript does not narrow the generic.
    const { response, endpoint } = await this.#send(command as Command);
    return writeResultFromWire(command.type, response, endpoint);
  }

  /**
   * Applies one write like `write` but answers only the index it committed at, without decoding
   * a result: for benchmarks, including members that acknowledge before applying
   * (`--unsafe-ack-before-commit`), whose answers carry no result. Refusals still throw.
   */
  async writeAck(command: Command): Promise<number> {
    const { response, endpoint } = await this.#send(command);
    if (response.error) throw refusalError(response.error, response.index, endpoint, response.duplicate);
    return response.index;
  }

  #do<T extends CommandType>(type: T, fields: Commands[T]): Promise<Written<T>> {
    // A command is its type plus its fields; the spread cannot be checked against the generic.
    return this.write({ type, ...fields } as CommandOf<T>);
  }

  /** Registers a shard (an identical re-registration is a no-op). */
  registerShard(shard: Commands['shard.register']): Promise<Written<'shard.register'>> {
    return this.#do('shard.register', shard);
  }

  /** Changes a shard's fields; `labels` replaces the whole set. */
  updateShard(id: string, changes: Omit<Commands['shard.update'], 'id'>): Promise<Written<'shard.update'>> {
    return this.#do('shard.update', { id, ...changes });
  }

  /** Moves a shard between active, draining and cordoned. */
  setShardState(id: string, state: ShardState): Promise<Written<'shard.setState'>> {
    return this.#do('shard.setState', { id, state });
  }

  /** Removes a shard (with `force`, unbinding its clusters). */
  removeShard(id: string, opts: { force?: boolean } = {}): Promise<Written<'shard.remove'>> {
    return this.#do('shard.remove', { id, ...opts });
  }

  /** Records that a shard is alive. */
  shardHeartbeat(id: string): Promise<Written<'shard.heartbeat'>> {
    return this.#do('shard.heartbeat', { id });
  }

  /** A cluster's contact with a shard: first contact wins; another shard later is ALREADY_BOUND. */
  contact(cluster: string, shard: string): Promise<Written<'cluster.contact'>> {
    return this.#do('cluster.contact', { cluster, shard });
  }

  /** Moves a cluster if it is bound to `from` (null: unbound); else CAS_FAILED with details.currentShard. */
  rebind(cluster: string, from: string | null, to: string, opts: { force?: boolean } = {}): Promise<Written<'cluster.rebind'>> {
    return this.#do('cluster.rebind', { cluster, from, to, ...opts });
  }

  /** Many rebinds, all or none. */
  rebindBatch(moves: readonly RebindMove[], opts: { force?: boolean; planId?: string } = {}): Promise<Written<'cluster.rebindBatch'>> {
    return this.#do('cluster.rebindBatch', { moves, ...opts });
  }

  /** Leaves a cluster known but unbound. */
  unbind(cluster: string): Promise<Written<'cluster.unbind'>> {
    return this.#do('cluster.unbind', { cluster });
  }

  /** Records that a cluster is alive. */
  clusterHeartbeat(cluster: string): Promise<Written<'cluster.heartbeat'>> {
    return this.#do('cluster.heartbeat', { cluster });
  }

  /** Forgets clusters not seen for `notSeenSinceMs`. */
  pruneClusters(notSeenSinceMs: number): Promise<Written<'cluster.prune'>> {
    return this.#do('cluster.prune', { notSeenSinceMs });
  }

  /** Assigns the topology domain `key=value` to a shard. */
  assignDomain(key: string, value: string, shard: string): Promise<Written<'domain.assign'>> {
    return this.#do('domain.assign', { key, value, shard });
  }

  /** Removes the assignment of `key=value`. */
  unassignDomain(key: string, value: string): Promise<Written<'domain.unassign'>> {
    return this.#do('domain.unassign', { key, value });
  }

  /** Sets a provider+region quota and its per-shard slices. */
  setQuota(provider: string, region: string, total: number, slices: Readonly<Record<string, number>> = {}): Promise<Written<'quota.set'>> {
    return this.#do('quota.set', { provider, region, total, slices });
  }

  /** Removes a provider+region quota. */
  removeQuota(provider: string, region: string): Promise<Written<'quota.remove'>> {
    return this.#do('quota.remove', { provider, region });
  }

  /** Adds an infrastructure provider. */
  addProvider(provider: Commands['provider.add']): Promise<Written<'provider.add'>> {
    return this.#do('provider.add', provider);
  }

  /** Removes a provider (refused while quotas refer to it). */
  removeProvider(name: string): Promise<Written<'provider.remove'>> {
    return this.#do('provider.remove', { name });
  }

  /** Takes (or, for its holder, renews) a lease. */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<Written<'lease.acquire'>> {
    return this.#do('lease.acquire', { name, holder, ttlMs });
  }

  /** Extends a live lease. */
  renewLease(name: string, holder: string, token: number, ttlMs?: number): Promise<Written<'lease.renew'>> {
    return this.#do('lease.renew', ttlMs === undefined ? { name, holder, token } : { name, holder, token, ttlMs });
  }

  /** Gives a lease back. */
  releaseLease(name: string, holder: string, token: number): Promise<Written<'lease.release'>> {
    return this.#do('lease.release', { name, holder, token });
  }

  /** Writes a KV value. */
  kvPut(key: string, value: string, opts: { ns?: string } = {}): Promise<Written<'kv.put'>> {
    return this.#do('kv.put', { key, value, ...opts });
  }

  /** Deletes a KV key (`deleted: false` when it was absent). */
  kvDelete(key: string, opts: { ns?: string } = {}): Promise<Written<'kv.delete'>> {
    return this.#do('kv.delete', { key, ...opts });
  }

  /**
   * Writes a KV value if the current one is `expected` (null: absent; undefined: not compared)
   * and, with `expectRevision`, the key's mod revision is that (0: absent); else CAS_FAILED with
   * details.currentValue and details.currentRevision.
   */
  kvCas(key: string, expected: string | null | undefined, value: string, opts: { ns?: string; expectRevision?: number } = {}): Promise<Written<'kv.cas'>> {
    return this.#do('kv.cas', { key, ...(expected === undefined ? {} : { expected }), value, ...opts });
  }

  /** Publishes a rebind plan's progress. */
  reportPlanProgress(progress: Commands['plan.progress']): Promise<Written<'plan.progress'>> {
    return this.#do('plan.progress', progress);
  }

  // -------------------------------------------------------------------------------------------
  // Reads
  // -------------------------------------------------------------------------------------------

  /** Runs one read where its consistency allows; resolves with the answer (and records its index). */
  async #read<T>(query: q.Query<T>, opts: ReadOptions): Promise<T> {
    const req: wire.ReadRequest = { ...consistencyToWire(opts.consistency, this.#highestIndex), ...query.request };
    const route: Route = isFollowerRead(opts.consistency) ? 'any' : 'leader';
    const minIndex = Number(req.minIndex ?? 0);
    const response = await this.#router.run(route, (ep, timeout) => ep.read(req, timeout)).catch(async (err: unknown) => {
      throw minIndex > 0 && err instanceof FleetClientError && err.kind === 'timeout' ? await this.#notApplied(minIndex, err) : err;
    });
    this.#seen(response.index);
    opts.onServed?.({ member: response.servedBy, appliedIndex: response.index });
    return query.decode(response);
  }

  /**
   * Why a min-index read timed out, when the members say so: none has applied the index yet.
   * Unchanged when they cannot be asked, or one has applied it (then the timeout was something else).
   */
  async #notApplied(index: number, timedOut: FleetClientError): Promise<FleetClientError> {
    const answers = (await this.#router.statusAll().catch(() => [])).flatMap((s) => (s.ok ? [s.status] : []));
    if (answers.length === 0) return timedOut;
    const applied = Math.max(...answers.map((s) => s.appliedIndex));
    if (applied >= index) return timedOut;
    const committed = Math.max(...answers.map((s) => s.commitIndex));
    return new FleetClientError('timeout', `index ${index} is not applied yet: the most any member has applied is ${applied} (commit index ${committed}); the read would not see that write: retry later, or check the index`, {
      code: 'NOT_APPLIED',
      cause: timedOut,
    });
  }

  /** One shard, or undefined. */
  getShard(id: string, opts: ReadOptions = {}): Promise<ShardView | undefined> {
    return this.#read(q.getShard(id), opts);
  }

  /** Every shard. */
  listShards(opts: ReadOptions = {}): Promise<ShardView[]> {
    return this.#read(q.listShards(), opts);
  }

  /** One cluster, or undefined. */
  getCluster(name: string, opts: ReadOptions = {}): Promise<ClusterView | undefined> {
    return this.#read(q.getCluster(name), opts);
  }

  /** A page of clusters, optionally of one shard, unbound or stale. */
  listClusters(opts: ListClustersOptions = {}): Promise<Page<ClusterView>> {
    return this.#read(q.listClusters(opts), opts);
  }

  /** Registry sizes. */
  counts(opts: ReadOptions = {}): Promise<RegistryCounts> {
    return this.#read(q.counts(), opts);
  }

  /** Domain assignments, optionally of one shard. */
  listDomains(opts: ReadOptions & { shard?: string } = {}): Promise<DomainView[]> {
    return this.#read(q.listDomains(opts.shard), opts);
  }

  /** Quotas. */
  listQuotas(opts: ReadOptions = {}): Promise<QuotaView[]> {
    return this.#read(q.listQuotas(), opts);
  }

  /** Providers. */
  listProviders(opts: ReadOptions = {}): Promise<ProviderView[]> {
    return this.#read(q.listProviders(), opts);
  }

  /** Leases as the serving member sees them now. */
  listLeases(opts: ReadOptions = {}): Promise<LeaseStatus[]> {
    return this.#read(q.listLeases(), opts);
  }

  /** One KV entry, or undefined. */
  kvGet(key: string, opts: ReadOptions & { ns?: string } = {}): Promise<KvEntry | undefined> {
    return this.#read(q.kvGet(key, opts.ns), opts);
  }

  /** A page of KV entries under a prefix. */
  kvList(opts: KvListOptions = {}): Promise<Page<KvEntry>> {
    return this.#read(q.kvList(opts), opts);
  }

  /** Recent rebind plans, most recently updated first. */
  listPlans(opts: ReadOptions = {}): Promise<PlanView[]> {
    return this.#read(q.listPlans(), opts);
  }

  // -------------------------------------------------------------------------------------------
  // Admin
  // -------------------------------------------------------------------------------------------

  /** Hands leadership to `to` (default: the most caught-up voter). */
  async transferLeader(to?: string): Promise<TransferResult> {
    const r = await this.admin.call('TransferLeader', { to });
    return { from: r.from, to: r.to, tookMs: r.tookMs };
  }

  /** Takes a snapshot on a member (default: the leader). */
  async takeSnapshot(opts: { endpoint?: string } = {}): Promise<SnapshotInfo> {
    const r = await this.admin.call('TakeSnapshot', {}, opts);
    return { index: r.index, term: r.term, bytes: r.bytes, path: r.path };
  }

  /** Streams a member's newest snapshot (default: the leader's) into `toFile`, atomically. */
  downloadSnapshot(toFile: string, opts: DownloadOptions & { endpoint?: string } = {}): Promise<SnapshotInfo> {
    const route: Route = opts.endpoint === undefined ? 'leader' : { endpoint: opts.endpoint };
    return this.#router.run(route, (ep) => downloadSnapshot(ep, toFile, opts));
  }

  /**
   * Adds a member (as a learner with `learner`); answers the new membership. With `ifConfigIndex`
   * (a `configIndex` from status) the change is refused (FAILED_PRECONDITION) if the membership
   * changed since: a change checked against one membership is never made to another.
   */
  async addMember(id: string, address: string, opts: { learner?: boolean } & ConditionalChange = {}): Promise<MembersView> {
    return q.membersFromWire(await this.admin.call('AddMember', { id, address, learner: opts.learner ?? false, ...ifConfig(opts) }));
  }

  /** Promotes a caught-up learner to voter; conditional with `ifConfigIndex`, as addMember. */
  async promoteMember(id: string, opts: ConditionalChange = {}): Promise<MembersView> {
    return q.membersFromWire(await this.admin.call('PromoteMember', { id, ...ifConfig(opts) }));
  }

  /** Removes a member; conditional with `ifConfigIndex`, as addMember. */
  async removeMember(id: string, opts: ConditionalChange = {}): Promise<MembersView> {
    return q.membersFromWire(await this.admin.call('RemoveMember', { id, ...ifConfig(opts) }));
  }

  /** The membership as a member knows it (default: the leader). */
  async listMembers(opts: { endpoint?: string } = {}): Promise<MembersView> {
    return q.membersFromWire(await this.admin.call('ListMembers', {}, opts));
  }

  /** The replicated autopilot settings, read through the leader. */
  async getAutopilot(): Promise<AutopilotSettingsView> {
    const r = await this.admin.call('GetAutopilot', {});
    return { settings: autopilotSettingsFromWire(r.settings), problem: r.problem === '' ? null : r.problem };
  }

  /** Changes the given autopilot settings (the others keep their value); answers the settings now in force. */
  async setAutopilot(patch: Partial<AutopilotSettings>): Promise<AutopilotSettingsView> {
    const r = await this.admin.call('SetAutopilot', { ...patch });
    return { settings: autopilotSettingsFromWire(r.settings), problem: r.problem === '' ? null : r.problem };
  }

  /** The audit log through the leader, oldest first; `sinceMs` is leader wall time, `who` a token name. */
  async audit(filter: { sinceMs?: number; who?: string } = {}): Promise<AuditEntry[]> {
    const r = await this.admin.call('GetAudit', { sinceTime: filter.sinceMs ?? 0, who: filter.who ?? '' });
    return r.entries.map((e) => ({ index: e.index, time: e.time, who: e.who, client: e.client, op: e.op, args: JSON.parse(e.argsJson === '' ? '{}' : e.argsJson) as Record<string, unknown>, outcome: e.outcome }));
  }

  /**
   * Records a drill's start or end in the audit log, through the leader (retried at a new one
   * after a failover, within the client's overall deadline). `args` must hold no credentials.
   */
  async recordDrill(record: DrillAuditRecord): Promise<void> {
    await this.admin.call('RecordDrill', { phase: record.phase, kind: record.kind, argsJson: JSON.stringify(record.args), outcome: record.outcome ?? '' });
  }
}
