/**
 * A leader election on a session, as etcd's concurrency.Election builds it (Curator's
 * LeaderLatch): candidates queue as keys under `NAME/`, tied to their session's lease, each key's
 * value what its candidate proclaims; the oldest key leads. A candidate waits only for the key
 * just ahead of it (queue.ts); the leader's token is its key's create revision, larger for every
 * new leader. An Election object campaigns with a key of its own.
 *
 * The leader hears `'lost'` when its leadership ends without `resign()`: its session expired or
 * was closed under it, or its key was deleted. Not covered: a leader paused past its TTL learns it
 * only when it runs again; fence what it does with `isLeader()` in a transaction, or its token.
 */
import { FleetClientError } from '../errors.js';
import { etcdAccessOf, type EtcdAccess } from '../etcd/access.js';
import { CompactedError, follow } from '../etcd/follow.js';
import { bytes, type TxnCompare } from '../etcd/txn.js';
import { prefixEnd } from '../../common/etcd-keys.js';
import { checkName, checkValue } from './limits.js';
import type { LockOptions } from './hold.js';
import { byRevision, HeadTracker, type QueueEvent } from './order.js';
import { dequeue, enqueue, waitTurn, type Place } from './queue.js';
import type { Session } from './session.js';
import { checkWait, waitFailure, waitSignal } from './wait.js';

/** A leader: its key, its token (the key's create revision) and what it proclaimed. */
export interface Leader {
  readonly key: string;
  readonly token: number;
  readonly value: string;
}

/** Why a leader stopped leading without resigning. */
export interface LeadershipLost {
  readonly token: number;
  readonly reason: 'session-ended' | 'key-deleted';
}

export class Election {
  readonly #prefix: string;
  #leading: Place | undefined;
  #campaigning = false;
  #watch: AbortController | undefined;
  readonly #lostListeners = new Set<(lost: LeadershipLost) => void>();

  constructor(
    readonly session: Session,
    /** The election's name: its candidates are the keys under `NAME/`. */
    readonly name: string,
  ) {
    checkName(`election ${name}`, name);
    this.#prefix = `${name}/`;
  }

