import type { ProposeResult, RaftErrorCode } from './errors.js';
import { Raft } from './raft.js';
import type {
  ConfChange,
  ConfState,
  Config,
  HardState,
  InitialState,
  Message,
  NodeId,
  ProgressStatus,
  Ready,
  SnapshotMeta,
  SoftState,
  Status,
} from './types.js';

/**
 * The host's handle on one Raft member: feed it ticks, messages and proposals; take a `Ready`
 * when `hasReady()`, handle it in the order the Ready documents, then `advance(ready)` — or,
 * with asynchronous storage writes, `handedOff(ready)` now and `persisted(ready)` later.
 * Between `ready()` and `advance()`/`handedOff()` the host may keep stepping messages and
 * proposing; it must not call `ready()` again until then.
 */
export class RawNode {
  private readonly raft: Raft;
  /** Config.maxCommittedBytesPerReady. */
  private readonly maxCommittedBytes: number;
  private prevSoft: SoftState;
  private prevHard: HardState;
  private outstanding = false;
  /** Readies handed off whose writes are not yet reported durable, oldest first. */
  private readonly unpersisted: Ready[] = [];
  /** The hard state on disk: the last one a persisted Ready carried, or the one this node started from. */
  private durableHard: HardState;
  /** The newest snapshot the host took (`compact`); the log may start before it (a trail kept for followers). */
  private newestSnapshot = 0;

  constructor(config: Config, initial: InitialState) {
    this.raft = new Raft(config, initial);
    this.maxCommittedBytes = config.maxCommittedBytesPerReady ?? 256 * 1024;
    this.prevSoft = this.softState();
    this.prevHard = initial.hardState ?? { term: 0, vote: '', commit: 0 };
    this.durableHard = this.prevHard;
  }

  /** Advances logical time by one tick: election and heartbeat timeouts are counted in ticks. */
  tick(): void {
    this.raft.tick();
  }

  /** Delivers a message from a peer. Messages for another member are ignored. */
  step(m: Message): void {
    if (m.to !== this.raft.id) return;
    this.raft.step(m);
  }

  /** Appends normal entries, if this member leads. The entries are committed later, or lost with a leader change. */
  propose(data: readonly Uint8Array[]): ProposeResult {
    return this.raft.propose(data);
  }

  /**
   * Proposes a single-server membership change, if this member leads and no other change is in
   * progress; with `ifConfIndex`, only if the configuration in force was made at that index (`Status.confIndex`).
   */
  proposeConfChange(cc: ConfChange, ifConfIndex?: number): ProposeResult {
    return this.raft.proposeConfChange(cc, ifConfIndex);
  }

  /**
   * Starts a linearizable read tagged `context`; its ReadState appears in a later Ready (on a
   * follower, once the leader answers). The leader never matches on `context`, so contexts of
   * different members may collide; the host matches ReadStates to its requests by it, so its own
   * must not repeat, not even across a restart (a late answer to the previous run may arrive).
   */
  readIndex(context: Uint8Array): RaftErrorCode | undefined {
    return this.raft.readIndex(context);
  }

  /** Hands leadership to `to` once it has caught up; proposals are refused meanwhile. */
  transferLeader(to: NodeId): RaftErrorCode | undefined {
    return this.raft.transferLeader(to);
  }

  /** Starts an election now (after a pre-vote round when enabled). */
  campaign(): void {
    this.raft.hup(false);
  }

  /** The transport's connection to the leader closed: fail over without waiting out the election timeout. */
  leaderConnectionLost(): void {
    this.raft.leaderConnectionLost();
  }

  reportUnreachable(id: NodeId): void {
    this.raft.reportUnreachable(id);
  }

  /**
   * The leader's heartbeats, for the host to send at once rather than in the next Ready: its turn
   * ran longer than a heartbeat interval, and its followers should hear from it meanwhile. Counts
   * no tick. Empty unless this member leads.
   */
  heartbeatNow(): Message[] {
    const r = this.raft;
    const queued = r.msgs.length;
    r.heartbeatNow();
    return r.msgs.splice(queued);
  }

