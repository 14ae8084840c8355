/**
 * The one load generator that drives both systems: closed-loop workers, each with one
 * operation in flight, so `concurrency` is the number in flight. It knows nothing of either
 * system: it calls an operation and times it.
 */
import { progress } from './cleanup.js';
import { quantile } from './figures.js';

/** Throughput and latency of one run. */
export interface LoadResult {
  /** Operations that succeeded (only those count in the rate and the latencies). */
  readonly ops: number;
  /** Operations that failed (after the client's own retries). */
  readonly errors: number;
  /** Operations completed per second of wall time (from the start until the last one ended). */
  readonly rate: number;
  readonly p50: number;
  readonly p99: number;
}

/** One operation on the n-th key of worker w. */
export type Op = (worker: number, n: number) => Promise<unknown>;

/** Above this share of failed operations a run measures the failures, not the system: it fails the bench. */
const MAX_ERROR_SHARE = 0.01;

function resultOf(latencies: number[], errors: Error[], elapsedMs: number): LoadResult {
  const total = latencies.length + errors.length;
  if (errors.length > 0) {
    const first = errors[0]!.message;
    if (errors.length > MAX_ERROR_SHARE * total) throw new Error(`${errors.length} of ${total} operations failed, e.g. ${first}`);
    progress(`load: ${errors.length} of ${total} operations failed (left out of the figures), e.g. ${first}`);
  }
  latencies.sort((a, b) => a - b);
  return { ops: latencies.length, errors: errors.length, rate: (latencies.length * 1000) / elapsedMs, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99) };
}

/** Times one operation into `latencies`, or keeps its error. */
async function timeOne(run: () => Promise<unknown>, latencies: number[], errors: Error[]): Promise<void> {
  const started = performance.now();
  try {
    await run();
    latencies.push(performance.now() - started);
  } catch (err) {
    errors.push(err instanceof Error ? err : new Error(String(err)));
  }
}

/** Runs `concurrency` workers doing `op` back to back for `seconds`. */
export async function runFor(op: Op, concurrency: number, seconds: number): Promise<LoadResult> {
  const latencies: number[] = [];
  const errors: Error[] = [];
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      for (let n = 0; performance.now() < end; n++) await timeOne(() => op(w, n), latencies, errors);
    }),
  );
  return resultOf(latencies, errors, performance.now() - t0);
}

/** Runs `total` operations (numbered 0..total-1) with `concurrency` in flight. */
export async function runCount(op: (i: number) => Promise<unknown>, total: number, concurrency: number): Promise<LoadResult> {
  const latencies: number[] = [];
  const errors: Error[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, total) }, async () => {
      while (next < total) {
        const i = next++;
        await timeOne(() => op(i), latencies, errors);
      }
    }),
  );
  return resultOf(latencies, errors, performance.now() - t0);
}