  /**
   * Waits until this object leads, proclaiming `value` (at once if it leads: then `value` is
   * proclaimed); answers the fencing token. Rejects as a Mutex's lock() does, with one error:
   * CLIENT_CLOSED on a closed client, SESSION_ENDED on an ended session, ABORTED for the caller.
   */
  async campaign(value: string, opts: LockOptions = {}): Promise<number> {
    const what = `campaigning in ${this.name}`;
    const signal = waitSignal(this.session, opts.signal, opts.timeoutMs);
    checkWait(this.session, signal, what);
    checkValue(what, value);
    if (this.#leading !== undefined) {
      await this.proclaim(value);
      return this.#leading.revision;
    }
    if (this.#campaigning) throw new FleetClientError('invalid', `${what}: this Election is already campaigning; await that campaign() (or make another Election)`, { code: 'INVALID_ARGUMENT' });
    this.#campaigning = true;
    const access = etcdAccessOf(this.session.client);
    let place: Place | undefined;
    try {
      place = await enqueue(access, await this.session.newKey(this.#prefix), value, await this.session.lease(), signal);
      await waitTurn(access, this.#prefix, place, signal);
      checkWait(this.session, signal, what);
      this.#lead(access, place);
      return place.revision;
    } catch (err) {
      if (place !== undefined && this.session.ended === undefined) await dequeue(access, place).catch(() => undefined);
      throw waitFailure(this.session, signal, what, err);
    } finally {
      this.#campaigning = false;
    }
  }

  /** Proclaims a new value while leading; FAILED_PRECONDITION (nothing written) when this object does not lead. */
  async proclaim(value: string): Promise<void> {
    const what = `proclaiming in ${this.name}`;
    this.session.checkLive(what);
    checkValue(what, value);
    const place = this.#leading;
    if (place === undefined) throw notLeading(what);
    const access = etcdAccessOf(this.session.client);
    const k = bytes(place.key);
    const lease = await this.session.lease();
    const r = await access.run(what, (ep) => access.etcd.transact(ep, { compare: [{ key: k, target: 'create', value: place.revision }], success: [{ put: k, value, lease }] }));
    if (!r.succeeded) throw notLeading(what);
  }

  /** Steps down (a no-op when not leading): the next candidate leads at once. No `'lost'` follows. */
  async resign(): Promise<void> {
    const place = this.#leading;
    if (place === undefined) return;
    this.#stopLeading();
    if (this.session.ended === undefined) await dequeue(etcdAccessOf(this.session.client), place);
  }

  /** The token while this object leads. */
  get token(): number | undefined {
    return this.#leading?.revision;
  }

  /** A compare that holds while this object leads (see Mutex.isOwner). */
  isLeader(): TxnCompare {
    const place = this.#leading;
    return place === undefined ? { key: this.#prefix, target: 'create', value: -1 } : { key: place.key, target: 'create', value: place.revision };
  }

  /** Calls `listener` when this object stops leading without `resign()`. */
  on(event: 'lost', listener: (lost: LeadershipLost) => void): this {
    if (event === 'lost') this.#lostListeners.add(listener);
    return this;
  }

  off(event: 'lost', listener: (lost: LeadershipLost) => void): this {
    if (event === 'lost') this.#lostListeners.delete(listener);
    return this;
  }

  /** The current leader, or undefined when nobody campaigns. */
  async leader(): Promise<Leader | undefined> {
    this.session.checkLive(`reading the leader of ${this.name}`);
    const access = etcdAccessOf(this.session.client);
    const from = bytes(this.#prefix);
    const r = await access.run(`reading the leader of ${this.name}`, (ep) => access.etcd.range(ep, from, { rangeEnd: prefixEnd(from), byCreate: 'ascend', limit: 1 }));
    const kv = r.kvs[0];
    return kv === undefined ? undefined : { key: kv.key.toString('utf8'), token: kv.createRevision, value: kv.value.toString('utf8') };
  }

  /**
   * The current leader, then each change in the order it happened: a new leader, a new value
   * proclaimed, and undefined when the last candidate left. Every revision is looked at, so a
   * leader that led only for a moment is reported too. Ends when `signal` fires or the session
   * ends; rejects with SESSION_ENDED or CLIENT_CLOSED when called on a session that already ended.
   */
  async *observe(signal?: AbortSignal): AsyncGenerator<Leader | undefined> {
    this.session.checkLive(`observing election ${this.name}`);
    const stop = signal === undefined ? this.session.signal : AbortSignal.any([signal, this.session.signal]);
    const access = etcdAccessOf(this.session.client);
    const from = bytes(this.#prefix);
    let shown: Leader | undefined | null = null; // null: nothing yielded yet
    while (!stop.aborted) {
      const r = await access.run(`observing ${this.name}`, (ep) => access.etcd.range(ep, from, { rangeEnd: prefixEnd(from) }), stop).catch((err: unknown) => {
        if (stop.aborted) return undefined;
        throw err;
      });
      if (r === undefined) return;
      const tracker = new HeadTracker(r.kvs.map(queued));
      if (differs(shown, tracker)) yield (shown = leaderOf(tracker));
      try {
        for await (const batch of follow(access, from, { rangeEnd: prefixEnd(from), fromRevision: r.revision + 1, signal: stop })) {
          for (const group of byRevision(batch.events.map((e) => ({ ...e, modRevision: e.kv.modRevision })))) {
            if (tracker.apply(group.map(queueEvent)) && differs(shown, tracker)) yield (shown = leaderOf(tracker));
          }
        }
        return;
      } catch (err) {
        if (stop.aborted) return;
        if (!(err instanceof CompactedError)) throw err; // else: read the candidates again
      }
    }
  }

  /** Leading: follow this object's key, so its deletion (or the session's end) is heard as `'lost'`. */
  #lead(access: EtcdAccess, place: Place): void {
    this.#leading = place;
    const watch = new AbortController();
    this.#watch = watch;
    const signal = AbortSignal.any([watch.signal, this.session.signal]);
    const onSessionEnd = (): void => this.#lose('session-ended', place);
    this.session.signal.addEventListener('abort', onSessionEnd, { once: true });
    watch.signal.addEventListener('abort', () => this.session.signal.removeEventListener('abort', onSessionEnd), { once: true });
    void (async () => {
      try {
        for await (const batch of follow(access, bytes(place.key), { fromRevision: place.revision + 1, signal })) {
          if (batch.events.some((e) => e.type === 'DELETE')) return this.#lose('key-deleted', place);
        }
      } catch {
        // The watch could not go on (compacted, or the client closed): the session's own end still reports a loss.
      }
    })();
  }

  #lose(reason: LeadershipLost['reason'], place: Place): void {
    if (this.#leading !== place) return; // resigned, or already reported
    this.#stopLeading();
    for (const listener of [...this.#lostListeners]) listener({ token: place.revision, reason });
  }

  #stopLeading(): void {
    this.#leading = undefined;
    this.#watch?.abort();
    this.#watch = undefined;
  }
}

function queued(kv: { key: Buffer; value: Buffer; createRevision: number }): { key: string; value: string; createRevision: number } {
  return { key: kv.key.toString('utf8'), value: kv.value.toString('utf8'), createRevision: kv.createRevision };
}

function queueEvent(e: { type: 'PUT' | 'DELETE'; kv: { key: Buffer; value: Buffer; createRevision: number } }): QueueEvent {
  return { type: e.type, ...queued(e.kv) };
}

function leaderOf(tracker: HeadTracker): Leader | undefined {
  const head = tracker.head;
  return head === undefined ? undefined : { key: head.key, token: head.createRevision, value: head.value };
}

/** Whether the tracker's leader is not the one last yielded (null: none yielded yet). */
function differs(shown: Leader | undefined | null, tracker: HeadTracker): boolean {
  if (shown === null) return true;
  const now = leaderOf(tracker);
  return shown?.token !== now?.token || shown?.value !== now?.value;
}

function notLeading(what: string): FleetClientError {
  return new FleetClientError('precondition', `${what}: this Election does not lead (it never won, resigned, or lost its key); campaign again`, { code: 'FAILED_PRECONDITION' });
}
