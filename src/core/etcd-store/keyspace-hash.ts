/**
 * etcd's Maintenance.HashKV: a CRC-32 of the keyspace's history up to a revision, equal on every
 * member that applied the same entries (etcdctl `endpoint hashkv --cluster` compares them). The
 * values are not etcd's (its hash covers its bolt encoding); the promise is etcd's: same history,
 * same hash. Taken from a view of the store (StoreImageView) a few hundred keys a turn, so that a
 * large keyspace never holds the member's loop, whatever is written meanwhile.
 */
import { crc32 } from 'node:zlib';
import { ERR_COMPACTED, ERR_FUTURE, MvccError, type MvccStore } from './mvcc.js';

/** Keys hashed between two turns of the event loop. */
const KEYS_PER_TURN = 512;

export interface KeyspaceHash {
  readonly hash: number;
  readonly compactRevision: number;
  /** The store's revision when the hash began (etcd's header revision). */
  readonly revision: number;
}

/**
 * etcd's Maintenance.Hash: the hash of the whole store, as etcd's covers its whole database — the
 * keyspace's kept history (HashKV's, to the newest revision) and then the users, roles and
 * permissions (`authImage`, the auth store's image, which every member applies alike).
 */
export async function hashStore(store: MvccStore, authImage: unknown): Promise<{ hash: number; revision: number }> {
  const keys = await hashKeyspace(store, 0);
  return { hash: crc32(Buffer.from(JSON.stringify(authImage), 'utf8'), keys.hash), revision: keys.revision };
}

/** The hash of every record kept with a revision up to `revision` (0: the newest), in key then revision order. */
export async function hashKeyspace(store: MvccStore, revision: number): Promise<KeyspaceHash> {
  const view = store.beginImage();
  const upTo = revision > 0 ? revision : view.revision;
  if (upTo > view.revision) throw new MvccError(ERR_FUTURE, 'future');
  if (upTo < view.compactRevision) throw new MvccError(ERR_COMPACTED, 'compacted', view.compactRevision);
  let hash = 0;
  let i = 0;
  for (const [key, history] of view.histories()) {
    if (i > 0 && i % KEYS_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
    i++;
    for (const r of history) {
      if (r.mod > upTo) break;
      hash = crc32(Buffer.from(`${key}\0${r.mod}.${r.sub ?? 0}\0${r.create}\0${r.version}\0${r.lease}\0${r.deleted ? 1 : 0}\0`, 'latin1'), hash);
      hash = crc32(Buffer.from(r.value, 'latin1'), hash);
    }
  }
  return { hash, compactRevision: view.compactRevision, revision: view.revision };
}
