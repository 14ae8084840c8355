import { stat } from 'node:fs/promises';
import { ChangeFeed, FleetStateMachine, encodeCommand } from '../fleet/index.js';
import type { Actor, ApplyResult, LeaseView } from '../fleet/index.js';
import { RawNode, describeRaftError, decodeConfChange } from '../raft/index.js';
import type { ConfChange, Entry, Message, Ready, SnapshotMeta, SoftState, UnsafeTestingOptions } from '../raft/index.js';
import { NodeError } from './api.js';
import { ApplyWatch } from './apply-watch.js';
import { LeaseKeeper } from './lease-keeper.js';
import type { MemberInfo, MemberStatus, NodeApi, Placement, ReadConsistency, RepairStatus, WriteRequest } from './api.js';
import type { NodeStorage } from './storage-port.js';
import { ReadQueue } from './read-queue.js';
import { systemRuntime, type NodeRuntime, type TimerId } from './runtime.js';
import { snapshotDue, snapshotProgressAfter, type SnapshotProgress } from './snapshot-policy.js';
import { FollowerTimes } from './autopilot/follower-times.js';
import type { MemberObservation } from './autopilot/health.js';
import { AutopilotRunner, type LeaderView } from './autopilot/runner.js';
import { CLUSTER_VERSION_KV, ClusterVersionKeeper, type AnnouncedVersion, type ClusterVersion } from './cluster-version.js';
import { AUTOPILOT_KV, decodeSettings, encodeSettings, mergeSettings, type AutopilotPatch, type AutopilotSettings } from './autopilot/settings.js';
import { SpaceWatch } from './space-watch.js';
import { AppFaultError, AppReplica, IMAGE_HEADER_BYTES, encodeAppCommand, encodeStateCheck, imageHeader, isAppEntry, splitImage, type AppFault, type StateMachine } from './app-machine.js';
import { TickClock } from './tick-clock.js';
import { IMAGE_V2_HEADER_BYTES, encodeEtcdEntry, etcdEntryBody, imageHeaderV2, isEtcdEntry } from '../app-format.js';
import { EtcdReplica, decodeEtcdRequest, encodeEtcdRequest, type EtcdAnswer, type EtcdOp } from '../etcd-store/replica.js';
import type { MvccStore } from '../etcd-store/mvcc.js';

/** The transport the node sends through; implemented over gRPC streams in src/core/server. */
export interface PeerSender {
  /** Best effort: Raft tolerates loss. `snap` messages are streamed with the newest snapshot file. */
  send(messages: readonly Message[]): void;
  setPeers(peers: ReadonlyMap<string, string>): void;
}

/** Where the node reports what operators graph; every method is optional to implement. */
export interface NodeObserver {
  onRoleChange?(soft: SoftState, term: number): void;
  onCommitted?(count: number): void;
  onProposalFailed?(count: number): void;
  onApplyLatency?(seconds: number): void;
  onSnapshot?(bytes: number, seconds: number): void;
  /** Each entry as it is applied (the simulator checks that members apply the same entry at each index). */
  onEntryApplied?(index: number, term: number): void;
}

/** Structured logging, as pino provides it. */
export interface NodeLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export interface FleetNodeOptions {
  readonly id: string;
  readonly clusterName: string;
  /** This member's `host:port`. */
  readonly address: string;
  /** This member's zone and region (default: unset), announced to its peers and shown in its status. */
  readonly placement?: Placement;
  /** The founding members (id → address), this one included; empty when joining an existing cluster. */
  readonly founders: ReadonlyMap<string, string>;
  readonly heartbeatMs: number;
  readonly electionTimeoutMs: number;
  /** Take a snapshot every this many applied entries. */
  readonly snapshotEvery: number;
  readonly storage: NodeStorage;
  readonly logger: NodeLogger;
  readonly observer?: NodeObserver;
  readonly version: string;
  /** The newest data format this member reads and writes (announced to its peers; default 1). */
  readonly dataFormat?: number;
  /** Test-only: acknowledge writes as soon as they are proposed (unsafe), to prove drills catch it. */
  readonly unsafeAckBeforeCommit?: boolean;
  /** Test-only: serve a linearizable read at once, without waiting for its ReadIndex confirmation (unsafe), to prove the simulator catches it. */
  readonly unsafeReleaseReadsEarly?: boolean;
  /** Test-only: apply entries to the registry as soon as they are appended, committed or not (unsafe), to prove the simulator catches it. */
  readonly unsafeApplyBeforeCommit?: boolean;
  /** Test-only: send vote grants before the hard state that records them is durable (unsafe), to prove the simulator catches it. */
  readonly unsafeSendVotesBeforePersist?: boolean;
  /** Test-only: deliberately broken Raft core behaviours (UnsafeTestingOptions), to prove the simulator catches them. */
  readonly unsafeRaft?: UnsafeTestingOptions;
  /** Test-only: apply no entry beyond this index (a member that cannot apply), to prove status reports it stuck. */
  readonly unsafeStopApplyingAfter?: number;
  /**
   * Whether the cluster is being founded (`new`, the default: a member without Raft state
   * bootstraps from `founders`) or exists already (`existing`: a founder without Raft state is
   * refused, since it may have lost votes and acknowledged entries).
   */
  readonly initialClusterState?: 'new' | 'existing';
  /** Clock, timers and randomness; Node's (`systemRuntime`) unless a simulator supplies its own. */
  readonly runtime?: NodeRuntime;
  /** An application's own state machine, replicated in the same log as the registry (app-machine.ts). */
  readonly app?: StateMachine;
  /** Compare the application's state hash with the leader's every this many applied entries (default 1,000; 0: never). */
  readonly appCheckEvery?: number;
  /** Told when the application's state diverges from the leader's or its apply throws (that member then applies nothing further). */
  readonly onAppFault?: (fault: AppFault) => void;
}

/** The resolution of one proposed write. */
interface Waiter {
  readonly term: number;
  // An ApplyResult for a registry write; { value, index } for an application command.
  readonly resolve: (r: unknown) => void;
  readonly reject: (e: Error) => void;
}

/** How long a snapshot in progress may hold the event loop before it lets other work run. */
const SNAPSHOT_SLICE_MS = 4;

/**
 * Runs a snapshot job's steps, giving the event loop a turn every few milliseconds: a large
 * image no longer stops a member from replicating and answering while it is written.
 */
async function runInSlices(steps: Generator<void, void, undefined>, between: () => Promise<void>, rt: NodeRuntime): Promise<void> {
  let sliceStart = rt.monoNow();
  while (!steps.next().done) {
    if (rt.monoNow() - sliceStart < SNAPSHOT_SLICE_MS) continue;
    await between();
    await new Promise<void>((resolve) => rt.setImmediate(resolve));
    sliceStart = rt.monoNow();
  }
}

/**
 * The fastest a member's monotonic clock may run against real time: lease timers are stretched by
 * it (1 %; quartz is off by well under 0.01 %, the simulator draws up to 0.2 %).
 */
const LEASE_MAX_DRIFT = 0.01;
/** At most this many lease expiries are proposed per tick. */
const LEASE_EXPIRIES_PER_TICK = 1024;
/**
 * A follower whose wall clock differs from the leader's by more than this says so in its log.
 * Nothing the registry decides depends on wall clocks any more; what people read (stamps) and
 * `cluster prune` still do.
 */
export const MAX_CLOCK_OFFSET_MS = 1_000;
const CLOCK_WARNING_EVERY_MS = 60_000;
/** How long a clock offset, once measured, is shown without fresh evidence: an idle cluster's old offset says nothing of now. */
const CLOCK_EVIDENCE_MS = 120_000;

/** Ticks per heartbeat: finer ticks let a follower fail over within a fraction of a heartbeat. */
const TICKS_PER_HEARTBEAT = 10;
const READ_TIMEOUT_MS = 5_000;
/** How often the leader's autopilot assesses health: fine enough for second-scale thresholds, cheap at any size fleet runs. */
const AUTOPILOT_ROUND_MS = 200;

/**
 * One coordinator replica: drives the Raft core with a clock, durable storage and a transport,
 * applies committed entries to the fleet registry, and answers writes and reads. Everything
 * runs on the event loop; the only awaits are disk writes, during which the core keeps
 * accepting messages and proposals that go into the next batch.
 */
