/**
 * How much of the Raft log a member keeps behind its newest snapshot. Snapshots are taken every
 * few hundred entries (snapshot-policy.ts); had the log been dropped up to each one, a follower
 * down for a second or two (a restart, a short partition) would always be sent the whole state,
 * and, while it installed that, the leader would image and compact again and send it another
 * (seen in the failover drill: two installs in 400 ms). etcd keeps 5,000 entries for the same
 * reason (its SnapshotCatchUpEntries).
 *
 * The log is only ever compacted to a snapshot the member took, so every compaction point is a
 * real snapshot's (index, term, configuration); the trail is bounded in entries and in bytes.
 */
import type { SnapshotMeta } from '../../raft/index.js';

/** How far behind its newest snapshot a member's log may start. */
export interface TrailLimits {
  /** Entries kept behind the newest snapshot at most. */
  readonly entries: number;
  /** Payload bytes of those entries at most. */
  readonly bytes: number;
}

export const DEFAULT_TRAIL: TrailLimits = { entries: 5_000, bytes: 4 << 20 };
/** The entries kept when none is given (`fleet node start --snapshot-catchup-entries`). */
export const DEFAULT_SNAPSHOT_CATCHUP_ENTRIES = DEFAULT_TRAIL.entries;

export class LogTrail {
  /** Snapshots taken since the log's start, oldest first: where it may be compacted to next. */
  #taken: SnapshotMeta[] = [];

  constructor(private readonly limits: TrailLimits = DEFAULT_TRAIL) {}

  /**
   * `taken` is durable: the snapshot to compact the log to. The oldest point within the limits
   * behind `taken`, of the log's start now (`log.start`: compact nothing), the snapshots taken
   * since, and `taken` itself. `log.bytesBetween(a, b)` answers the payload bytes of the log's
   * entries after index a up to b.
   */
  compactTo(taken: SnapshotMeta, log: { readonly start: SnapshotMeta; bytesBetween(after: number, upTo: number): number }): SnapshotMeta {
    const candidates = [log.start, ...this.#taken.filter((m) => m.index > log.start.index && m.index < taken.index), taken];
    // From the newest back, each step adding the entries between two points: each entry is counted once.
    let keep = candidates.length - 1;
    let bytes = 0;
    for (let i = keep - 1; i >= 0; i--) {
      const c = candidates[i]!;
      bytes += log.bytesBetween(c.index, candidates[i + 1]!.index);
      if (taken.index - c.index > this.limits.entries || bytes > this.limits.bytes) break;
      keep = i;
    }
    // Once the log starts at candidates[keep], what is older can never be a compaction point again.
    this.#taken = candidates.slice(keep + 1);
    return candidates[keep]!;
  }

  /** The state was replaced by a leader's snapshot: the log starts there, with nothing behind it. */
  reset(): void {
    this.#taken = [];
  }
}
