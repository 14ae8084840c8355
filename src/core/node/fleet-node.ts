/**
 * One Raft member: drives the Raft core with a clock, durable storage and a transport, applies
 * committed entries to a ReplicatedMachine, replicates proposals and serves reads at a chosen
 * consistency. It knows nothing of what the entries mean: the registry's writes, lease expiry,
 * autopilot, clock warnings and the application's state checks live around it, as the
 * FleetMember that extends it and the NodeServices it runs (fleet-member.ts, services/).
 * Everything runs on the event loop; the only awaits are disk writes, during which the core
 * keeps accepting messages and proposals that go into the next batch.
 */
import { RawNode, describeRaftError, decodeConfChange } from '../raft/index.js';
import type { ConfChange, ConfState, Entry, Message, ProposeResult, SnapshotMeta, SoftState, Status } from '../raft/index.js';
import { NodeError } from './api.js';
import { ApplyQueue } from './apply-queue.js';
import { ApplyWatch } from './health/apply-watch.js';
import { LoopWatch } from './health/loop-watch.js';
import { describeMember } from './member-status.js';
import { TICKS_PER_HEARTBEAT } from './raft-recovery.js';
import type { MemberStatus, Placement, ReadConsistency } from './api.js';
import { MemberList } from './member-list.js';
import { ReadPath, READ_TIMEOUT_MS } from './reads/read-path.js';
import { systemRuntime, type NodeRuntime, type Timer } from './runtime.js';
import { MemberAdmin } from './member-admin.js';
import { ReadyLoop } from './ready-loop.js';
import { LogTrail } from './snapshots/log-trail.js';
import { SnapshotWriter, type SnapshotTaken } from './snapshots/snapshot-writer.js';
import { OutOfSpace } from './health/out-of-space.js';
import { TickClock } from './tick-clock.js';
import { ProposalWaiters } from './waiters.js';

export type { EntryOutcome, ImageWrite, MachineImage, FleetNodeOptions, NodeLogger, NodeObserver, NodeService, PeerSender, ReplicatedMachine, UnsafeNodeHooks } from './node-types.js';
import type { EntryInSteps, EntryOutcome, FleetNodeOptions, NodeLogger, NodeService, PeerSender, ReplicatedMachine } from './node-types.js';

/** The seconds after a start whose held loop is the start's compile work, not counted in status (loop-watch.ts). */
const LOOP_START_UP_MS = 3_000;

export class FleetNode {
  readonly id: string;
  readonly rt: NodeRuntime;
  private readonly raw: RawNode;
  private readonly members: MemberList;
  private readonly machine: ReplicatedMachine;
  private readonly services: NodeService[] = [];
  private readonly waiters = new ProposalWaiters();
  private readonly loop: ReadyLoop;
  /** Committed entries not yet applied, applied a slice at a time beside the Ready loop (apply-queue.ts). */
  private readonly applying: ApplyQueue;
  /** Entries applied in the current slice (for the commit counter). */
  private appliedInSlice = 0;
  private readonly reads: ReadPath;
  private readonly snapshots: SnapshotWriter;
  private readonly trail: LogTrail;
  /** Whether the disk refuses our log writes, and what this member does meanwhile (out-of-space.ts). */
  private readonly space: OutOfSpace;
  private readonly admin: MemberAdmin;
  private transport: PeerSender | undefined;
  private soft: SoftState = { leader: '', role: 'follower' };
  private readonly timers: Timer[] = [];
  private tickClock: TickClock | undefined;
  /** When the tick last ran, or a leader's heartbeats last went out between ticks (monotonic ms). */
  private lastBeat = 0;
  private isStopped = false;
  private lastAppliedTerm: number;
  /** Monotonic time of the last message from the leader; -1 before any. */
  private lastLeaderContact = -1;
  private readonly startedAt: number;
  private elections = 0;
  private fatal: ((err: Error) => void) | undefined;
  /** Whether what is committed is applied (a stuck member's applied index stays behind). */
  private readonly applyWatch = new ApplyWatch();
  /** How long the event loop was held, and by which step (loop-watch.ts). */
  private readonly loopWatch: LoopWatch;

