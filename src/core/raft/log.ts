import { checkInvariant } from './errors.js';
import type { Entry, Snapshot, SnapshotMeta } from './types.js';

/**
 * The in-memory Raft log of one member: a snapshot point followed by a dense run of entries.
 *
 * Four cursors, always ordered `applied ≤ committed` and `stable ≤ lastIndex()`:
 * - `committed`: highest index known committed;
 * - `applied`: highest index handed to the host to apply (by entry or by snapshot);
 * - `stable`: highest index the host confirmed durable;
 * - `unstableFrom`: first index not yet handed to the host for persisting.
 * Entries are only handed out for applying once durable here (`applied ≤ stable`).
 */
export class RaftLog {
  snapshot: SnapshotMeta;
  /** entries[i].index === snapshot.index + 1 + i */
  entries: Entry[];
  committed: number;
  applied: number;
  stable: number;
  unstableFrom: number;
  /** A snapshot received from the leader, to be handed to the host. */
  pendingSnapshot: Snapshot | undefined;

  constructor(snapshot: SnapshotMeta, entries: readonly Entry[], committed: number, applied: number) {
    this.snapshot = snapshot;
    this.entries = entries.slice();
    const last = this.lastIndex();
    this.committed = Math.min(Math.max(committed, snapshot.index), last);
    this.applied = Math.min(Math.max(applied, snapshot.index), this.committed);
    this.stable = last;
    this.unstableFrom = last + 1;
    this.pendingSnapshot = undefined;
    this.checkCursors('constructor');
  }

  /**
   * The cursors' order: snapshot ≤ committed ≤ last, applied ≤ committed, stable ≤ last, and
   * snapshot < unstableFrom ≤ last + 1. Checked after every change (RawNode changes some fields
   * itself and calls this after).
   */
  checkCursors(after: string): void {
    const last = this.lastIndex();
    const s = this.snapshot.index;
    const ok = s <= this.committed && this.committed <= last && this.applied <= this.committed && this.stable <= last && s < this.unstableFrom && this.unstableFrom <= last + 1;
    checkInvariant(ok, 'log-cursor-order', () => `after ${after}: snapshot ${s}, applied ${this.applied}, committed ${this.committed}, stable ${this.stable}, unstableFrom ${this.unstableFrom}, last ${last}`);
  }

  firstIndex(): number {
    return this.snapshot.index + 1;
  }

  lastIndex(): number {
    return this.snapshot.index + this.entries.length;
  }

  lastTerm(): number {
    const n = this.entries.length;
    return n === 0 ? this.snapshot.term : this.entries[n - 1]!.term;
  }

  /** The term of the entry at `index`, or undefined when it is compacted away or beyond the end. */
  term(index: number): number | undefined {
    const offset = index - this.snapshot.index;
    if (offset === 0) return this.snapshot.term;
    if (offset < 0 || offset > this.entries.length) return undefined;
    return this.entries[offset - 1]!.term;
  }

  entry(index: number): Entry | undefined {
    const offset = index - this.snapshot.index;
    return offset >= 1 ? this.entries[offset - 1] : undefined;
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** Whether a candidate whose last entry is (index, term) is at least as up to date as this log (§5.4.1). */
  isUpToDate(index: number, term: number): boolean {
    const lastTerm = this.lastTerm();
    return term > lastTerm || (term === lastTerm && index >= this.lastIndex());
  }

  /**
   * Entries in [lo, hi), at most `maxBytes` of payload but always at least one entry.
   * Returns undefined when `lo` is compacted away.
   */
  slice(lo: number, hi: number, maxBytes: number): Entry[] | undefined {
    if (lo <= this.snapshot.index) return undefined;
    const start = lo - this.snapshot.index - 1;
    const end = Math.min(hi, this.lastIndex() + 1) - this.snapshot.index - 1;
    let bytes = 0;
    let stop = start;
    while (stop < end) {
      bytes += this.entries[stop]!.data.length;
      if (bytes > maxBytes && stop > start) break;
      stop++;
    }
    return this.entries.slice(start, stop);
  }

  /** Appends entries the leader created; they follow the current last entry. */
  append(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first !== undefined) checkInvariant(first.index === this.lastIndex() + 1, 'log-dense', () => `appending index ${first.index} after last index ${this.lastIndex()}`);
    for (const e of entries) this.entries.push(e);
  }

