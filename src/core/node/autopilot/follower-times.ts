/**
 * When the leader last heard from each follower, and when each was last caught up: the two
 * times autopilot's health needs and Raft's progress does not keep. "Caught up" is measured as
 * Kafka's KIP-836 measures a voter's lag: a follower whose match reaches the leader's last index
 * as it stood at time T was caught up at T. Times come from the caller (the node's monotonic clock).
 */
export class FollowerTimes {
  private readonly contact = new Map<string, number>();
  private readonly caughtUp = new Map<string, number>();
  /** The leader's last index at a sampled time: reaching it means caught up as of that time. */
  private readonly target = new Map<string, { readonly index: number; readonly time: number }>();

  /** A new term of leadership starts every follower afresh (with a grace period from now). */
  reset(): void {
    this.contact.clear();
    this.caughtUp.clear();
    this.target.clear();
  }

  /** A message from `id` arrived at `now`. */
  heard(id: string, now: number): void {
    if (this.contact.has(id)) this.contact.set(id, now);
  }

  /**
   * Samples the followers' matches against the leader's `lastIndex`. A follower first seen now
   * counts as heard from and caught up now: the leader cannot know better, and a member just
   * added must not look dead before it has had a chance to answer.
   */
  sample(now: number, lastIndex: number, matches: ReadonlyMap<string, number>): void {
    for (const id of [...this.contact.keys()]) {
      if (matches.has(id)) continue;
      this.contact.delete(id);
      this.caughtUp.delete(id);
      this.target.delete(id);
    }
    for (const [id, match] of matches) {
      if (!this.contact.has(id)) {
        this.contact.set(id, now);
        this.caughtUp.set(id, now);
      }
      const t = this.target.get(id);
      if (match >= lastIndex) this.caughtUp.set(id, now);
      else if (t !== undefined && match >= t.index) this.caughtUp.set(id, t.time);
      if (t === undefined || match >= t.index) this.target.set(id, { index: lastIndex, time: now });
    }
  }

  /** Milliseconds since `id` was heard from and since it was caught up (0 for one never sampled). */
  ages(id: string, now: number): { lastContactMs: number; trailingMs: number } {
    return { lastContactMs: Math.max(0, now - (this.contact.get(id) ?? now)), trailingMs: Math.max(0, now - (this.caughtUp.get(id) ?? now)) };
  }
}
