/**
 * Worker-thread entry point of the simulator's pool: runs each job it is sent and posts the
 * result back. Started by pool.ts only; nothing here runs on import in the main thread.
 */
import { isMainThread, parentPort } from 'node:worker_threads';
import { runRealJob, type RealWorkerJob } from './real/pool.js';

if (!isMainThread && parentPort !== null) {
  const port = parentPort;
  // Runs are asynchronous (the members await their disks); a worker runs one job at a time.
  port.on('message', (job: RealWorkerJob) => {
    void runRealJob(job).then((result) => port.postMessage(result));
  });
}