export class FleetNode implements NodeApi {
  readonly id: string;
  /** The changes this member applied recently, for watchers (see change-feed.ts); restarts with the state. */
  readonly changes = new ChangeFeed();
  private readonly raw: RawNode;
  private sm: FleetStateMachine;
  private readonly members = new Map<string, string>();
  /** Where the other members run, as they announced it on their peer streams (not persisted: re-announced on every stream). */
  private readonly placements = new Map<string, Placement>();
  private readonly waiters = new Map<number, Waiter>();
  private readonly app: AppReplica | undefined;
  /** The etcd v3 keyspace every member replicates beside the registry (etcd-store/replica.ts). */
  private readonly etcd = new EtcdReplica();
  /** Told after each etcd entry applied and after a snapshot installed (the etcd Watch service). */
  private readonly etcdListeners = new Set<() => void>();
  /** The index of the leader's last proposed etcd lease expiry: none other is proposed until it is applied. */
  private etcdExpiringAt = 0;
  private readonly reads: ReadQueue;
  private readonly indexWaiters: { index: number; resolve: () => void }[] = [];
  private transport: PeerSender | undefined;
  private soft: SoftState = { leader: '', role: 'follower' };
  private readonly rt: NodeRuntime;
  private ticker: TimerId | undefined;
  private tickClock: TickClock | undefined;
  private readTimer: TimerId | undefined;
  private handling = false;
  /** Settles once every Ready handed off so far is durable and reported. */
  private writes: Promise<void> = Promise.resolve();
  private scheduled = false;
  private stopped = false;
  private appliedTerm = 0;
  /** What was applied since the last snapshot (taken or installed), and that snapshot's size: see snapshot-policy.ts. */
  private sinceSnapshot: SnapshotProgress;
  private snapshotRunning: Promise<unknown> | undefined;
  /** Monotonic time of the last message from the leader; -1 before any. */
  private lastLeaderContact = -1;
  /** Monotonic time this member was opened. */
  private readonly startedAt: number;
  private snapshotsTaken = 0;
  private elections = 0;
  /** The damaged log this member is rebuilding from the leader (RecoveredState.repair); undefined once done. */
  private repair: RepairStatus | undefined;
  private repairsCompleted = 0;
  private fatal: ((err: Error) => void) | undefined;
  /** A read round was in flight at the last expiry check: still in flight at the next one means it was lost. */
  private readRoundStuck = false;
  /** The leader's record of when each follower was last heard from and caught up. */
  private readonly followerTimes = new FollowerTimes();
  private readonly autopilot: AutopilotRunner;
  /** The cluster's version: what peers announced, and the leader's agreement of it (cluster-version.ts). */
  private readonly versions: ClusterVersionKeeper;
  /** The latest acquire of each lease in flight on this leader: the next one waits for it (acquireInTurn). */
  private readonly acquiring = new Map<string, Promise<ApplyResult>>();
  private autopilotTimer: TimerId | undefined;
  /** Whether the disk refuses our log writes; see `diskFull`. */
  private readonly space: SpaceWatch;
  /** A leadership hand-off for want of space is under way. */
  private handingOffForSpace = false;
  /** Said, in this spell out of space, that no voter can take over (said once, not at every retry). */
  private saidNoHandOffTarget = false;
  /** The leader's lease timers, and the term they belong to. */
  private readonly leaseKeeper: LeaseKeeper;
  private leaseKeeperTerm = 0;
  /** The registry age this member last adopted and its monotonic time then: `ageNow()` counts on from it. */
  private ageMark: { age: number; mono: number };
  /** The leader's wall clock minus ours, as the last entry of the current term showed it; when we last warned of it. */
  private clockOffsetMs: number | undefined;
  /** When the offset was last measured (monotonic). */
  private clockOffsetAt = 0;
  /**
   * The newest entry index this follower received before it was committed: an entry the leader
   * had just made. Only such entries say anything of the leader's clock now; entries received
   * already committed (catching up) were stamped whenever they were made.
   */
  private freshIndex = 0;
  private lastClockWarning = -Infinity;
  /** The last index of the log this process recovered: entries up to it were stamped before it started. */
  private readonly recoveredLastIndex: number;
  /** Whether what is committed is applied (a stuck member's applied index stays behind). */
  private readonly applyWatch = new ApplyWatch();

  private constructor(
    private readonly opts: FleetNodeOptions,
    raw: RawNode,
    sm: FleetStateMachine,
    app: AppReplica | undefined,
    appliedTerm: number,
  ) {
    this.id = opts.id;
    this.rt = opts.runtime ?? systemRuntime;
    this.startedAt = this.rt.monoNow();
    this.sinceSnapshot = snapshotProgressAfter(0, this.rt.random());
    this.reads = new ReadQueue(opts.id, this.rt.randomInt(2 ** 47));
    this.raw = raw;
    this.sm = sm;
    this.app = app;
    const recovered = opts.storage.recovered;
    this.recoveredLastIndex = recovered.entries.at(-1)?.index ?? 0;
    const repair = recovered.repair;
    if (repair) this.repair = { file: repair.file, reason: repair.reason, since: repair.since };
    this.appliedTerm = appliedTerm;
    this.autopilot = new AutopilotRunner({
      view: () => this.leaderView(),
      settings: () => decodeSettings(this.sm.kvGet(AUTOPILOT_KV.key, AUTOPILOT_KV.ns)?.value),
      promote: (id) => this.promoteMember(id),
      remove: (id) => this.removeMember(id),
      transfer: async (id) => void (await this.transferLeadership(id)),
      log: (level, fields, msg) => this.opts.logger[level](fields, msg),
    });
    this.versions = new ClusterVersionKeeper({
      self: { id: opts.id, version: opts.version, dataFormat: opts.dataFormat ?? 1 },
      members: () => {
        const conf = this.raw.confState();
        return [...conf.voters, ...conf.learners];
      },
      isLeader: () => this.raw.status().role === 'leader',
      stored: () => {
        const e = this.sm.kvGet(CLUSTER_VERSION_KV.key, CLUSTER_VERSION_KV.ns);
        return e === undefined ? undefined : { value: e.value, revision: e.modRevision };
      },
      write: async (expected, value) => {
        const r = await this.write({ clientId: '', seq: 0, firstIncomplete: 0, op: { type: 'kv.cas', ...CLUSTER_VERSION_KV, expected: expected ?? null, value } });
        if (!r.ok) throw new NodeError('FAILED_PRECONDITION', r.message);
      },
      log: (fields, msg) => this.opts.logger.info(fields, msg),
    });
    this.space = new SpaceWatch(this.rt, () => opts.storage.retryWrites?.() ?? Promise.resolve(true), {
      full: (err) => this.diskFull(err),
      stillFull: () => this.handOffForSpace(),
      freed: (ms) => this.diskFreed(ms),
    });
    this.leaseKeeper = new LeaseKeeper({ maxDrift: LEASE_MAX_DRIFT, graceMs: opts.electionTimeoutMs, retryMs: 2 * opts.electionTimeoutMs });
    this.ageMark = { age: sm.age, mono: this.startedAt };
    sm.readerAge = () => this.ageNow();
    this.changes.reset(sm.appliedIndex + 1);
    sm.changes = this.changes;
  }

  /**
   * Recovers a member from its data dir (or bootstraps it) without starting its clock. A member
   * with no Raft state bootstraps from `founders` only while the cluster is being founded: in an
   * existing cluster it may be one that lost its data dir, which as a founding voter with term 0
   * could vote twice in a term or help elect a leader without entries it had acknowledged.
   */
  static async open(opts: FleetNodeOptions): Promise<FleetNode> {
    const recovered = opts.storage.recovered;
    const stateless = (recovered.hardState?.term ?? 0) === 0 && !recovered.snapshot && recovered.entries.length === 0;
    // A member repairing a damaged log may have kept nothing, yet it is not new: the repair rules it.
    if (stateless && !recovered.repair && opts.founders.size > 0 && opts.initialClusterState === 'existing') {
      const err = new Error(
        `member ${opts.id} has no Raft state, and the cluster is not being founded (--initial-cluster-state existing, the default unless --data-dir is an empty directory): ` +
          `a member that lost its data may have voted or acknowledged entries it no longer remembers, so it must not rejoin as a founding voter. ` +
          `Re-seed it from the others: fleet members remove ${opts.id}; fleet members add ${opts.id} ${opts.address} --learner; start it with --join on an empty data dir; fleet members promote ${opts.id} once it has caught up. ` +
          `To found a new cluster instead, pass --initial-cluster-state new`,
      );
      err.name = 'MemberStateLostError';
      throw err;
    }
    let sm = new FleetStateMachine();
    const app = opts.app === undefined ? undefined : new AppReplica(opts.app, opts.appCheckEvery ?? 1_000);
    let appliedTerm = 0;
    let etcdImage: Uint8Array | undefined;
    if (recovered.snapshot) {
      const image = splitImage(await recovered.snapshot.data());
      etcdImage = image.etcd;
      sm = FleetStateMachine.restore(image.registry);
      app?.restore(image.app);
      appliedTerm = recovered.snapshot.meta.term;
    }
    const heartbeatTicks = TICKS_PER_HEARTBEAT;
    const electionTicks = Math.max(heartbeatTicks + 1, Math.round((opts.electionTimeoutMs / opts.heartbeatMs) * TICKS_PER_HEARTBEAT));
    const founders = [...opts.founders.keys()].sort();
    const rt = opts.runtime ?? systemRuntime;
    const raw = new RawNode(
      {
        id: opts.id,
        heartbeatTicks,
        electionTicks,
        random: (n) => rt.randomInt(n),
        logger: raftLogger(opts.logger),
        ...(opts.placement?.readReplica ? { nonVoting: true } : {}),
        ...(opts.unsafeRaft ? { unsafe: opts.unsafeRaft } : {}),
      },
      {
        hardState: recovered.hardState,
        entries: recovered.entries,
        ...(recovered.snapshot ? { snapshot: recovered.snapshot.meta, applied: recovered.snapshot.meta.index } : {}),
        bootstrap: { voters: founders, learners: [] },
        ...(recovered.repair ? { repairing: true } : {}),
        ...(recovered.repair?.hardStateLost === true ? { voteLost: true } : {}),
      },
    );
    const node = new FleetNode(opts, raw, sm, app, appliedTerm);
    node.etcd.restore(etcdImage);
    for (const [id, address] of opts.founders) node.members.set(id, address);
    for (const [id, address] of recovered.members) node.members.set(id, address);
    return node;
  }

