/**
 * A simulated cluster of real FleetNodes: each member is the production FleetNode (Ready loop,
 * chained writes, waiters, read queue, snapshot jobs, the fleet state machine) on simulated
 * time (SimRuntime), over the seeded packet simulator of ../network.ts, on the production
 * storage (RaftStorage) over an in-memory file system with seeded faults (SimFs; `storage:
 * 'model'` puts SimStorage, a model of the storage, in its place). The checkers read each
 * member's SimDisk: what it was acknowledged to hold, replaced at each start by what recovery
 * read back. Only the process around the node and its sockets are simulated.
 */
import { FleetMember, type FleetMemberOptions } from '../../../src/core/node/fleet-member.js';
import { BINARY_ETCD_FORMAT } from '../../../src/core/etcd-store/request-codec.js';
import { DATA_FORMAT } from '../../../src/core/server/data-format.js';
import type { NodeLogger, PeerSender, UnsafeNodeHooks } from '../../../src/core/node/fleet-node.js';
import type { NodeApi } from '../../../src/core/node/member-api.js';
import type { Message } from '../../../src/core/raft/types.js';
import { HistoryRecorder } from '../../../src/ops/history/index.js';
import { SafetyChecker, type LogView } from '../checkers.js';
import { hashBytes, TraceDigest } from '../digest.js';
import { cloneMessage, Network } from '../network.js';
import { Prng } from '../prng.js';
import { SafetyViolation } from '../violation.js';
import { REGISTRY_KV_NS, RealClients } from './clients.js';
import { chooseConfChange } from '../membership.js';
import { drawClockJumps, drawDiskFull, drawMembership, drawRealPlan, ELECTION_TIMEOUT_MS, HEARTBEAT_MS, NET_UNIT_US, type RealFaultKind, type RealPlan } from './plan.js';
import { EventStorm, Incarnation, Scheduler, SimRuntime, US_PER_MS, type ClockSettings } from './scheduler.js';
import { StorageFailedError, StorageFullError, StorageUsageError } from '../../../src/core/storage/errors.js';
import { scanSegment } from '../../../src/core/storage/segment-scan.js';
import { HARD_STATE_FILE } from '../../../src/core/storage/hard-state-copy.js';
import { openRealStorage, SIM_STORAGE_DIR, type RealSimStorage } from './real-storage.js';
import { emptyDiskStats, SimDisk, SimStorage, type DiskPlan, type DiskStats } from './sim-disk.js';
import { SimFs, type Damage } from './sim-fs.js';
import { APP_CHECK_EVERY, SimApp } from './sim-app.js';

/** The deliberately broken members `--unsafe` selects in real-node runs, to prove the checkers can fail. */
export const REAL_UNSAFE = [
  'ack-before-fsync',
  'read-before-confirmation',
  'continue-after-eio',
  'apply-before-commit',
  'vote-without-persisting',
  'stale-read-confirmation',
  'new-leader-early-read',
  'repair-without-fencing',
  'skip-checksum-verification',
  'truncate-without-repair',
  'ignore-hard-state-copy',
  'commit-previous-term',
  'vote-twice',
] as const;

/**
 * One deliberately broken behaviour: the storage acknowledges a write before its fsync (so
 * FleetNode sends its acknowledgements early); FleetNode serves linearizable reads before their
 * ReadIndex confirmation; the process goes on after FleetNode's onFatal (an fsync EIO);
 * FleetNode applies entries as soon as they are appended; FleetNode sends vote grants before
 * they are durable; the Raft core releases a read on a confirmation from a round sent before
 * it arrived; a new leader serves reads before an entry of its term committed; a member whose
 * damaged log was cut rejoins voting at once, as if it had truncated nothing committed; the
 * storage's recovery accepts WAL records without checking their checksums; it cuts damaged
 * fsynced records at the log's tail (committed entries among them) as a torn write, without
 * starting a repair; it trusts the WAL's hard state alone, ignoring its copy (the last three
 * with real storage only); the Raft core commits entries of
 * earlier terms by counting replicas (the Figure 8 bug); it grants a second vote in a term.
 */
export type RealUnsafe = (typeof REAL_UNSAFE)[number];

/** The production switches each broken member is made of (the storage's and the process's are wired in place). */
const UNSAFE_NODE_HOOKS: Readonly<Partial<Record<RealUnsafe, UnsafeNodeHooks>>> = {
  'read-before-confirmation': { releaseReadsEarly: true },
  'apply-before-commit': { applyBeforeCommit: true },
  'vote-without-persisting': { sendVotesBeforePersist: true },
  'stale-read-confirmation': { raft: { releaseReadsOnStaleConfirmation: true } },
  'new-leader-early-read': { raft: { readBeforeTermCommit: true } },
  'repair-without-fencing': { raft: { ignoreRepair: true } },
  'commit-previous-term': { raft: { commitPreviousTermByCount: true } },
  'vote-twice': { raft: { voteTwicePerTerm: true } },
};

/**
 * Per start of a member, the chance that its disk returns a damaged fsynced entry. A member
 * broken in its repair is only caught where disks get damaged: on every start then. The other
 * broken members are caught by their own fault mixes, which damage would only dilute.
 */
function latentDamageRate(prng: Prng, unsafe: RealUnsafe | undefined): number {
  if (unsafe === 'repair-without-fencing' || unsafe === 'skip-checksum-verification' || unsafe === 'truncate-without-repair' || unsafe === 'ignore-hard-state-copy') return 1;
  if (unsafe !== undefined || !prng.chance(0.8)) return 0;
  return prng.logUniform(0.1, 0.6);
}

/** The members' storage: the production one on a simulated file system, or a model of it. */
export type RealStorageKind = 'real' | 'model';

/** What decides a real-node run: with the same options, a run is the same run. */
export interface RealClusterOptions {
  readonly seed: number;
  /** The etcd keyspace in the workload too: its clients and watchers (etcd-run.ts), and its checkers (`--etcd`). */
  readonly etcd?: boolean;
  readonly nodes: number;
  readonly faults: ReadonlySet<RealFaultKind>;
  readonly diskFaults: boolean;
  readonly unsafe?: RealUnsafe;
  /**
   * The members' storage: 'real' runs the production RaftStorage on a simulated file system
   * (SimFs); 'model' is SimStorage, a model of it in memory. Default 'real'.
   */
  readonly storage?: RealStorageKind;
  readonly log?: (line: string) => void;
  /** Scripted runs only: each member's clocks, in place of the seed's draw (jumps still follow the plan). */
  readonly clocks?: readonly ClockSettings[];
  /** Every member also hosts a second state machine (SimApp) in the same log, and it is written to every step (`--app`). */
  readonly app?: boolean;
  /** With `app`: this member's copy is not deterministic (to prove the checks catch it). */
  readonly appQuirkyMember?: string;
}

/** Counts of every fault injected in a run (disk faults in `disk`). */
export interface InjectedFaults {
  partitions: number;
  crashes: number;
  restarts: number;
  fatalStops: number;
  /** Of fatalStops: the disk failed while the storage opened. */
  openStops: number;
  stalls: number;
  transfers: number;
  snapshots: number;
  connectionHints: number;
  clockJumps: number;
  diskFulls: number;
  /** Starts a full disk refused. */
  fullStarts: number;
  /** Membership changes asked of the leader (add a learner, promote, remove), refused ones included. */
  membershipChanges: number;
  /** Those the leader applied. */
  membershipApplied: number;
}

