/**
 * Runs many seeds on worker threads (runs are CPU-bound and independent) and hands back
 * results in seed order — so the output of a batch is the same however it was split across
 * threads. real/pool.ts builds the jobs; worker.ts runs each.
 */
import { Worker } from 'node:worker_threads';

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
