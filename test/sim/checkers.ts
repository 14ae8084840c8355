/**
 * The Raft safety checkers (after TigerBeetle's testing/cluster/state_checker.zig). They live
 * outside the code under test and see the cluster only through what the simulator can see:
 * what each member's simulated disk was made to hold (real/sim-disk.ts), the entries each
 * member applies, and FleetNode.status(). Every check is incremental — a run checks after
 * every step, so a check must cost what the step changed, not the size of the history.
 */
import type { Entry, NodeId, Role, SnapshotMeta } from '../../src/core/raft/types.js';
import { hashBytes } from './digest.js';
import { SafetyViolation } from './violation.js';

/** What the checkers may read of a member's durable log (real/sim-disk.ts keeps it). */
export interface LogView {
  readonly snapshotIndex: number;
  readonly snapshotTerm: number;
  readonly lastIndex: number;
  /** The term at `index`: the snapshot's term at its index, 0 at index 0, undefined if unknown. */
  termAt(index: number): number | undefined;
  /** The entry at `index` if it is in the log (after the snapshot). */
  entryAt(index: number): Entry | undefined;
}

/** Hashes an entry's type and payload; equal entries at the same index hash alike. */
export function hashEntry(e: Entry): number {
  const seed = e.type === 'normal' ? 0x811c9dc5 : e.type === 'noop' ? 0x2545f491 : 0x9e3779b9;
  return hashBytes(e.data, seed);
}

/** One (index, term) pair some node has held, with what it held then. */
interface CreatedEntry {
  readonly term: number;
  readonly hash: number;
  /** The term of the previous index in the log that held it: log matching by induction. */
  readonly prevTerm: number;
}

/** A node's status as the checkers need it, read once per step through RawNode.status(). */
export interface StatusView {
  readonly id: NodeId;
  readonly term: number;
  readonly role: Role;
  readonly commit: number;
  readonly applied: number;
  readonly lastIndex: number;
}

/** Counters for the run summary. */
export interface CheckerStats {
  leadersElected: number;
  maxCommitted: number;
  entriesApplied: number;
}

/**
 * Checks election safety, log matching, leader completeness, state machine safety, that
 * committed entries stay on a quorum's disks, and that applied indices never go back.
 * Invariant: every method either records what it saw or throws a SafetyViolation.
 */
export class SafetyChecker {
  private readonly leaderOfTerm = new Map<number, NodeId>();
  private readonly currentLeaders = new Map<NodeId, number>();
  private readonly created = new Map<number, CreatedEntry[]>();
  // Dense per-index arrays of what is known committed: term 0 means "not known".
  private readonly committedTerm: number[] = [];
  private readonly committedHash: (number | undefined)[] = [];
  /** The term of the node that first reported the commit: the entry was committed in that term or earlier. */
  private readonly committedSeenInTerm: number[] = [];
  private readonly appliedTerm: number[] = [];
  private readonly snapshotImage = new Map<number, number>();
  private readonly lastApplied = new Map<NodeId, number>();
  private readonly lastStatusApplied = new Map<NodeId, number>();
  private readonly commitSeen = new Map<NodeId, number>();
  readonly stats: CheckerStats = { leadersElected: 0, maxCommitted: 0, entriesApplied: 0 };

  constructor(
    private readonly stores: ReadonlyMap<NodeId, LogView>,
    /** The size of a quorum of the current voters. */
    private readonly quorum: () => number,
  ) {}

  private store(node: NodeId): LogView {
    const store = this.stores.get(node);
    if (store === undefined) throw new Error(`checker: unknown node ${node}`);
    return store;
  }

  /** Call after a host appended `appended` (having first removed `removed`) to its durable log. */
  onAppend(node: NodeId, appended: readonly Entry[], removed: readonly Entry[]): void {
    const store = this.store(node);
    const first = appended[0];
    if (first === undefined) return;
    let prevTerm = store.termAt(first.index - 1) ?? 0;
    for (const e of appended) {
      this.recordCreated(node, e, prevTerm);
      prevTerm = e.term;
    }
    this.checkRemovedStillOnQuorum(node, removed);
  }

