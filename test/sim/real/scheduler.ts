/**
 * Simulated time for real FleetNodes: one event queue for the whole cluster, ordered by
 * (time, seq), and a NodeRuntime per process incarnation that arms its timers on it.
 *
 * The members are the production code, which awaits promises: after each event the loop lets
 * the microtask queue drain (a real `setImmediate`, as Node drains microtasks after each
 * macrotask) before it takes the next event. Nothing else in the process schedules real I/O for
 * the members, so the order of everything the members see is a function of the seed.
 */
import type { NodeRuntime, Timer } from '../../../src/core/node/runtime.js';
import { MinHeap, type Scheduled } from '../min-heap.js';
import type { Prng } from '../prng.js';

/** Simulated time is counted in microseconds; members see milliseconds. */
export const US_PER_MS = 1000;

/** One process lifetime of a member: its events die with it; while it is stalled they wait. */
export class Incarnation {
  alive = true;
  /** A frozen process (a long GC pause, a suspended VM) runs nothing before this time. */
  stalledUntil = 0;
  constructor(
    readonly member: string,
    readonly number: number,
  ) {}
}

/** A timer a member armed; clearing it skips its pending event. */
export interface SimTimer {
  cancelled: boolean;
}

interface SimEvent extends Scheduled {
  readonly run: () => void;
  readonly owner: Incarnation | undefined;
  readonly timer: SimTimer | undefined;
}

/** More events than a bound within one stretch of simulated time: members busy-looping (a message storm). */
export class EventStorm extends Error {
  constructor(
    readonly events: number,
    readonly atUs: number,
  ) {
    super(`${events} events before ${(atUs / 1000).toFixed(1)} ms of simulated time: the members are busy-looping (a message storm?)`);
    this.name = 'EventStorm';
  }
}

const realTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The cluster's event queue and simulated clock. */
export class Scheduler {
  /** Simulated time in microseconds. */
  now = 0;
  private readonly heap = new MinHeap<SimEvent>();
  private seq = 0;
  /** Events run so far: a measure of a run's work. */
  eventsRun = 0;

  /** Runs `run` at simulated time `at` (not before now); skipped if `owner` died by then. */
  at(at: number, run: () => void, owner?: Incarnation, timer?: SimTimer): void {
    this.heap.push({ at: Math.max(at, this.now), seq: this.seq++, run, owner, timer });
  }

  /** Runs `run` after `delayUs` microseconds. */
  after(delayUs: number, run: () => void, owner?: Incarnation, timer?: SimTimer): void {
    this.at(this.now + delayUs, run, owner, timer);
  }

  /**
   * Runs every event due up to `end` in order, each followed by a drain of the microtask queue;
   * `afterEach` runs after each drain (the harness's per-event checks). Leaves the clock at `end`.
   * Throws EventStorm after `maxEvents` events: simulated time that hardly moves is a livelock.
   */
  async runUntil(end: number, afterEach?: () => void, maxEvents = Infinity): Promise<void> {
    const limit = this.eventsRun + maxEvents;
    for (;;) {
      if (this.eventsRun >= limit) throw new EventStorm(maxEvents, this.now);
      const next = this.heap.peek();
      if (next === undefined || next.at > end) break;
      this.heap.pop();
      if (next.timer?.cancelled === true || (next.owner !== undefined && !next.owner.alive)) continue;
      if (next.owner !== undefined && next.owner.stalledUntil > next.at) {
        // A frozen process: everything it would have done happens when it thaws, in the same order.
        this.heap.push({ ...next, at: next.owner.stalledUntil, seq: this.seq++ });
        continue;
      }
      this.now = next.at;
      this.eventsRun++;
      next.run();
      await realTurn();
      afterEach?.();
    }
    this.now = Math.max(this.now, end);
  }
}

/**
 * How a member's clocks run: a rate (drift) for both, a wall-clock offset (skew). The offset
 * belongs to the machine, not the process, and may jump while it runs (the harness changes it);
 * the monotonic clock never jumps.
 */
export interface ClockSettings {
  /** Monotonic milliseconds per simulated millisecond, near 1. */
  readonly rate: number;
  /** Milliseconds the wall clock is ahead of true time (negative: behind). */
  wallOffsetMs: number;
  /**
   * Scripted runs only: how late each interval timer fires (a loaded event loop); the next
   * period counts from the late firing, as with Node's setInterval, so the lateness adds up.
   */
  readonly timerLagMs?: number;
}

/** The epoch the simulated wall clocks start from (2024-01-01T00:00:00Z), so times look like dates. */
const WALL_EPOCH_MS = 1_704_067_200_000;

/**
 * The NodeRuntime of one incarnation: its timers run on the scheduler (and die with it), its
 * clocks drift from simulated time by its own rate, its randomness is a seeded stream.
 */
export class SimRuntime implements NodeRuntime {
  private readonly monoOrigin: number;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly owner: Incarnation,
    private readonly clock: ClockSettings,
    private readonly prng: Prng,
  ) {
    // Each process's monotonic clock starts from its own arbitrary origin, as performance.now() does.
    this.monoOrigin = prng.between(0, 1_000_000);
  }

  wallNow(): number {
    return Math.floor(WALL_EPOCH_MS + this.clock.wallOffsetMs + (this.scheduler.now / US_PER_MS) * this.clock.rate);
  }

  monoNow(): number {
    return this.monoOrigin + (this.scheduler.now / US_PER_MS) * this.clock.rate;
  }

  private delayUs(ms: number): number {
    return Math.max(1, Math.ceil((Math.max(0, ms) * US_PER_MS) / this.clock.rate));
  }

  setTimeout(fn: () => void, ms: number): Timer {
    const timer: SimTimer = { cancelled: false };
    this.scheduler.after(this.delayUs(ms), fn, this.owner, timer);
    return cancels(timer);
  }

  setInterval(fn: () => void, ms: number): Timer {
    const timer: SimTimer = { cancelled: false };
    const period = ms + (this.clock.timerLagMs ?? 0);
    const fire = (): void => {
      this.scheduler.after(this.delayUs(period), fire, this.owner, timer);
      fn();
    };
    this.scheduler.after(this.delayUs(period), fire, this.owner, timer);
    return cancels(timer);
  }

  setImmediate(fn: () => void): void {
    this.scheduler.after(0, fn, this.owner);
  }

  randomInt(n: number): number {
    if (n <= 0x1_0000_0000) return this.prng.int(n);
    // Above 2^32 (the read queue's incarnation number): two draws.
    return (this.prng.int(Math.ceil(n / 0x1_0000_0000)) * 0x1_0000_0000 + this.prng.nextU32()) % n;
  }

  random(): number {
    return this.prng.float();
  }

  /** No process to read: a simulated member has no memory of its own, and a system call per check step cost a tenth of a run. */
  rssBytes(): number {
    return 0;
  }
}

/** The port's Timer over a scheduled event: clearing it cancels the event. */
function cancels(timer: SimTimer): Timer {
  return { clear: () => void (timer.cancelled = true) };
}