const MESSAGE_CODE = new Map<string, number>(
  ['pre-vote', 'pre-vote-resp', 'vote', 'vote-resp', 'app', 'app-resp', 'heartbeat', 'heartbeat-resp', 'snap', 'timeout-now', 'read-index', 'read-index-resp', 'term-probe', 'term-probe-resp'].map((t, i) => [t, i + 1]),
);

/** Per-step chance of the Figure 8 nemesis in `--unsafe commit-previous-term` runs. */
const FIGURE_8_RATE = 0.1;

/** A step of 100 ms takes a few hundred events; this many means a livelock. */
const MAX_EVENTS_PER_STEP = 200_000;

const SILENT: NodeLogger = { info() {}, warn() {}, error() {}, debug() {} };

/** One member: its disk (which outlives processes), and the current process, if any. */
class Member {
  /** What the member durably holds, as the checkers read it. */
  readonly disk: SimDisk;
  /** With real storage: the file system the production storage runs on. */
  fs: SimFs | undefined;
  /** Damage was put on `fs` that no opening of the storage has found yet (then `disk.repair` says). */
  damageUnseen = false;
  incarnation: Incarnation | undefined;
  storage: SimStorage | RealSimStorage | undefined;
  /** Set once FleetMember.open resolved and the node started. */
  node: FleetMember | undefined;
  incarnations = 0;
  snapshotsInstalled = 0;
  /** The node and applied index whose registry was last hashed: a state that has not moved is not hashed again. */
  hashed: { node: FleetMember; index: number } | undefined;
  /** With `--app`: the second state machine of the current process. */
  app: SimApp | undefined;

  constructor(
    readonly id: string,
    readonly index: number,
    readonly clock: ClockSettings,
    checker: SafetyChecker,
  ) {
    this.disk = new SimDisk(id, checker);
  }

  get up(): boolean {
    return this.incarnation?.alive === true;
  }
}

/** How long a member's supervisor waits before it starts a member that stopped (the systemd unit's RestartSec). */
const SUPERVISOR_RESTART_MS = 2_000;

/** The simulated cluster. Invariant: all randomness comes from the seed, one stream per concern. */
export class RealCluster {
  readonly plan: RealPlan;
  readonly scheduler = new Scheduler();
  readonly members: Member[] = [];
  readonly memberIds: string[] = [];
  readonly network: Network<Message>;
  readonly checker: SafetyChecker;
  readonly digest = new TraceDigest();
  readonly history: HistoryRecorder;
  readonly clients: RealClients;
  readonly injected: InjectedFaults = { partitions: 0, crashes: 0, restarts: 0, fatalStops: 0, openStops: 0, stalls: 0, transfers: 0, snapshots: 0, connectionHints: 0, clockJumps: 0, diskFulls: 0, fullStarts: 0, membershipChanges: 0, membershipApplied: 0 };
  readonly diskStats: DiskStats = emptyDiskStats();
  private readonly faultPrng: Prng;
  private readonly nodePrng: Prng;
  private readonly diskPrng: Prng;
  private readonly netPrng: Prng;
  /** Latent corruption: its own stream (forked last), so that it shifts no other draw of a seed. */
  private readonly damagePrng: Prng;
  /** Per start of a member, the chance that its disk returns a damaged fsynced entry; 0 without disk faults. */
  private readonly latentDamage: number;
  private readonly clockJumpPrng: Prng;
  private readonly diskFullPrng: Prng;
  private readonly membershipPrng: Prng;
  /** With `--unsafe commit-previous-term` only: the Figure 8 nemesis (killLeaderWithUncommitted). */
  private readonly figure8Prng: Prng | undefined;
  /**
   * The data format every member announces: this build's in most runs, so that the leader records
   * it as the cluster's and etcd writes go into the log binary; the format before in the others
   * (JSON entries). Members hear each other's announcement when they open, as peers' first batch tells it.
   */
  private readonly dataFormat: number;
  /** The members the cluster was founded with; with membership changes, one spare starts outside it. */
  private readonly founderIds: string[] = [];
  /** The newest membership seen applied, as its applied index and voter count (voterCount). */
  private votersSeen = { applied: 0, voters: 0 };
  /** The fewest voters of any configuration seen applied (damageBudget). */
  private fewestVoters = Infinity;
  private pumpAt: number | undefined;
  /** A failure found inside an event (where a throw would be lost in a promise chain). */
  private failure: Error | undefined;
  /** The term in which each leading member's durable log was held to leader completeness. */
  private readonly leaderChecked = new Map<string, number>();
  /** The disk faults in force: EIO stops with the fault phase. */
  private diskPlan: DiskPlan;
  /** The fault phase is over (heal): members that stop from here on are started again by their supervisor. */
  private healed = false;
  private readonly stateHashes = new Map<number, { hash: string; member: string }>();
  /** The highest commit index a member reported at a step's end (a leader commits only what a quorum holds). */
  private commitSeen = 0;
  stepCount = 0;

