/**
 * Raft ticks by the monotonic clock rather than by timer callbacks. An interval timer fires
 * late on a busy or starved event loop, and each late firing pushes the next one back: counting
 * callbacks, a 1 s election timeout took 1.5–3 s of real time on a loaded machine, so a paused
 * leader went unnoticed that much longer. Here each callback is told how many tick periods
 * have passed since the last tick it ran.
 */

/** Below this fraction of a period, a timer that fires early by rounding still counts as on time. */
const ROUNDING = 1e-6;

export class TickClock {
  readonly #tickMs: number;
  readonly #maxPerCall: number;
  readonly #maxBacklog: number;
  /** When the next tick is due, on the monotonic clock. */
  #next: number;

  /**
   * `maxPerCall`: ticks run by one callback at most; the rest wait for the next callbacks, so
   * that the I/O that queued meanwhile (a leader's heartbeats, followers' answers) is read in
   * between rather than after a whole election timeout of ticks. `maxBacklog`: ticks owed at
   * most; a process stopped for longer (SIGSTOP, a swap storm) owes no more than that.
   */
  constructor(tickMs: number, nowMs: number, maxPerCall: number, maxBacklog: number) {
    this.#tickMs = tickMs;
    this.#maxPerCall = Math.max(1, maxPerCall);
    this.#maxBacklog = Math.max(this.#maxPerCall, maxBacklog);
    this.#next = nowMs + tickMs;
  }

  /** How many ticks to run now; they are then counted as run. */
  due(nowMs: number): number {
    const periods = (nowMs - this.#next) / this.#tickMs + ROUNDING;
    if (periods < 0) return 0;
    let owed = Math.floor(periods) + 1;
    if (owed > this.#maxBacklog) {
      this.#next += (owed - this.#maxBacklog) * this.#tickMs;
      owed = this.#maxBacklog;
    }
    const run = Math.min(owed, this.#maxPerCall);
    this.#next += run * this.#tickMs;
    return run;
  }
}
