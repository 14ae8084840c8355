/**
 * This host's fsync latency, measured the way a member's log pays it: append a small block to a
 * file and fdatasync it, again and again, one at a time, in a scratch directory that is removed
 * afterwards.
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { summarize, type LatencySummary } from './latency.js';

/** One append's size: a small log record, as most of a member's fsyncs carry. */
export const FSYNC_BLOCK_BYTES = 4_096;

/** A limit on samples, so a very fast disk does not grow the file (or the sample array) without bound. */
const MAX_SAMPLES = 20_000;

/** What the fsync measurement found. */
export interface FsyncResult extends LatencySummary {
  /** The directory measured in (a scratch dir under it held the file). */
  readonly dir: string;
  readonly blockBytes: number;
  readonly durationMs: number;
}

/** What to measure: where, for how long, and a sample callback for progress. */
export interface FsyncOptions {
  readonly dir: string;
  readonly durationMs: number;
  readonly signal?: AbortSignal | undefined;
  readonly onSample?: ((samples: number) => void) | undefined;
}

/** Appends and fdatasyncs blocks for `durationMs` (or until aborted); answers the latency summary. */
export async function measureFsync(opts: FsyncOptions): Promise<FsyncResult> {
  const scratch = await mkdtemp(join(opts.dir, '.fleet-check-perf-'));
  const latencies: number[] = [];
  const block = Buffer.alloc(FSYNC_BLOCK_BYTES, 0x5a);
  const t0 = performance.now();
  try {
    const file = await open(join(scratch, 'fsync.bin'), 'w', 0o600);
    try {
      while (performance.now() - t0 < opts.durationMs && latencies.length < MAX_SAMPLES && !opts.signal?.aborted) {
        const start = performance.now();
        await file.write(block);
        await file.datasync();
        latencies.push(performance.now() - start);
        opts.onSample?.(latencies.length);
      }
    } finally {
      await file.close();
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return { dir: opts.dir, blockBytes: FSYNC_BLOCK_BYTES, durationMs: performance.now() - t0, ...summarize(latencies) };
}
