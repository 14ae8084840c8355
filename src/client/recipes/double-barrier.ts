/**
 * A double barrier on a session, as etcd's recipes.DoubleBarrier builds it (Curator's
 * DistributedDoubleBarrier): `count` parties `enter()` together and `leave()` together. A party
 * enters with a key under `NAME/waiters/` tied to its session's lease; its rank is the number of
 * keys created up to its own, so the party that makes it `count` puts `NAME/ready`, and the
 * others, watching that one key from the revision they entered at, all go on at that put. To
 * leave, the oldest party waits for the newest to be gone; every other deletes its key and waits
 * for the oldest's; the oldest, alone at last, deletes its key and `ready`. A party that dies
 * leaves when its lease expires, so the others are not held for ever.
 *
 * Not covered: every party must pass the same `count`; a party that gives up entering (its signal,
 * its timeout) after the count was reached has let the others in without it; and a `count + 1`th
 * party that comes while the others are inside is refused (FAILED_PRECONDITION), not queued.
 */
import { FleetClientError } from '../errors.js';
import { etcdAccessOf, type EtcdAccess } from '../etcd/access.js';
import { bytes } from '../etcd/txn.js';
import { prefixEnd } from '../../common/etcd-keys.js';
import type { LockOptions } from './hold.js';
import { checkCount, checkName } from './limits.js';
import { changed, deleted, dequeue, enqueue, gone, type Place } from './queue.js';
import type { Session } from './session.js';
import { checkWait, waitFailure, waitSignal } from './wait.js';

/** `count` parties enter together and leave together; a party that dies leaves with its lease. */
export class DoubleBarrier {
  readonly #waiters: string;
  readonly #ready: string;
  #entered: Place | undefined;

  constructor(
    /** The session whose lease its keys are tied to. */
    readonly session: Session,
    /** The barrier's name: its parties are the keys under `NAME/waiters/`. */
    readonly name: string,
    /** How many parties enter together: 1 to MAX_COUNT, the same for every party. */
    readonly count: number,
  ) {
    checkName(`double barrier ${name}`, name);
    checkCount(`double barrier ${name}`, count);
    this.#waiters = `${name}/waiters/`;
    this.#ready = `${name}/ready`;
  }

  /**
   * Resolves once `count` parties have entered (at once if this object is in). Rejects with
   * FAILED_PRECONDITION (nothing left behind) when `count` parties are in already, SESSION_ENDED,
   * CLIENT_CLOSED or ABORTED as a Mutex's lock() does; a wait given up leaves no key.
   */
  async enter(opts: LockOptions = {}): Promise<void> {
    const what = `entering double barrier ${this.name}`;
    const signal = waitSignal(this.session, opts.signal, opts.timeoutMs);
    checkWait(this.session, signal, what);
    if (this.#entered !== undefined) return;
    const access = etcdAccessOf(this.session.client);
    let place: Place | undefined;
    try {
      place = await enqueue(access, await this.session.newKey(this.#waiters), '', await this.session.lease(), signal);
      const rank = await this.#rank(access, place, signal);
      if (rank > this.count) throw new FleetClientError('precondition', `${what}: ${this.count} parties are in already; wait for them to leave`, { code: 'FAILED_PRECONDITION' });
      if (rank === this.count) {
        const lease = await this.session.lease();
        await access.run(what, (ep) => access.etcd.put(ep, bytes(this.#ready), Buffer.alloc(0), undefined, lease), signal);
      } else {
        await this.#readyAfter(access, place.revision, signal);
      }
      checkWait(this.session, signal, what);
      this.#entered = place;
    } catch (err) {
      if (place !== undefined && this.session.ended === undefined) await dequeue(access, place).catch(() => undefined);
      throw waitFailure(this.session, signal, what, err);
    }
  }

  /** Resolves once every party that entered has left (at once if this object is not in). Rejects as `enter()` does. */
  async leave(opts: LockOptions = {}): Promise<void> {
    const what = `leaving double barrier ${this.name}`;
    const signal = waitSignal(this.session, opts.signal, opts.timeoutMs);
    checkWait(this.session, signal, what);
    const place = this.#entered;
    if (place === undefined) return;
    const access = etcdAccessOf(this.session.client);
    const from = bytes(this.#waiters);
    try {
      for (;;) {
        const r = await access.run(what, (ep) => access.etcd.range(ep, from, { rangeEnd: prefixEnd(from), byCreate: 'ascend' }), signal);
        const [lowest, highest] = [r.kvs[0], r.kvs[r.kvs.length - 1]];
        if (lowest === undefined || highest === undefined) break;
        const isLowest = lowest.key.toString('utf8') === place.key;
        if (isLowest && r.kvs.length === 1) {
          // The last one out takes `ready` down with its own key, in one revision.
          await access.run(what, (ep) => access.etcd.transact(ep, { compare: [], success: [{ delete: bytes(this.#ready) }, { delete: lowest.key }] }), signal);
          break;
        }
        // The oldest waits for the newest to go; every other goes, then waits for the oldest.
        if (!isLowest && r.kvs.some((kv) => kv.key.toString('utf8') === place.key)) await dequeue(access, place, signal);
        await deleted(access, (isLowest ? highest : lowest).key.toString('utf8'), r.revision + 1, signal);
        checkWait(this.session, signal, what);
      }
      this.#entered = undefined;
    } catch (err) {
      throw waitFailure(this.session, signal, what, err);
    }
  }

  /** How many parties' keys were created up to `place`'s (its own included); throws when its own is gone. */
  async #rank(access: EtcdAccess, place: Place, signal: AbortSignal): Promise<number> {
    const from = bytes(this.#waiters);
    const r = await access.run(`counting the parties of ${this.name}`, (ep) => access.etcd.range(ep, from, { rangeEnd: prefixEnd(from), byCreate: 'descend', maxCreateRevision: place.revision, limit: this.count + 1 }), signal);
    if (r.kvs[0]?.key.toString('utf8') !== place.key) throw gone(place.key);
    return r.kvs.length;
  }

  /** Resolves once `ready` was put after `revision` (when the watch's history is gone, its mod revision says). */
  async #readyAfter(access: EtcdAccess, revision: number, signal: AbortSignal): Promise<void> {
    let from = revision + 1;
    while (!signal.aborted) {
      if (await changed(access, 'PUT', this.#ready, from, signal)) return;
      const r = await access.run(`reading ${this.#ready}`, (ep) => access.etcd.range(ep, bytes(this.#ready)), signal);
      if ((r.kvs[0]?.modRevision ?? 0) > revision) return;
      from = r.revision + 1;
    }
  }
}
