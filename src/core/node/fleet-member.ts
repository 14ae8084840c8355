/**
 * A fleet member: the Raft node (fleet-node.ts) replicating the registry, the etcd keyspace and
 * an embedding application's state machine (member-state.ts), with the services that run beside
 * it (services/): lease expiry, clock warnings, autopilot and the cluster version, the
 * application's state checks. This is what the server, fleet/embed and the simulator run; it
 * answers registry writes and reads (NodeApi) and the etcd and application calls.
 */
import { encodeCommand } from '../fleet/index.js';
import type { Actor, ApplyResult, FleetStateMachine, LeaseView } from '../fleet/index.js';
import type { EtcdAnswer, EtcdOp, EtcdRequest } from '../etcd-store/replica.js';
import { BINARY_ETCD_FORMAT, encodeEtcdLogEntry } from '../etcd-store/request-codec.js';
import { BINARY_KEYSPACE_IMAGE_FORMAT } from '../etcd-store/keyspace-image.js';
import { ERR_LEASE_NOT_FOUND, type MvccStore } from '../etcd-store/mvcc.js';
import type { EtcdAuthStore } from '../etcd-store/auth-store.js';
import type { KeyspaceWatchHub } from '../etcd-store/watch-hub.js';
import type { RawNode } from '../raft/index.js';
import { NodeError, type MemberStatus, type ReadConsistency } from './api.js';
import type { NodeApi, WriteRequest } from './member-api.js';
import { AppFaultError, encodeAppCommand, type AppFault, type StateMachine } from './state/app-machine.js';
import { AUTOPILOT_KV, decodeSettings, encodeSettings, mergeSettings, type AutopilotPatch, type AutopilotSettings } from './autopilot/settings.js';
import { CLUSTER_VERSION_KV, ClusterVersionKeeper, type AnnouncedVersion } from './cluster-version.js';
import { FleetNode, type FleetNodeOptions } from './fleet-node.js';
import { ETCD_LEASE_DRIFT, EtcdLeaseClock } from './lease-clock.js';
import { SECTIONED_IMAGE_FORMAT } from '../app-format.js';
import { MemberState } from './state/member-state.js';
import { recoverRaft } from './raft-recovery.js';
import { systemRuntime } from './runtime.js';
import { AppStateCheck } from './services/app-state-check.js';
import { AutopilotService } from './services/autopilot-service.js';
import { ClockWatch } from './services/clock-watch.js';
import { LeaseExpiry } from './services/lease-expiry.js';

export { MAX_CLOCK_OFFSET_MS } from './services/clock-watch.js';

export interface FleetMemberOptions extends FleetNodeOptions {
  /** The newest data format this member reads and writes (announced to its peers; default 1). */
  readonly dataFormat?: number;
  /** An application's own state machine, replicated in the same log as the registry (app-machine.ts). */
  readonly app?: StateMachine;
  /** Compare the application's state hash with the leader's every this many applied entries (default 1,000; 0: never). */
  readonly appCheckEvery?: number;
  /** Told when the application's state diverges from the leader's or its apply throws (that member then applies nothing further). */
  readonly onAppFault?: (fault: AppFault) => void;
}

const SHUTTING_DOWN = 'this member is shutting down';
/** How long a serializable read waits for a revision this member has not applied yet (readEtcd). */
export const FUTURE_REVISION_WAIT_MS = 100;

export class FleetMember extends FleetNode implements NodeApi {
  /** The node's own options, seen with the member's fields. */
  protected declare readonly opts: FleetMemberOptions;
  private readonly state: MemberState;
  private readonly clock: ClockWatch;
  private readonly autopilot: AutopilotService;
  /** The cluster's version: what peers announced, and the leader's agreement of it (cluster-version.ts). */
  private readonly versions: ClusterVersionKeeper;
  /** The latest acquire of each lease in flight on this leader: the next one waits for it (acquireInTurn). */
  private readonly acquiring = new Map<string, Promise<ApplyResult>>();
  /** What this member stamps etcd entries with while it leads, and times etcd leases by. */
  private readonly etcdClock: EtcdLeaseClock;