  /** Connects the transport and starts the clock. `onFatal` is called if the disk fails: the process must stop. */
  start(transport: PeerSender, onFatal: (err: Error) => void): void {
    this.transport = transport;
    this.fatal = onFatal;
    this.opts.storage.onOutOfSpace?.((err) => this.space.refused(err));
    transport.setPeers(this.peerAddresses());
    if (this.refuseReplicaAsVoter()) return;
    const tickMs = Math.max(1, Math.round(this.opts.heartbeatMs / TICKS_PER_HEARTBEAT));
    // One heartbeat's worth of ticks per callback at most; an election timeout's worth owed at most.
    this.tickClock = new TickClock(tickMs, this.rt.monoNow(), TICKS_PER_HEARTBEAT, Math.ceil(this.opts.electionTimeoutMs / tickMs));
    this.ticker = this.rt.setInterval(() => this.tick(), tickMs);
    this.readTimer = this.rt.setInterval(() => this.expireReads(), READ_TIMEOUT_MS);
    this.autopilotTimer = this.rt.setInterval(() => {
      this.autopilot.round();
      void this.versions.round();
    }, AUTOPILOT_ROUND_MS);
    this.schedule();
  }

  private tick(): void {
    const due = this.tickClock?.due(this.rt.monoNow()) ?? 1;
    if (due === 0) return;
    for (let i = 0; i < due; i++) this.raw.tick();
    this.applyWatch.observe(this.raw.committed, this.sm.appliedIndex, this.rt.monoNow());
    this.startReadRound();
    this.maybeExpireLeases();
    this.maybeExpireEtcdLeases();
    this.schedule();
  }

  /**
   * The registry age now, by this member: the age it last adopted plus what its monotonic clock
   * counted since. The leader stamps it into entries; replicas keep the largest stamped.
   */
  private ageNow(): number {
    return Math.max(this.sm.age, Math.floor(this.ageMark.age + this.rt.monoNow() - this.ageMark.mono));
  }

  /** Adopts the applied age when it is ahead of our own count (a leader's clock, or a snapshot). */
  private noteAge(): void {
    if (this.sm.age > this.ageNow()) this.ageMark = { age: this.sm.age, mono: this.rt.monoNow() };
  }

  /**
   * The leader's lease timers (lease-keeper.ts). They start only once the leader has applied an
   * entry of its own term, so that it has every grant and renewal committed before it led.
   */
  private maybeExpireLeases(): void {
    if (this.soft.role !== 'leader' || this.stopped) return;
    const term = this.raw.status().term;
    if (this.appliedTerm !== term) return;
    if (this.leaseKeeperTerm !== term) {
      this.leaseKeeper.reset();
      this.leaseKeeperTerm = term;
    }
    const due = this.leaseKeeper.due(this.rt.monoNow(), this.sm.leaseVersion, () => this.sm.liveLeases(), LEASE_EXPIRIES_PER_TICK);
    if (due.length === 0) return;
    const time = this.rt.wallNow();
    const age = this.ageNow();
    const r = this.raw.propose(due.map((g) => encodeCommand({ clientId: '', seq: 0, firstIncomplete: 0, time, age, op: { type: 'lease.expire', ...g } })));
    // A refused proposal (leadership just lost) is retried by the keeper, or by the next leader's own timers.
    if (!r.ok) this.opts.logger.debug({ leases: due.length, error: r.error }, 'could not propose lease expiries');
  }

  /** Says so in the log when the leader's wall clock, stamped in an entry of its term just applied, is off from ours by more than the bound. */
  private checkClockOffset(e: Entry): void {
    const stamped = this.sm.lastEntryTime;
    if (this.soft.role === 'leader' || stamped === undefined || e.term !== this.raw.status().term) return;
    // Replayed at start: stamped before this process started, perhaps long before (the term is
    // still the old one until an election), so its age says nothing of the leader's clock.
    if (e.index <= this.recoveredLastIndex) return;
    // Catching up: the entry was committed before it reached us, so its stamp may be old.
    if (e.index > this.freshIndex) return;
    const offset = stamped - this.rt.wallNow();
    const now = this.rt.monoNow();
    this.clockOffsetMs = offset;
    this.clockOffsetAt = now;
    if (Math.abs(offset) <= MAX_CLOCK_OFFSET_MS || now - this.lastClockWarning < CLOCK_WARNING_EVERY_MS) return;
    this.lastClockWarning = now;
    const how = offset > 0 ? `${Math.round(offset)} ms ahead of this member's` : `${Math.round(-offset)} ms behind this member's (or this member is applying old entries)`;
    this.opts.logger.warn(
      { leader: this.soft.leader, offsetMs: Math.round(offset), boundMs: MAX_CLOCK_OFFSET_MS },
      `the leader's wall clock is ${how}, more than ${MAX_CLOCK_OFFSET_MS} ms: leases and sessions do not depend on it, but the times shown and cluster prune do; check NTP on both`,
    );
  }

  /** Delivers a message from a peer. */
  step(m: Message): void {
    if (this.stopped) return;
    if (m.from === this.soft.leader || m.type === 'app' || m.type === 'heartbeat') this.lastLeaderContact = this.rt.monoNow();
    if (this.soft.role === 'leader') this.followerTimes.heard(m.from, this.rt.monoNow());
    const newest = m.type === 'app' ? m.entries.at(-1)?.index : undefined;
    if (newest !== undefined && newest > m.commit) this.freshIndex = Math.max(this.freshIndex, newest);
    // Out of space, entries could only pile up in memory, unacknowledged: the leader resends them
    // once we answer again. Nor may we lead (timeout-now): we could not record our own vote.
    if (this.space.outOfSpace && (m.type === 'app' || m.type === 'snap' || m.type === 'timeout-now')) return;
    this.raw.step(m);
    this.schedule();
  }

  /** The inbound stream from `peer` closed; if it is the leader, fail over at once. */
  peerDisconnected(peer: string): void {
    if (peer !== this.soft.leader || this.stopped) return;
    this.opts.logger.info({ leader: peer }, 'connection to the leader closed: starting an election without waiting for the timeout');
    this.raw.leaderConnectionLost();
    this.schedule();
  }

  reportSnapshot(peer: string, ok: boolean): void {
    this.raw.reportSnapshot(peer, ok);
    this.schedule();
  }

