/**
 * The member's clock, timers, randomness and memory reading, as a port. Production wires Node's (`systemRuntime`);
 * the deterministic simulator (test/sim/real) wires simulated time and a seeded generator, so the
 * code that runs in production is the code the simulator runs. Nothing in src/core/node reads a
 * clock, arms a timer or draws a random number except through this object (eslint.config.js keeps
 * it so).
 */
import { randomInt } from 'node:crypto';

declare const timerBrand: unique symbol;

/** An armed timer, as `setTimeout`/`setInterval` return it; opaque to the node. */
export type TimerId = { readonly [timerBrand]: 'timer' };

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
  setTimeout(fn: () => void, ms: number): TimerId;
  /** Calls `fn` every `ms` milliseconds of monotonic time until cleared. */
  setInterval(fn: () => void, ms: number): TimerId;
  /** Disarms a timer of either kind; harmless for one that fired or was cleared already. */
  clearTimer(timer: TimerId | undefined): void;
  /** Calls `fn` on a later turn of the event loop, after the I/O already waiting (Node's setImmediate). */
  setImmediate(fn: () => void): void;
  /** A uniformly drawn integer in [0, n); `n` ≤ 2^47. */
  randomInt(n: number): number;
  /** A uniformly drawn number in [0, 1). */
  random(): number;
  /** The process's resident memory in bytes, for `fleet status`; a system call, so not per step in the simulator. */
  rssBytes(): number;
}

/** Node's clock, timers and randomness: what a member runs with in production. */
export const systemRuntime: NodeRuntime = {
  wallNow: () => Date.now(),
  monoNow: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms) as unknown as TimerId,
  setInterval: (fn, ms) => setInterval(fn, ms) as unknown as TimerId,
  clearTimer: (timer) => {
    // Node's clearTimeout and clearInterval are interchangeable.
    if (timer !== undefined) clearTimeout(timer as unknown as NodeJS.Timeout);
  },
  setImmediate: (fn) => {
    setImmediate(fn);
  },
  randomInt: (n) => randomInt(n),
  random: () => Math.random(),
  rssBytes: () => process.memoryUsage.rss(),
};
