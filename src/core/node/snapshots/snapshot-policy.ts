/**
 * When a member snapshots its state machine: no sooner than `every` applied entries after the last
 * snapshot (as configured), and then once either the log written since is as large as that
 * snapshot, or the member has been writing images for less than a twentieth of its time.
 *
 * Why the byte rule: serializing the state takes time proportional to its size. With a count
 * alone, a registry of 100,000 KV entries (27.7 MB) was serialized every 10,000 writes (3 MB of
 * log), and each time every write in flight waited for it (p99 at 64 in flight: 197 ms at 100k
 * keys against 23 ms at 10k). With it, each byte of log costs at most one byte of snapshot work.
 *
 * Why the time rule: a restarted member replays its log since its last snapshot, and replaying
 * is its slowest part of a restart (70–160 µs an entry in a process just started beside the load,
 * against 15 µs warm). The byte rule let a small state's log grow to thousands of entries (a
 * 1.1 MB state: 10,000–15,000 entries, all replayed at each restart). An image that costs little
 * is therefore taken as soon as the member has spent `IMAGE_DUTY` times its cost on other things,
 * so a small state is imaged every few hundred entries and a large one as the byte rule says.
 *
 * And each member stretches the thresholds by its own random factor, drawn anew after every
 * snapshot. Members apply the same entries at nearly the same moment, so with one threshold all
 * three serialized at once: on two cores each took longer for the others (a 100k-key state:
 * 301 ms on the leader, 386 and 459 ms on the followers, every write stalled throughout). Apart,
 * a follower's snapshot costs the clients nothing (the leader and the other follower are a
 * quorum) and the leader's runs without competition.
 */
export interface SnapshotProgress {
  /** Entries applied since the last snapshot. */
  entries: number;
  /** Bytes of entry data applied since the last snapshot. */
  logBytes: number;
  /** Size of the last snapshot taken or installed (0 when none is known). */
  readonly lastSnapshotBytes: number;
  /** This member's factor (≥ 1) on the thresholds until its next snapshot. */
  readonly stretch: number;
  /** The last image this member wrote: when it ended and how long its steps ran in all (ms, its runtime's clock); none yet: the byte rule alone. */
  readonly lastImage?: ImageCost;
}

export interface ImageCost {
  readonly endedAt: number;
  readonly workMs: number;
}

/** How far a member may stretch its thresholds: between 1× and this. */
export const MAX_SNAPSHOT_STRETCH = 1.5;

/** An image is due by time once the member has spent this many times its last image's work since it ended (at most 1/20 of its time on images). */
export const IMAGE_DUTY = 20;

/** The default of `--snapshot-every`: the fewest entries between two snapshots. */
export const DEFAULT_SNAPSHOT_EVERY = 500;

/** The progress right after a snapshot of `bytes` (0: none yet); `random` in [0, 1) draws the stretch. */
export function snapshotProgressAfter(bytes: number, random: number, lastImage?: ImageCost): SnapshotProgress {
  const stretch = 1 + random * (MAX_SNAPSHOT_STRETCH - 1);
  return lastImage === undefined ? { entries: 0, logBytes: 0, lastSnapshotBytes: bytes, stretch } : { entries: 0, logBytes: 0, lastSnapshotBytes: bytes, stretch, lastImage };
}

/** Whether a snapshot is due at `now` (the runtime's clock, ms). */
export function snapshotDue(p: Readonly<SnapshotProgress>, every: number, now: number): boolean {
  if (p.entries < every * p.stretch) return false;
  if (p.logBytes >= p.lastSnapshotBytes * p.stretch) return true;
  return p.lastImage !== undefined && now - p.lastImage.endedAt >= p.lastImage.workMs * IMAGE_DUTY * p.stretch;
}