  private constructor(
    options: FleetMemberOptions,
    raw: RawNode,
    state: MemberState,
  ) {
    super(options, raw, state);
    this.state = state;
    this.etcdClock = new EtcdLeaseClock(this.rt);
    this.clock = new ClockWatch(this, () => this.state.sm.lastStamp, options.storage.recovered.entries.at(-1)?.index ?? 0);
    this.versions = new ClusterVersionKeeper({
      self: { id: options.id, version: options.version, dataFormat: options.dataFormat ?? 1 },
      members: () => {
        const conf = this.confState();
        return [...conf.voters, ...conf.learners];
      },
      isLeader: () => this.raftStatus().role === 'leader',
      stored: () => {
        const e = this.state.sm.kvGet(CLUSTER_VERSION_KV.key, CLUSTER_VERSION_KV.ns);
        return e === undefined ? undefined : { value: e.value, revision: e.modRevision };
      },
      write: async (expected, value) => {
        const r = await this.write({ clientId: '', seq: 0, firstIncomplete: 0, op: { type: 'kv.cas', ...CLUSTER_VERSION_KV, expected: expected ?? null, value } });
        if (!r.ok) throw new NodeError('FAILED_PRECONDITION', r.message);
      },
      log: (fields, msg) => this.logger.info(fields, msg),
    });
    this.autopilot = new AutopilotService(
      this,
      {
        settings: () => decodeSettings(this.state.sm.kvGet(AUTOPILOT_KV.key, AUTOPILOT_KV.ns)?.value),
        promote: (id) => this.promoteMember(id),
        remove: (id) => this.removeMember(id),
        transfer: async (id) => void (await this.transferLeadership(id)),
        log: (level, fields, msg) => this.logger[level](fields, msg),
      },
      this.versions,
    );
    this.use(new LeaseExpiry(this, { registry: () => this.state.sm, etcd: () => this.state.etcd.store, etcdClock: this.etcdClock, etcdEntry: (req) => this.etcdEntry(req), ageNow: () => this.state.ageNow() }, options.electionTimeoutMs));
    this.use(this.clock);
    this.use(this.autopilot);
    if (state.app) this.use(new AppStateCheck(this, state.app));
    this.use({
      halted: (err) => {
        if (!(err instanceof AppFaultError)) return;
        this.logger.error({ index: err.fault.index, code: err.fault.code }, err.message);
        this.opts.onAppFault?.(err.fault);
      },
      // Watchers are told to resume elsewhere.
      stopped: () => this.state.resetChanges(),
    });
  }

  /** Recovers a member from its data dir (or bootstraps it) without starting its clock; see FleetNode.recoverRaft. */
  static async open(opts: FleetMemberOptions): Promise<FleetMember> {
    const raw = recoverRaft(opts);
    // Sectioned images once every member reads them; asked of the member at each image, so bound once it exists.
    const bound: { member?: FleetMember } = {};
    const state = await MemberState.recover(opts.storage.recovered, {
      sectionedImages: () => bound.member?.clusterSupports(SECTIONED_IMAGE_FORMAT) === true,
      binaryKeyspaceImages: () => bound.member?.clusterSupports(BINARY_KEYSPACE_IMAGE_FORMAT) === true,
      rt: opts.runtime ?? systemRuntime,
      logger: opts.logger,
      app: opts.app,
      appCheckEvery: opts.appCheckEvery,
      onAppFault: opts.onAppFault,
    });
    bound.member = new FleetMember(opts, raw, state);
    return bound.member;
  }

  /** The changes this member applied recently, for watchers (see change-feed.ts); restarts with the state. */
  get changes(): MemberState['changes'] {
    return this.state.changes;
  }