  constructor(private readonly options: RealClusterOptions) {
    const root = new Prng(options.seed);
    const plan = drawRealPlan(root.fork(), options.faults, options.diskFaults, options.unsafe !== undefined);
    this.netPrng = root.fork();
    this.faultPrng = root.fork();
    this.nodePrng = root.fork();
    this.diskPrng = root.fork();
    const clientPrng = root.fork();
    const clockPrng = root.fork();
    this.damagePrng = root.fork();
    this.latentDamage = options.diskFaults ? latentDamageRate(this.damagePrng, options.unsafe) : 0;
    this.diskPlan = plan.disk;
    this.network = new Network<Message>(this.netPrng, plan.link, cloneMessage);
    const stores = new Map<string, LogView>();
    this.checker = new SafetyChecker(stores, () => this.quorum());
    for (let i = 1; i <= options.nodes; i++) {
      const drawn = { rate: 1 + (clockPrng.float() * 2 - 1) * plan.drift, wallOffsetMs: (clockPrng.float() * 2 - 1) * plan.skewMs };
      const clock = { ...(options.clocks?.[i - 1] ?? drawn) };
      const m = new Member(`n${i}`, i - 1, clock, this.checker);
      this.members.push(m);
      this.memberIds.push(m.id);
      stores.set(m.id, m.disk);
      if ((options.storage ?? 'real') === 'real') m.fs = new SimFs(plan.disk, this.diskStats);
    }
    this.plan = { ...plan, ...drawClockJumps(clockPrng, options.faults) };
    this.clockJumpPrng = clockPrng.fork();
    this.diskFullPrng = clockPrng.fork();
    this.plan = { ...this.plan, ...drawDiskFull(this.diskFullPrng, options.diskFaults && (options.storage ?? 'real') === 'real') };
    // Forked last, so that the streams above draw as they did before membership changes existed.
    this.membershipPrng = root.fork();
    this.plan = { ...this.plan, ...drawMembership(this.membershipPrng, options.faults) };
    // A double vote elects two leaders only where two members campaign in one term: told at once
    // that the leader's process died, the survivors pre-vote together (set after the draws, which stay as they were).
    if (options.unsafe === 'vote-twice') this.plan = { ...this.plan, connectionHint: 1 };
    // Forked after every other stream, and only for this broken core, so that no other run draws differently.
    this.figure8Prng = options.unsafe === 'commit-previous-term' ? root.fork() : undefined;
    // A stream of its own, not forked from root, so that every other stream draws as before.
    // Only with the keyspace in the workload (the format decides its entries' form): the cluster
    // version's write would move every other run's schedule, and with it the seeds pinned in tests.
    this.dataFormat = options.etcd === true && new Prng((options.seed ^ 0x0da7af0) >>> 0).chance(0.7) ? DATA_FORMAT : BINARY_ETCD_FORMAT - 1;
    this.founderIds.push(...this.memberIds);
    this.votersSeen = { applied: 0, voters: this.founderIds.length };
    this.fewestVoters = this.founderIds.length;
    // A spare that starts outside the cluster (as `--join` does), so that a cluster can rotate members.
    if (this.plan.membership > 0) {
      const clock = { rate: 1 + (this.membershipPrng.float() * 2 - 1) * plan.drift, wallOffsetMs: (this.membershipPrng.float() * 2 - 1) * plan.skewMs };
      const m = new Member(`n${options.nodes + 1}`, options.nodes, clock, this.checker);
      this.members.push(m);
      this.memberIds.push(m.id);
      stores.set(m.id, m.disk);
      if ((options.storage ?? 'real') === 'real') m.fs = new SimFs(plan.disk, this.diskStats);
    }
    this.history = new HistoryRecorder(() => this.scheduler.now);
    this.clients = new RealClients(
      this.scheduler,
      clientPrng,
      { clients: this.plan.clients, readers: this.plan.readers, keys: this.plan.keys, rate: this.plan.clientRate },
      { memberIds: this.memberIds, api: (id) => this.api(id), committed: () => Math.max(this.checker.stats.maxCommitted, this.commitSeen) },
      this.history,
      this.digest,
    );
    for (const m of this.members) this.start(m);
  }

  private log(line: string): void {
    this.options.log?.(`[${(this.scheduler.now / US_PER_MS).toFixed(1)}ms] ${line}`);
  }

  private member(id: string): Member | undefined {
    return this.members.find((m) => m.id === id);
  }

  private api(id: string): NodeApi | undefined {
    const m = this.member(id);
    return m?.up && m.node !== undefined && m.incarnation!.stalledUntil <= this.scheduler.now ? m.node : undefined;
  }

  /** The first failure recorded inside an event, if any: the run stops at it. */
  throwIfFailed(): void {
    if (this.failure) throw this.failure;
    if (this.clients.violation) throw this.clients.violation;
  }

  private fail(err: unknown): void {
    this.failure ??= err instanceof Error ? err : new Error(String(err));
  }

  // ------------------------------------------------------------------ processes

  /** Starts a new process for `m` from what its disk holds. */
  private start(m: Member): void {
    if (m.fs !== undefined) this.maybeDamageFile(m, m.fs);
    else this.maybeDamage(m);
    const inc = new Incarnation(m.id, ++m.incarnations);
    m.incarnation = inc;
    m.node = undefined;
    m.storage = undefined;
    const runtime = new SimRuntime(this.scheduler, inc, m.clock, this.nodePrng.fork());
    const logger = this.options.log ? this.memberLogger(m.id) : SILENT;
    if (m.fs === undefined) {
      const unsafe = this.options.unsafe;
      const storage = new SimStorage(m.disk, this.scheduler, {
        owner: inc,
        plan: this.diskPlan,
        prng: this.diskPrng.fork(),
        stats: this.diskStats,
        ...(unsafe === 'ack-before-fsync' ? { unsafeAckBeforeFsync: true } : {}),
      });
      this.openNode(m, inc, runtime, logger, storage);
      return;
    }
    openRealStorage({
      owner: inc,
      scheduler: this.scheduler,
      runtime,
      prng: this.diskPrng.fork(),
      fs: m.fs,
      disk: m.disk,
      logger: { info: (msg, f) => logger.info(f ?? {}, msg), warn: (msg, f) => logger.warn(f ?? {}, msg), error: (msg, f) => logger.error(f ?? {}, msg) },
      ...(this.options.unsafe === 'ack-before-fsync' ? { unsafeAckBeforeFsync: true } : {}),
      ...(this.options.unsafe === 'skip-checksum-verification' ? { unsafeSkipChecksums: true } : {}),
      ...(this.options.unsafe === 'truncate-without-repair' ? { unsafeCutDamageAsTornTail: true } : {}),
      ...(this.options.unsafe === 'ignore-hard-state-copy' ? { unsafeIgnoreHardStateCopy: true } : {}),
    }).then(
      (storage) => {
        m.damageUnseen = false;
        if (inc.alive) this.openNode(m, inc, runtime, logger, storage);
      },
      (err: unknown) => {
        // A process that crashed while its storage opened is gone: its code running on (and meeting
        // the dead process's closed files) is the simulator's artefact, not something that happens.
        if (!inc.alive) return;
        // The disk failed while the storage opened (a read, or a write of its recovery: seed 2074 of 5
        // members, an fsync EIO as the WAL writer started): the process exits, as the coordinator
        // makes it, and is restarted later.
        if ((err as NodeJS.ErrnoException).code === 'EIO' || err instanceof StorageFailedError) {
          this.injected.openStops++;
          return this.fatal(m, inc, err as Error);
        }
        // A full disk refuses the start (one line, exit 1 in production): the member stays down
        // until a later restart finds room.
        if (err instanceof StorageFullError) return this.refusedToStart(m, err);
        this.fail(err);
      },
    );
  }

  /** Starts the FleetNode of process `inc` on `storage`. */
  private openNode(m: Member, inc: Incarnation, runtime: SimRuntime, logger: NodeLogger, storage: SimStorage | RealSimStorage): void {
    m.storage = storage;
    this.checker.onRestart(m.id, m.disk.snapshotIndex);
    const unsafe = this.options.unsafe;
    const founders = new Map(this.founderIds.includes(m.id) ? this.founderIds.map((id) => [id, `${id}:7781`]) : []);
    FleetMember.open({
      id: m.id,
      clusterName: 'sim',
      address: `${m.id}:7781`,
      founders,
      heartbeatMs: HEARTBEAT_MS,
      electionTimeoutMs: ELECTION_TIMEOUT_MS,
      snapshotEvery: this.plan.snapshotEvery,
      snapshotTrail: this.plan.snapshotTrail,
      applyStepsPerSlice: this.plan.applyStepsPerSlice,
      storage,
      logger,
      version: 'sim',
      dataFormat: this.dataFormat,
      runtime,
      observer: {
        onEntryApplied: (index, term) => this.checkApplied(m, index, term),
        // Election safety at the moment a member takes office, as a Ready's soft state reports it
        // (the steps' status checks would miss two leaders of one term whose overlap ends within a step).
        onRoleChange: (soft, term) => {
          if (soft.role !== 'leader') return;
          try {
            this.checker.onElected(m.id, term);
          } catch (err) {
            this.fail(err);
          }
        },
      },
      ...(unsafe === undefined || UNSAFE_NODE_HOOKS[unsafe] === undefined ? {} : { unsafe: UNSAFE_NODE_HOOKS[unsafe] }),
      ...this.appOptions(m),
    }).then(
      (node) => {
        if (!inc.alive) return;
        m.node = node;
        node.start(this.transport(m, inc), (err) => this.fatal(m, inc, err));
        this.announceVersions(m);
      },
      (err: unknown) => {
        if (!inc.alive) return;
        // The disk failed or filled while the member opened: the process exits with one line, as in
        // production, and is restarted later.
        if (err instanceof StorageFailedError) return this.fatal(m, inc, err);
        if (err instanceof StorageFullError) return this.refusedToStart(m, err);
        this.fail(err);
      },
    );
  }