  reportSnapshot(id: NodeId, ok: boolean): void {
    this.raft.reportSnapshot(id, ok);
  }

  /**
   * The host captured its state machine in `taken` (≤ applied): drop the log up to `keep`, an
   * earlier snapshot of the host's or `taken` itself. Entries kept after `keep` are sent to a
   * follower that far behind instead of the snapshot (snapshots/log-trail.ts).
   */
  compact(keep: SnapshotMeta, taken: SnapshotMeta = keep): void {
    if (keep.index > taken.index) throw new Error(`raft: cannot keep the log from ${keep.index}, after the snapshot at ${taken.index}`);
    this.raft.log.compact(keep);
    this.newestSnapshot = Math.max(this.newestSnapshot, taken.index);
  }

  /** Where the log starts: the snapshot it was last compacted to (or restored from). */
  logStart(): SnapshotMeta {
    return this.raft.log.snapshot;
  }

  /** The payload bytes of the log's entries after `after` up to `upTo` (those it holds). */
  logBytes(after: number, upTo: number): number {
    return this.raft.log.payloadBytes(after, upTo);
  }

  hasReady(): boolean {
    if (this.outstanding || this.snapshotWaits()) return false;
    const r = this.raft;
    const log = r.log;
    return (
      (r.needsFlush && r.role === 'leader') ||
      r.msgs.length > 0 ||
      r.msgsAfterPersist.length > 0 ||
      r.readStates.length > 0 ||
      log.unstableFrom <= log.lastIndex() ||
      log.pendingSnapshot !== undefined ||
      log.hasNextCommittedEntries() ||
      !sameHard(this.hardState(), this.prevHard) ||
      !sameSoft(this.softState(), this.prevSoft)
    );
  }

  ready(): Ready {
    if (this.outstanding) throw new Error('raft: ready() called again before advance()');
    if (this.snapshotWaits()) throw new Error('raft: a snapshot is pending: persist the Readies handed off first');
    const r = this.raft;
    const log = r.log;
    r.flushAppends();
    const snapshot = log.pendingSnapshot;
    log.pendingSnapshot = undefined;
    if (snapshot) log.applied = Math.max(log.applied, snapshot.meta.index);
    const entries = log.unstableEntries();
    log.unstableFrom = log.lastIndex() + 1;
    const committedEntries = log.nextCommittedEntries(this.maxCommittedBytes);
    if (committedEntries.length > 0) {
      log.applied = committedEntries[committedEntries.length - 1]!.index;
      for (const e of committedEntries) if (e.type === 'conf-change') r.applyConfEntry(e);
    }
    log.checkCursors('ready');
    const hard = this.hardState();
    const soft = this.softState();
    const hardChanged = !sameHard(hard, this.prevHard);
    const rd: Ready = {
      ...(sameSoft(soft, this.prevSoft) ? {} : { softState: soft }),
      ...(hardChanged ? { hardState: hard } : {}),
      entries,
      ...(snapshot ? { snapshot } : {}),
      committedEntries,
      messages: r.msgs,
      messagesAfterPersist: r.msgsAfterPersist,
      readStates: r.readStates,
      mustSync: entries.length > 0 || snapshot !== undefined || hard.term !== this.prevHard.term || hard.vote !== this.prevHard.vote,
    };
    r.msgs = [];
    r.msgsAfterPersist = [];
    r.readStates = [];
    this.prevSoft = soft;
    this.prevHard = hard;
    this.outstanding = true;
    return rd;
  }

  /** The host handled `rd` completely: its writes are durable, its messages sent, its committed entries applied. */
  advance(rd: Ready): void {
    this.handedOff(rd);
    this.persisted(rd);
  }

  /**
   * Asynchronous storage writes, first half: the host sent `rd.messages`, applied
   * `rd.committedEntries` and submitted `rd`'s writes to a storage that makes them durable in
   * submission order — without waiting for that. The next Ready may be taken at once, so new
   * proposals go out while the disk is busy. `rd.messagesAfterPersist` must wait for
   * `persisted(rd)`. A Ready carrying a snapshot must be persisted before it is handed off.
   */
  handedOff(rd: Ready): void {
    if (!this.outstanding) throw new Error('raft: handedOff() without an outstanding Ready');
    this.outstanding = false;
    this.unpersisted.push(rd);
  }