  private recordCreated(node: NodeId, e: Entry, prevTerm: number): void {
    const hash = hashEntry(e);
    let records = this.created.get(e.index);
    if (records === undefined) {
      records = [];
      this.created.set(e.index, records);
    }
    const known = records.find((r) => r.term === e.term);
    if (known === undefined) {
      records.push({ term: e.term, hash, prevTerm });
    } else if (known.hash !== hash || known.prevTerm !== prevTerm) {
      const what = known.hash !== hash ? 'a different payload' : `previous term ${prevTerm} instead of ${known.prevTerm}`;
      throw new SafetyViolation('log-matching', `${node} holds entry ${e.index}/${e.term} with ${what} than another node had`);
    }
  }

  /** Call after a host installed a received snapshot, which removed `removed` from its log. */
  onSnapshotInstalled(node: NodeId, meta: SnapshotMeta, removed: readonly Entry[]): void {
    const known = this.committedTerm[meta.index] ?? 0;
    if (known !== 0 && known !== meta.term) {
      throw new SafetyViolation('state-machine-safety', `${node} installed a snapshot at ${meta.index}/${meta.term}, but ${meta.index}/${known} is committed`);
    }
    this.checkRemovedStillOnQuorum(node, removed);
  }

  /** A committed entry may leave one node's disk (a stale leader can truncate a lagging follower) but never a quorum's. */
  private checkRemovedStillOnQuorum(node: NodeId, removed: readonly Entry[]): void {
    for (const e of removed) {
      if (this.committedTerm[e.index] !== e.term) continue;
      let holders = 0;
      for (const store of this.stores.values()) {
        if (store.snapshotIndex >= e.index || store.termAt(e.index) === e.term) holders++;
      }
      if (holders < this.quorum()) {
        throw new SafetyViolation('committed-durable', `${node} removed committed entry ${e.index}/${e.term}; only ${holders} nodes still hold it`);
      }
    }
  }

  /** Call when a node reports (through its Ready's soft state) that it leads `term`; its Ready is already persisted. */
  onLeader(node: NodeId, term: number): void {
    this.recordLeader(node, term);
    this.currentLeaders.set(node, term);
    const store = this.store(node);
    if (store.snapshotIndex > 0) this.checkLeaderHas(node, term, store.snapshotIndex);
    for (let i = store.snapshotIndex + 1; i <= this.stats.maxCommitted; i++) this.checkLeaderHas(node, term, i);
  }

  /**
   * Call when a node takes office in `term`, before its log is durable: election safety only
   * (leader completeness waits for onLeader, once the leader's writes have landed).
   */
  onElected(node: NodeId, term: number): void {
    this.recordLeader(node, term);
  }

  private recordLeader(node: NodeId, term: number): void {
    const leader = this.leaderOfTerm.get(term);
    if (leader === undefined) {
      this.leaderOfTerm.set(term, node);
      this.stats.leadersElected++;
    } else if (leader !== node) {
      throw new SafetyViolation('election-safety', `both ${leader} and ${node} were leader in term ${term}`);
    }
  }

  private checkLeaderHas(node: NodeId, term: number, index: number): void {
    const committed = this.committedTerm[index] ?? 0;
    if (committed === 0 || (this.committedSeenInTerm[index] ?? 0) >= term) return;
    const store = this.store(node);
    if (index < store.snapshotIndex) return;
    const has = store.termAt(index);
    if (has !== committed) {
      throw new SafetyViolation(
        'leader-completeness',
        `${node} leads term ${term} but holds ${has === undefined ? 'nothing' : `term ${has}`} at ${index}, where term ${committed} was committed`,
      );
    }
  }

  /** Call when a node stops leading (a soft state change, or a crash). */
  onNotLeader(node: NodeId): void {
    this.currentLeaders.delete(node);
  }