  /** `m` and every running member learn each other's version and data format. */
  private announceVersions(m: Member): void {
    if (this.options.etcd !== true) return;
    const announced = { version: 'sim', dataFormat: this.dataFormat };
    for (const o of this.members) {
      if (o === m || o.node === undefined || !o.up) continue;
      o.node.learnPeerVersion(m.id, announced);
      m.node?.learnPeerVersion(o.id, announced);
    }
  }

  /** With `--app`: a fresh SimApp for this process, checked every APP_CHECK_EVERY entries; any fault it reports is a failure. */
  private appOptions(m: Member): Partial<FleetMemberOptions> {
    if (this.options.app !== true) return {};
    const app = new SimApp(this.options.appQuirkyMember === m.id);
    m.app = app;
    return { app, appCheckEvery: APP_CHECK_EVERY, onAppFault: (f) => this.fail(new SafetyViolation('state-machine-safety', `${m.id}: ${f.message}`)) };
  }

  /** With `--app`: two application commands a step, to one member in turn (a follower refuses them at once: NOT_LEADER). */
  private submitAppCommands(): void {
    if (this.options.app !== true) return;
    const m = this.members[this.stepCount % this.members.length];
    if (m === undefined || !m.up || m.node === undefined) return;
    for (let i = 0; i < 2; i++) void m.node.submit('add', Buffer.from(`${this.stepCount}.${i}`)).catch(() => undefined);
  }

  private memberLogger(id: string): NodeLogger {
    const line = (level: string) => (obj: object, msg: string) => this.log(`${id} ${level}: ${msg} ${JSON.stringify(obj, (_k, v: unknown) => (v instanceof Error ? v.message : v))}`);
    return { info: line('info'), warn: line('warn'), error: line('error'), debug: process.env.SIM_DEBUG ? line('debug') : () => undefined };
  }

  private refusedToStart(m: Member, err: StorageFullError): void {
    this.injected.fullStarts++;
    this.log(`${m.id} did not start: ${err.message}`);
    this.kill(m);
  }

  /** FleetNode's onFatal: the process exits at once, as the coordinator makes it. */
  private fatal(m: Member, inc: Incarnation, err: Error): void {
    if (!inc.alive) return;
    // The storage refused a write that breaks Raft's rules (a second vote in a term, a gap in the
    // log): what the core asked for is the bug, whatever the storage's guard prevented.
    if (err instanceof StorageUsageError) return this.fail(new SafetyViolation('ready-contract', `${m.id}'s storage refused a write: ${err.message}`));
    // The deliberately broken process logs the failure and carries on.
    if (this.options.unsafe === 'continue-after-eio') return this.log(`${m.id} ignores its storage failure: ${err.message}`);
    this.injected.fatalStops++;
    this.log(`${m.id} stopped on a storage failure: ${err.message}`);
    this.kill(m);
    // A failure injected before the heal can stop its member after it (an fsync's EIO delivered
    // late): its supervisor starts it again, as the systemd unit does (Restart=on-failure,
    // RestartSec=2), instead of leaving the liveness phase a member short (seed 43,265 on 3).
    if (this.healed) {
      this.scheduler.after(SUPERVISOR_RESTART_MS * US_PER_MS, () => {
        if (!m.up) this.restart(m);
      });
    }
  }

  private kill(m: Member): void {
    const inc = m.incarnation;
    if (inc === undefined || !inc.alive) return;
    inc.alive = false;
    if (m.storage instanceof SimStorage) m.storage.crash();
    m.fs?.crash(this.diskPrng);
    m.node = undefined;
    this.checker.onNotLeader(m.id);
    this.leaderChecked.delete(m.id);
    // The kernel closes a dead process's sockets: its peers may notice at once.
    for (const peer of this.members) {
      const node = peer.node;
      if (peer === m || node === undefined || !this.faultPrng.chance(this.plan.connectionHint)) continue;
      this.injected.connectionHints++;
      this.scheduler.after(this.faultPrng.between(100, 2000), () => node.peerDisconnected(m.id), peer.incarnation);
    }
  }

  /** The member's transport: every message goes through the simulated network, copied. */
  private transport(m: Member, inc: Incarnation): PeerSender {
    return {
      send: (messages) => {
        if (!inc.alive) {
          this.fail(new SafetyViolation('fsync-failure', `${m.id} sent ${messages.length} messages after its process was stopped`));
          return;
        }
        for (const msg of messages) {
          this.checkDurableBeforeSent(m, msg);
          if (msg.type === 'snap') this.sendSnapshot(m, inc, msg);
          else this.network.send(msg, this.netNow());
        }
        this.ensurePump();
      },
      setPeers: () => undefined,
    };
  }

  /**
   * What a message promises must be on the sender's disk when it leaves: an accepted append
   * acknowledges entries up to its index, a granted vote the vote itself (the Ready contract).
   */
  private checkDurableBeforeSent(m: Member, msg: Message): void {
    if (msg.reject) return;
    // Later writes may have landed since the promise was made (one Ready can carry an
    // acknowledgement of term T and the hard state of term T+1), so the test is whether what was
    // promised is, or was while the disk's term was at most T, on the disk.
    const durable = Math.max(m.disk.lastIndex, m.disk.durableLastIndex(msg.term));
    if (msg.type === 'app-resp' && msg.index > durable) {
      this.fail(new SafetyViolation('ack-before-durable', `${m.id} acknowledged entries up to ${msg.index} in term ${msg.term} to ${msg.to}, but its disk never held more than ${durable}`));
    }
    // A vote is kept if the disk holds it, or holds a later term (in which no vote of term T can be cast again).
    const hs = m.disk.hardState;
    if (msg.type === 'vote-resp' && (hs === undefined || hs.term < msg.term || (hs.term === msg.term && hs.vote !== msg.to))) {
      this.fail(new SafetyViolation('ack-before-durable', `${m.id} granted its vote in term ${msg.term} to ${msg.to}, but its disk holds term ${hs?.term ?? 0}, vote '${hs?.vote ?? ''}'`));
    }
  }

  /** The network simulator's clock: whole NET_UNIT_US units, so that a packet's due time converts back exactly. */
  private netNow(): number {
    return Math.floor(this.scheduler.now / NET_UNIT_US);
  }

