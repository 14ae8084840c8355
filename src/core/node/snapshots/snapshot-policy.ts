/**
 * When a member snapshots its state machine. Every `every` applied entries, as configured —
 * and not before the log written since the last snapshot is as large as that snapshot.
 *
 * Why the second rule: serializing the state takes time proportional to its size, on the event
 * loop. With a count alone, a registry of 100,000 KV entries (27.7 MB) was serialized every
 * 10,000 writes (3 MB of log), and each time every write in flight waited for it (p99 at 64 in
 * flight: 197 ms at 100k keys against 23 ms at 10k). With the byte rule, each byte of log costs
 * at most one byte of snapshot work, and the log kept between snapshots stays within the size
 * of the state itself (etcd keeps 100,000 entries by default for the same reason).
 *
 * And each member stretches both thresholds by its own random factor, drawn anew after every
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
  /** This member's factor (≥ 1) on both thresholds until its next snapshot. */
  readonly stretch: number;
}

/** How far a member may stretch its thresholds: between 1× and this. */
export const MAX_SNAPSHOT_STRETCH = 1.5;

/** The progress right after a snapshot of `bytes` (0: none yet); `random` in [0, 1) draws the stretch. */
export function snapshotProgressAfter(bytes: number, random: number): SnapshotProgress {
  return { entries: 0, logBytes: 0, lastSnapshotBytes: bytes, stretch: 1 + random * (MAX_SNAPSHOT_STRETCH - 1) };
}

/** Whether a snapshot is due. */
export function snapshotDue(p: Readonly<SnapshotProgress>, every: number): boolean {
  return p.entries >= every * p.stretch && p.logBytes >= p.lastSnapshotBytes * p.stretch;
}
