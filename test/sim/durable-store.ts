/**
 * A node's disk: hard state, the log after the snapshot, and the latest snapshot. Writes are
 * synchronous and durable the moment they return — the simulator crashes a node only between
 * Readies, so "persisted" means "its Ready was handled". Only this survives a crash.
 */
import type { ConfState, Entry, HardState, InitialState, SnapshotMeta } from '../../src/core/raft/types.js';
import { SafetyViolation } from './violation.js';

/** A stored snapshot: the state machine image as of `meta.index`. */
export interface StoredSnapshot {
  readonly meta: SnapshotMeta;
  readonly data: Uint8Array;
}

/** What the checkers may read of a node's durable log. */
export interface LogView {
  readonly snapshotIndex: number;
  readonly snapshotTerm: number;
  readonly lastIndex: number;
  /** The term at `index`: the snapshot's term at its index, 0 at index 0, undefined if unknown. */
  termAt(index: number): number | undefined;
  /** The entry at `index` if it is in the log (after the snapshot). */
  entryAt(index: number): Entry | undefined;
}

const EMPTY_HARD_STATE: HardState = { term: 0, vote: '', commit: 0 };

function copyEntry(e: Entry): Entry {
  return { term: e.term, index: e.index, type: e.type, data: e.data.slice() };
}

/**
 * The durable state of one node. Invariant: `log` holds exactly the indices
 * snapshotIndex+1 … lastIndex, densely, with terms that never decrease.
 */
export class DurableStore implements LogView {
  hardState: HardState = EMPTY_HARD_STATE;
  snapshot: StoredSnapshot | undefined;
  private log: Entry[] = [];
  /** The commit index as of the last fsync: a Ready with mustSync=false may only change commit, and may lose it. */
  private syncedCommit = 0;

  constructor(readonly id: string) {}

  get snapshotIndex(): number {
    return this.snapshot?.meta.index ?? 0;
  }

  get snapshotTerm(): number {
    return this.snapshot?.meta.term ?? 0;
  }

  get lastIndex(): number {
    return this.snapshotIndex + this.log.length;
  }

  termAt(index: number): number | undefined {
    if (index === this.snapshotIndex) return this.snapshotTerm;
    return this.entryAt(index)?.term;
  }

  entryAt(index: number): Entry | undefined {
    return this.log[index - this.snapshotIndex - 1];
  }

  /**
   * Appends entries from a Ready, replacing any suffix from `entries[0].index` on.
   * Returns the entries it removed, so the checkers can see what a truncation took away.
   */
  append(entries: readonly Entry[]): Entry[] {
    const first = entries[0];
    if (first === undefined) return [];
    if (first.index <= this.snapshotIndex || first.index > this.lastIndex + 1) {
      throw new SafetyViolation(
        'ready-contract',
        `${this.id}: Ready.entries start at ${first.index} but the log holds (${this.snapshotIndex}, ${this.lastIndex}]`,
      );
    }
    const keep = first.index - this.snapshotIndex - 1;
    const removed = this.log.splice(keep);
    let prevTerm = this.termAt(first.index - 1) ?? 0;
    entries.forEach((e, k) => {
      if (e.index !== first.index + k || e.term < prevTerm) {
        throw new SafetyViolation('ready-contract', `${this.id}: Ready.entries not dense or term went down at index ${e.index}`);
      }
      prevTerm = e.term;
      this.log.push(copyEntry(e));
    });
    return removed;
  }

  /** Installs a received snapshot: the whole log goes (etcd's MemoryStorage.ApplySnapshot). Returns what was removed. */
  installSnapshot(snapshot: StoredSnapshot): Entry[] {
    if (snapshot.meta.index < this.snapshotIndex) {
      throw new SafetyViolation('ready-contract', `${this.id}: Ready.snapshot at ${snapshot.meta.index} is older than the stored one at ${this.snapshotIndex}`);
    }
    const removed = this.log;
    this.log = [];
    this.snapshot = snapshot;
    return removed;
  }

  /** Stores a snapshot the host took at `meta.index` (≤ lastIndex) and drops the log up to it. */
  compact(snapshot: StoredSnapshot): void {
    const { index, term } = snapshot.meta;
    if (index <= this.snapshotIndex || index > this.lastIndex || this.termAt(index) !== term) {
      throw new Error(`${this.id}: bad compaction to ${index}/${term} of log (${this.snapshotIndex}, ${this.lastIndex}]`);
    }
    this.log = this.log.slice(index - this.snapshotIndex);
    this.snapshot = snapshot;
    this.sync();
  }

  /** An fsync: everything written so far survives a crash. */
  sync(): void {
    this.syncedCommit = this.hardState.commit;
  }

  /**
   * The process died: writes since the last fsync are lost. Only the commit index can be
   * unsynced (the Ready contract makes every other write fsync); it never falls below the
   * snapshot, which the host wrote and synced itself.
   */
  loseUnsynced(): void {
    const commit = Math.max(this.syncedCommit, this.snapshotIndex);
    if (commit < this.hardState.commit) this.hardState = { ...this.hardState, commit };
  }

  /** What a restarting node is given: everything on disk, and the founding membership. */
  initialState(bootstrap: ConfState): InitialState {
    const blank = this.hardState === EMPTY_HARD_STATE && this.snapshot === undefined && this.log.length === 0;
    if (blank) return { bootstrap, applied: 0 };
    return {
      hardState: this.hardState,
      snapshot: this.snapshot?.meta,
      entries: this.log.map(copyEntry),
      bootstrap,
      applied: this.snapshotIndex,
    };
  }
}
