/**
 * What a Mutex, each side of an RWLock and a Semaphore share: one object's hold of a place in a
 * queue (queue.ts). Taking it puts the object's own key under the queue's prefix, tied to the
 * session's lease, waits until no older key under the prefix it waits behind is left, and, for a
 * Semaphore, moves the key into the holders. The hold is the object's: a second take while one
 * waits is refused, a take while held answers the token. A wait given up leaves no key behind.
 */
import { FleetClientError } from '../errors.js';
import { etcdAccessOf, type EtcdAccess } from '../etcd/access.js';
import type { TxnCompare } from '../etcd/txn.js';
import { dequeue, enqueue, waitTurn, type Place } from './queue.js';
import type { Session } from './session.js';
import { checkWait, waitFailure, waitSignal } from './wait.js';

/** How long to wait for the lock, at most. */
export interface LockOptions {
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
}

/**
 * A lock held by one object at a time, with a fencing token: a Mutex, an RWLock's `reader` or
 * `writer`, a Semaphore's permit. `withLock()` takes any of them.
 */
export interface Lock {
  /** The session whose lease the held key is tied to. */
  readonly session: Session;
  /** The lock's name. */
  readonly name: string;
  /** Waits until this object holds the lock (at once if it does); answers the fencing token. */
  lock(opts?: LockOptions): Promise<number>;
  /** Releases the lock (a no-op when this object does not hold it). */
  unlock(): Promise<void>;
  /** The fencing token (the held key's create revision) while this object holds the lock. */
  readonly token: number | undefined;
  /** The key this object holds the lock with. */
  readonly key: string | undefined;
  /** A transaction compare that holds while this object holds the lock. */
  isOwner(): TxnCompare;
}

/** Where a hold queues and what it waits behind. */
export interface HoldShape {
  /** What the errors call it: `locking NAME`, `reading NAME`. */
  readonly what: string;
  /** The object's kind, for the refusal of a second wait: `Mutex`. */
  readonly kind: string;
  /** The prefix its own key goes under. */
  readonly queue: string;
  /** The prefix whose older keys it waits to be gone: its own queue's, or a wider one. */
  readonly ahead: string;
  /** Once first in line, turns the waiting place into the held one (a Semaphore's permit); absent: the place is held. */
  readonly promote?: (access: EtcdAccess, waiting: Place, signal: AbortSignal) => Promise<Place>;
}

/** The one implementation of Lock: a Mutex and a Semaphore are one each, an RWLock's sides are two. */
export class Hold implements Lock {
  #held: Place | undefined;
  #taking = false;

  constructor(
    readonly session: Session,
    readonly name: string,
    readonly shape: HoldShape,
  ) {}

  /** Rejects with SESSION_ENDED, CLIENT_CLOSED or ABORTED (the caller's signal or timeout). */
  async lock(opts: LockOptions = {}): Promise<number> {
    const { what, kind } = this.shape;
    const signal = waitSignal(this.session, opts.signal, opts.timeoutMs);
    checkWait(this.session, signal, what);
    if (this.#held !== undefined) return this.#held.revision;
    if (this.#taking) throw new FleetClientError('invalid', `${what}: this ${kind} is already waiting; await that call (or make another ${kind})`, { code: 'INVALID_ARGUMENT' });
    this.#taking = true;
    const access = etcdAccessOf(this.session.client);
    let place: Place | undefined;
    let held: Place | undefined;
    try {
      place = await enqueue(access, await this.session.newKey(this.shape.queue), '', await this.session.lease(), signal);
      await waitTurn(access, this.shape.ahead, place, signal);
      checkWait(this.session, signal, what);
      held = this.shape.promote === undefined ? place : await this.shape.promote(access, place, signal);
      checkWait(this.session, signal, what);
      this.#held = held;
      return held.revision;
    } catch (err) {
      // A wait given up leaves no key: the next in line must not wait for a contender that left.
      if (this.session.ended === undefined) {
        for (const p of new Set([place, held])) if (p !== undefined) await dequeue(access, p).catch(() => undefined);
      }
      throw waitFailure(this.session, signal, what, err);
    } finally {
      this.#taking = false;
    }
  }

  /** The next in line holds at once. */
  async unlock(): Promise<void> {
    const held = this.#held;
    if (held === undefined) return;
    this.#held = undefined;
    if (this.session.ended !== undefined) return; // the lease's end took the key with it (or will)
    await dequeue(etcdAccessOf(this.session.client), held);
  }

  get token(): number | undefined {
    return this.#held?.revision;
  }

  get key(): string | undefined {
    return this.#held?.key;
  }

  /** No key has create revision -1, so it never holds while nothing is held. */
  isOwner(): TxnCompare {
    const held = this.#held;
    if (held === undefined) return { key: this.shape.queue, target: 'create', value: -1 };
    return { key: held.key, target: 'create', value: held.revision };
  }
}
