/**
 * One monotonic clock per drill. The history's `time`, fault times and every measured figure
 * come from it, so a figure is a difference of two readings of the same clock.
 */
import { pause } from '../../common/pause.js';

/** Nanoseconds since the drill started (what the history's `time` holds). */
export interface DrillClock {
  nowNs(): number;
}

/** A clock whose zero is now. */
export function monotonicClock(): DrillClock {
  const origin = process.hrtime.bigint();
  return { nowNs: () => Number(process.hrtime.bigint() - origin) };
}

/** Nanoseconds to milliseconds, rounded to 0.1 ms (enough for figures people read). */
export function nsToMs(ns: number): number {
  return Math.round(ns / 1e5) / 10;
}

// Shared with the client's watch (it resumes after a pause); re-exported for the drill code.
export { pause };

/**
 * Polls `probe` every `everyMs` until it returns a value or `deadlineNs` passes (then undefined).
 * The probe's own time counts against the period, so polling does not drift.
 */
export async function pollUntil<T>(clock: DrillClock, deadlineNs: number, everyMs: number, probe: () => Promise<T | undefined>, signal?: AbortSignal): Promise<T | undefined> {
  for (;;) {
    const started = clock.nowNs();
    const found = await probe();
    if (found !== undefined) return found;
    const now = clock.nowNs();
    if (now >= deadlineNs || signal?.aborted) return undefined;
    await pause(Math.min(everyMs - (now - started) / 1e6, (deadlineNs - now) / 1e6), signal);
  }
}
