/**
 * A counting semaphore on a session (Curator's InterProcessSemaphoreV2, on etcd's keyspace): at
 * most `permits` holders at a time, served in the order they arrived. A contender queues as a
 * Mutex waiter does, a key under `NAME/waiting/` tied to its session's lease, waiting only for
 * the key just ahead of it; the first in line alone watches the holders, `NAME/holders/`, and
 * once fewer than `permits` are there moves its key into them in one transaction that holds only
 * while its waiting key is still the one it made. So there is one first in line at a time, only it
 * adds a holder, and the count it read can only have fallen since: never more than `permits`.
 * The token is the holder key's create revision. A Semaphore object holds one permit.
 *
 * Not covered: every contender must pass the same `permits` (the count is not stored: one that
 * passes more lets more in); and a holder paused past its TTL still believes it holds a permit
 * (guard its writes with `isOwner()` in a transaction, or with its token).
 */
import type { EtcdAccess } from '../etcd/access.js';
import { bytes, type TxnCompare } from '../etcd/txn.js';
import { prefixEnd } from '../../common/etcd-keys.js';
import { Hold, type Lock, type LockOptions } from './hold.js';
import { checkCount, checkName } from './limits.js';
import { deleted, gone, type Place } from './queue.js';
import type { Session } from './session.js';

/** At most `permits` holders at a time, first come, first served; each Semaphore object holds one permit. */
export class Semaphore implements Lock {
  readonly #hold: Hold;
  readonly #holders: string;

  constructor(
    /** The session whose lease its keys are tied to. */
    readonly session: Session,
    /** The semaphore's name: its waiters are the keys under `NAME/waiting/`, its holders those under `NAME/holders/`. */
    readonly name: string,
    /** How many may hold it at once: 1 to MAX_COUNT, the same for every contender. */
    readonly permits: number,
  ) {
    checkName(`semaphore ${name}`, name);
    checkCount(`semaphore ${name}`, permits);
    this.#holders = `${name}/holders/`;
    const queue = `${name}/waiting/`;
    this.#hold = new Hold(session, name, { what: `acquiring ${name}`, kind: 'Semaphore', queue, ahead: queue, promote: (access, waiting, signal) => this.#promote(access, waiting, signal) });
  }

  /**
   * Waits until this object holds a permit (at once if it does); answers the fencing token.
   * Rejects as a Mutex's lock() does: SESSION_ENDED, CLIENT_CLOSED, ABORTED; a wait given up
   * leaves no key behind.
   */
  lock(opts: LockOptions = {}): Promise<number> {
    return this.#hold.lock(opts);
  }

  /** Gives the permit back (a no-op when this object holds none): the first in line takes it at once. */
  unlock(): Promise<void> {
    return this.#hold.unlock();
  }

  /** The fencing token (the holder key's create revision) while this object holds a permit. */
  get token(): number | undefined {
    return this.#hold.token;
  }

  /** The key this object holds its permit with. */
  get key(): string | undefined {
    return this.#hold.key;
  }

  /** A compare that holds while this object holds its permit (see Mutex.isOwner). */
  isOwner(): TxnCompare {
    return this.#hold.isOwner();
  }

  /** First in line: waits for room among the holders, then moves the waiting key into them. */
  async #promote(access: EtcdAccess, waiting: Place, signal: AbortSignal): Promise<Place> {
    const from = bytes(this.#holders);
    for (;;) {
      const r = await access.run(`counting the holders of ${this.name}`, (ep) => access.etcd.range(ep, from, { rangeEnd: prefixEnd(from), limit: this.permits }), signal);
      if (r.kvs.length < this.permits) break;
      await deleted(access, this.#holders, r.revision + 1, signal, prefixEnd(from));
      if (signal.aborted) return waiting; // the caller's checkWait reports why
    }
    const key = await this.session.newKey(this.#holders);
    const [k, w] = [bytes(key), bytes(waiting.key)];
    const lease = await this.session.lease();
    const compare: TxnCompare[] = [{ key: w, target: 'create', value: waiting.revision }, { key: k, target: 'create', value: 0 }];
    const moved = await access.run(`taking a permit of ${this.name}`, (ep) => access.etcd.transact(ep, { compare, success: [{ put: k, value: '', lease }, { delete: w }] }), signal);
    if (moved.succeeded) return { key, revision: moved.revision };
    // A retry after a lost answer finds the permit the first attempt took.
    const found = await access.run(`reading ${key}`, (ep) => access.etcd.range(ep, k), signal);
    const kv = found.kvs[0];
    if (kv === undefined) throw gone(waiting.key);
    return { key, revision: kv.createRevision };
  }
}