  protected constructor(
    protected readonly opts: FleetNodeOptions,
    raw: RawNode,
    machine: ReplicatedMachine,
  ) {
    this.id = opts.id;
    const rt = (this.rt = opts.runtime ?? systemRuntime);
    const { storage, logger } = opts;
    this.startedAt = rt.monoNow();
    this.raw = raw;
    this.machine = machine;
    this.lastAppliedTerm = storage.recovered.snapshot?.meta.term ?? 0;
    this.members = new MemberList(opts, opts.founders, storage, logger);
    const steps = (this.loopWatch = new LoopWatch({
      rt, logger,
      heldBoundMs: Math.round(opts.electionTimeoutMs / 3),
      startUpMs: LOOP_START_UP_MS,
      observe: opts.observer?.onLoopDelay?.bind(opts.observer),
    }));
    const stopped = (): boolean => this.isStopped;
    const isLeader = (): boolean => this.soft.role === 'leader';
    const appliedIndex = (): number => this.machine.appliedIndex;
    const schedule = (): void => this.loop.schedule();
    this.applying = new ApplyQueue({
      rt, stopped,
      begin: (e) => this.beginEntry(e),
      applied: (e, outcome) => this.entryApplied(e, outcome),
      sliceEnded: (last, ms, later) => this.sliceApplied(last, ms, later),
      timed: (fn) => steps.step('apply', fn),
    }, opts.applyStepsPerSlice);
    this.loop = new ReadyLoop({
      raw, rt, storage, logger, stopped, unsafe: opts.unsafe,
      transport: () => this.transport,
      outOfSpace: () => this.space.full,
      softStateChanged: (soft) => this.onSoftState(soft),
      installSnapshot: (meta, data) => steps.step('install-snapshot', () => this.restoreSnapshot(meta, data)),
      apply: (entries) => steps.step('apply', () => this.applying.push(entries)),
      readsConfirmed: (states) => states.forEach((rs) => this.reads.confirmed(rs.context, rs.index)),
      afterReady: () =>
        steps.step('after-ready (reads, snapshot start)', () => {
          this.reads.afterReady();
          if (!this.space.full && !this.applying.midEntry) this.snapshots.maybeTake(opts.snapshotEvery);
        }),
      storageFailed: (err) => this.storageFailed(err),
    });
    this.trail = new LogTrail(opts.snapshotTrail);
    // The snapshot writer draws its random stretch before the read path draws its id: the simulator's seeds replay in this order.
    this.snapshots = new SnapshotWriter({
      rt, storage, logger, observer: opts.observer, appliedIndex, stopped,
      appliedTerm: () => this.lastAppliedTerm,
      confState: () => raw.confState(),
      beginImage: () => machine.beginImage(),
      generation: () => machine.generation,
      compact: (meta) => raw.compact(this.trail.compactTo(meta, { start: raw.logStart(), bytesBetween: (after, upTo) => raw.logBytes(after, upTo) }), meta),
      timed: (name, fn) => steps.step(name, fn),
    }, machine.startedFrom);
    this.reads = new ReadPath({
      id: opts.id, rt, appliedIndex, isLeader, schedule, stopped,
      leaderCurrent: () => this.lastAppliedTerm === raw.term,
      lastLeaderContact: () => this.lastLeaderContact,
      confState: () => raw.confState(),
      outOfSpaceSince: () => this.space.since,
      readIndex: (context) => raw.readIndex(context),
      releaseEarly: opts.unsafe?.releaseReadsEarly === true,
    });
    this.admin = new MemberAdmin({
      id: opts.id, raw, rt, members: this.members, electionTimeoutMs: opts.electionTimeoutMs, isLeader, stopped, appliedIndex, schedule,
      notLeader: () => this.proposalError('not-leader'),
    });
    this.space = new OutOfSpace({
      id: opts.id, rt, logger, storage, isLeader, stopped,
      bestTransferTarget: () => this.admin.bestTransferTarget(),
      transferring: () => raw.status().transferee !== '',
      transferLeadership: (to) => this.admin.transferLeadership(to),
      resume: schedule,
    });
  }

  /** Runs `service` beside the node from now on. */
  protected use(service: NodeService): void {
    this.services.push(service);
  }