  // ------------------------------------------------------------------ the registry

  write(req: WriteRequest): Promise<ApplyResult> {
    if (this.stopped) return Promise.reject(new NodeError('UNAVAILABLE', SHUTTING_DOWN, { reason: 'shutting-down' }));
    const op = req.op;
    const termStart = this.termStartIndex;
    const answer = op.type === 'lease.acquire' && this.isLeader ? this.acquireInTurn(req, op.name, op.holder) : this.propose(req);
    return op.type === 'lease.acquire' || op.type === 'lease.renew' ? answer.then((r) => withExtensionReason(r, termStart)) : answer;
  }

  read<T>(consistency: ReadConsistency, fn: (sm: FleetStateMachine) => T): Promise<{ value: T; index: number }> {
    return this.readAt(consistency, () => fn(this.state.sm));
  }

  /**
   * Acquires of one lease, one at a time on the leader: each is judged once the one before it
   * has applied, so of several racing for a free lease only the first goes into the log and the
   * others are refused without an entry (refuseAcquireUnlogged), as a waiter's retries are.
   * The applied state says "free" with authority only once it holds every entry of the earlier
   * terms: a new leader may not yet have applied an acquire another leader committed, so until
   * then it asks a linearizable read instead (which waits for that), or it would log an acquire
   * that is then refused. Acquires of its own term are judged in turn, as above.
   */
  private acquireInTurn(req: WriteRequest, name: string, holder: string): Promise<ApplyResult> {
    const before = this.acquiring.get(name);
    const turn = (async () => {
      if (before !== undefined) await before.catch(() => undefined);
      const current = this.appliedIndex >= this.termStartIndex - 1;
      return current && this.state.sm.acquireRefusal(name, holder) === undefined ? this.propose(req) : this.refuseAcquireUnlogged(req, name, holder);
    })();
    this.acquiring.set(name, turn);
    const forget = (): void => void (this.acquiring.get(name) === turn && this.acquiring.delete(name));
    turn.then(forget, forget);
    return turn;
  }

  /**
   * An acquire of a lease that another holds, answered without writing it to the log: a worker
   * waiting for a lease would otherwise put a refusal into the log and the audit trail at every
   * attempt. The refusal is confirmed by a linearizable read (a ReadIndex round), so it reflects
   * a state no older than the request: if the lease was released or expired meanwhile, the
   * acquire goes to the log as any write does. The client's sequence number is left unused,
   * which its session allows (it moves firstIncomplete past it with the answer).
   */
  private async refuseAcquireUnlogged(req: WriteRequest, name: string, holder: string): Promise<ApplyResult> {
    const { value: refusal } = await this.read({ mode: 'linearizable' }, (sm) => sm.acquireRefusal(name, holder));
    return refusal ?? this.propose(req);
  }

  private propose(req: WriteRequest): Promise<ApplyResult> {
    // Wall time for people to read, as the leader's lease clock reads it (the stamp a lease in the
    // keyspace is timed from: lease-clock.ts); the age, counted on monotonic clocks, for idleness.
    // Whole ms, rounded up: a lease stamped late only lives longer.
    const time = this.isLeader ? Math.ceil(this.etcdClock.now(this.term)) : this.rt.wallNow();
    const data = encodeCommand({ clientId: req.clientId, seq: req.seq, firstIncomplete: req.firstIncomplete, time, age: this.state.ageNow(), ...(req.by ? { by: req.by } : {}), op: req.op });
    const early = this.opts.unsafe?.ackBeforeCommit ? (index: number): ApplyResult => ({ ok: true, index, value: {} }) as ApplyResult : undefined;
    return this.replicate(data, early ? { early } : {}) as Promise<ApplyResult>;
  }

  async recordAudit(by: Actor, op: string, args: Readonly<Record<string, unknown>>, outcome: string): Promise<void> {
    await this.write({ clientId: '', seq: 0, firstIncomplete: 0, by, op: { type: 'audit.record', op, args, outcome } });
  }

