/**
 * How long this member's event loop was held, and by which step. Everything a member does runs
 * on one loop; a step that holds it past the election timeout looks like a dead leader to the
 * peers (issue 59: under `etcdctl check perf --load m` a member's loop was held 730 ms). The
 * runtime gives a monitor of the loop's delay (a 10 ms timer's lateness in production; none in
 * the simulator, whose time does not pass during a step); the node runs its named steps
 * through `step()`, which times them. Once a second the watch takes that second's longest delay:
 * it is kept for a minute (status shows the minute's maximum), handed to the metrics, and, when
 * it passes the bound (a third of the election timeout), said in the log at most once a minute
 * with the longest step of that second.
 *
 * The first seconds after the start are not held against the member: without a code cache (a
 * member's first start) it compiles as it goes, beside the members started with it, and has no
 * heartbeats to be late with yet. A fresh `fleet init` otherwise reported loops held 190–350 ms
 * on a quiet machine (issue 62). Those seconds are logged at info level and kept out of status.
 */
import type { NodeLogger } from '../node-types.js';
import type { LoopDelayMonitor, NodeRuntime } from '../runtime.js';

/** Seconds of history kept: status shows the longest delay of the last minute. */
const WINDOW_SECONDS = 60;
const WARNING_EVERY_MS = 60_000;

export interface LoopWatchOptions {
  readonly rt: Pick<NodeRuntime, 'monoNow'>;
  readonly logger: NodeLogger;
  /** A delay longer than this is a held loop (a third of the election timeout). */
  readonly heldBoundMs: number;
  /** How long after `watch()` the member counts as starting (default 0). */
  readonly startUpMs?: number | undefined;
  /** Each second's longest delay, in seconds (the `fleet_event_loop_delay_seconds` histogram). */
  readonly observe?: ((seconds: number) => void) | undefined;
}

/** The longest step timed in the current second. */
interface LongestStep {
  name: string;
  ms: number;
}

export class LoopWatch {
  /** The longest delay of each of the last WINDOW_SECONDS seconds, oldest first. */
  private readonly seconds: number[] = [];
  private longest: LongestStep = { name: '', ms: 0 };
  private lastWarning = -Infinity;
  /** The loop's delay, from `watch()` on; without one every second reads 0. */
  private monitor: LoopDelayMonitor | undefined;
  /** Until when (monotonic ms) the member is starting; set by `watch()`. */
  private startingUntil = -Infinity;

  constructor(private readonly o: LoopWatchOptions) {}

  /** Starts sampling the loop through `monitor` (the member started). */
  watch(monitor: LoopDelayMonitor): void {
    this.monitor?.stop();
    this.monitor = monitor;
    this.startingUntil = this.o.rt.monoNow() + (this.o.startUpMs ?? 0);
  }

  /** Runs `fn`, timing it as the step `name`: the longest step of each second is the one a held loop is blamed on. */
  step<T>(name: string, fn: () => T): T {
    const started = this.o.rt.monoNow();
    try {
      return fn();
    } finally {
      const ms = this.o.rt.monoNow() - started;
      if (ms > this.longest.ms) this.longest = { name, ms };
    }
  }

  /** Called once a second: takes the runtime's longest delay since the last call, keeps it, and warns if it passes the bound. */
  sample(): void {
    const delayMs = this.monitor?.takeMaxMs() ?? 0;
    const longest = this.longest;
    this.longest = { name: '', ms: 0 };
    this.o.observe?.(delayMs / 1000);
    if (this.o.rt.monoNow() <= this.startingUntil) {
      if (delayMs > this.o.heldBoundMs) this.o.logger.info({ heldMs: Math.round(delayMs), step: longest.name || undefined, stepMs: Math.round(longest.ms) }, `event loop held ${Math.round(delayMs)} ms while the member was starting (compiling its code, beside the members started with it); not counted in status`);
      return;
    }
    this.seconds.push(delayMs);
    if (this.seconds.length > WINDOW_SECONDS) this.seconds.shift();
    if (delayMs <= this.o.heldBoundMs) return;
    const now = this.o.rt.monoNow();
    if (now - this.lastWarning < WARNING_EVERY_MS) return;
    this.lastWarning = now;
    const blamed = longest.name === '' ? 'no step of the member took long (the process or the machine was busy: GC, other work, a paused VM)' : `the longest step was ${longest.name} (${Math.round(longest.ms)} ms)`;
    this.o.logger.warn(
      { heldMs: Math.round(delayMs), boundMs: this.o.heldBoundMs, step: longest.name || undefined, stepMs: Math.round(longest.ms) },
      `event loop held ${Math.round(delayMs)} ms, more than a third of the election timeout (${this.o.heldBoundMs} ms): peers may take this member for dead; ${blamed}`,
    );
  }

  /** The longest delay of the last minute, in ms. */
  maxLastMinuteMs(): number {
    return this.seconds.reduce((a, b) => Math.max(a, b), 0);
  }

  /** Stops the runtime's monitor (the node stopped). */
  stop(): void {
    this.monitor?.stop();
    this.monitor = undefined;
  }

  get heldBoundMs(): number {
    return this.o.heldBoundMs;
  }
}