  /**
   * A peer announced its address. A member that joined knows only the addresses carried by
   * membership changes, not those of the founders: this is how it learns where they are. An
   * address already known (from the membership) is never replaced by an announcement.
   */
  learnPeerAddress(peer: string, address: string): void {
    if (peer === this.id || this.members.has(peer) || this.stopped) return;
    this.members.set(peer, address);
    this.opts.logger.info({ peer, address }, 'learned a peer address');
    this.transport?.setPeers(this.peerAddresses());
    this.refuseReplicaAsVoter();
    void this.opts.storage.saveMembers(this.members).catch((err: unknown) => this.opts.logger.warn({ err }, 'could not save the member list'));
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

  /** A peer announced its zone and region; the latest announcement wins (a member may be restarted elsewhere). */
  learnPeerPlacement(peer: string, placement: Placement): void {
    if (peer === this.id || this.stopped) return;
    this.placements.set(peer, placement);
  }

  reportUnreachable(peer: string): void {
    this.raw.reportUnreachable(peer);
  }

  // ------------------------------------------------------------------ the Ready loop

  private schedule(): void {
    if (this.scheduled || this.handling || this.stopped) return;
    this.scheduled = true;
    this.rt.setImmediate(() => {
      this.scheduled = false;
      void this.handleReady();
    });
  }

  /**
   * Takes one Ready. Storage writes are asynchronous: a Ready's writes are submitted (the
   * storage makes them durable in submission order, one fsync for all that queued meanwhile)
   * and the next Ready may be taken at once, so proposals and acknowledgements keep flowing
   * while the disk works; what a write promises (acknowledgements, votes) leaves only once it is
   * durable. A Ready with a snapshot is handled start to finish before anything else.
   */
  private async handleReady(): Promise<void> {
    if (this.handling || this.stopped || !this.raw.hasReady()) return;
    this.handling = true;
    try {
      const rd = this.raw.ready();
      if (rd.softState) this.onSoftState(rd.softState);
      this.transport?.send(this.space.outOfSpace ? withoutCampaigning(rd.messages) : rd.messages);
      if (rd.snapshot) await this.handleInOrder(rd);
      else await this.handOffWrites(rd);
      this.reads.serve(this.sm.appliedIndex);
      // Reads that arrived while the last round was in flight start theirs now, not at the next tick.
      this.startReadRound();
      this.releaseIndexWaiters();
      this.maybeSnapshot();
    } catch (err) {
      this.storageFailed(err);
      return;
    } finally {
      this.handling = false;
    }
    this.schedule();
  }

  /**
   * Submits the Ready's writes, then applies its committed entries (durable already: the core
   * hands out only those) while the disk works. The order matters on a follower: its
   * acknowledgement waits for the fsync, not for the apply, so the fsync should start first.
   */
  private async handOffWrites(rd: Ready): Promise<void> {
    const afterPersist = this.opts.unsafeSendVotesBeforePersist ? this.sendVotesEarly(rd.messagesAfterPersist) : rd.messagesAfterPersist;
    const written = this.persist(rd);
    // The chain below handles a failure; observed here too, so that one failing before the
    // chain reaches it (an earlier write still pending) is not an unhandled rejection.
    written.catch(() => undefined);
    this.raw.handedOff(rd);
    // Chained, so that a Ready without writes cannot acknowledge before an earlier Ready's writes are durable.
    this.writes = this.writes
      .then(() => written)
      .then(() => {
        if (this.stopped) return;
        this.transport?.send(afterPersist);
        this.raw.persisted(rd);
        this.maybeEndRepair();
        this.schedule();
      })
      .catch((err: unknown) => this.storageFailed(err));
    // The storage begins a group commit at the next microtask (so that every write submitted in
    // this turn joins it): yield one, and the write and its fsync are under way before we apply.
    await null;
    this.applyAll(rd.committedEntries);
    if (this.opts.unsafeApplyBeforeCommit) this.applyAll(rd.entries);
    for (const rs of rd.readStates) this.reads.confirmed(rs.context, rs.index);
  }

  /** The unsafeSendVotesBeforePersist member sends its vote answers before they are durable; returns the other messages. */
  private sendVotesEarly(messages: readonly Message[]): readonly Message[] {
    this.transport?.send(messages.filter((m) => m.type === 'vote-resp'));
    return messages.filter((m) => m.type !== 'vote-resp');
  }

  private async handleInOrder(rd: Ready): Promise<void> {
    await this.persist(rd);
    this.transport?.send(rd.messagesAfterPersist);
    if (rd.snapshot?.data) this.restoreSnapshot(rd.snapshot.meta, rd.snapshot.data);
    this.applyAll(rd.committedEntries);
    for (const rs of rd.readStates) this.reads.confirmed(rs.context, rs.index);
    this.raw.advance(rd);
    this.maybeEndRepair();
  }

  /**
   * The core ended the repair (the leader gave this member its whole log back), and what it
   * wrote since is durable: a restart must no longer treat the log as damaged.
   */
  private maybeEndRepair(): void {
    if (this.repair === undefined || this.raw.repairing) return;
    this.opts.storage.markRepaired?.();
    this.opts.logger.info({ file: this.repair.file, since: this.repair.since, lastIndex: this.raw.status().lastIndex }, 'log repaired from the leader: this member votes again');
    this.repair = undefined;
    this.repairsCompleted++;
  }

  private storageFailed(err: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    this.opts.logger.error({ err }, 'storage failed: stopping this member');
    this.fatal?.(err instanceof Error ? err : new Error(String(err)));
  }

  // ------------------------------------------------------------------ a full disk

  /**
   * The disk refused a log write for want of space. The storage holds it and every later write,
   * unacknowledged, and SpaceWatch retries them; meanwhile this member appends nothing new: it
   * drops the leader's appends and snapshots (the leader resends them once it answers again), asks
   * for no votes (it could not record its own), refuses client writes, takes no snapshots and
   * serves only the reads its state can answer. A leader hands leadership to a caught-up voter so
   * that the others keep accepting writes.
   */
  private diskFull(err: Error): void {
    this.opts.logger.error({ err: err.message }, 'out of space: this member stops appending until space is freed on its disk');
    this.saidNoHandOffTarget = false;
    this.handOffForSpace();
  }

  private diskFreed(outOfSpaceMs: number): void {
    this.opts.logger.info({ outOfSpaceMs: Math.round(outOfSpaceMs) }, 'space freed: this member appends again');
    this.schedule();
  }

  /** On the leader, while out of space: hands leadership to the most caught-up healthy voter, if any. */
  private handOffForSpace(): void {
    if (this.soft.role !== 'leader' || this.handingOffForSpace || this.stopped || !this.space.outOfSpace) return;
    const target = this.bestTransferTarget();
    if (!target) {
      if (!this.saidNoHandOffTarget) this.opts.logger.warn({}, 'out of space with no healthy voter to hand leadership to: writes are refused until space is freed');
      this.saidNoHandOffTarget = true;
      return;
    }
    this.handingOffForSpace = true;
    this.transferLeadership(target).then(
      (t) => this.opts.logger.info(t, 'handed leadership off: this member is out of space'),
      (err: unknown) => this.opts.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not hand leadership off while out of space; will retry'),
    ).finally(() => (this.handingOffForSpace = false));
  }

  /** Why a write is refused on a leader whose disk is full: retry elsewhere while a hand-off is under way, else out of space. */
  private outOfSpaceWriteError(): NodeError {
    const transferring = this.handingOffForSpace || this.raw.status().transferee !== '';
    if (transferring) return new NodeError('UNAVAILABLE', `out of space on member ${this.id}: handing leadership to another member; retry`);
    return new NodeError('OUT_OF_SPACE', `out of space on member ${this.id}: its disk is full and no caught-up voter can take over; writes resume once space is freed there`);
  }

  /** Submits the Ready's writes (storage keeps them in submission order); resolves once durable. */
  private async persist(rd: Ready): Promise<void> {
    if (rd.snapshot?.data) await this.opts.storage.installSnapshot(rd.snapshot.meta, rd.snapshot.data);
    if (rd.hardState || rd.entries.length > 0) {
      await this.opts.storage.persist({ hardState: rd.hardState, entries: rd.entries }, rd.mustSync);
    }
  }

  private onSoftState(soft: SoftState): void {
    const was = this.soft;
    this.soft = soft;
    const term = this.raw.status().term;
    if (soft.role === 'leader' && was.role !== 'leader') {
      this.elections++;
      this.followerTimes.reset();
      // Status shows autopilot's view from the first answer of a new leader (fleet init's table has the column).
      this.autopilot.round(false);
    }
    if (soft.leader !== was.leader) {
      this.opts.logger.info({ leader: soft.leader || null, role: soft.role, term }, soft.leader ? 'leader changed' : 'no leader');
    }
    if (was.role === 'leader' && soft.role !== 'leader') {
      this.leaseKeeper.reset();
      // Our pending proposals may or may not commit under the next leader: answer "retry";
      // the client's retry with the same sequence number is applied at most once.
      this.failWaiters(new NodeError('UNAVAILABLE', 'leadership changed while the write was in flight; retry', soft.leader, this.members.get(soft.leader) ?? ''));
    }
    if (soft.leader === '') this.reads.failAll(new NodeError('UNAVAILABLE', 'no leader: the read could not be confirmed; retry'));
    this.opts.observer?.onRoleChange?.(soft, term);
  }

  private restoreSnapshot(meta: SnapshotMeta, data: Uint8Array): void {
    const image = splitImage(data);
    this.sm = FleetStateMachine.restore(image.registry);
    this.app?.restore(image.app);
    this.etcd.restore(image.etcd);
    for (const listener of this.etcdListeners) listener();
    this.sm.readerAge = () => this.ageNow();
    this.changes.reset(meta.index + 1);
    this.sm.changes = this.changes;
    this.noteAge();
    this.leaseKeeper.reset();
    this.appliedTerm = meta.term;
    this.sinceSnapshot = snapshotProgressAfter(data.length, this.rt.random());
    this.opts.logger.info({ index: meta.index, term: meta.term, bytes: data.length }, 'installed a snapshot from the leader');
  }

  private applyAll(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const t0 = this.rt.monoNow();
    let committed = 0;
    let last: Entry | undefined;
    for (const e of entries) {
      if (e.index <= this.sm.appliedIndex) continue;
      if (e.index > (this.opts.unsafeStopApplyingAfter ?? Infinity)) break;
      this.opts.observer?.onEntryApplied?.(e.index, e.term);
      this.appliedTerm = e.term;
      this.sinceSnapshot.entries++;
      this.sinceSnapshot.logBytes += e.data.length;
      if (e.type === 'normal' && isEtcdEntry(e.data)) {
        this.applyEtcdEntry(e);
        committed++;
        last = e;
      } else if (e.type === 'normal' && isAppEntry(e.data)) {
        if (!this.applyAppEntry(e)) return;
        committed++;
        last = e;
      } else if (e.type === 'normal') {
        const result = this.sm.apply(e.index, e.data);
        committed++;
        last = e;
        this.resolveWaiter(e, result);
      } else {
        this.sm.markApplied(e.index);
        if (e.type === 'conf-change') this.applyMembership(decodeConfChange(e.data));
      }
      if (this.app) this.checkAppState(e.index);
    }
    this.noteAge();
    if (last !== undefined) this.checkClockOffset(last);
    this.opts.observer?.onCommitted?.(committed);
    this.opts.observer?.onApplyLatency?.((this.rt.monoNow() - t0) / 1e3 / Math.max(1, entries.length));
  }

  /**
   * Applies an application entry (a command or the leader's state check); false when this
   * member's applying stopped: the application's apply threw, or there is no application here.
   */
  private applyAppEntry(e: Entry): boolean {
    const app = this.app;
    if (app === undefined || app.fault?.code === 'APPLY_FAILED') {
      const fault: AppFault = app?.fault ?? { code: 'APPLY_FAILED', index: e.index, message: `entry ${e.index} is an application command, but this member was started without the application's state machine: start it with the same stateMachine as the others` };
      this.appFailed(new AppFaultError(fault));
      return false;
    }
    const faultBefore = app.fault;
    let answer: { value: unknown } | undefined;
    try {
      answer = app.apply(e.data, { index: e.index, term: e.term });
    } catch (err) {
      this.appFailed(err instanceof AppFaultError ? err : new AppFaultError({ code: 'APPLY_FAILED', index: e.index, message: String(err) }));
      return false;
    }
    this.sm.markApplied(e.index);
    if (app.fault !== faultBefore && app.fault !== undefined) this.appDiverged(app.fault);
    if (answer !== undefined) this.resolveWaiter(e, { value: answer.value, index: e.index });
    return true;
  }

  /** Applies an etcd request to the keyspace; the store's refusals are answers, the same on every member. */
  private applyEtcdEntry(e: Entry): void {
    const answer = this.etcd.apply(decodeEtcdRequest(etcdEntryBody(e.data)));
    this.sm.markApplied(e.index);
    this.resolveWaiter(e, { value: answer, index: e.index });
    for (const listener of this.etcdListeners) listener();
  }

  /**
   * The leader revokes etcd leases past their time by its wall clock, with an election timeout's
   * grace (a lease's time was stamped by the leader that granted or renewed it), once it has
   * applied an entry of its own term; one proposal in flight at a time.
   */
  private maybeExpireEtcdLeases(): void {
    if (this.soft.role !== 'leader' || this.stopped || this.etcd.store.leaseCount === 0 || this.sm.appliedIndex < this.etcdExpiringAt) return;
    if (this.appliedTerm !== this.raw.status().term) return;
    const at = this.rt.wallNow();
    const ids = this.etcd.store.expiredLeases(at - this.opts.electionTimeoutMs).slice(0, LEASE_EXPIRIES_PER_TICK);
    if (ids.length === 0) return;
    const r = this.raw.propose([encodeEtcdEntry(encodeEtcdRequest({ at, op: { type: 'lease-expire', ids } }))]);
    if (r.ok) this.etcdExpiringAt = r.firstIndex;
  }

  /** At a checkpoint index, hashes the application's state; the leader proposes its hash for every member to compare. */
  private checkAppState(index: number): void {
    const hash = this.app?.checkpoint(index);
    if (hash === undefined || this.soft.role !== 'leader' || this.stopped) return;
    const r = this.raw.propose([encodeStateCheck(index, hash)]);
    if (r.ok) this.schedule();
  }

  /** The application's apply threw here: this member stops (its state is past saving) and the host is told. */
  private appFailed(err: AppFaultError): void {
    if (this.stopped) return;
    this.stopped = true;
    this.opts.logger.error({ index: err.fault.index, code: err.fault.code }, err.message);
    this.failWaiters(new NodeError('UNAVAILABLE', `member ${this.id} stopped applying: ${err.message}`));
    this.opts.onAppFault?.(err.fault);
    this.fatal?.(err);
  }

  private appDiverged(fault: AppFault): void {
    this.opts.logger.error({ index: fault.index, code: fault.code }, fault.message);
    this.opts.onAppFault?.(fault);
  }

  private resolveWaiter(e: Entry, result: unknown): void {
    const w = this.waiters.get(e.index);
    if (!w) return;
    this.waiters.delete(e.index);
    if (w.term === e.term) w.resolve(result);
    else w.reject(new NodeError('UNAVAILABLE', 'the write was superseded by a new leader; retry'));
  }

  private applyMembership(cc: ConfChange): void {
    if (cc.type === 'remove') this.members.delete(cc.node);
    else if (cc.context && cc.context.length > 0) {
      const { address } = JSON.parse(Buffer.from(cc.context).toString('utf8')) as { address: string };
      this.members.set(cc.node, address);
    }
    this.transport?.setPeers(this.peerAddresses());
    void this.opts.storage.saveMembers(this.members).catch((err: unknown) => this.opts.logger.warn({ err }, 'could not save the member list'));
  }

  /**
   * A read replica that the membership makes a voter (added without --learner, by mistake) stops
   * with one line saying how to fix it: its core grants no vote (Config.nonVoting), but the
   * leader would count it for every quorum, so running on would only hide a cluster that can
   * lose one member fewer than it seems.
   */
  private refuseReplicaAsVoter(): boolean {
    if (this.opts.placement?.readReplica !== true || !this.raw.confState().voters.includes(this.id)) return false;
    const message = `${this.id} was started with --read-replica but the cluster's membership makes it a voter: remove it (fleet members remove ${this.id}) and add it back with --learner, or start it without --read-replica`;
    this.opts.logger.error({ id: this.id }, message);
    this.stopped = true;
    this.fatal?.(new NodeError('FAILED_PRECONDITION', message));
    return true;
  }

  private peerAddresses(): Map<string, string> {
    const peers = new Map(this.members);
    peers.delete(this.id);
    return peers;
  }

  private maybeSnapshot(): void {
    if (this.snapshotRunning || this.space.outOfSpace) return;
    if (!snapshotDue(this.sinceSnapshot, this.opts.snapshotEvery)) return;
    void this.takeSnapshot().catch((err: unknown) => this.opts.logger.warn({ err }, 'snapshot failed'));
  }

  // ------------------------------------------------------------------ writes

  write(req: WriteRequest): Promise<ApplyResult> {
    if (this.stopped) return Promise.reject(new NodeError('UNAVAILABLE', 'this member is shutting down'));
    const op = req.op;
    const termStart = this.raw.termStartIndex;
    const answer = op.type === 'lease.acquire' && this.soft.role === 'leader' ? this.acquireInTurn(req, op.name, op.holder) : this.propose(req);
    return op.type === 'lease.acquire' || op.type === 'lease.renew' ? answer.then((r) => withExtensionReason(r, termStart)) : answer;
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
      const current = this.sm.appliedIndex >= this.raw.termStartIndex - 1;
      return current && this.sm.acquireRefusal(name, holder) === undefined ? this.propose(req) : this.refuseAcquireUnlogged(req, name, holder);
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
    if (this.space.outOfSpace && this.soft.role === 'leader') {
      this.opts.observer?.onProposalFailed?.(1);
      return Promise.reject(this.outOfSpaceWriteError());
    }
    // Wall time for people to read; the age, counted on monotonic clocks, for what decides idleness.
    const data = encodeCommand({ clientId: req.clientId, seq: req.seq, firstIncomplete: req.firstIncomplete, time: this.rt.wallNow(), age: this.ageNow(), ...(req.by ? { by: req.by } : {}), op: req.op });
    const r = this.raw.propose([data]);
    if (!r.ok) {
      this.opts.observer?.onProposalFailed?.(1);
      return Promise.reject(this.proposalError(r.error));
    }
    this.schedule();
    return new Promise<ApplyResult>((resolve, reject) => {
      // A waiter left at this index belongs to an entry of an older term that was overwritten.
      this.waiters.get(r.firstIndex)?.reject(new NodeError('UNAVAILABLE', 'the write was superseded by a new leader; retry'));
      this.waiters.set(r.firstIndex, { term: r.term, resolve: resolve as (r: unknown) => void, reject });
      if (this.opts.unsafeAckBeforeCommit) resolve({ ok: true, index: r.firstIndex, value: {} } as ApplyResult);
    });
  }

  /**
   * Replicates one application command and resolves with its apply's answer and index, on the
   * leader (elsewhere: NOT_LEADER with the leader hint; fleet/embed forwards it). Not deduplicated:
   * a retry after a lost answer may apply twice, so commands that must not should carry their own id.
   */
  submit(op: string, payload: Uint8Array): Promise<{ value: unknown; index: number }> {
    if (this.stopped) return Promise.reject(new NodeError('UNAVAILABLE', 'this member is shutting down'));
    if (this.app === undefined) return Promise.reject(new NodeError('FAILED_PRECONDITION', `member ${this.id} hosts no application state machine`));
    if (this.space.outOfSpace && this.soft.role === 'leader') return Promise.reject(this.outOfSpaceWriteError());
    const r = this.raw.propose([encodeAppCommand(op, payload)]);
    if (!r.ok) return Promise.reject(this.proposalError(r.error));
    this.schedule();
    return new Promise((resolve, reject) => {
      this.waiters.get(r.firstIndex)?.reject(new NodeError('UNAVAILABLE', 'the write was superseded by a new leader; retry'));
      // Once proposed, a failure leaves the outcome open (no deduplication here): TIMEOUT says "it may still apply".
      const unknown = (err: Error): void => reject(new NodeError('TIMEOUT', `${err.message.replace(/; retry$/, '')}: the command may or may not have applied`, err instanceof NodeError ? err.leaderId : '', err instanceof NodeError ? err.leaderAddress : ''));
      this.waiters.set(r.firstIndex, { term: r.term, resolve: resolve as (r: unknown) => void, reject: unknown });
    });
  }

  /**
   * Replicates one write to the etcd keyspace, stamped with this leader's wall clock, and
   * resolves with its answer once applied; elsewhere NOT_LEADER with the leader's address (the
   * etcd service forwards it). Once proposed, a lost leadership leaves the outcome open (TIMEOUT).
   */
  submitEtcd(op: EtcdOp): Promise<{ value: EtcdAnswer; index: number }> {
    if (this.stopped) return Promise.reject(new NodeError('UNAVAILABLE', 'this member is shutting down'));
    if (this.space.outOfSpace && this.soft.role === 'leader') return Promise.reject(this.outOfSpaceWriteError());
    const r = this.raw.propose([encodeEtcdEntry(encodeEtcdRequest({ at: this.rt.wallNow(), op }))]);
    if (!r.ok) return Promise.reject(this.proposalError(r.error));
    this.schedule();
    return new Promise((resolve, reject) => {
      this.waiters.get(r.firstIndex)?.reject(new NodeError('UNAVAILABLE', 'the write was superseded by a new leader; retry'));
      const unknown = (err: Error): void => reject(new NodeError('TIMEOUT', `${err.message.replace(/; retry$/, '')}: the write may or may not have applied`));
      this.waiters.set(r.firstIndex, { term: r.term, resolve: resolve as (r: unknown) => void, reject: unknown });
    });
  }

  /** Calls `listener` after every etcd write applied here (and a snapshot installed); returns its removal. */
  onEtcdApplied(listener: () => void): () => void {
    this.etcdListeners.add(listener);
    return () => void this.etcdListeners.delete(listener);
  }

  /** This member's etcd keyspace as it is now (for watchers: read, never written). */
  etcdStore(): MvccStore {
    return this.etcd.store;
  }

  /** Runs `query` on the etcd keyspace: after a ReadIndex round when linearizable, else on this member's state as it is. */
  readEtcd<T>(linearizable: boolean, query: (store: MvccStore) => T): Promise<{ value: T; index: number }> {
    if (linearizable) return this.read({ mode: 'linearizable' }, () => query(this.etcd.store));
    if (this.stopped) return Promise.reject(new NodeError('UNAVAILABLE', 'this member is shutting down'));
    return Promise.resolve({ value: query(this.etcd.store), index: this.sm.appliedIndex });
  }

  /** Runs `query` against the application's state once the consistency requirement holds; refused on a member whose state diverged. */
  readApp<T>(consistency: ReadConsistency, query: (machine: StateMachine) => T): Promise<{ value: T; index: number }> {
    const app = this.app;
    if (app === undefined) return Promise.reject(new NodeError('FAILED_PRECONDITION', `member ${this.id} hosts no application state machine`));
    if (app.fault) return Promise.reject(new NodeError('FAILED_PRECONDITION', `member ${this.id}: ${app.fault.message}; read from another member`));
    return this.read(consistency, () => {
      if (app.fault) throw new NodeError('FAILED_PRECONDITION', `member ${this.id}: ${app.fault.message}; read from another member`);
      return query(app.machine);
    });
  }

  /** The application's fault on this member (divergence or a failed apply), if any. */
  appFault(): AppFault | undefined {
    return this.app?.fault;
  }

  private proposalError(code: Parameters<typeof describeRaftError>[0]): NodeError {
    if (code === 'not-leader') {
      const leader = this.soft.leader;
      return new NodeError('NOT_LEADER', leader ? `not the leader; the leader is ${leader}` : 'no leader elected yet; retry', leader, this.members.get(leader) ?? '');
    }
    return new NodeError('UNAVAILABLE', `${describeRaftError(code)}; retry`);
  }

  private failWaiters(err: Error): void {
    const waiters = [...this.waiters.values()];
    this.waiters.clear();
    for (const w of waiters) w.reject(err);
  }

  // ------------------------------------------------------------------ reads

  read<T>(consistency: ReadConsistency, fn: (sm: FleetStateMachine) => T): Promise<{ value: T; index: number }> {
    if (this.stopped) return Promise.reject(new NodeError('UNAVAILABLE', 'this member is shutting down'));
    const outside = this.outsideMembership();
    if (outside) return Promise.reject(outside);
    const behind = this.behindForSpace(consistency);
    if (behind) return Promise.reject(behind);
    switch (consistency.mode) {
      case 'linearizable':
        if (this.opts.unsafeReleaseReadsEarly) return Promise.resolve().then(() => ({ value: fn(this.sm), index: this.sm.appliedIndex }));
        return new Promise((resolve, reject) => {
          this.reads.enqueue({
            run: () => {
              try {
                resolve({ value: fn(this.sm), index: this.sm.appliedIndex });
              } catch (err) {
                reject(err instanceof Error ? err : new Error(String(err)));
              }
            },
            fail: reject,
          });
          this.startReadRound();
        });
      case 'min-index':
        return this.waitApplied(consistency.index).then(() => ({ value: fn(this.sm), index: this.sm.appliedIndex }));
      case 'max-staleness':
        return this.readBoundedStale(consistency.ms, fn);
    }
  }

  /**
   * A member outside the configuration it applied (removed, or started with --join and not yet
   * added) is sent no new entries: a read there would wait for an index it never reaches (or,
   * bounded-stale, serve a state frozen at its removal), so it is refused at once, and the
   * client asks another member.
   */
  private outsideMembership(): NodeError | undefined {
    const conf = this.raw.confState();
    if (conf.voters.includes(this.id) || conf.learners.includes(this.id)) return undefined;
    const why = conf.voters.length === 0 ? 'has not been added to a cluster yet (fleet members add)' : 'was removed from the cluster (fleet members remove)';
    return new NodeError('UNAVAILABLE', `member ${this.id} ${why}: it serves no reads; read from another member`);
  }

  /**
   * Out of space, this member applies nothing new, so its state is as old as the moment its disk
   * filled: it serves a read only if that is recent enough, or the index asked for is applied.
   */
  private behindForSpace(consistency: ReadConsistency): NodeError | undefined {
    const since = this.space.outOfSpaceSince;
    if (since === undefined) return undefined;
    const why = `out of space on member ${this.id}: it applies nothing new until space is freed on its disk`;
    switch (consistency.mode) {
      case 'linearizable':
        return new NodeError('UNAVAILABLE', `${why}; read from another member`);
      case 'min-index':
        return this.sm.appliedIndex >= consistency.index ? undefined : new NodeError('UNAVAILABLE', `${why}, and it has applied only up to index ${this.sm.appliedIndex}; read from another member`);
      case 'max-staleness':
        return this.rt.monoNow() - since <= consistency.ms ? undefined : new NodeError('UNAVAILABLE', `${why}, so its state may be older than ${consistency.ms} ms; read from another member`);
    }
  }

  /**
   * A follower serves the read if it heard from a leader within `ms`. A leader serves it once
   * it has applied an entry of its own term; until then it may lack writes committed and
   * answered before it led, so the read waits as a linearizable one does.
   */
  private readBoundedStale<T>(ms: number, fn: (sm: FleetStateMachine) => T): Promise<{ value: T; index: number }> {
    const leader = this.soft.role === 'leader';
    const fresh = (leader && this.appliedTerm === this.raw.status().term) || (this.lastLeaderContact >= 0 && this.rt.monoNow() - this.lastLeaderContact <= ms);
    if (fresh) return Promise.resolve({ value: fn(this.sm), index: this.sm.appliedIndex });
    if (leader) return this.read({ mode: 'linearizable' }, fn);
    return Promise.reject(new NodeError('UNAVAILABLE', `this member has not heard from a leader within ${ms} ms`));
  }

  private startReadRound(): void {
    const context = this.reads.nextRound();
    if (!context) return;
    const err = this.raw.readIndex(context);
    if (err) this.reads.failAll(new NodeError('UNAVAILABLE', 'no leader to confirm a linearizable read; retry', '', ''));
    this.schedule();
  }

  /** A forwarded ReadIndex can be lost with its messages: fail reads stuck for a whole period. */
  private expireReads(): void {
    if (this.reads.inFlight > 0 && this.readRoundStuck) this.reads.failAll(new NodeError('TIMEOUT', 'the read was not confirmed in time; retry'));
    this.readRoundStuck = this.reads.inFlight > 0;
  }

  private waitApplied(index: number): Promise<void> {
    if (this.sm.appliedIndex >= index) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = this.rt.setTimeout(() => reject(new NodeError('TIMEOUT', `this member has not applied index ${index} yet`)), READ_TIMEOUT_MS);
      this.indexWaiters.push({ index, resolve: () => (this.rt.clearTimer(timer), resolve()) });
    });
  }

  private releaseIndexWaiters(): void {
    const applied = this.sm.appliedIndex;
    for (let i = this.indexWaiters.length - 1; i >= 0; i--) {
      const w = this.indexWaiters[i]!;
      if (w.index <= applied) {
        this.indexWaiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  // ------------------------------------------------------------------ status and admin

  status(): MemberStatus {
    const st = this.raw.status();
    const learner = st.conf.learners.includes(this.id);
    const members: MemberInfo[] = [...st.conf.voters.map((id) => ({ id, voter: true })), ...st.conf.learners.map((id) => ({ id, voter: false }))].map((m) => ({
      ...m,
      address: this.members.get(m.id) ?? '',
      ...this.placementOf(m.id),
      ...versionField(this.versions.versionOf(m.id)),
    }));
    const progress = [...st.progress].filter(([id]) => id !== this.id).map(([id, p]) => ({
      id,
      match: p.match,
      next: p.next,
      state: p.state,
      recentActive: p.recentActive,
      learner: p.learner,
      lag: Math.max(0, st.lastIndex - p.match),
    }));
    const clockOffset = this.clockOffset();
    const now = this.rt.monoNow();
    this.applyWatch.observe(st.commit, this.sm.appliedIndex, now);
    return {
      id: this.id,
      address: this.opts.address,
      clusterName: this.opts.clusterName,
      role: learner ? 'learner' : st.role,
      term: st.term,
      leaderId: st.leader,
      leaderAddress: this.members.get(st.leader) ?? '',
      commitIndex: st.commit,
      appliedIndex: this.sm.appliedIndex,
      lastIndex: st.lastIndex,
      snapshotIndex: st.snapshotIndex,
      members,
      progress,
      lastContactMs: st.role === 'leader' ? 0 : this.lastLeaderContact < 0 ? -1 : this.rt.monoNow() - this.lastLeaderContact,
      uptimeMs: this.rt.monoNow() - this.startedAt,
      version: this.opts.version,
      rssBytes: this.rt.rssBytes(),
      snapshotsTaken: this.snapshotsTaken,
      elections: this.elections,
      ...(this.repair ? { repair: this.repair } : {}),
      repairsCompleted: this.repairsCompleted,
      autopilot: this.autopilot.report(),
      storage: this.space.outOfSpace ? 'out-of-space' : 'ok',
      configIndex: st.confIndex,
      ...(clockOffset === undefined ? {} : { clockOffsetMs: Math.round(clockOffset) }),
      applyStalledMs: Math.round(this.applyWatch.stalledMs(now)),
      stuckAfterMs: ApplyWatch.stuckAfterMs(this.opts.electionTimeoutMs),
      ...this.placementOf(this.id),
      ...clusterVersionField(this.versions.current()),
    };
  }

  /** A member's zone and region as far as this member knows them, without the unset ones. */
  private placementOf(id: string): { zone?: string; region?: string; readReplica?: boolean } {
    const p = id === this.id ? this.opts.placement : this.placements.get(id);
    return { ...(p?.zone ? { zone: p.zone } : {}), ...(p?.region ? { region: p.region } : {}), ...(p?.readReplica ? { readReplica: true } : {}) };
  }

  /** Whether `id` announced itself a permanent read replica: never promoted, by autopilot or an operator. */
  private isReadReplica(id: string): boolean {
    return (id === this.id ? this.opts.placement : this.placements.get(id))?.readReplica === true;
  }

  // ------------------------------------------------------------------ autopilot

  /** What autopilot sees this instant, on the leader; undefined elsewhere. */
  private leaderView(): LeaderView | undefined {
    if (this.stopped || this.soft.role !== 'leader') return undefined;
    const st = this.raw.status();
    const now = this.rt.monoNow();
    const matches = new Map([...st.progress].filter(([id]) => id !== this.id).map(([id, p]) => [id, p.match]));
    this.followerTimes.sample(now, st.lastIndex, matches);
    const observations: MemberObservation[] = [...st.progress.keys()].map((id) => {
      const voter = st.conf.voters.includes(id);
      if (id === this.id) return { id, voter, lastContactMs: 0, trailingEntries: 0, trailingMs: 0 };
      return { id, voter, trailingEntries: Math.max(0, st.lastIndex - (matches.get(id) ?? 0)), ...this.followerTimes.ages(id, now) };
    });
    const replicas = st.conf.learners.filter((id) => this.isReadReplica(id));
    const regions = Object.fromEntries([...st.progress.keys()].flatMap((id) => (this.placementOf(id).region ? [[id, this.placementOf(id).region!]] : [])));
    return { now, leader: this.id, voters: st.conf.voters, learners: st.conf.learners, replicas, regions, changePending: st.confChangeBlocked, observations };
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

  async recordAudit(by: Actor, op: string, args: Readonly<Record<string, unknown>>, outcome: string): Promise<void> {
    await this.write({ clientId: '', seq: 0, firstIncomplete: 0, by, op: { type: 'audit.record', op, args, outcome } });
  }

  async transferLeadership(to?: string): Promise<{ from: string; to: string; tookMs: number }> {
    const st = this.raw.status();
    if (st.role !== 'leader') throw this.proposalError('not-leader');
    const target = to ?? this.bestTransferTarget();
    if (!target) throw new NodeError('FAILED_PRECONDITION', 'no other voting member to transfer leadership to');
    const t0 = this.rt.monoNow();
    const err = this.raw.transferLeader(target);
    if (err) throw new NodeError(err === 'invalid-transferee' ? 'INVALID_ARGUMENT' : 'FAILED_PRECONDITION', `cannot transfer to ${target}: ${describeRaftError(err)}`);
    this.schedule();
    await this.waitFor(() => this.soft.role !== 'leader' || this.raw.status().transferee === '', this.opts.electionTimeoutMs * 2);
    const leader = this.raw.status().leader;
    if (this.soft.role === 'leader') throw new NodeError('UNAVAILABLE', `leadership transfer to ${target} did not complete in time`);
    return { from: this.id, to: leader || target, tookMs: this.rt.monoNow() - t0 };
  }

  private bestTransferTarget(): string | undefined {
    const st = this.raw.status();
    let best: string | undefined;
    let bestMatch = -1;
    for (const [id, p] of st.progress) {
      if (id === this.id || p.learner || !p.recentActive) continue;
      if (p.match > bestMatch) [best, bestMatch] = [id, p.match];
    }
    return best;
  }

  private waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const deadline = this.rt.monoNow() + timeoutMs;
      const check = () => {
        if (cond() || this.rt.monoNow() > deadline || this.stopped) resolve();
        else this.rt.setTimeout(check, 5);
      };
      check();
    });
  }

  /**
   * A snapshot that covers everything applied when it was asked for. One is written at a time:
   * an operator's request that arrives while the automatic one runs waits for it (an error here
   * failed `fleet snapshot save` whenever the two met), then returns it if it covers enough.
   */
  async takeSnapshot(): Promise<{ index: number; term: number; bytes: number; path: string }> {
    const wanted = this.sm.appliedIndex;
    while (this.snapshotRunning) await this.snapshotRunning.catch(() => undefined);
    // Nothing applied since the newest snapshot: that one is the snapshot asked for.
    const latest = await this.opts.storage.latestSnapshot();
    if (latest && latest.index >= wanted) {
      const bytes = latest.bytes ?? (await stat(latest.path)).size;
      return { index: latest.index, term: latest.term, bytes, path: latest.path };
    }
    if (this.snapshotRunning) return this.takeSnapshot();
    const job = this.writeSnapshot();
    this.snapshotRunning = job;
    try {
      return await job;
    } finally {
      if (this.snapshotRunning === job) this.snapshotRunning = undefined;
    }
  }

  private async writeSnapshot(): Promise<{ index: number; term: number; bytes: number; path: string }> {
    const t0 = this.rt.monoNow();
    const sm = this.sm;
    const job = sm.beginSnapshot();
    // Taken in the same turn as the registry's image, so both are as of the same applied index.
    const appImage = this.app?.machine.snapshot();
    // An etcd keyspace that was never written adds nothing: the image stays as before it existed.
    const etcdImage = this.etcd.snapshot();
    const v2 = etcdImage.length > 0;
    const shift = v2 ? IMAGE_V2_HEADER_BYTES : appImage === undefined ? 0 : IMAGE_HEADER_BYTES;
    const tail = (appImage?.length ?? 0) + etcdImage.length;
    const meta: SnapshotMeta = { index: job.index, term: this.appliedTerm, conf: this.raw.confState() };
    // Entries applied while the image is written count towards the next snapshot.
    this.sinceSnapshot = snapshotProgressAfter(this.sinceSnapshot.lastSnapshotBytes, this.rt.random());
    // Written out as it is made: a whole image in memory outlived the snapshot as tens of MB
    // of garbage until the next full GC, which an idle member may not run for many seconds.
    const sink = this.opts.storage.beginSnapshot(meta);
    let path: string;
    try {
      await runInSlices(job.steps((bytes, offset) => sink.write(bytes, offset + shift)), () => sink.settle(), this.rt);
      if (this.sm !== sm || this.stopped) {
        throw new NodeError('UNAVAILABLE', 'the state was replaced (a snapshot from the leader) or the member stopped while the snapshot was written; retry');
      }
      if (v2) sink.write(imageHeaderV2(job.length, appImage?.length), 0);
      else if (appImage !== undefined) sink.write(imageHeader(job.length), 0);
      if (appImage !== undefined) sink.write(appImage, shift + job.length);
      if (v2) sink.write(etcdImage, shift + job.length + (appImage?.length ?? 0));
      path = await sink.commit(shift + job.length + tail);
    } finally {
      sink.abort();
    }
    const bytes = shift + job.length + tail;
    this.sinceSnapshot = { ...this.sinceSnapshot, lastSnapshotBytes: bytes };
    if (!this.stopped) this.raw.compact(meta);
    this.snapshotsTaken++;
    this.opts.observer?.onSnapshot?.(bytes, (this.rt.monoNow() - t0) / 1e3);
    this.opts.logger.info({ index: meta.index, term: meta.term, bytes }, 'snapshot taken');
    return { index: meta.index, term: meta.term, bytes, path };
  }

  async latestSnapshot(): Promise<{ index: number; term: number; path: string } | undefined> {
    return this.opts.storage.latestSnapshot();
  }

  async addMember(id: string, address: string, learner: boolean, ifConfigIndex?: number): Promise<void> {
    const context = Buffer.from(JSON.stringify({ address }));
    await this.changeMembership({ type: learner ? 'add-learner' : 'add-voter', node: id, context }, ifConfigIndex);
  }

  async promoteMember(id: string, ifConfigIndex?: number): Promise<void> {
    const st = this.raw.status();
    if (!st.conf.learners.includes(id)) throw new NodeError('FAILED_PRECONDITION', `${id} is not a learner`);
    if (this.isReadReplica(id)) throw new NodeError('FAILED_PRECONDITION', `${id} is a read replica (started with --read-replica): it never votes; start a member without it to add a voter`);
    const p = st.progress.get(id);
    if (p && st.lastIndex - p.match > 1000) throw new NodeError('FAILED_PRECONDITION', `${id} trails the leader by ${st.lastIndex - p.match} entries; wait until it catches up`);
    await this.changeMembership({ type: 'add-voter', node: id, context: Buffer.from(JSON.stringify({ address: this.members.get(id) ?? '' })) }, ifConfigIndex);
  }

  async removeMember(id: string, ifConfigIndex?: number): Promise<void> {
    await this.changeMembership({ type: 'remove', node: id }, ifConfigIndex);
  }

  /** With `ifConfigIndex`, refused (FAILED_PRECONDITION) unless the configuration in force is the one made at that index. */
  private async changeMembership(cc: ConfChange, ifConfigIndex?: number): Promise<void> {
    const r = this.raw.proposeConfChange(cc, ifConfigIndex);
    if (!r.ok) {
      if (r.error === 'not-leader') throw this.proposalError(r.error);
      if (r.error === 'conf-changed') {
        const now = this.raw.status().confIndex;
        throw new NodeError('FAILED_PRECONDITION', `the membership changed since it was checked (configuration of index ${ifConfigIndex}, now ${now}): nothing was changed; look at fleet members list, then retry`);
      }
      throw new NodeError('FAILED_PRECONDITION', describeRaftError(r.error));
    }
    this.schedule();
    await this.waitFor(() => this.sm.appliedIndex >= r.firstIndex, this.opts.electionTimeoutMs * 5);
    if (this.sm.appliedIndex < r.firstIndex) throw new NodeError('TIMEOUT', 'the membership change was not committed in time; check `fleet members list`');
  }

  /**
   * Whether `id` may speak to this member: it is in the configuration (or is a member being
   * added, whose address the membership recorded). A member that knows no configuration yet
   * (started with `--join`) hears from any authenticated member.
   */
  knowsPeer(id: string): boolean {
    const conf = this.raw.confState();
    if (conf.voters.length === 0 && conf.learners.length === 0) return true;
    return conf.voters.includes(id) || conf.learners.includes(id) || this.members.has(id);
  }

  /**
   * The leader's wall clock minus this member's, in ms, as the last entry of the current term
   * applied here showed it (replication delay included); undefined on the leader or before any.
   */
  clockOffset(): number | undefined {
    if (this.soft.role === 'leader' || this.rt.monoNow() - this.clockOffsetAt > CLOCK_EVIDENCE_MS) return undefined;
    return this.clockOffsetMs;
  }

  /** The current term and its leader as this member knows them ('' when none). */
  leadership(): { term: number; leader: string } {
    const st = this.raw.status();
    return { term: st.term, leader: st.leader };
  }

  /** Stops the clock and fails what is pending; the process may exit afterwards. */
  stop(): void {
    this.stopped = true;
    this.rt.clearTimer(this.ticker);
    this.rt.clearTimer(this.readTimer);
    this.rt.clearTimer(this.autopilotTimer);
    this.space.stop();
    const err = new NodeError('UNAVAILABLE', 'this member is shutting down');
    // Watchers are told to resume elsewhere.
    this.changes.reset(this.sm.appliedIndex + 1);
    this.failWaiters(err);
    this.reads.failAll(err);
  }

  /** The leader's hand-off on SIGTERM: transfer to a healthy voter, if there is one. */
  async handOff(): Promise<void> {
    if (this.soft.role !== 'leader' || !this.bestTransferTarget()) return;
    try {
      const t = await this.transferLeadership();
      this.opts.logger.info(t, 'leadership handed off before shutdown');
    } catch (err) {
      this.opts.logger.warn({ err }, 'could not hand off leadership before shutdown');
    }
  }
}

