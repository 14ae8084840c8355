/**
 * Rebuilding the log from decoded WAL records, then lining it up with the newest snapshot. Pure:
 * no I/O, so the rules — later records win, a segment header continues or resets the log, a gap
 * is corruption — are tested on their own.
 */
import type { Entry, HardState, SnapshotMeta } from '../raft/types.js';
import { checkInvariant } from '../invariant.js';
import { StorageCorruptionError } from './errors.js';
import type { SegmentHeader } from './record-codec.js';

/** The hard state of a member that has never persisted one. */
export const EMPTY_HARD_STATE: HardState = Object.freeze({ term: 0, vote: '', commit: 0 });

/**
 * Accumulates the log as records are replayed in file order. `entries[k]` has index
 * `prevIndex + 1 + k` (checked at the end, where each entry lands); an entry record at index i
 * replaces everything from i on (Raft truncation).
 */
export class LogReplay {
  /** Index just before the first entry held; `prevTerm` is its term when known. */
  prevIndex = 0;
  prevTerm: number | undefined = 0;
  entries: Entry[] = [];
  hardState: HardState = EMPTY_HARD_STATE;
  private started = false;

  /** Index of the last entry held (prevIndex when none). */
  get lastIndex(): number {
    return this.prevIndex + this.entries.length;
  }

  /** Term of the last entry held, if known. */
  get lastTerm(): number | undefined {
    return this.entries.length > 0 ? this.entries[this.entries.length - 1]?.term : this.prevTerm;
  }

  /** A segment header: resets the log (first segment read, or a snapshot install) or must continue it exactly. */
  segment(file: string, h: SegmentHeader): void {
    this.hardState = h.hardState;
    const base = h.firstIndex - 1;
    if (!this.started || h.reset) {
      this.started = true;
      this.prevIndex = base;
      this.prevTerm = h.prevTerm;
      this.entries = [];
      return;
    }
    const lastTerm = this.lastTerm;
    if (base !== this.lastIndex || (lastTerm !== undefined && lastTerm !== h.prevTerm)) {
      throw new StorageCorruptionError(
        file,
        0,
        `the segment continues the log after index ${base} (term ${h.prevTerm}) but the previous ` +
          `segment ends at index ${this.lastIndex} (term ${lastTerm ?? 'unknown'})`,
      );
    }
  }

  /** An entry record at `offset` of `file`: appends, or truncates from e.index and appends; a gap throws. */
  entry(file: string, offset: number, e: Entry): void {
    if (e.index <= this.prevIndex) {
      // A truncation below where this (oldest kept) segment starts: the earlier part of the log
      // was compacted away with its segment, so the log simply restarts here.
      this.prevIndex = e.index - 1;
      this.prevTerm = undefined;
      this.entries = [e];
      return;
    }
    const last = this.lastIndex;
    if (e.index > last + 1) {
      throw new StorageCorruptionError(file, offset, `entry ${e.index} follows entry ${last}: entries ${last + 1}..${e.index - 1} are missing`);
    }
    this.entries.length = e.index - this.prevIndex - 1;
    this.entries.push(e);
    const n = this.entries.length;
    checkInvariant(n === 1 || this.entries[n - 2]!.index === e.index - 1, 'replay-entries-contiguous', () => `entry ${e.index} follows entry ${this.entries[n - 2]!.index} (prevIndex ${this.prevIndex})`);
  }

  /** Term of the entry at `index` if this log knows it. */
  termAt(index: number): number | undefined {
    if (index === this.prevIndex) return this.prevTerm;
    return this.entries[index - this.prevIndex - 1]?.term;
  }
}

/** The log a member restarts from: entries after the snapshot, and how many were dropped as conflicting. */
export interface ReconciledLog {
  readonly entries: Entry[];
  /** Entries after the snapshot whose log disagreed with it at the snapshot's index. */
  readonly conflicting: number;
}

/**
 * Keeps the entries after `snapshot`. If the log's term at the snapshot index disagrees with the
 * snapshot (a crash between writing an installed snapshot and resetting the log), the entries
 * after it are discarded, exactly as Raft does on InstallSnapshot. A log that starts after the
 * snapshot (or after index 0 with no snapshot) has a hole: corruption.
 */
export function reconcile(log: LogReplay, snapshot: SnapshotMeta | undefined, firstFile: string): ReconciledLog {
  const snapIndex = snapshot?.index ?? 0;
  if (log.prevIndex > snapIndex) {
    const covered = snapshot ? `the newest usable snapshot ends at index ${snapIndex}` : 'there is no usable snapshot';
    throw new StorageCorruptionError(
      firstFile,
      0,
      `the log starts after index ${log.prevIndex} but ${covered}, so entries ${snapIndex + 1}..${log.prevIndex} are missing`,
    );
  }
  if (snapIndex >= log.lastIndex) return { entries: [], conflicting: 0 };
  const after = log.entries.slice(snapIndex - log.prevIndex);
  const term = log.termAt(snapIndex);
  if (snapshot && term !== undefined && term !== snapshot.term) return { entries: [], conflicting: after.length };
  return { entries: after, conflicting: 0 };
}
