/**
 * Batches of real-node runs: consecutive seeds with the same settings, on worker threads when
 * asked (../pool.ts), results in seed order.
 */
import { runOnWorkers } from '../pool.js';
import type { RealStorageKind, RealUnsafe } from './cluster.js';
import { REAL_FAULT_KINDS, type RealFaultKind } from './plan.js';
import { runRealSeed, type RealRunResult } from './run.js';

/** A batch of real-node runs. */
export interface RealBatchOptions {
  readonly seedStart: number;
  readonly seeds: number;
  readonly nodes: number;
  readonly steps: number;
  readonly faults: ReadonlySet<RealFaultKind>;
  readonly diskFaults: boolean;
  readonly storage?: RealStorageKind;
  readonly unsafe?: RealUnsafe;
  /** Every member also hosts the second state machine (sim-app.ts). */
  readonly app?: boolean;
  /** The etcd keyspace in the workload too (etcd-run.ts). */
  readonly etcd?: boolean;
  /** Worker threads to use; 1 runs everything on the calling thread. */
  readonly workers: number;
  /** Gets each run's event log when set (forces a single thread). */
  readonly log?: (line: string) => void;
}

/** What crosses the thread boundary for one real-node run: plain data only. */
export interface RealWorkerJob {
  readonly host: 'real';
  readonly seed: number;
  readonly nodes: number;
  readonly steps: number;
  readonly faults: readonly RealFaultKind[];
  readonly diskFaults: boolean;
  readonly storage?: RealStorageKind;
  readonly unsafe?: RealUnsafe;
  readonly app?: boolean;
  readonly etcd?: boolean;
}

/** Runs one job; the worker thread's entry point calls this too. */
export function runRealJob(job: RealWorkerJob, log?: (line: string) => void): Promise<RealRunResult> {
  const faults = new Set(job.faults.filter((k) => REAL_FAULT_KINDS.includes(k)));
  return runRealSeed({
    seed: job.seed,
    nodes: job.nodes,
    steps: job.steps,
    faults,
    diskFaults: job.diskFaults,
    ...(job.storage ? { storage: job.storage } : {}),
    ...(job.unsafe ? { unsafe: job.unsafe } : {}),
    ...(job.app ? { app: true } : {}),
    ...(job.etcd ? { etcd: true } : {}),
    ...(log ? { log } : {}),
  });
}

/** Runs the batch, calling `onResult` for each run in seed order. */
export async function runRealBatch(options: RealBatchOptions, onResult: (result: RealRunResult) => void): Promise<void> {
  const jobs: RealWorkerJob[] = [];
  for (let i = 0; i < options.seeds; i++) {
    jobs.push({
      host: 'real',
      seed: options.seedStart + i,
      nodes: options.nodes,
      steps: options.steps,
      faults: [...options.faults],
      diskFaults: options.diskFaults,
      ...(options.storage ? { storage: options.storage } : {}),
      ...(options.unsafe ? { unsafe: options.unsafe } : {}),
      ...(options.app ? { app: true } : {}),
      ...(options.etcd ? { etcd: true } : {}),
    });
  }
  if (options.workers <= 1 || options.log !== undefined || jobs.length <= 1) {
    for (const job of jobs) onResult(await runRealJob(job, options.log));
    return;
  }
  await runOnWorkers<RealWorkerJob, RealRunResult>(jobs, Math.min(options.workers, jobs.length), onResult);
}