  /**
   * The follower's append (§5.3): if our log has (prevIndex, prevTerm), keep what matches,
   * truncate at the first conflict, append the rest and advance commit. Returns the last
   * index known to match the leader, or undefined when the log does not contain prevIndex/prevTerm.
   */
  maybeAppend(prevIndex: number, prevTerm: number, leaderCommit: number, entries: readonly Entry[]): number | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
    const lastNew = prevIndex + entries.length;
    const conflict = this.findConflict(entries);
    if (conflict !== 0) {
      if (conflict <= this.committed) {
        throw new Error(`raft: entry ${conflict} conflicts with committed entry (committed ${this.committed})`);
      }
      this.truncateFrom(conflict);
      this.append(entries.slice(conflict - entries[0]!.index));
    }
    this.commitTo(Math.min(leaderCommit, lastNew));
    this.checkCursors('maybeAppend');
    return lastNew;
  }

  /** The index of the first entry that is new or conflicts with ours, or 0 when all are present. */
  private findConflict(entries: readonly Entry[]): number {
    for (const e of entries) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  private truncateFrom(index: number): void {
    this.entries.length = Math.max(0, index - this.snapshot.index - 1);
    if (this.stable >= index) this.stable = index - 1;
    if (this.unstableFrom > index) this.unstableFrom = index;
  }

  /**
   * The fast back-off of a rejected append: the largest index ≤ `index` whose term is ≤ `term`,
   * so the leader can skip a whole term of mismatching entries in one round trip.
   */
  findConflictByTerm(index: number, term: number): number {
    let i = Math.min(index, this.lastIndex());
    while (i > this.snapshot.index) {
      const t = this.term(i);
      if (t === undefined || t <= term) break;
      i--;
    }
    return i;
  }

  commitTo(index: number): boolean {
    if (index <= this.committed) return false;
    if (index > this.lastIndex()) throw new Error(`raft: commit ${index} is beyond the last index ${this.lastIndex()}`);
    this.committed = index;
    this.checkCursors('commitTo');
    return true;
  }

  /** Replaces the whole log with a snapshot from the leader (the follower was too far behind). */
  restore(snapshot: Snapshot): void {
    this.snapshot = snapshot.meta;
    this.entries = [];
    this.committed = snapshot.meta.index;
    this.stable = Math.min(this.stable, snapshot.meta.index);
    this.unstableFrom = snapshot.meta.index + 1;
    this.pendingSnapshot = snapshot;
    this.checkCursors('restore');
  }

  /** Drops entries up to `meta.index`, which the host captured in a snapshot. */
  compact(meta: SnapshotMeta): void {
    if (meta.index <= this.snapshot.index) return;
    if (meta.index > this.applied) throw new Error(`raft: cannot compact to ${meta.index}, beyond applied ${this.applied}`);
    this.entries = this.entries.slice(meta.index - this.snapshot.index);
    this.snapshot = meta;
    this.checkCursors('compact');
  }

  /** The payload bytes of the entries after `after` up to `upTo`, of those this log holds. */
  payloadBytes(after: number, upTo: number): number {
    const start = Math.max(after, this.snapshot.index) - this.snapshot.index;
    const end = Math.min(upTo, this.lastIndex()) - this.snapshot.index;
    let bytes = 0;
    for (let i = start; i < end; i++) bytes += this.entries[i]!.data.length;
    return bytes;
  }

  unstableEntries(): Entry[] {
    if (this.unstableFrom > this.lastIndex()) return [];
    return this.entries.slice(this.unstableFrom - this.snapshot.index - 1);
  }

  /** Committed, durable entries not yet handed out for applying. */
  /**
   * The committed, durable entries not yet handed out for applying, from the first: as many as
   * fit `maxBytes` of payload (at least one), so that a member far behind applies its backlog a
   * Ready at a time, with the event loop between, instead of in one turn.
   */
  nextCommittedEntries(maxBytes = Infinity): Entry[] {
    const hi = Math.min(this.committed, this.stable);
    if (hi <= this.applied) return [];
    return this.slice(this.applied + 1, hi + 1, maxBytes) ?? [];
  }

  hasNextCommittedEntries(): boolean {
    return Math.min(this.committed, this.stable) > this.applied && this.pendingSnapshot === undefined;
  }

  /** The host made entries up to (index, term) durable; ignored if the log changed meanwhile. */
  stableTo(index: number, term: number): void {
    if (index > this.stable && this.term(index) === term) this.stable = index;
  }
}
