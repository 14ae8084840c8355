/**
 * Worker-thread entry point of the simulator's pool: runs each job it is sent and posts the
 * result back. Started by pool.ts only; nothing here runs on import in the main thread.
 */
import { isMainThread, parentPort } from 'node:worker_threads';
import { runJob, type WorkerJob } from './pool.js';

if (!isMainThread && parentPort !== null) {
  const port = parentPort;
  port.on('message', (job: WorkerJob) => port.postMessage(runJob(job)));
}