  /** Connects the transport and starts the clock. `onFatal` is called if the disk fails: the process must stop. */
  start(transport: PeerSender, onFatal: (err: Error) => void): void {
    this.transport = transport;
    this.fatal = onFatal;
    transport.setPeers(this.members.peers());
    if (this.refuseReplicaAsVoter()) return;
    const tickMs = Math.max(1, Math.round(this.opts.heartbeatMs / TICKS_PER_HEARTBEAT));
    // One heartbeat's worth of ticks per callback at most; an election timeout's worth owed at most.
    this.tickClock = new TickClock(tickMs, this.rt.monoNow(), TICKS_PER_HEARTBEAT, Math.ceil(this.opts.electionTimeoutMs / tickMs));
    this.lastBeat = this.rt.monoNow();
    this.every(tickMs, () => this.tick());
    this.every(READ_TIMEOUT_MS, () => this.reads.expire());
    this.startLoopWatch();
    for (const s of this.services) s.started?.();
    this.loop.schedule();
  }

  /** Calls `fn` every `ms` until the node stops. */
  every(ms: number, fn: () => void): void {
    this.timers.push(this.rt.setInterval(fn, ms));
  }

  /** The loop's monitor runs from start to stop; one sample a second. */
  private startLoopWatch(): void {
    const monitor = this.rt.monitorLoopDelay?.();
    if (monitor === undefined) return;
    this.loopWatch.watch(monitor);
    this.every(1_000, () => this.loopWatch.sample());
  }

  private tick(): void {
    this.lastBeat = this.rt.monoNow();
    const due = this.tickClock?.due(this.lastBeat) ?? 1;
    if (due === 0) return;
    this.loopWatch.step('tick', () => {
      for (let i = 0; i < due; i++) this.raw.tick();
      this.applyWatch.observe(this.raw.committed, this.machine.appliedIndex, this.rt.monoNow());
      this.reads.startRound();
      for (const s of this.services) s.tick?.();
    });
    this.loop.schedule();
  }

  /**
   * A leader's heartbeats in the middle of a long turn of the event loop. Ticks run between turns,
   * and on a starved CPU one turn serving a few hundred client requests ran 0.8–1.1 s (issue 59:
   * check perf beside two CPU burners), long enough for the followers to elect another leader.
   * Every peer message, write and read that reaches the node calls this: once a heartbeat interval
   * has passed without a tick, the heartbeats go out at once. Only those: a tick here would move
   * check-quorum's clock while the followers' answers wait unread in this same turn.
   */
  private beatIfOverdue(): void {
    if (this.soft.role !== 'leader' || this.transport === undefined) return;
    const now = this.rt.monoNow();
    if (now - this.lastBeat < this.opts.heartbeatMs) return;
    this.lastBeat = now;
    this.transport.send(this.raw.heartbeatNow());
  }

  // ------------------------------------------------------------------ what the node's surroundings see

  get stopped(): boolean {
    return this.isStopped;
  }

  get logger(): NodeLogger {
    return this.opts.logger;
  }

  get isLeader(): boolean {
    return this.soft.role === 'leader';
  }

  get leaderId(): string {
    return this.soft.leader;
  }

  get appliedIndex(): number {
    return this.machine.appliedIndex;
  }

  /** The term of the last entry applied: once it is the current term on the leader, the leader has every earlier write. */
  get appliedTerm(): number {
    return this.lastAppliedTerm;
  }

  /** The current term (cheap: for paths that run per write). */
  get term(): number {
    return this.raw.term;
  }

  /** On the leader, the index of its term's first entry. */
  get termStartIndex(): number {
    return this.raw.termStartIndex;
  }

  raftStatus(): Status {
    return this.raw.status();
  }

  confState(): ConfState {
    return this.raw.confState();
  }

  placementOf(id: string): { zone?: string; region?: string; readReplica?: boolean } {
    return this.members.placementOf(id);
  }

  // ------------------------------------------------------------------ peers

  /** Delivers a message from a peer. */
  step(m: Message): void {
    if (this.isStopped) return;
    this.beatIfOverdue();
    if (m.from === this.soft.leader || m.type === 'app' || m.type === 'heartbeat') this.lastLeaderContact = this.rt.monoNow();
    for (const s of this.services) s.stepped?.(m);
    // Out of space, entries could only pile up in memory, unacknowledged: the leader resends them
    // once we answer again. Nor may we lead (timeout-now): we could not record our own vote.
    if (this.space.full && (m.type === 'app' || m.type === 'snap' || m.type === 'timeout-now')) return;
    this.loopWatch.step('raft step', () => this.raw.step(m));
    this.loop.schedule();
  }