  // ------------------------------------------------------------------ the application and the etcd keyspace

  /**
   * Replicates one application command and resolves with its apply's answer and index, on the
   * leader (elsewhere: NOT_LEADER with the leader hint; fleet/embed forwards it). Not deduplicated:
   * a retry after a lost answer may apply twice, so commands that must not should carry their own id.
   */
  submit(op: string, payload: Uint8Array): Promise<{ value: unknown; index: number }> {
    if (this.stopped) return Promise.reject(new NodeError('UNAVAILABLE', SHUTTING_DOWN, { reason: 'shutting-down' }));
    if (this.state.app === undefined) return Promise.reject(new NodeError('FAILED_PRECONDITION', `member ${this.id} hosts no application state machine`, { reason: 'no-application' }));
    // Once proposed, a failure leaves the outcome open (no deduplication here): TIMEOUT says "it may still apply".
    const lost = (err: Error): Error => new NodeError('TIMEOUT', `${err.message.replace(/; retry$/, '')}: the command may or may not have applied`, { reason: 'outcome-unknown', ...(err instanceof NodeError ? { leaderId: err.leaderId, leaderAddress: err.leaderAddress } : {}) });
    return this.replicate(encodeAppCommand(op, payload), { lost }) as Promise<{ value: unknown; index: number }>;
  }

  /**
   * Replicates one write to the etcd keyspace, stamped with this leader's lease clock, and
   * resolves with its answer once applied; elsewhere NOT_LEADER with the leader's address (the
   * etcd service forwards it). Once proposed, a lost leadership leaves the outcome open (TIMEOUT).
   */
  submitEtcd(op: EtcdOp): Promise<{ value: EtcdAnswer; index: number }> {
    const lost = (err: Error): Error => new NodeError('TIMEOUT', `${err.message.replace(/; retry$/, '')}: the write may or may not have applied`, { reason: 'outcome-unknown' });
    // A follower's proposal is refused (NOT_LEADER), so its stamp is never read.
    const at = this.isLeader ? this.etcdClock.now(this.term) : this.rt.wallNow();
    return this.replicate(this.etcdEntry({ at, op }), { lost }) as Promise<{ value: EtcdAnswer; index: number }>;
  }

  /** An etcd write as a log entry: binary once every member reads it, as the cluster version says. */
  private etcdEntry(req: EtcdRequest): Uint8Array {
    return encodeEtcdLogEntry(req, this.clusterSupports(BINARY_ETCD_FORMAT));
  }

  /**
   * An etcd lease's remaining time, as the leader times it (its lease clock, and a whole TTL from
   * its first look in its term): answered on the leader after a ReadIndex round, as etcd's leader
   * answers it; elsewhere NOT_LEADER with the leader's address (the etcd service forwards it).
   */
  etcdLeaseTimeToLive(id: number): Promise<{ value: { ttl: ReturnType<MvccStore['leaseTimeToLive']>; revision: number }; index: number }> {
    if (this.stopped) return Promise.reject(new NodeError('UNAVAILABLE', SHUTTING_DOWN, { reason: 'shutting-down' }));
    if (!this.isLeader) return Promise.reject(this.proposalError('not-leader'));
    return this.readAt({ mode: 'linearizable' }, () => {
      const term = this.term;
      const store = this.state.etcd.store;
      if (!this.isLeader) throw this.proposalError('not-leader');
      const { now, since } = this.etcdClock.look(term);
      return { ttl: store.leaseTimeToLive(id, now, since), revision: store.revision };
    });
  }

