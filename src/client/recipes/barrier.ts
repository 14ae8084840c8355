/**
 * A barrier on a session, as etcd's recipes.Barrier builds it (Curator's DistributedBarrier): the
 * barrier is up while the key `NAME` exists. `hold()` puts it, tied to the session's lease;
 * `release()` deletes it; `wait()` resolves once it is gone, so every waiter goes on at the same
 * revision. A waiter reads the key, then watches it alone from the revision it read at, so a
 * release in between is not missed and nothing polls. Tied to the lease, a barrier whose holder
 * died comes down when its lease expires, and one whose session closed comes down at once.
 *
 * Not covered: a holder paused past its TTL has its barrier come down under it; and `wait()`
 * answers that the barrier was down at some moment, not that it still is (another may hold it
 * again at once).
 */
import { FleetClientError } from '../errors.js';
import { etcdAccessOf } from '../etcd/access.js';
import { bytes } from '../etcd/txn.js';
import { checkName } from './limits.js';
import type { LockOptions } from './hold.js';
import { deleted, dequeue, type Place } from './queue.js';
import type { Session } from './session.js';
import { checkWait, waitFailure, waitSignal } from './wait.js';

/** A barrier, up while this object's key `NAME` exists (tied to its session's lease): waiters go on when it comes down. */
export class Barrier {
  #held: Place | undefined;

  constructor(
    /** The session whose lease its keys are tied to. */
    readonly session: Session,
    /** The barrier's name: the barrier is up while the key `NAME` exists. */
    readonly name: string,
  ) {
    checkName(`barrier ${name}`, name);
  }

  /**
   * Puts the barrier up (at once if this object holds it); answers its token, the key's create
   * revision. FAILED_PRECONDITION, nothing written, when another object holds it.
   */
  async hold(): Promise<number> {
    const what = `holding barrier ${this.name}`;
    this.session.checkLive(what);
    if (this.#held !== undefined) return this.#held.revision;
    const access = etcdAccessOf(this.session.client);
    const k = bytes(this.name);
    // The value names this object, so a retry after a lost answer knows the key it finds as its own.
    const mine = await this.session.newKey('');
    const lease = await this.session.lease();
    const put = await access.run(what, (ep) => access.etcd.transact(ep, { compare: [{ key: k, target: 'create', value: 0 }], success: [{ put: k, value: mine, lease }] }));
    let revision = put.revision;
    if (!put.succeeded) {
      const kv = (await access.run(what, (ep) => access.etcd.range(ep, k))).kvs[0];
      if (kv === undefined || kv.value.toString('utf8') !== mine) {
        throw new FleetClientError('precondition', `${what}: another holds it; wait() for it to come down, or have its holder release it`, { code: 'FAILED_PRECONDITION' });
      }
      revision = kv.createRevision;
    }
    this.#held = { key: this.name, revision };
    return revision;
  }

  /** Takes the barrier down (a no-op unless this object holds it): every waiter goes on. */
  async release(): Promise<void> {
    const held = this.#held;
    if (held === undefined) return;
    this.#held = undefined;
    if (this.session.ended !== undefined) return; // the lease's end took the key with it (or will)
    await dequeue(etcdAccessOf(this.session.client), held);
  }

  /** Whether this object holds the barrier up. */
  get held(): boolean {
    return this.#held !== undefined;
  }

  /**
   * Resolves once the barrier is down (at once if it is). Rejects with SESSION_ENDED or
   * CLIENT_CLOSED when the session ends first, ABORTED when the caller's signal fires or the
   * timeout passes.
   */
  async wait(opts: LockOptions = {}): Promise<void> {
    const what = `waiting on barrier ${this.name}`;
    const signal = waitSignal(this.session, opts.signal, opts.timeoutMs);
    checkWait(this.session, signal, what);
    const access = etcdAccessOf(this.session.client);
    const k = bytes(this.name);
    try {
      for (;;) {
        const r = await access.run(what, (ep) => access.etcd.range(ep, k), signal);
        if (r.kvs.length === 0) return;
        // Every waiter goes on at the delete it saw, even if the barrier is up again at once.
        if (await deleted(access, this.name, r.revision + 1, signal)) return;
        checkWait(this.session, signal, what);
      }
    } catch (err) {
      throw waitFailure(this.session, signal, what, err);
    }
  }
}
