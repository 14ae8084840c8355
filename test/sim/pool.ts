/**
 * Runs many seeds, on worker threads when asked (runs are CPU-bound and independent), and
 * hands back results in seed order — so the output of a batch is the same however it was
 * split across threads.
 */
import { Worker } from 'node:worker_threads';
import type { UnsafeTestingOptions } from '../../src/core/raft/types.js';
import { FAULT_KINDS, type FaultKind } from './faults.js';
import { runSeed, type RunResult } from './run.js';

/** A batch of runs: consecutive seeds, all with the same settings. */
export interface BatchOptions {
  readonly seedStart: number;
  readonly seeds: number;
  readonly nodes: number;
  readonly steps: number;
  readonly faults: ReadonlySet<FaultKind>;
  readonly unsafe?: UnsafeTestingOptions;
  /** Worker threads to use; 1 runs everything on the calling thread. */
  readonly workers: number;
  /** Gets each run's event log when set (forces a single thread, so lines are not interleaved). */
  readonly log?: (line: string) => void;
}

/** What crosses the thread boundary: plain data only. */
export interface WorkerJob {
  readonly seed: number;
  readonly nodes: number;
  readonly steps: number;
  readonly faults: readonly FaultKind[];
  readonly unsafe?: UnsafeTestingOptions;
}

/** Runs one job; the worker thread's entry point calls this too. */
export function runJob(job: WorkerJob, log?: (line: string) => void): RunResult {
  const faults = new Set(job.faults.filter((k) => FAULT_KINDS.includes(k)));
  return runSeed({ seed: job.seed, nodes: job.nodes, steps: job.steps, faults, ...(job.unsafe ? { unsafe: job.unsafe } : {}), ...(log ? { log } : {}) });
}

function jobsOf(options: BatchOptions): WorkerJob[] {
  const jobs: WorkerJob[] = [];
  for (let i = 0; i < options.seeds; i++) {
    jobs.push({ seed: options.seedStart + i, nodes: options.nodes, steps: options.steps, faults: [...options.faults], ...(options.unsafe ? { unsafe: options.unsafe } : {}) });
  }
  return jobs;
}

/** Runs the batch, calling `onResult` for each run in seed order. */
export async function runBatch(options: BatchOptions, onResult: (result: RunResult) => void): Promise<void> {
  const jobs = jobsOf(options);
  if (options.workers <= 1 || options.log !== undefined || jobs.length <= 1) {
    for (const job of jobs) onResult(runJob(job, options.log));
    return;
  }
  await runOnWorkers(jobs, Math.min(options.workers, jobs.length), onResult);
}

/**
 * Runs `jobs` on `count` worker threads (worker.ts runs each), reporting results strictly in job
 * order. Jobs and results must be plain data.
 */
export async function runOnWorkers<J, R>(jobs: readonly J[], count: number, onResult: (r: R) => void): Promise<void> {
  // Results arrive in any order; they are reported strictly in job order.
  const done = new Map<number, R>();
  let nextJob = 0;
  let nextReport = 0;
  const report = (): void => {
    for (let r = done.get(nextReport); r !== undefined; r = done.get(nextReport)) {
      done.delete(nextReport++);
      onResult(r);
    }
  };
  const workerLoop = async (): Promise<void> => {
    const worker = startWorker();
    try {
      while (nextJob < jobs.length) {
        const index = nextJob++;
        done.set(index, await runOn<J, R>(worker, jobs[index] as J));
        report();
      }
    } finally {
      await worker.terminate();
    }
  };
  await Promise.all(Array.from({ length: count }, workerLoop));
}

/** Workers load TypeScript through a small JavaScript bootstrap that registers tsx first. */
function startWorker(): Worker {
  return new Worker(new URL('./worker-entry.mjs', import.meta.url));
}

function runOn<J, R>(worker: Worker, job: J): Promise<R> {
  return new Promise((resolve, reject) => {
    const onMessage = (result: R): void => {
      worker.off('error', onError);
      resolve(result);
    };
    const onError = (err: Error): void => {
      worker.off('message', onMessage);
      reject(err);
    };
    worker.once('message', onMessage);
    worker.once('error', onError);
    worker.postMessage(job);
  });
}
