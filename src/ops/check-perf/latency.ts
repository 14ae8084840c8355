/** Latency summaries shared by the fsync and write measurements. */
import { quantile } from '../drill/measure.js';

/** A set of latencies in milliseconds, summarized (NaN figures when there were no samples). */
export interface LatencySummary {
  readonly samples: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** p50, p99 and max of latencies in milliseconds. */
export function summarize(latenciesMs: readonly number[]): LatencySummary {
  return {
    samples: latenciesMs.length,
    p50Ms: quantile(latenciesMs, 0.5),
    p99Ms: quantile(latenciesMs, 0.99),
    maxMs: latenciesMs.length === 0 ? NaN : latenciesMs.reduce((a, b) => Math.max(a, b), -Infinity),
  };
}