  /** Delivers network packets in time order, one event each (a socket read per message). */
  private ensurePump(): void {
    const next = this.network.nextAt();
    if (next === undefined) return;
    const at = next * NET_UNIT_US;
    if (this.pumpAt !== undefined && this.pumpAt <= at) return;
    this.pumpAt = at;
    this.scheduler.at(at, () => {
      if (this.pumpAt !== at) return;
      this.pumpAt = undefined;
      const packet = this.network.popDue(this.netNow());
      if (packet !== undefined) this.deliver(packet.msg);
      this.ensurePump();
    });
  }

  private deliver(msg: Message): void {
    const to = this.member(msg.to);
    const from = this.member(msg.from);
    this.digest.add(MESSAGE_CODE.get(msg.type) ?? 0, from?.index ?? -1, to?.index ?? -1, msg.term, msg.index, msg.entries.length);
    const node = to?.node;
    if (to === undefined || node === undefined || !to.up) {
      // Connection refused: the sender's transport finds out.
      const sender = from?.node;
      if (sender !== undefined) sender.reportUnreachable(msg.to);
      return;
    }
    this.stepInto(to, node, msg);
  }

  /** Steps a message into a live member; a frozen one reads it from its socket when it thaws. */
  private stepInto(to: Member, node: FleetMember, msg: Message): void {
    const inc = to.incarnation as Incarnation;
    if (inc.stalledUntil > this.scheduler.now) this.scheduler.at(inc.stalledUntil, () => node.step(msg), inc);
    else node.step(msg);
  }

  /**
   * A `snap` message goes as the production transport sends it: with the sender's newest
   * snapshot file in place of the core's metadata, on its own stream, accepted only from the
   * leader of the receiver's current term; the sender learns whether it arrived.
   */
  private sendSnapshot(m: Member, inc: Incarnation, msg: Message): void {
    const snap = m.disk.snapshot;
    const report = (ok: boolean, delayUs: number): void => this.scheduler.after(delayUs, () => m.node?.reportSnapshot(msg.to, ok), inc);
    if (snap === undefined) return report(false, 1000);
    const lost = this.netPrng.chance(this.plan.link.drop) || this.network.isCut(msg.from, msg.to);
    const delayUs = this.netPrng.between(this.plan.link.delayMin, this.plan.link.delayMax) * NET_UNIT_US + snap.data.length;
    if (lost) return report(false, delayUs + 50_000);
    const copy = cloneMessage({ ...msg, snapshot: { meta: snap.meta, data: snap.data } });
    this.scheduler.after(delayUs, () => {
      const to = this.member(msg.to);
      const node = to?.node;
      if (to === undefined || node === undefined || !to.up || this.network.isCut(msg.from, msg.to)) return report(false, 1000);
      const { leader, term } = node.leadership();
      if (leader !== msg.from || term !== msg.term) return report(false, 1000);
      to.snapshotsInstalled++;
      this.digest.add(MESSAGE_CODE.get('snap') ?? 0, m.index, to.index, msg.term, snap.meta.index, 0);
      this.stepInto(to, node, copy);
      report(true, 1000);
    });
  }

  // ------------------------------------------------------------------ steps

  /** Runs one step of STEP_MS simulated milliseconds; `faults` false in the liveness phase. */
  async step(faults: boolean, stepMs: number): Promise<void> {
    if (faults) this.injectFaults();
    this.clients.step();
    this.submitAppCommands();
    try {
      await this.scheduler.runUntil(this.scheduler.now + stepMs * US_PER_MS, () => this.afterEvent(), MAX_EVENTS_PER_STEP);
    } catch (err) {
      if (err instanceof EventStorm) throw new SafetyViolation('liveness', err.message);
      throw err;
    }
    this.stepCount++;
    this.throwIfFailed();
    await this.checkStep();
  }

  /** After every event: a member whose fsync failed must have stopped within that event. */
  private afterEvent(): void {
    for (const m of this.members) {
      if (m.up && m.storage?.toldFailure === true) {
        this.fail(new SafetyViolation('fsync-failure', `${m.id} went on running after an fsync failed with EIO`));
      }
    }
  }

  private async checkStep(): Promise<void> {
    const statuses = [];
    for (const m of this.members) {
      const node = m.node;
      if (!m.up || node === undefined) continue;
      const s = node.status();
      this.digest.add(m.index, s.term, s.commitIndex, s.appliedIndex);
      this.commitSeen = Math.max(this.commitSeen, s.commitIndex);
      statuses.push({ id: s.id, term: s.term, role: s.role === 'learner' ? ('follower' as const) : s.role, commit: s.commitIndex, applied: s.appliedIndex, lastIndex: s.lastIndex });
      this.trackLeader(m, s.role === 'leader', s.term);
      await this.checkState(m, node);
    }
    this.checker.afterStep(statuses);
    this.voterCount();
  }

  /**
   * Leader completeness is checked against a leader's durable log, at the first step at which
   * none of its writes is in flight (its log in memory may be ahead of its disk for a moment).
   */
  private trackLeader(m: Member, leading: boolean, term: number): void {
    if (!leading) {
      this.checker.onNotLeader(m.id);
      this.leaderChecked.delete(m.id);
      return;
    }
    if (this.leaderChecked.get(m.id) === term || (m.storage?.pendingWrites ?? 0) > 0) return;
    this.checker.onLeader(m.id, term);
    this.leaderChecked.set(m.id, term);
  }

  /** Whether some member that is up holds the registry clients' registers in its etcd keyspace (the cluster read data format 5 and moved fleet's KV there). */
  kvInKeyspace(): boolean {
    const from = Buffer.from(`${REGISTRY_KV_NS}/`);
    const end = Buffer.from(`${REGISTRY_KV_NS}0`);
    return this.members.some((m) => m.up && m.node !== undefined && m.node.etcdStore().range({ key: from, rangeEnd: end, countOnly: true }).count > 0);
  }

  /**
   * State machine safety: members that applied the same index hold the same registry (and the
   * same etcd keyspace, where fleet's KV lives once moved), byte for
   * byte. And no session was dropped: the run is far shorter than the idle limit and holds far
   * fewer clients than the session limit, so a session lost (to a clock jump, say) is a bug.
   */
  private async checkState(m: Member, node: FleetMember): Promise<void> {
    let seen: { index: number; hash: string | undefined; lost: string[] } | undefined;
    const answered = this.clients.sessionsAnswered();
    await node
      .read({ mode: 'min-index', index: 0 }, (sm) => {
        const lost = answered.filter((a) => a.index <= sm.appliedIndex && !sm.hasSession(a.clientId)).map((a) => `${a.clientId} (answered at ${a.index})`);
        // The registry moves only by applying entries (or installing a snapshot, which moves the
        // applied index too), so the same node at the same index holds what was hashed already.
        const unmoved = m.hashed?.node === node && m.hashed.index === sm.appliedIndex;
        // With --app, the second state machine moves with the same applied index: it is in the hash.
        const app = m.app === undefined ? '' : `:${hashBytes(m.app.snapshot())}`;
        seen = { index: sm.appliedIndex, hash: unmoved ? undefined : `${hashBytes(sm.snapshot())}${app}${keyspaceHash(node)}`, lost };
      })
      .catch(() => undefined);
    if (seen === undefined || seen.index === 0) return;
    if (seen.lost.length > 0) throw new SafetyViolation('session-lost', `${m.id} at applied index ${seen.index} no longer holds the sessions of ${seen.lost.join(', ')}`);
    if (seen.hash === undefined) return;
    m.hashed = { node, index: seen.index };
    const known = this.stateHashes.get(seen.index);
    if (known === undefined) this.stateHashes.set(seen.index, { hash: seen.hash, member: m.id });
    else if (known.hash !== seen.hash) {
      throw new SafetyViolation('state-machine-safety', `${m.id}'s registry at applied index ${seen.index} differs from ${known.member}'s at the same index`);
    }
  }

