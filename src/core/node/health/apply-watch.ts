/**
 * Whether a member still applies what is committed. A member whose applied index sits below its
 * commit index without moving is stuck: it answers, it may even acknowledge entries, but it
 * serves an ever older state and would lead with one. The rule (stated in `fleet status --help`
 * and docs/operations.md): stuck once its applied index has stayed below its commit index,
 * without moving, for `stuckAfterMs` (three election timeouts, at least three seconds).
 */
export class ApplyWatch {
  /** The applied index at the last observation. */
  private applied = 0;
  /** Since when (monotonic ms) the applied index has been behind the commit index without moving; -1 while caught up. */
  private behindSince = -1;

  /** How long an applied index may stay behind without moving before the member is stuck. */
  static stuckAfterMs(electionTimeoutMs: number): number {
    return Math.max(3_000, 3 * electionTimeoutMs);
  }

  /** Records the indexes at `now`; called often (every tick), so that a stall is timed from its start. */
  observe(commit: number, applied: number, now: number): void {
    if (applied >= commit) this.behindSince = -1;
    else if (this.behindSince < 0 || applied !== this.applied) this.behindSince = now;
    this.applied = applied;
  }

  /** Milliseconds the applied index has been behind without moving; 0 while it is caught up or moving. */
  stalledMs(now: number): number {
    return this.behindSince < 0 ? 0 : Math.max(0, now - this.behindSince);
  }
}
