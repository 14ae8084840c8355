/**
 * `fleet check perf`: this host's fsync latency, then the cluster's write latency and throughput
 * at a few concurrencies, then the clean-up of every key written, then a verdict with its
 * reasons. Ctrl-C stops the measuring, and the keys are still deleted before it returns.
 */
import { randomBytes } from 'node:crypto';
import { abortReason, SILENT_PROGRESS, type Progress } from '../local-cluster/wait.js';
import { measureFsync, type FsyncResult } from './fsync.js';
import { judge, THRESHOLDS, type Reason, type Verdict } from './verdict.js';
import { cleanUpKeys, measureWrites, PERF_PREFIX, type CleanUp, type KvWriter, type WriteRound } from './writes.js';

/** The concurrencies of the write rounds: one writer (pure latency), a few, and many (throughput). */
export const CONCURRENCIES = [1, 8, 32] as const;

/** The fsync measurement's share of the duration, and its bounds. */
const FSYNC_SHARE = 1 / 6;
const FSYNC_MIN_MS = 500;
const FSYNC_MAX_MS = 5_000;

/** The longest gap between two progress lines' updates (a spinner need not see every write). */
const PROGRESS_EVERY_MS = 100;

/** What the check needs: a client that writes, how long, where to fsync. */
export interface CheckPerfOptions {
  readonly client: KvWriter & { status(): Promise<unknown> };
  /** Time spent writing, split evenly between the concurrencies. */
  readonly durationMs: number;
  /** The directory to measure fsync in (a scratch dir is made and removed inside it). */
  readonly fsyncDir: string;
  readonly concurrencies?: readonly number[];
  readonly progress?: Progress;
  readonly signal?: AbortSignal;
}

/** Everything measured, and the verdict. `thresholds` are the ones judged by, for scripts and for the record. */
export interface CheckPerfReport {
  readonly verdict: Verdict;
  readonly reasons: readonly Reason[];
  readonly fsync: FsyncResult;
  readonly writes: readonly WriteRound[];
  readonly cleanup: CleanUp;
  readonly durationMs: number;
  readonly thresholds: typeof THRESHOLDS;
}

/** How long the fsync measurement runs for a given `--duration`. */
export function fsyncDurationMs(durationMs: number): number {
  return Math.min(FSYNC_MAX_MS, Math.max(FSYNC_MIN_MS, durationMs * FSYNC_SHARE));
}

/** Runs the whole check; see the file comment. An unreachable cluster fails fast, before anything is measured. */
export async function checkPerf(opts: CheckPerfOptions): Promise<CheckPerfReport> {
  const t0 = performance.now();
  const progress = throttled(opts.progress ?? SILENT_PROGRESS);
  progress.update('contacting the cluster', true);
  await opts.client.status();
  const fsyncMs = fsyncDurationMs(opts.durationMs);
  const fsyncEnds = performance.now() + fsyncMs;
  const fsync = await measureFsync({
    dir: opts.fsyncDir, durationMs: fsyncMs, signal: opts.signal,
    onSample: (n) => progress.update(`fsync in ${opts.fsyncDir}: ${n} samples, ${secondsLeft(fsyncEnds)} left`),
  });
  const written = new Set<string>();
  const writes: WriteRound[] = [];
  let cleanup: CleanUp;
  try {
    const concurrencies = opts.concurrencies ?? CONCURRENCIES;
    const roundMs = opts.durationMs / concurrencies.length;
    const prefix = `${PERF_PREFIX}${randomBytes(4).toString('hex')}/`;
    // One write first, unmeasured: the first on a client opens its stream to the leader.
    written.add(`${prefix}warm-up`);
    await opts.client.kvPut(`${prefix}warm-up`, 'x');
    for (const concurrency of concurrencies) {
      if (opts.signal?.aborted) break;
      let acked = 0;
      const ends = performance.now() + roundMs;
      const onWrite = () => progress.update(`writes at concurrency ${concurrency}: ${++acked} sent, ${secondsLeft(ends)} left`);
      writes.push(await measureWrites(opts.client, { concurrency, durationMs: roundMs, prefix, written, signal: opts.signal, onWrite }));
    }
  } finally {
    progress.update(`deleting the ${written.size} keys written under ${PERF_PREFIX}`, true);
    cleanup = await cleanUpKeys(opts.client, written);
  }
  if (opts.signal?.aborted) throw abortReason(opts.signal);
  const { verdict, reasons } = judge({
    fsyncP50Ms: fsync.p50Ms,
    fsyncP99Ms: fsync.p99Ms,
    writeP99AtConcurrency8Ms: writes.find((w) => w.concurrency === 8)?.p99Ms,
    throughputAtConcurrency32: writes.find((w) => w.concurrency === 32)?.throughput,
    failedWrites: writes.reduce((n, w) => n + w.failed, 0),
  });
  return { verdict, reasons, fsync, writes, cleanup, durationMs: performance.now() - t0, thresholds: THRESHOLDS };
}

function secondsLeft(endsAt: number): string {
  return `${Math.max(0, (endsAt - performance.now()) / 1_000).toFixed(1)}s`;
}

/** A progress sink that passes a line on at most every PROGRESS_EVERY_MS, unless told it matters (`now`). */
function throttled(p: Progress): { update(text: string, now?: boolean): void } {
  let last = -Infinity;
  return {
    update(text, now = false) {
      const t = performance.now();
      if (!now && t - last < PROGRESS_EVERY_MS) return;
      last = t;
      p.update(text);
    },
  };
}
