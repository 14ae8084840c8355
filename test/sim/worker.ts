/**
 * Worker-thread entry point of the simulator's pool: runs each job it is sent and posts the
 * result back. Started by pool.ts only; nothing here runs on import in the main thread.
 */
import { isMainThread, parentPort } from 'node:worker_threads';
import { runJob, type WorkerJob } from './pool.js';
import { runRealJob, type RealWorkerJob } from './real/pool.js';

if (!isMainThread && parentPort !== null) {
  const port = parentPort;
  // Real-node runs are asynchronous (the members await their disks); a worker runs one job at a time either way.
  port.on('message', (job: WorkerJob | RealWorkerJob) => {
    if ('host' in job) void runRealJob(job).then((result) => port.postMessage(result));
    else port.postMessage(runJob(job));
  });
}
