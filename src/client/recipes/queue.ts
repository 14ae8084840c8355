/**
 * The queue under a Mutex, an Election, an RWLock or a Semaphore, on the etcd keyspace (etcd's concurrency package's
 * way): a contender puts its own key under the name's prefix, tied to its session's lease; the
 * key's create revision is its place in line and, once first, its fencing token. It then waits
 * for the key just ahead of it to be deleted (order.ts), watching that key alone from the
 * revision it read the queue at, so a delete in between is not missed and one release wakes one
 * waiter.
 */
import { FleetClientError } from '../errors.js';
import type { EtcdAccess } from '../etcd/access.js';
import { CompactedError, follow } from '../etcd/follow.js';
import { bytes } from '../etcd/txn.js';
import { prefixEnd } from '../../common/etcd-keys.js';
import { turnOf, type Turn } from './order.js';

/** A contender's key and its place in line (its create revision). */
export interface Place {
  readonly key: string;
  readonly revision: number;
}

/**
 * Puts `key` with `value` on `lease` unless it exists; answers its create revision. Run again
 * after a lost answer, it finds the key the first run made and answers the same.
 */
export async function enqueue(access: EtcdAccess, key: string, value: string, lease: string, signal: AbortSignal): Promise<Place> {
  const k = bytes(key);
  const put = await access.run(`queueing ${key}`, (ep) => access.etcd.transact(ep, { compare: [{ key: k, target: 'create', value: 0 }], success: [{ put: k, value, lease }] }), signal);
  if (put.succeeded) return { key, revision: put.revision };
  const found = await access.run(`reading ${key}`, (ep) => access.etcd.range(ep, k), signal);
  const kv = found.kvs[0];
  if (kv === undefined) throw gone(key);
  return { key, revision: kv.createRevision };
}

/**
 * Resolves once no key under `ahead` created before `place` is left: `place` is first in line
 * when `ahead` is its own queue's prefix (a Mutex), or past every older key of another queue (a
 * reader waits for the writers ahead of it). Each round waits for the newest older key alone.
 * Throws when `place`'s own key is gone (its lease ended); stops when `signal` fires.
 */
export async function waitTurn(access: EtcdAccess, ahead: string, place: Place, signal: AbortSignal): Promise<void> {
  const from = bytes(ahead);
  // When `ahead` holds place's own key, one read says both whether it is there and what precedes it.
  const own = place.key.startsWith(ahead);
  // Keys older than `place` are only ever deleted (a key made again gets a later create
  // revision), so any state from the revision `place` was made at, or the last delete seen, on
  // answers as a linearizable read would: read without a ReadIndex round where that state is
  // at hand (on the leader, always), which takes a round off every hand-off.
  let floor: number | undefined = place.revision;
  while (!signal.aborted) {
    const r = await access.run(`waiting on ${ahead}`, (ep) => access.etcd.range(ep, from, { rangeEnd: prefixEnd(from), byCreate: 'descend', maxCreateRevision: own ? place.revision : place.revision - 1, limit: own ? 2 : 1, atLeastRevision: floor }), signal);
    const keys = r.kvs.map((kv) => ({ key: kv.key.toString('utf8'), value: kv.value.toString('utf8'), createRevision: kv.createRevision }));
    const turn: Turn = own ? turnOf(keys, place.key, place.revision) : keys[0] !== undefined ? { kind: 'wait', predecessor: keys[0] } : await ownTurn(access, place, r.revision, signal);
    if (turn.kind === 'mine') return;
    if (turn.kind === 'gone') throw gone(place.key);
    // No delete seen (the history to watch from was compacted): the next read is linearizable,
    // so that it does not find the same stale state again.
    const at = await deleted(access, turn.predecessor.key, r.revision + 1, signal);
    floor = at > 0 ? at : undefined;
  }
}

/** Nothing is ahead of `place` at revision `seen`: its turn, if its key is still the one it made. */
async function ownTurn(access: EtcdAccess, place: Place, seen: number, signal: AbortSignal): Promise<Turn> {
  const r = await access.run(`reading ${place.key}`, (ep) => access.etcd.range(ep, bytes(place.key), { atLeastRevision: seen }), signal);
  return r.kvs[0]?.createRevision === place.revision ? { kind: 'mine' } : { kind: 'gone' };
}

/** Resolves when `key` (or, with `rangeEnd`, a key of that range) is deleted at or after `fromRevision`; see `changed`. */
export function deleted(access: EtcdAccess, key: string, fromRevision: number, signal: AbortSignal, rangeEnd?: Buffer): Promise<number> {
  return changed(access, 'DELETE', key, fromRevision, signal, rangeEnd);
}

/**
 * Resolves with the revision of the first `type` event of `key` (or a key of the range to
 * `rangeEnd`) at or after `fromRevision`; 0 when the watch's history is gone (the caller reads
 * again) or `signal` fires.
 */
export async function changed(access: EtcdAccess, type: 'PUT' | 'DELETE', key: string, fromRevision: number, signal: AbortSignal, rangeEnd?: Buffer): Promise<number> {
  try {
    for await (const batch of follow(access, bytes(key), { fromRevision, signal, ...(rangeEnd === undefined ? {} : { rangeEnd }) })) {
      const event = batch.events.find((e) => e.type === type);
      if (event !== undefined) return event.kv.modRevision;
    }
  } catch (err) {
    if (!(err instanceof CompactedError)) throw err;
  }
  return 0;
}

/** Deletes `place`'s key if it is still the one made then (not a later one of the same name). */
export async function dequeue(access: EtcdAccess, place: Place, signal?: AbortSignal): Promise<void> {
  const k = bytes(place.key);
  await access.run(`deleting ${place.key}`, (ep) => access.etcd.transact(ep, { compare: [{ key: k, target: 'create', value: place.revision }], success: [{ delete: k }] }), signal);
}

/** The key a contender queued with is gone: its lease ended (expired or revoked) or someone deleted it. */
export function gone(key: string): FleetClientError {
  return new FleetClientError('invalid', `${key} is gone: the session's lease ended (it expired, or was revoked); make a new session`, { code: 'SESSION_ENDED' });
}