  /**
   * Entry by entry: every member applies the entry of the same term at an index (the registry
   * hashes above are only compared when two members are seen at one index), and applies them in
   * order, skipping only past a snapshot it installed.
   */
  private checkApplied(m: Member, index: number, term: number): void {
    try {
      this.checker.onEntryApplied(m.id, index, term, m.disk.snapshotIndex);
    } catch (err) {
      this.fail(err);
    }
  }

  /** Scripted runs: lets `ms` of simulated time pass with the per-event checks, but no faults and no client of the harness's own. */
  async runFor(ms: number): Promise<void> {
    await this.scheduler.runUntil(this.scheduler.now + ms * US_PER_MS, () => this.afterEvent(), MAX_EVENTS_PER_STEP);
    this.throwIfFailed();
  }

  /** The member `id`'s node, while it is up. */
  node(id: string): FleetMember | undefined {
    const m = this.member(id);
    return m?.up === true ? m.node : undefined;
  }

  // ------------------------------------------------------------------ faults

  /** The live member that believes it leads in the highest term, if any. */
  leader(): Member | undefined {
    let best: Member | undefined;
    let bestTerm = -1;
    for (const m of this.members) {
      const l = m.up ? m.node?.leadership() : undefined;
      if (l?.leader === m.id && l.term > bestTerm) [best, bestTerm] = [m, l.term];
    }
    return best;
  }

  private victim(): Member | undefined {
    const live = this.members.filter((m) => m.up);
    if (live.length === 0) return undefined;
    const leader = this.leader();
    return leader !== undefined && this.faultPrng.chance(this.plan.leaderBias) ? leader : this.faultPrng.pick(live);
  }

  private injectFaults(): void {
    const p = this.plan;
    const r = this.faultPrng;
    if (r.chance(p.crash)) this.crashOne();
    for (const m of this.members) if (!m.up && r.chance(p.restart)) this.restart(m);
    if (r.chance(p.stall)) this.stallOne();
    if (this.network.partitioned) {
      if (r.chance(p.partitionHeal)) {
        this.network.healAll();
        this.log('partition healed');
      }
    } else if (r.chance(p.partition)) {
      this.partition();
    }
    if (r.chance(p.transfer)) this.transfer();
    if (r.chance(p.snapshot)) this.snapshotOne();
    if (this.clockJumpPrng.chance(p.clockJump)) this.jumpClock();
    if (this.diskFullPrng.chance(p.diskFull)) this.fillOne();
    if (this.membershipPrng.chance(p.membership)) this.changeMembership();
    if (this.figure8Prng?.chance(FIGURE_8_RATE)) this.killLeaderWithUncommitted(this.figure8Prng);
  }

  /**
   * The Figure 8 nemesis (as the retired model host had it): a leader that holds entries it has
   * not committed is crashed or cut off, so that later leaders meet uncommitted entries of older
   * terms, which only a core that commits them by counting replicas lets a quorum lose.
   */
  private killLeaderWithUncommitted(r: Prng): void {
    const leader = this.leader();
    const s = leader?.node?.status();
    if (leader === undefined || s === undefined || s.lastIndex <= s.commitIndex) return;
    this.digest.add(109, leader.index);
    if (r.chance(0.5)) {
      this.network.healAll();
      this.network.isolate(leader.id, this.memberIds);
      this.injected.partitions++;
      this.log(`isolate ${leader.id} (leader with uncommitted entries)`);
    } else {
      this.injected.crashes++;
      this.log(`crash ${leader.id} (leader with uncommitted entries)`);
      this.kill(leader);
    }
  }

  /** A quorum of the newest membership a live member has applied (the founders' before any). */
  private quorum(): number {
    return Math.floor(this.voterCount() / 2) + 1;
  }

  /**
   * How many voters the newest membership a live member has applied holds; while none is up
   * (a power cycle), the last one seen: the founders before any.
   */
  private voterCount(): number {
    let best: { applied: number; voters: number } | undefined;
    for (const m of this.members) {
      const s = m.up ? m.node?.status() : undefined;
      if (s === undefined || s.members.length === 0) continue;
      const voters = s.members.filter((x) => x.voter).length;
      // The founding entries pass through one and two voters as a member replays them: not a configuration the cluster ran with.
      if (voters >= 3) this.fewestVoters = Math.min(this.fewestVoters, voters);
      if (best === undefined || s.appliedIndex > best.applied) best = { applied: s.appliedIndex, voters };
    }
    if (best !== undefined && best.applied >= this.votersSeen.applied) this.votersSeen = best;
    return this.votersSeen.voters;
  }

  /**
   * How many members may be repairing damage at once with the cluster still bound to recover:
   * the voters beyond a quorum, in the smallest configuration seen (a restarted member may run
   * on an older configuration until a leader tells it more was committed, and with 2 of 4
   * voters damaged no leader can be elected in it).
   */
  private damageBudget(): number {
    this.voterCount();
    const v = this.fewestVoters;
    return v - (Math.floor(v / 2) + 1);
  }

  /** The membership as `m`'s node holds it now, with the leader's view of each member's progress. */
  private membershipOf(node: FleetMember): { id: string; lastIndex: number; conf: { voters: string[]; learners: string[] }; progress: Map<string, { match: number }> } {
    const s = node.status();
    const progress = new Map(s.progress.map((p) => [p.id, { match: p.match }]));
    progress.set(s.id, { match: s.lastIndex });
    const conf = { voters: s.members.filter((x) => x.voter).map((x) => x.id), learners: s.members.filter((x) => !x.voter).map((x) => x.id) };
    return { id: s.id, lastIndex: s.lastIndex, conf, progress };
  }

  /**
   * An operator's `fleet members add --learner | promote | remove`, through the leader's admin
   * API, one server at a time (test/sim/membership.ts chooses; voters never drop below three).
   * The node decides whether the change is allowed now; refusals are logged, not worked around.
   */
  private changeMembership(): void {
    const leader = this.leader();
    const node = leader?.node;
    if (leader === undefined || node === undefined) return;
    const cc = chooseConfChange(this.membershipPrng, this.membershipOf(node), this.memberIds, (id) => this.member(id)?.up === true);
    if (cc === undefined) return;
    this.injected.membershipChanges++;
    const target = this.member(cc.node);
    this.digest.add(108, leader.index, target?.index ?? -1, cc.type === 'add-learner' ? 1 : cc.type === 'add-voter' ? 2 : 3);
    const what = `${cc.type} ${cc.node} through ${leader.id}`;
    this.log(`membership: ${what}`);
    const change = cc.type === 'add-learner' ? node.addMember(cc.node, `${cc.node}:7781`, true) : cc.type === 'add-voter' ? node.promoteMember(cc.node) : node.removeMember(cc.node);
    change.then(
      () => {
        this.injected.membershipApplied++;
        this.log(`membership: ${what} applied`);
      },
      (err: unknown) => this.log(`membership: ${what} refused: ${err instanceof Error ? err.message : String(err)}`),
    );
  }