  /** Call after a host persisted a hard state with `commit`, in term `term`. */
  onCommit(node: NodeId, commit: number, term: number): void {
    const store = this.store(node);
    const seen = this.commitSeen.get(node) ?? 0;
    if (commit <= seen) return;
    if (commit > store.lastIndex) {
      throw new SafetyViolation('ready-contract', `${node} persisted commit ${commit} beyond its durable log (last index ${store.lastIndex})`);
    }
    for (let i = Math.max(seen + 1, store.snapshotIndex); i <= commit; i++) {
      const entry = store.entryAt(i);
      this.recordCommitted(node, i, store.termAt(i) ?? 0, entry === undefined ? undefined : hashEntry(entry), term);
    }
    this.commitSeen.set(node, commit);
  }

  private recordCommitted(node: NodeId, index: number, term: number, hash: number | undefined, seenInTerm: number): void {
    if (index === 0) return;
    const known = this.committedTerm[index] ?? 0;
    if (known !== 0) {
      const knownHash = this.committedHash[index];
      if (known !== term || (hash !== undefined && knownHash !== undefined && hash !== knownHash)) {
        throw new SafetyViolation('state-machine-safety', `${node} committed ${index}/${term}, but ${index}/${known} was committed before`);
      }
      if (knownHash === undefined) this.committedHash[index] = hash;
      this.committedSeenInTerm[index] = Math.min(this.committedSeenInTerm[index] ?? seenInTerm, seenInTerm);
      return;
    }
    this.committedTerm[index] = term;
    this.committedHash[index] = hash;
    this.committedSeenInTerm[index] = seenInTerm;
    if (index > this.stats.maxCommitted) this.stats.maxCommitted = index;
    for (const [leader, leaderTerm] of this.currentLeaders) this.checkLeaderHas(leader, leaderTerm, index);
  }

  /**
   * Call for each entry a member applies (the model host's per-entry check, kept for the real
   * one): one after another from where its process started, skipping ahead only past a snapshot
   * it installed, which is durable before anything after it is applied; and the same term at an
   * index on every member.
   */
  onEntryApplied(node: NodeId, index: number, term: number, snapshotIndex: number): void {
    const last = this.lastApplied.get(node) ?? 0;
    if (index !== last + 1 && !(index > last && index - 1 === snapshotIndex)) {
      throw new SafetyViolation('applied-monotonic', `${node} applied ${index} right after ${last} (its snapshot is at ${snapshotIndex})`);
    }
    const known = this.appliedTerm[index];
    if (known === undefined) this.appliedTerm[index] = term;
    else if (known !== term) throw new SafetyViolation('state-machine-safety', `${node} applied ${index}/${term}, another member applied ${index}/${known}`);
    this.lastApplied.set(node, index);
    this.stats.entriesApplied++;
  }

  /** Call when a host takes a snapshot: two images at the same index must be identical. */
  onSnapshotTaken(node: NodeId, index: number, imageHash: number): void {
    const known = this.snapshotImage.get(index);
    if (known === undefined) this.snapshotImage.set(index, imageHash);
    else if (known !== imageHash) {
      throw new SafetyViolation('state-machine-safety', `${node}'s state machine at ${index} differs from another node's at the same index`);
    }
  }

  /** Call when a node restarts from its durable state: its applied index restarts at its snapshot. */
  onRestart(node: NodeId, applied: number): void {
    this.lastApplied.set(node, applied);
    this.lastStatusApplied.delete(node);
    this.currentLeaders.delete(node);
  }

  /** Call after every step with the status of each live node. */
  afterStep(statuses: readonly StatusView[]): void {
    for (const s of statuses) {
      if (s.role === 'leader') this.recordLeader(s.id, s.term);
      const last = this.lastStatusApplied.get(s.id) ?? 0;
      if (s.applied < last) throw new SafetyViolation('applied-monotonic', `${s.id}'s applied index went from ${last} to ${s.applied}`);
      this.lastStatusApplied.set(s.id, s.applied);
      if (s.applied > s.commit || s.commit > s.lastIndex) {
        throw new SafetyViolation('ready-contract', `${s.id} reports applied ${s.applied}, commit ${s.commit}, last index ${s.lastIndex}`);
      }
    }
  }
}