  /** The inbound stream from `peer` closed; if it is the leader, fail over at once. */
  peerDisconnected(peer: string): void {
    if (peer !== this.soft.leader || this.isStopped) return;
    this.opts.logger.info({ leader: peer }, 'connection to the leader closed: starting an election without waiting for the timeout');
    this.raw.leaderConnectionLost();
    this.loop.schedule();
  }

  reportSnapshot(peer: string, ok: boolean): void {
    this.raw.reportSnapshot(peer, ok);
    this.loop.schedule();
  }

  reportUnreachable(peer: string): void {
    this.raw.reportUnreachable(peer);
  }

  /** A peer announced its address (see MemberList.learnAddress). */
  learnPeerAddress(peer: string, address: string): void {
    if (this.isStopped || !this.members.learnAddress(peer, address)) return;
    this.transport?.setPeers(this.members.peers());
    this.refuseReplicaAsVoter();
  }

  /** A peer announced its zone and region. */
  learnPeerPlacement(peer: string, placement: Placement): void {
    if (!this.isStopped) this.members.learnPlacement(peer, placement);
  }

  /**
   * Whether `id` may speak to this member: it is in the configuration (or is a member being
   * added, whose address the membership recorded). A member that knows no configuration yet
   * (started with `--join`) hears from any authenticated member.
   */
  knowsPeer(id: string): boolean {
    return this.members.mayHear(id, this.raw.confState());
  }

  /** The current term and its leader as this member knows them ('' when none). */
  leadership(): { term: number; leader: string } {
    const st = this.raw.status();
    return { term: st.term, leader: st.leader };
  }

  // ------------------------------------------------------------------ what the Ready loop hands over (ready-loop.ts)

  private storageFailed(err: unknown): void {
    if (this.isStopped) return;
    this.isStopped = true;
    this.opts.logger.error({ err }, 'storage failed: stopping this member');
    this.fatal?.(err instanceof Error ? err : new Error(String(err)));
  }

  private onSoftState(soft: SoftState): void {
    const was = this.soft;
    this.soft = soft;
    const term = this.raw.term;
    if (soft.role === 'leader' && was.role !== 'leader') this.elections++;
    if (soft.leader !== was.leader) {
      this.opts.logger.info({ leader: soft.leader || null, role: soft.role, term }, soft.leader ? 'leader changed' : 'no leader');
    }
    if (was.role === 'leader' && soft.role !== 'leader') {
      // Our pending proposals may or may not commit under the next leader: answer "retry";
      // the client's retry with the same sequence number is applied at most once.
      this.waiters.failAll(new NodeError('UNAVAILABLE', 'leadership changed while the write was in flight; retry', { leaderId: soft.leader, leaderAddress: this.members.addressOf(soft.leader), reason: 'leader-changed' }));
    }
    if (soft.leader === '') this.reads.failAll(new NodeError('UNAVAILABLE', 'no leader: the read could not be confirmed; retry', { reason: 'no-leader' }));
    for (const s of this.services) s.roleChanged?.(was, soft);
    this.opts.observer?.onRoleChange?.(soft, term);
  }

  // ------------------------------------------------------------------ applying

  private restoreSnapshot(meta: SnapshotMeta, data: Uint8Array): void {
    // What waits to be applied is older than the snapshot (the core takes none at or below its commit): done first, so no entry is left half-applied in the state replaced.
    this.applying.finish();
    this.machine.restore(data);
    for (const s of this.services) s.stateReplaced?.();
    this.lastAppliedTerm = meta.term;
    this.snapshots.installed(data.length);
    this.trail.reset();
    this.opts.logger.info({ index: meta.index, term: meta.term, bytes: data.length }, 'installed a snapshot from the leader');
  }