  /** The members of the leader's configuration, voters and learners: a removed or never-added spare follows no one. */
  private configured(leader: Member): Member[] {
    const ids = new Set(leader.node?.status().members.map((x) => x.id) ?? []);
    return this.members.filter((m) => ids.has(m.id));
  }

  /**
   * Fills one member's disk for a while: it must stop appending (acknowledging nothing it did not
   * store), keep the cluster going, and append again once the space is back.
   */
  private fillOne(): void {
    const r = this.diskFullPrng;
    const m = r.pick(this.members);
    const fs = m.fs;
    if (fs === undefined || fs.isFull) return;
    const ms = r.between(50, 3_000);
    fs.fill();
    this.injected.diskFulls++;
    this.digest.add(107, m.index, ms);
    this.log(`${m.id}'s disk is full for ${ms} ms`);
    this.scheduler.at(this.scheduler.now + ms * US_PER_MS, () => {
      fs.free();
      this.log(`${m.id}'s disk has room again`);
    });
  }

  /**
   * Steps one member's wall clock, by up to `clockJumpMaxMs` either way, or (one time in three)
   * back to true time, as NTP would. Its monotonic clock runs on untouched.
   */
  private jumpClock(): void {
    const r = this.clockJumpPrng;
    const m = r.pick(this.members);
    const before = m.clock.wallOffsetMs;
    m.clock.wallOffsetMs = r.chance(1 / 3) ? 0 : before + (r.chance(0.5) ? 1 : -1) * r.logUniform(1_000, this.plan.clockJumpMaxMs);
    this.injected.clockJumps++;
    this.digest.add(106, m.index, Math.round(m.clock.wallOffsetMs));
    this.log(`${m.id}'s wall clock jumps from ${Math.round(before)} to ${Math.round(m.clock.wallOffsetMs)} ms off true time`);
  }

  private crashOne(): void {
    const victim = this.victim();
    const down = this.members.filter((m) => !m.up).length;
    // Mostly keep a majority up, so that the run makes progress; now and then take it down too.
    if (victim === undefined || (down >= Math.floor(this.founderIds.length / 2) && !this.faultPrng.chance(0.1))) return;
    this.injected.crashes++;
    this.digest.add(100, victim.index);
    this.log(`crash ${victim.id}`);
    this.kill(victim);
  }

  /**
   * Latent corruption of `m`'s fsynced log, found as it starts. Only while fewer than a
   * majority's complement are repairing (a minority of copies damaged): then no acknowledged
   * write may be lost and the cluster must recover. Damage to a majority may only make it stop,
   * which a run with a liveness phase cannot tell from a bug, so it is not drawn.
   */
  private maybeDamage(m: Member): void {
    if (this.latentDamage === 0 || !this.damagePrng.chance(this.latentDamage)) return;
    const disk = m.disk;
    if (disk.lastIndex <= disk.snapshotIndex) return;
    const repairing = this.members.filter((o) => o !== m && o.disk.repair !== undefined).length;
    if (repairing + 1 > this.damageBudget()) return;
    // Half the time among the newest entries: those a quorum may hold only just, where a lost copy matters most.
    const oldest = this.damagePrng.chance(0.5) ? Math.max(disk.snapshotIndex + 1, disk.lastIndex - 8) : disk.snapshotIndex + 1;
    const index = this.damagePrng.between(oldest, disk.lastIndex);
    this.diskStats.latentDamage++;
    this.digest.add(120, m.index, index);
    this.log(`latent damage on ${m.id}: entry ${index} of ${disk.lastIndex} fails its checksum`);
    disk.damage(index);
  }

  /**
   * Latent corruption on a real storage's disk: as `maybeDamage` draws it, but done to the bytes
   * of the entry's WAL record on the simulated platter — a flipped bit, or a zeroed 512-byte
   * sector — and left for the production recovery to find. Only damage the storage can tell
   * from a torn write is drawn (in a segment that later ones follow, or before a mark that proves
   * it had been fsynced): the last fsynced write of a log, damaged, reads exactly as a torn one.
   */
  private maybeDamageFile(m: Member, fs: SimFs): void {
    if (this.latentDamage === 0 || !this.damagePrng.chance(this.latentDamage)) return;
    // Mostly the WAL; now and then the hard state's copy alone (rewritten from the WAL), or both
    // (the vote is lost: the member must learn a safe term from every other voter).
    const where = this.damagePrng.int(10);
    if (where >= 8) return this.damageHardStateCopy(m, fs);
    if (this.damageWalEntry(m, fs) && where >= 6) this.damageHardStateCopy(m, fs);
  }

  /** A flipped bit or a zeroed sector in the hard state's copy (HARDSTATE, one sector). */
  private damageHardStateCopy(m: Member, fs: SimFs): void {
    const offset = this.damagePrng.int(512);
    const damage: Damage = this.damagePrng.chance(0.7) ? { kind: 'bit', offset, bit: this.damagePrng.int(8) } : { kind: 'sector', offset };
    if (!fs.damage(`${SIM_STORAGE_DIR}/${HARD_STATE_FILE}`, damage)) return;
    this.diskStats.hardStateCopyDamage++;
    this.digest.add(121, m.index, offset);
    this.log(`latent damage on ${m.id}: ${damage.kind === 'bit' ? 'a flipped bit' : 'a zeroed sector'} at byte ${offset} of its hard state copy`);
  }

  /** Damages the WAL record of one fsynced entry; whether it did. */
  private damageWalEntry(m: Member, fs: SimFs): boolean {
    const disk = m.disk;
    if (disk.lastIndex <= disk.snapshotIndex) return false;
    // A member whose storage is still opening has not reported its damage yet: it counts too.
    const repairing = this.members.filter((o) => o !== m && (o.disk.repair !== undefined || o.damageUnseen)).length;
    if (repairing + 1 > this.damageBudget()) return false;
    const oldest = this.damagePrng.chance(0.5) ? Math.max(disk.snapshotIndex + 1, disk.lastIndex - 8) : disk.snapshotIndex + 1;
    const index = this.damagePrng.between(oldest, disk.lastIndex);
    const walDir = `${SIM_STORAGE_DIR}/wal`;
    const segments = fs.list(walDir).filter((n) => n.endsWith('.wal'));
    for (let i = segments.length - 1; i >= 0; i--) {
      const file = `${walDir}/${segments[i] as string}`;
      const buf = fs.durableContent(file);
      if (buf === undefined) continue;
      const scan = scanSegment(buf);
      const k = scan.records.findLastIndex((r) => r.kind === 'entry' && r.entry.index === index);
      if (k < 0) continue;
      const from = scan.offsets[k] as number;
      const to = scan.offsets[k + 1] ?? scan.end;
      const offset = this.damagePrng.between(from, to - 1);
      const damage: Damage = this.damagePrng.chance(0.7) ? { kind: 'bit', offset, bit: this.damagePrng.int(8) } : { kind: 'sector', offset };
      const copy = Buffer.from(buf);
      if (damage.kind === 'bit') copy.writeUInt8((copy.readUInt8(offset) ^ (1 << damage.bit)) & 0xff, offset);
      else copy.fill(0, offset - (offset % 512), Math.min(offset - (offset % 512) + 512, copy.length));
      const found = scanSegment(copy).damage;
      if (found === undefined || (i === segments.length - 1 && !found.durable)) return false;
      fs.damage(file, damage);
      m.damageUnseen = true;
      this.diskStats.latentDamage++;
      this.digest.add(120, m.index, index);
      this.log(`latent damage on ${m.id}: ${damage.kind === 'bit' ? 'a flipped bit' : 'a zeroed sector'} at byte ${offset} of ${segments[i] as string}, in entry ${index} of ${disk.lastIndex}`);
      return true;
    }
    return false;
  }

