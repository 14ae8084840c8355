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
import { FleetClientError } from '../errors.js';
import { etcdAccessOf } from '../etcd/access.js';
import type { TxnCompare } from '../etcd/txn.js';
import { checkName } from './limits.js';
import { dequeue, enqueue, waitTurn, type Place } from './queue.js';
import type { Session } from './session.js';
import { checkWait, waitFailure, waitSignal } from './wait.js';

/** How long to wait for the lock, at most. */
export interface LockOptions {
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
}

export class Mutex {
  readonly #prefix: string;
  #held: Place | undefined;
  #locking = false;

  constructor(
    readonly session: Session,
    /** The lock's name: its contenders are the keys under `NAME/`. */
    readonly name: string,
  ) {
    checkName(`mutex ${name}`, name);
    this.#prefix = `${name}/`;
  }

  /**
   * Waits until this object holds the lock (at once if it does); answers the fencing token.
   * Rejects with SESSION_ENDED or CLIENT_CLOSED when the session ends (or its client closes)
   * first, ABORTED when the caller's signal fires or the timeout passes; a wait given up leaves
   * no key behind.
   */
  async lock(opts: LockOptions = {}): Promise<number> {
    const what = `locking ${this.name}`;
    const signal = waitSignal(this.session, opts.signal, opts.timeoutMs);
    checkWait(this.session, signal, what);
    if (this.#held !== undefined) return this.#held.revision;
    if (this.#locking) throw new FleetClientError('invalid', `${what}: this Mutex is already waiting for the lock; await that lock() (or make another Mutex)`, { code: 'INVALID_ARGUMENT' });
    this.#locking = true;
    const access = etcdAccessOf(this.session.client);
    let place: Place | undefined;
    try {
      const key = await this.session.newKey(this.#prefix);
      place = await enqueue(access, key, '', await this.session.lease(), signal);
      await waitTurn(access, this.#prefix, place, signal);
      checkWait(this.session, signal, what);
      this.#held = place;
      return place.revision;
    } catch (err) {
      // A wait given up leaves no key: the next in line must not wait for a contender that left.
      if (place !== undefined && this.session.ended === undefined) await dequeue(access, place).catch(() => undefined);
      throw waitFailure(this.session, signal, what, err);
    } finally {
      this.#locking = false;
    }
  }

  /** Releases the lock (a no-op when this object does not hold it): the next in line holds it at once. */
  async unlock(): Promise<void> {
    const held = this.#held;
    if (held === undefined) return;
    this.#held = undefined;
    if (this.session.ended !== undefined) return; // the lease's end took the key with it (or will)
    await dequeue(etcdAccessOf(this.session.client), held);
  }

  /** The fencing token (the key's create revision) while this object holds the lock. */
  get token(): number | undefined {
    return this.#held?.revision;
  }

  /** The key this object holds the lock with. */
  get key(): string | undefined {
    return this.#held?.key;
  }

  /**
   * A compare that holds while this object holds the lock (its key exists, created at its
   * token): put it in a `keyspace.txn()` so a write is refused by the cluster once the lock was
   * lost, however long this process was paused. It never holds when this object holds nothing.
   */
  isOwner(): TxnCompare {
    const held = this.#held;
    // No key has create revision -1: a compare that never holds.
    if (held === undefined) return { key: this.#prefix, target: 'create', value: -1 };
    return { key: held.key, target: 'create', value: held.revision };
  }
}