  /** Begins applying `e` (the apply queue's `begin`): undefined for an entry with nothing left to apply. */
  private beginEntry(e: Entry): EntryOutcome | EntryInSteps | undefined {
    if (e.index <= this.machine.appliedIndex) return undefined;
    if (e.index > (this.opts.unsafe?.stopApplyingAfter ?? Infinity)) return undefined;
    this.opts.observer?.onEntryApplied?.(e.index, e.term);
    this.lastAppliedTerm = e.term;
    this.snapshots.counted(e.data.length);
    if (e.type === 'normal') return this.machine.apply(e);
    this.machine.skip(e.index);
    if (e.type === 'conf-change') this.applyMembership(decodeConfChange(e.data));
    for (const s of this.services) s.entryApplied?.(e);
    return undefined;
  }

  /** `e` is applied (the apply queue's `applied`): its writer is answered; false once the member halted. */
  private entryApplied(e: Entry, outcome: EntryOutcome): boolean {
    if (outcome.stop) {
      this.halt(outcome.stop);
      return false;
    }
    this.appliedInSlice++;
    if (outcome.answer !== undefined) this.waiters.settle(e, outcome.answer);
    for (const s of this.services) s.entryApplied?.(e);
    return true;
  }

  /** After each slice of applies; one that ran on a later turn serves the reads it let through, as a Ready's end does. */
  private sliceApplied(last: Entry | undefined, ms: number, later: boolean): void {
    const applied = this.appliedInSlice;
    this.appliedInSlice = 0;
    this.machine.batchApplied?.();
    for (const s of this.services) s.batchApplied?.(last);
    this.opts.observer?.onCommitted?.(applied);
    this.opts.observer?.onApplyLatency?.(ms / 1e3 / Math.max(1, applied));
    if (later) {
      this.reads.afterReady();
      this.loop.schedule();
    }
  }

  /** The state machine failed here: this member stops (its state is past saving) and the host is told. */
  private halt(err: Error): void {
    if (this.isStopped) return;
    this.isStopped = true;
    this.waiters.failAll(new NodeError('UNAVAILABLE', `member ${this.id} stopped applying: ${err.message}`, { reason: 'stopped-applying' }));
    for (const s of this.services) s.halted?.(err);
    this.fatal?.(err);
  }

  private applyMembership(cc: ConfChange): void {
    this.members.applyConfChange(cc);
    this.transport?.setPeers(this.members.peers());
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
    this.isStopped = true;
    this.fatal?.(new NodeError('FAILED_PRECONDITION', message, { reason: 'read-replica' }));
    return true;
  }

  // ------------------------------------------------------------------ proposals and reads

  /**
   * Proposes entries without waiting for them (the node's own bookkeeping: lease expiries,
   * state checks); a refusal (leadership just lost) is the caller's to retry or drop.
   */
  proposeEntries(data: readonly Uint8Array[]): ProposeResult {
    const r = this.raw.propose(data);
    if (r.ok) this.loop.schedule();
    return r;
  }

  /**
   * Replicates one entry and resolves with the machine's answer once it is applied here (on the
   * leader; elsewhere NOT_LEADER with the leader hint). `lost` turns a failure after the proposal
   * (leadership lost: the entry may still commit) into the caller's error; `early` answers at
   * once (the unsafe ackBeforeCommit).
   */
  protected replicate(data: Uint8Array, options: { lost?: (err: Error) => Error; early?: (index: number) => unknown } = {}): Promise<unknown> {
    const refused = this.writeRefusal();
    if (refused) {
      this.opts.observer?.onProposalFailed?.(1);
      return Promise.reject(refused);
    }
    this.beatIfOverdue();
    const r = this.raw.propose([data]);
    if (!r.ok) {
      this.opts.observer?.onProposalFailed?.(1);
      return Promise.reject(this.proposalError(r.error));
    }
    this.loop.schedule();
    return new Promise((resolve, reject) => {
      const lost = options.lost;
      this.waiters.expect(r.firstIndex, r.term, resolve, lost ? (err) => reject(lost(err)) : reject);
      if (options.early) resolve(options.early(r.firstIndex));
    });
  }

  /** Why a write is refused before it is proposed: the member stops, or it leads out of space. */
  private writeRefusal(): NodeError | undefined {
    if (this.isStopped) return new NodeError('UNAVAILABLE', 'this member is shutting down', { reason: 'shutting-down' });
    if (this.space.full && this.soft.role === 'leader') return this.space.writeError();
    return undefined;
  }