/** The messages without vote requests: a member that cannot record its own vote does not ask for others'. */
function withoutCampaigning(messages: readonly Message[]): Message[] {
  return messages.filter((m) => m.type !== 'pre-vote' && m.type !== 'vote');
}

function raftLogger(logger: NodeLogger) {
  return {
    debug: (msg: string, fields?: Record<string, unknown>) => logger.debug(fields ?? {}, msg),
    info: (msg: string, fields?: Record<string, unknown>) => logger.info(fields ?? {}, msg),
    warn: (msg: string, fields?: Record<string, unknown>) => logger.warn(fields ?? {}, msg),
  };
}

function versionField(version: string | undefined): { version?: string } {
  return version ? { version } : {};
}

function clusterVersionField(v: ClusterVersion | undefined): { clusterVersion?: ClusterVersion } {
  return v === undefined ? {} : { clusterVersion: v };
}

/**
 * A renewal's answer with the reason its lease was still live past the expiry it showed: this
 * leader's timer (src/core/node/lease-keeper.ts) runs from its own apply of the grant or
 * renewal (`margin`) unless that came before its term, which it then timed afresh from its
 * first look as leader (`leader-change`). Only the leader knows, so only its answer says.
 */
function withExtensionReason(r: ApplyResult, termStart: number): ApplyResult {
  if (!r.ok || r.duplicate) return r;
  const value = r.value as { readonly lease?: LeaseView };
  const extended = value.lease?.extended;
  if (extended === undefined || value.lease === undefined) return r;
  const reason = extended.sinceIndex < termStart ? 'leader-change' : 'margin';
  return { ...r, value: { ...value, lease: { ...value.lease, extended: { ...extended, reason } } } };
}
