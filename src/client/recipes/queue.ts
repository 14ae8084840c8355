/**
 * The queue under a Mutex or an Election, on the etcd keyspace (etcd's concurrency package's
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
import { turnOf } from './order.js';

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

/** Resolves once `place` is first in line under `prefix`; throws when its key is gone (its lease ended). Stops when `signal` fires. */
export async function waitTurn(access: EtcdAccess, prefix: string, place: Place, signal: AbortSignal): Promise<void> {
  const from = bytes(prefix);
  while (!signal.aborted) {
    const r = await access.run(`waiting on ${prefix}`, (ep) => access.etcd.range(ep, from, { rangeEnd: prefixEnd(from), byCreate: 'descend', maxCreateRevision: place.revision, limit: 2 }), signal);
    const turn = turnOf(r.kvs.map((kv) => ({ key: kv.key.toString('utf8'), value: kv.value.toString('utf8'), createRevision: kv.createRevision })), place.key, place.revision);
    if (turn.kind === 'mine') return;
    if (turn.kind === 'gone') throw gone(place.key);
    await deleted(access, turn.predecessor.key, r.revision + 1, signal);
  }
}

/** Resolves when `key` is deleted at or after `fromRevision` (or the watch's history is gone: the caller reads again), or `signal` fires. */
async function deleted(access: EtcdAccess, key: string, fromRevision: number, signal: AbortSignal): Promise<void> {
  try {
    for await (const batch of follow(access, bytes(key), { fromRevision, signal })) {
      if (batch.events.some((e) => e.type === 'DELETE')) return;
    }
  } catch (err) {
    if (!(err instanceof CompactedError)) throw err;
  }
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