  protected proposalError(code: Parameters<typeof describeRaftError>[0]): NodeError {
    if (code === 'not-leader') {
      const leader = this.soft.leader;
      return new NodeError('NOT_LEADER', leader ? `not the leader; the leader is ${leader}` : 'no leader elected yet; retry', { leaderId: leader, leaderAddress: this.members.addressOf(leader), ...(leader ? {} : { reason: 'no-leader' }) });
    }
    return new NodeError('UNAVAILABLE', `${describeRaftError(code)}; retry`, { reason: code });
  }

  /** Resolves once `ready()` holds after an apply, or after `ms` regardless (ReadPath.settleWithin). */
  protected settleWithin(ready: () => boolean, ms: number): Promise<void> {
    return this.reads.settleWithin(ready, ms);
  }

  /** Runs `fn` on the replicated state once the consistency requirement holds (read-path.ts). */
  protected readAt<T>(consistency: ReadConsistency, fn: () => T): Promise<{ value: T; index: number }> {
    this.beatIfOverdue();
    return this.reads.read(consistency, fn);
  }

  // ------------------------------------------------------------------ status and admin

  status(): MemberStatus {
    const now = this.rt.monoNow();
    const st = this.raw.status();
    this.applyWatch.observe(st.commit, this.machine.appliedIndex, now);
    return describeMember({
      st,
      members: this.members,
      identity: { id: this.id, address: this.opts.address, clusterName: this.opts.clusterName, version: this.opts.version },
      appliedIndex: this.machine.appliedIndex,
      lastContactMs: st.role === 'leader' ? 0 : this.lastLeaderContact < 0 ? -1 : now - this.lastLeaderContact,
      uptimeMs: now - this.startedAt,
      rssBytes: this.rt.rssBytes(),
      snapshotsTaken: this.snapshots.taken,
      elections: this.elections,
      repair: this.loop.repair,
      repairsCompleted: this.loop.repairsCompleted,
      outOfSpace: this.space.full,
      applyStalledMs: Math.round(this.applyWatch.stalledMs(now)),
      stuckAfterMs: ApplyWatch.stuckAfterMs(this.opts.electionTimeoutMs),
      loopDelayMaxMs: Math.round(this.loopWatch.maxLastMinuteMs()),
      loopHeldBoundMs: this.loopWatch.heldBoundMs,
    });
  }

  transferLeadership(to?: string): Promise<{ from: string; to: string; tookMs: number }> {
    return this.admin.transferLeadership(to);
  }

  addMember(id: string, address: string, learner: boolean, ifConfigIndex?: number): Promise<void> {
    return this.admin.addMember(id, address, learner, ifConfigIndex);
  }

  promoteMember(id: string, ifConfigIndex?: number): Promise<void> {
    return this.admin.promoteMember(id, ifConfigIndex);
  }

  removeMember(id: string, ifConfigIndex?: number): Promise<void> {
    return this.admin.removeMember(id, ifConfigIndex);
  }

  takeSnapshot(): Promise<SnapshotTaken> {
    return this.snapshots.take();
  }

  latestSnapshot(): Promise<{ index: number; term: number; path: string } | undefined> {
    return this.opts.storage.latestSnapshot();
  }

  /** Stops the clock and fails what is pending; the process may exit afterwards. */
  stop(): void {
    this.isStopped = true;
    for (const t of this.timers) t.clear();
    this.loopWatch.stop();
    this.space.stop();
    for (const s of this.services) s.stopped?.();
    const err = new NodeError('UNAVAILABLE', 'this member is shutting down', { reason: 'shutting-down' });
    this.waiters.failAll(err);
    this.reads.failAll(err);
  }

  /** The leader's hand-off on SIGTERM: transfer to a healthy voter, if there is one. */
  async handOff(): Promise<void> {
    if (this.soft.role !== 'leader' || !this.admin.bestTransferTarget()) return;
    try {
      const t = await this.transferLeadership();
      this.opts.logger.info(t, 'leadership handed off before shutdown');
    } catch (err) {
      this.opts.logger.warn({ err }, 'could not hand off leadership before shutdown');
    }
  }
}
