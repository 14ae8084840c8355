import { checkInvariant } from './errors.js';

/**
 * The leader's view of one follower's replication, and the flow control that bounds what is
 * in flight to it (the shape of etcd's tracker package).
 *
 * States:
 * - probe: we do not know where the follower's log matches; send one append per heartbeat
 *   interval and wait for its answer.
 * - replicate: the follower is keeping up; pipeline appends optimistically, at most
 *   `maxInflight` messages unacknowledged.
 * - snapshot: a snapshot is on its way; send nothing until it is acknowledged or fails.
 * Invariant: match < next.
 */
export class Progress {
  /** Throws InvariantError unless match < next (the next append starts past what the follower holds). */
  checkOrder(after: string): void {
    checkInvariant(this.match < this.next, 'progress-match-below-next', () => `after ${after}: match ${this.match}, next ${this.next}`);
  }

  match = 0;
  next: number;
  state: 'probe' | 'replicate' | 'snapshot' = 'probe';
  /** In probe state: an append was sent and its answer is awaited. */
  probeSent = false;
  /** The index of the snapshot in flight, in snapshot state. */
  pendingSnapshot = 0;
  /** Heard from since the last check-quorum round. */
  recentActive = false;
  /**
   * Heard from in the round before: what the leader's status reports beside `recentActive`, so a
   * healthy follower does not look unreachable for the moment after each round resets the marks.
   */
  activeLastRound = false;
  /** The commit index carried by the last append sent: a newer one goes out with the next append, or at the next tick. */
  sentCommit = 0;
  /** The follower is behind and may have lost appends: send the next append even if it is empty, as a probe. */
  probeDue = false;
  /** Ticks spent in snapshot state: a snapshot lost without a transport report must not stall the follower forever. */
  snapshotTicks = 0;
  learner: boolean;
  /**
   * Protocol-aware repair of this follower: 'repairing' once it said its disk lost entries (its
   * acknowledgements count only if they say so too: an older one may be for an entry it lost);
   * 'repaired' once it holds the leader's whole log, until it stops saying so.
   */
  repair: 'none' | 'repairing' | 'repaired' = 'none';
  /** While repairing: the leader's last index when the follower said so; holding it ends the repair. */
  repairTarget = 0;
  /** The number naming the follower's latest repair (Message.repair); 0 before any. */
  repairId = 0;
  /**
   * The repairs of this follower that a later one superseded (newest last, a few kept): a late
   * answer carrying one of them came from an earlier process, and may acknowledge entries the
   * later damage lost.
   */
  readonly supersededRepairIds: number[] = [];
  readonly inflights: Inflights;

  constructor(next: number, maxInflight: number, learner: boolean) {
    this.next = next;
    this.inflights = new Inflights(maxInflight);
    this.learner = learner;
  }

  becomeProbe(): void {
    // After a snapshot the follower holds at least the snapshot: probe from just past it.
    const next = this.state === 'snapshot' ? Math.max(this.match + 1, this.pendingSnapshot + 1) : this.match + 1;
    this.reset('probe');
    this.next = next;
    this.checkOrder('becomeProbe');
  }

  becomeReplicate(): void {
    this.reset('replicate');
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.reset('snapshot');
    this.pendingSnapshot = snapshotIndex;
  }

  private reset(state: Progress['state']): void {
    this.state = state;
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.snapshotTicks = 0;
    this.inflights.reset();
  }

  /** The follower acknowledged entries up to `index`; returns whether that was news. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    this.checkOrder('maybeUpdate');
    return updated;
  }

  /**
   * The follower rejected an append at `rejected`; move `next` back to `hint + 1`.
   * Returns false when the rejection is stale (an answer to an older append).
   */
  maybeDecrTo(rejected: number, hint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, hint + 1), this.match + 1);
    this.probeSent = false;
    this.checkOrder('maybeDecrTo');
    return true;
  }

  /** Whether sending more appends must wait. */
  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.full();
      case 'snapshot':
        return true;
    }
  }

  /** Records that an append ending at `lastIndex` was sent. */
  sentEntries(lastIndex: number, entryCount: number): void {
    if (this.state === 'replicate') {
      if (entryCount > 0) {
        this.next = lastIndex + 1;
        this.inflights.add(lastIndex);
      }
    } else if (this.state === 'probe') {
      this.probeSent = true;
    }
  }
}

/**
 * A bounded ring of the last indices of appends in flight to one follower. Full means the
 * leader stops sending until acknowledgements free slots: this is the flow control window.
 */
export class Inflights {
  private readonly buffer: number[];
  private start = 0;
  count = 0;

  constructor(readonly size: number) {
    this.buffer = new Array<number>(size).fill(0);
  }

  full(): boolean {
    return this.count === this.size;
  }

  add(index: number): void {
    if (this.full()) throw new Error('raft: inflights window overflow');
    this.buffer[(this.start + this.count) % this.size] = index;
    this.count++;
  }

  /** Frees every in-flight append that ends at or before `index`. */
  freeLE(index: number): void {
    while (this.count > 0 && this.buffer[this.start]! <= index) {
      this.start = (this.start + 1) % this.size;
      this.count--;
    }
  }

  /** Frees the oldest in-flight append: used when a heartbeat answer shows the follower alive but the window is full. */
  freeFirst(): void {
    if (this.count === 0) return;
    this.start = (this.start + 1) % this.size;
    this.count--;
  }

  reset(): void {
    this.start = 0;
    this.count = 0;
  }
}
