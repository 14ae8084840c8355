/**
 * The member's clock, timers, randomness and memory reading, as a port. Production wires Node's (`systemRuntime`);
 * the deterministic simulator (test/sim/real) wires simulated time and a seeded generator, so the
 * code that runs in production is the code the simulator runs. Nothing in src/core/node reads a
 * clock, arms a timer or draws a random number except through this object (eslint.config.js keeps
 * it so).
 */
import { randomInt } from 'node:crypto';

/** An armed timer, as `setTimeout`/`setInterval` return it. */
export interface Timer {
  /** Disarms it; harmless for one that fired or was cleared already. */
  clear(): void;
}

/** What a member asks of the world outside it for time and chance. */
export interface NodeRuntime {
  /**
   * Milliseconds since the epoch by this machine's wall clock. It may jump (NTP, an operator):
   * use it only to stamp what is shown to people or replicated as leader time, never to measure.
   */
  wallNow(): number;
  /** Milliseconds from an arbitrary origin on a clock that never goes back: every duration and deadline. */
  monoNow(): number;
  /** Calls `fn` once, after `ms` milliseconds of monotonic time. */
  setTimeout(fn: () => void, ms: number): Timer;
  /** Calls `fn` every `ms` milliseconds of monotonic time until cleared. */
  setInterval(fn: () => void, ms: number): Timer;
  /** Calls `fn` on a later turn of the event loop, after the I/O already waiting (Node's setImmediate). */
  setImmediate(fn: () => void): void;
  /** A uniformly drawn integer in [0, n); `n` ≤ 2^47. */
  randomInt(n: number): number;
  /** A uniformly drawn number in [0, 1). */
  random(): number;
  /** The process's resident memory in bytes, for `fleet status`; a system call, so not per step in the simulator. */
  rssBytes(): number;
  /** A new monitor of the event loop's delay, one per member (loop-watch.ts); absent where time does not pass during a step (the simulator). */
  monitorLoopDelay?(): LoopDelayMonitor;
}

/** The event loop's delay: how late a timer's turns come. */
export interface LoopDelayMonitor {
  /** The longest delay since the last call (or since the monitor started), in ms; the count starts again. */
  takeMaxMs(): number;
  stop(): void;
}

/**
 * A 10 ms interval timer that measures how late each of its turns comes: a step that holds the
 * loop for 150 ms makes the next turn 150 ms late. (perf_hooks' monitorEventLoopDelay, tried
 * first, reported 10 ms for that block on Node 20: it did not record the held turn.)
 */
function timerLoopDelay(): LoopDelayMonitor {
  const RESOLUTION_MS = 10;
  let maxMs = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    maxMs = Math.max(maxMs, now - last - RESOLUTION_MS);
    last = now;
  }, RESOLUTION_MS);
  timer.unref();
  return {
    takeMaxMs: () => {
      const ms = Math.max(0, maxMs);
      maxMs = 0;
      return ms;
    },
    stop: () => clearInterval(timer),
  };
}

/** A Node timer as the port's Timer (Node's clearTimeout and clearInterval are interchangeable). */
function nodeTimer(timeout: NodeJS.Timeout): Timer {
  return { clear: () => clearTimeout(timeout) };
}

/** Node's clock, timers and randomness: what a member runs with in production. */
export const systemRuntime: NodeRuntime = {
  wallNow: () => Date.now(),
  monoNow: () => performance.now(),
  setTimeout: (fn, ms) => nodeTimer(setTimeout(fn, ms)),
  setInterval: (fn, ms) => nodeTimer(setInterval(fn, ms)),
  setImmediate: (fn) => {
    setImmediate(fn);
  },
  randomInt: (n) => randomInt(n),
  random: () => Math.random(),
  rssBytes: () => process.memoryUsage.rss(),
  monitorLoopDelay: timerLoopDelay,
};
