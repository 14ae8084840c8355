/**
 * `withLock(lock, fn)`: the hold, the work and the release in one call (the `etcd3` package's
 * `lock.do(fn)`, Curator's acquire/finally-release), so a thrown error or an early return never
 * leaves a lock held.
 */
import type { Lock, LockOptions } from './hold.js';

/**
 * Takes `lock` (waiting as its `lock(opts)` does), runs `fn` with the fencing token and a signal
 * that fires if the session ends meanwhile, and releases the lock however `fn` ends; answers what
 * `fn` answers. When the session ended while `fn` ran, the lock may have passed to another before
 * `fn` was done: withLock then rejects with SESSION_ENDED (or CLIENT_CLOSED) instead of answering
 * as if `fn` ran alone. When the object already holds the lock, `fn` runs under that hold, which
 * withLock leaves held.
 */
export async function withLock<T>(lock: Lock, fn: (token: number, signal: AbortSignal) => Promise<T> | T, opts: LockOptions = {}): Promise<T> {
  const heldBefore = lock.token !== undefined;
  const token = await lock.lock(opts);
  let result: T;
  try {
    result = await fn(token, lock.session.signal);
  } catch (err) {
    if (!heldBefore) await lock.unlock().catch(() => undefined); // fn's error is the one to report
    throw err;
  }
  if (!heldBefore) await lock.unlock();
  lock.session.checkLive(`holding ${lock.name}`);
  return result;
}