  /**
   * Asynchronous storage writes, second half: `rd`'s entries, hard state and snapshot are
   * durable. Readies must be reported in the order they were taken.
   */
  persisted(rd: Ready): void {
    if (this.unpersisted[0] !== rd) throw new Error('raft: persisted() out of order or for a Ready not handed off');
    this.unpersisted.shift();
    if (rd.hardState) this.durableHard = rd.hardState;
    const log = this.raft.log;
    if (rd.snapshot) log.stable = Math.max(log.stable, rd.snapshot.meta.index);
    const last = rd.entries[rd.entries.length - 1];
    // Ignored if a later Ready replaced these entries: that Ready's own report covers them.
    if (last) log.stableTo(last.index, last.term);
    log.checkCursors('persisted');
    // The leader counts its own copy only once it is durable.
    this.raft.maybeCommit();
  }

  /** The commit index, without the cost of `status()` (the host checks it at every tick). */
  get committed(): number {
    return this.raft.log.committed;
  }

  /** The current term, without the copy of every peer's progress `status()` makes. */
  get term(): number {
    return this.raft.term;
  }

  /**
   * As leader, the index of the first entry of its term: once a member has applied everything
   * before it, no entry of an earlier leader is missing from its state (§5.4.2).
   */
  get termStartIndex(): number {
    return this.raft.termStartIndex;
  }

  /**
   * Recovering from damage (InitialState.repairing): rebuilding the log from the leader, learning
   * a safe term from the other voters, or waiting for the vote that ends it to be durable. Until
   * false, the host must restart this member as repairing.
   */
  get repairing(): boolean {
    const r = this.raft;
    if (r.repairing || r.termProbe !== undefined) return true;
    const hs = this.durableHard;
    if (r.voteFloorTerm === 0) return false;
    return r.voteFloorTerm > hs.term || (r.voteFloorTerm === hs.term && hs.vote === '');
  }

  status(): Status {
    const r = this.raft;
    const progress = new Map<NodeId, ProgressStatus>();
    if (r.role === 'leader') {
      for (const [id, pr] of r.progress) {
        const own = id === r.id;
        progress.set(id, {
          match: own ? r.log.stable : pr.match,
          next: own ? r.log.lastIndex() + 1 : pr.next,
          state: own ? 'replicate' : pr.state,
          recentActive: own || pr.recentActive || pr.activeLastRound,
          learner: pr.learner,
          inflight: own ? 0 : pr.inflights.count,
        });
      }
    }
    return {
      id: r.id,
      term: r.term,
      vote: r.vote,
      commit: r.log.committed,
      applied: r.log.applied,
      lastIndex: r.log.lastIndex(),
      snapshotIndex: Math.max(r.log.snapshot.index, this.newestSnapshot),
      firstIndex: r.log.firstIndex(),
      role: r.role,
      leader: r.leader,
      conf: r.conf,
      repairing: this.repairing,
      transferee: r.leadTransferee,
      confChangeBlocked: r.role === 'leader' && r.confChangeBlocked(),
      confIndex: r.confIndex,
      progress,
    };
  }

  /** The membership as of the last committed entry handed out: what a snapshot taken now must record. */
  confState(): ConfState {
    return this.raft.conf;
  }

  /** A snapshot replaces the log, so it must not overtake writes still on their way to disk. */
  private snapshotWaits(): boolean {
    return this.unpersisted.length > 0 && this.raft.log.pendingSnapshot !== undefined;
  }

  private hardState(): HardState {
    const r = this.raft;
    return { term: r.term, vote: r.vote, commit: r.log.committed };
  }

  private softState(): SoftState {
    return { leader: this.raft.leader, role: this.raft.role };
  }
}

function sameHard(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

function sameSoft(a: SoftState, b: SoftState): boolean {
  return a.leader === b.leader && a.role === b.role;
}