  /**
   * An etcd keep-alive, answered by the leader without a log entry, as etcd's lessor answers it:
   * after a ReadIndex round (one heartbeat round for every keep-alive waiting, read-queue.ts), so a
   * deposed leader cannot extend a lease, and the lease lives a whole TTL from when the keep-alive
   * arrived (MvccStore.leaseKeepAlive). A lease that is gone or due is "not found", the same answer
   * as a logged renewal's. Elsewhere NOT_LEADER with the leader's address (the service relays it).
   */
  etcdLeaseKeepAlive(id: number): Promise<{ value: EtcdAnswer; index: number }> {
    if (this.stopped) return Promise.reject(new NodeError('UNAVAILABLE', SHUTTING_DOWN, { reason: 'shutting-down' }));
    if (!this.isLeader) return Promise.reject(this.proposalError('not-leader'));
    const term = this.term;
    const stampedAt = this.etcdClock.now(term);
    return this.readAt({ mode: 'linearizable' }, (): EtcdAnswer => {
      if (!this.isLeader || this.term !== term) throw this.proposalError('not-leader');
      const store = this.state.etcd.store;
      const { now, since } = this.etcdClock.look(term);
      const lease = store.leaseKeepAlive(id, stampedAt, now, since, ETCD_LEASE_DRIFT);
      return lease ? { ok: true, revision: store.revision, lease } : { ok: false, error: { message: ERR_LEASE_NOT_FOUND, code: 'lease-not-found' } };
    });
  }

  /** Everything watching this member's keyspace, told after each change applied here (and a snapshot installed). */
  keyspaceWatchers(): KeyspaceWatchHub {
    return this.state.keyspaceWatchers;
  }

  /** This member's etcd keyspace as it is now (for watchers: read, never written). */
  etcdStore(): MvccStore {
    return this.state.etcd.store;
  }

  /** etcd's users, roles and permissions as this member applied them (read, never written). */
  etcdAuth(): EtcdAuthStore {
    return this.state.etcd.auth;
  }

  /**
   * Runs `query` on the etcd keyspace: after a ReadIndex round when linearizable, else on this
   * member's state as it is. A serializable read of `revision`, which this member has not applied
   * yet, first waits for it up to FUTURE_REVISION_WAIT_MS: a client that read that revision on
   * another member (the etcd3 package's STM) finds it here a moment later, where etcd would
   * answer "future revision" at once (issue 58). A revision that does not come is refused then.
   */
  async readEtcd<T>(linearizable: boolean, query: (store: MvccStore) => T, revision = 0): Promise<{ value: T; index: number }> {
    if (linearizable) return this.readAt({ mode: 'linearizable' }, () => query(this.state.etcd.store));
    if (this.stopped) throw new NodeError('UNAVAILABLE', SHUTTING_DOWN, { reason: 'shutting-down' });
    if (revision > this.state.etcd.store.revision) await this.settleWithin(() => this.state.etcd.store.revision >= revision, FUTURE_REVISION_WAIT_MS);
    return { value: query(this.state.etcd.store), index: this.appliedIndex };
  }

  /** Runs `query` against the application's state once the consistency requirement holds; refused on a member whose state diverged. */
  readApp<T>(consistency: ReadConsistency, query: (machine: StateMachine) => T): Promise<{ value: T; index: number }> {
    const app = this.state.app;
    if (app === undefined) return Promise.reject(new NodeError('FAILED_PRECONDITION', `member ${this.id} hosts no application state machine`, { reason: 'no-application' }));
    const diverged = (): NodeError | undefined => (app.fault ? new NodeError('FAILED_PRECONDITION', `member ${this.id}: ${app.fault.message}; read from another member`, { reason: 'diverged' }) : undefined);
    const refused = diverged();
    if (refused) return Promise.reject(refused);
    return this.readAt(consistency, () => {
      const late = diverged();
      if (late) throw late;
      return query(app.machine);
    });
  }

  /**
   * Calls `listener` whenever the leader this member knows, its applied index or whether it runs
   * may have changed: what fleet/embed's ready() waits on, following the node rather than polling it.
   */
  onProgress(listener: () => void): void {
    this.use({ roleChanged: listener, batchApplied: listener, stateReplaced: listener, halted: listener, stopped: listener });
  }

