/**
 * One operation at a time on a local cluster: `up`, `down`, `destroy`, `scale` and `recover` hold
 * the cluster's lock (`run/LOCK`, the pid of the fleet command holding it) while they work, so two
 * racing commands run one after the other and each sees what the other did ("already running"
 * is then true), instead of both starting members on the same ports or one stopping what the
 * other just started. A lock whose process is gone is stale and taken over.
 */
import { acquireLock, type DirLock } from '../../core/storage/lock-file.js';
import { StorageLockedError } from '../../core/storage/errors.js';
import { CliError } from '../../common/errors.js';
import { mkdirPrivate } from './manifest.js';
import type { ClusterPaths } from './paths.js';

/** How long a command waits for another one working on the same cluster: longer than any of them takes. */
export const CLUSTER_LOCK_WAIT_MS = 120_000;

/** How often a waiting command looks at the lock again: it is held for seconds, by a process of ours. */
const RETRY_MS = 50;

/** Runs `work` holding the cluster's lock; waits up to `timeoutMs` for another fleet command to finish first. */
export async function withClusterLock<T>(paths: ClusterPaths, what: string, timeoutMs: number, work: () => Promise<T>): Promise<T> {
  await mkdirPrivate(paths.runDir);
  const lock = await takeLock(paths, what, Date.now() + timeoutMs);
  try {
    return await work();
  } finally {
    lock.release();
  }
}

async function takeLock(paths: ClusterPaths, what: string, deadline: number): Promise<DirLock> {
  for (;;) {
    try {
      return acquireLock(paths.runDir);
    } catch (err) {
      if (!(err instanceof StorageLockedError)) throw err;
      if (Date.now() >= deadline) {
        throw new CliError(`another fleet command (pid ${err.pid}) is still working on this cluster; ${what} did not start`, { code: 'CLUSTER_BUSY', hint: 'wait for it to finish (fleet ps shows the cluster), then run this again' });
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }
}