  private restart(m: Member): void {
    this.injected.restarts++;
    this.digest.add(101, m.index);
    this.log(`restart ${m.id} (process ${m.incarnations + 1})`);
    this.start(m);
  }

  private stallOne(): void {
    const victim = this.victim();
    if (victim?.incarnation === undefined) return;
    const ms = this.faultPrng.between(50, 3 * ELECTION_TIMEOUT_MS);
    victim.incarnation.stalledUntil = this.scheduler.now + ms * US_PER_MS;
    this.injected.stalls++;
    this.digest.add(102, victim.index, ms);
    this.log(`stall ${victim.id} for ${ms} ms`);
  }

  private partition(): void {
    const r = this.faultPrng;
    const ids = [...this.memberIds];
    const kind = r.int(3);
    this.injected.partitions++;
    this.digest.add(103, kind);
    if (kind === 0) {
      const node = this.victim()?.id ?? r.pick(ids);
      this.network.isolate(node, ids);
      this.log(`isolate ${node}`);
      return;
    }
    r.shuffle(ids);
    // A broken member's run cuts the victim (mostly the leader) off on the minority side: a
    // deposed leader that still believes it leads is where stale reads show.
    const victim = this.options.unsafe === undefined ? undefined : this.victim()?.id;
    if (victim !== undefined) ids.unshift(...ids.splice(ids.indexOf(victim), 1));
    const cut = r.between(1, Math.floor(ids.length / 2));
    const [a, b] = [ids.slice(0, cut), ids.slice(cut)];
    if (kind === 1) {
      this.network.partition(a, b);
      this.log(`partition ${a.join(',')} | ${b.join(',')}`);
    } else {
      this.network.cutOneWay(a, b);
      this.log(`one-way cut ${a.join(',')} -> ${b.join(',')}`);
    }
  }

  /** An operator's `fleet leader transfer`, through the admin API. */
  private transfer(): void {
    const leader = this.leader();
    const node = leader?.node;
    if (leader === undefined || node === undefined) return;
    const others = this.memberIds.filter((id) => id !== leader.id);
    const to = this.faultPrng.chance(0.5) ? this.faultPrng.pick(others) : undefined;
    this.injected.transfers++;
    this.digest.add(104, leader.index);
    this.log(`transfer ${leader.id} -> ${to ?? '(best)'}`);
    node.transferLeadership(to).then(
      (t) => this.log(`transfer done: ${t.from} -> ${t.to} in ${t.tookMs.toFixed(1)} ms`),
      (err: unknown) => this.log(`transfer refused: ${err instanceof Error ? err.message : String(err)}`),
    );
  }

  /** An operator's `fleet snapshot save`: a snapshot now, on any member. */
  private snapshotOne(): void {
    const live = this.members.filter((m) => m.node !== undefined && m.up);
    if (live.length === 0) return;
    const m = this.faultPrng.pick(live);
    this.injected.snapshots++;
    this.digest.add(105, m.index);
    m.node?.takeSnapshot().then(
      (s) => this.log(`${m.id} snapshot at ${s.index}`),
      (err: unknown) => this.log(`${m.id} snapshot refused: ${err instanceof Error ? err.message : String(err)}`),
    );
  }

  /**
   * Ends the fault phase: every link healed and lossless, every member up and thawed, no more
   * disk failures (slow fsyncs go on). One run in three power-cycles the whole cluster first,
   * so that recovery from the disks alone is exercised.
   */
  heal(): void {
    this.healed = true;
    this.network.healAll();
    this.network.setRates({ ...this.plan.link, drop: 0, dup: 0, clog: 0 });
    const powerCycle = this.plan.crash > 0 && this.faultPrng.chance(1 / 3);
    // Disks first: a member restarted below must find room on its disk.
    this.diskPlan = { ...this.diskPlan, eio: 0 };
    for (const m of this.members) {
      if (m.storage instanceof SimStorage) m.storage.stopFailing();
      m.fs?.stopFailing();
    }
    for (const m of this.members) {
      if (powerCycle) this.kill(m);
      if (m.incarnation) m.incarnation.stalledUntil = 0;
      if (!m.up) this.start(m);
    }
    this.log(`heal: all links healed, ${powerCycle ? 'every member power-cycled' : 'all members up'}`);
  }

  /** Whether one live leader is followed by every member, all up. */
  leaderAgreed(): boolean {
    const leader = this.leader();
    const l = leader?.node?.leadership();
    if (leader === undefined || l === undefined) return false;
    return this.configured(leader).every((m) => {
      const ml = m.up ? m.node?.leadership() : undefined;
      return ml !== undefined && ml.leader === leader.id && ml.term === l.term;
    });
  }

  /** Whether every member has applied all that the leader committed. */
  caughtUp(): boolean {
    const leader = this.leader();
    const s = leader?.node?.status();
    if (leader === undefined || s === undefined) return false;
    return this.configured(leader).every((m) => (m.node?.status().appliedIndex ?? -1) >= s.commitIndex);
  }

  /** Snapshots installed and taken, summed over members. */
  snapshotCounts(): { installed: number; taken: number } {
    let installed = 0;
    let taken = 0;
    for (const m of this.members) {
      installed += m.snapshotsInstalled;
      taken += m.node?.status().snapshotsTaken ?? 0;
    }
    return { installed, taken };
  }
}

/**
 * The keys of a member's etcd keyspace as of its revision (a write applied in steps is not
 * visible half-way: its records are newer than the revision), hashed; empty for a store never
 * written. fleet's KV lives there once the cluster reads data format 5.
 */
function keyspaceHash(node: FleetMember): string {
  const store = node.etcdStore();
  if (store.revision <= 1) return '';
  const all = store.range({ key: new Uint8Array([0]), rangeEnd: new Uint8Array([0]) });
  const keys = all.kvs.map((kv) => [Buffer.from(kv.key).toString('latin1'), Buffer.from(kv.value).toString('latin1'), kv.createRevision, kv.modRevision, kv.version, kv.lease]);
  return `:${store.revision}:${hashBytes(Buffer.from(JSON.stringify(keys)))}`;
}