  /** The application's fault on this member (divergence or a failed apply), if any. */
  appFault(): AppFault | undefined {
    return this.state.app?.fault;
  }

  // ------------------------------------------------------------------ status, versions, autopilot

  override status(): MemberStatus {
    const base = super.status();
    const clockOffset = this.clock.offset();
    const cluster = this.versions.current();
    return {
      ...base,
      members: base.members.map((m) => {
        const version = this.versions.versionOf(m.id);
        return version ? { ...m, version } : m;
      }),
      autopilot: this.autopilot.report(),
      ...(clockOffset === undefined ? {} : { clockOffsetMs: Math.round(clockOffset) }),
      ...(cluster === undefined ? {} : { clusterVersion: cluster }),
    };
  }

  /** The leader's wall clock minus this member's, as the entries of the current term showed it (services/clock-watch.ts). */
  clockOffset(): number | undefined {
    return this.clock.offset();
  }

  /** A peer announced its fleet version and data format (on the first batch of each stream). */
  learnPeerVersion(peer: string, announced: AnnouncedVersion): void {
    if (peer === this.id || this.stopped) return;
    this.versions.learn(peer, announced);
  }

  /** Whether every member reads data format `format`, as the log's cluster version says: gate a format change on it. */
  clusterSupports(format: number): boolean {
    return this.versions.supports(format);
  }

  /** The replicated autopilot settings, read linearizably (so every member answers the same). */
  async autopilotSettings(): Promise<{ settings: AutopilotSettings; problem?: string }> {
    const { value } = await this.read({ mode: 'linearizable' }, (sm) => sm.kvGet(AUTOPILOT_KV.key, AUTOPILOT_KV.ns)?.value);
    return decodeSettings(value);
  }

  /**
   * Changes some autopilot settings on the leader: a compare-and-set on the stored value, so two
   * operators' changes never overwrite each other unseen (the loser is told to retry).
   */
  async setAutopilot(patch: AutopilotPatch): Promise<{ settings: AutopilotSettings }> {
    const { value: stored } = await this.read({ mode: 'linearizable' }, (sm) => sm.kvGet(AUTOPILOT_KV.key, AUTOPILOT_KV.ns)?.value);
    const merged = mergeSettings(decodeSettings(stored).settings, patch);
    if (!merged.ok) throw new NodeError('INVALID_ARGUMENT', merged.problem);
    const op = { type: 'kv.cas' as const, ...AUTOPILOT_KV, expected: stored ?? null, value: encodeSettings(merged.settings) };
    // No client session: the settings are idempotent, and a lost answer is answered by a retry.
    const r = await this.write({ clientId: '', seq: 0, firstIncomplete: 0, op });
    if (!r.ok) throw new NodeError('FAILED_PRECONDITION', `the autopilot settings changed meanwhile; retry (${r.message})`);
    return { settings: merged.settings };
  }
}

/**
 * A renewal's answer with the reason its lease was still live past the expiry it showed: this
 * leader's timer (src/core/node/lease-keeper.ts) runs from its own apply of the grant or
 * renewal (`margin`) unless that came before its term, which it then timed afresh from its
 * first look as leader (`leader-change`). Only the leader knows, so only its answer says. A
 * retried renewal answered from the session table says it too: a client whose answer was lost to
 * a leader kill got `extended` with no reason, which the lease-timing test caught.
 */
function withExtensionReason(r: ApplyResult, termStart: number): ApplyResult {
  if (!r.ok) return r;
  const value = r.value as { readonly lease?: LeaseView };
  const extended = value.lease?.extended;
  if (extended === undefined || value.lease === undefined) return r;
  const reason = extended.sinceIndex < termStart ? 'leader-change' : 'margin';
  return { ...r, value: { ...value, lease: { ...value.lease, extended: { ...extended, reason } } } };
}
