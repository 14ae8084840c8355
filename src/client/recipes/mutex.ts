/**
 * A mutex on a session, as etcd's concurrency.Mutex builds it (Curator's InterProcessMutex):
 * contenders queue as keys under `NAME/`, tied to their session's lease, and are served in the
 * order they arrived (FIFO); each waits only for the key just ahead of it (queue.ts). The
 * fencing token is the holder's key's create revision: it grows with every new holder.
 *
 * The lock is held by the Mutex object: each object queues with a key of its own, so two Mutex
 * objects of one session exclude each other as two sessions' do (etcd's Mutex shares one key per
 * session instead). Not covered: a holder paused past its session's TTL still believes it holds
 * the lock; guard its writes with `isOwner()` in a transaction, or pass the token to what it
 * protects and have that refuse tokens older than the newest it has seen.
 */
import type { TxnCompare } from '../etcd/txn.js';
import { Hold, type Lock, type LockOptions } from './hold.js';
import { checkName } from './limits.js';
import type { Session } from './session.js';

export type { Lock, LockOptions } from './hold.js';

export class Mutex implements Lock {
  readonly #hold: Hold;

  constructor(
    readonly session: Session,
    /** The lock's name: its contenders are the keys under `NAME/`. */
    readonly name: string,
  ) {
    checkName(`mutex ${name}`, name);
    this.#hold = new Hold(session, name, { what: `locking ${name}`, kind: 'Mutex', queue: `${name}/`, ahead: `${name}/` });
  }

  /**
   * Waits until this object holds the lock (at once if it does); answers the fencing token.
   * Rejects with SESSION_ENDED or CLIENT_CLOSED when the session ends (or its client closes)
   * first, ABORTED when the caller's signal fires or the timeout passes; a wait given up leaves
   * no key behind.
   */
  lock(opts: LockOptions = {}): Promise<number> {
    return this.#hold.lock(opts);
  }

  /** Releases the lock (a no-op when this object does not hold it): the next in line holds it at once. */
  unlock(): Promise<void> {
    return this.#hold.unlock();
  }

  /** The fencing token (the key's create revision) while this object holds the lock. */
  get token(): number | undefined {
    return this.#hold.token;
  }

  /** The key this object holds the lock with. */
  get key(): string | undefined {
    return this.#hold.key;
  }

  /**
   * A compare that holds while this object holds the lock (its key exists, created at its
   * token): put it in a `keyspace.txn()` so a write is refused by the cluster once the lock was
   * lost, however long this process was paused. It never holds when this object holds nothing.
   */
  isOwner(): TxnCompare {
    return this.#hold.isOwner();
  }
}
