/**
 * The etcd keyspace every member serves, as the library hands it to a program
 * (`client.keyspace`): keys and values, revisions, leases with the keys tied to them, and
 * transactions with etcd's compares. The recipes are built on it. Calls are retried as
 * access.ts says: a write whose answer was lost may apply twice, so guard one that must not with
 * a compare (`txn`).
 */
import { FleetClientError } from '../errors.js';
import type { EtcdAccess } from './access.js';
import { bytes, type Bytes, type TxnRequest, type TxnResult } from './txn.js';
import { prefixEnd } from '../../common/etcd-keys.js';
import type { EtcdKeyValue } from './types.js';

export type { Bytes, CompareResult, TxnCompare, TxnOp, TxnRequest, TxnResult } from './txn.js';

/** A key as read: its value (UTF-8), and etcd's revisions and version of it. */
export interface KeyspaceEntry {
  readonly key: string;
  readonly value: string;
  /** The revision that created the key (since its last delete): what fences its holder. */
  readonly createRevision: number;
  /** The revision of its last write. */
  readonly modRevision: number;
  /** Writes since it was created: 1 after the first put. */
  readonly version: number;
}

/** The etcd keyspace of a cluster, reached through a FleetClient's endpoints and credentials. */
export interface Keyspace {
  /** One key, or undefined when it is absent (a linearizable read). */
  get(key: Bytes): Promise<KeyspaceEntry | undefined>;
  /** The keys under `prefix`, in key order (at most `limit`; 0: all), and the revision they were read at. */
  list(prefix: Bytes, opts?: { readonly limit?: number }): Promise<{ entries: KeyspaceEntry[]; revision: number }>;
  /** Puts one key; with `lease` (a Session's `lease()`, or a granted id) the key goes when that lease ends. Answers the revision. */
  put(key: Bytes, value: Bytes, opts?: { readonly lease?: string }): Promise<{ revision: number }>;
  /** Deletes one key, or every key under it with `prefix`; answers how many and the revision. */
  delete(key: Bytes, opts?: { readonly prefix?: boolean }): Promise<{ deleted: number; revision: number }>;
  /** One transaction (etcd's semantics): `success` if every compare holds, else `failure`, at one revision. */
  txn(request: TxnRequest): Promise<TxnResult>;
  /** Grants a lease of `ttlSeconds` (1 s to 24 h); answers its id (decimal) and the TTL granted. Nothing keeps it alive: a Session does. */
  grantLease(ttlSeconds: number): Promise<{ id: string; ttlSeconds: number }>;
  /** Revokes a lease: every key tied to it is deleted at once. A lease already gone is not an error. */
  revokeLease(id: string): Promise<void>;
}

/** The longest lease the members grant (docs/etcd-api.md): 24 h. */
export const MAX_LEASE_TTL_SECONDS = 86_400;

/** An entry as the library hands it out. */
export function entryOf(kv: EtcdKeyValue): KeyspaceEntry {
  return { key: kv.key.toString('utf8'), value: kv.value.toString('utf8'), createRevision: kv.createRevision, modRevision: kv.modRevision, version: kv.version };
}

/** The library's Keyspace on a client's access. */
export class AccessKeyspace implements Keyspace {
  constructor(readonly access: EtcdAccess) {}

  async get(key: Bytes): Promise<KeyspaceEntry | undefined> {
    const r = await this.access.run('reading a key', (ep) => this.access.etcd.range(ep, bytes(key)));
    const kv = r.kvs[0];
    return kv === undefined ? undefined : entryOf(kv);
  }

  async list(prefix: Bytes, opts: { readonly limit?: number } = {}): Promise<{ entries: KeyspaceEntry[]; revision: number }> {
    const from = bytes(prefix);
    const r = await this.access.run('listing keys', (ep) => this.access.etcd.range(ep, from.length === 0 ? Buffer.from([0]) : from, { rangeEnd: prefixEnd(from), limit: opts.limit ?? 0 }));
    return { entries: r.kvs.map(entryOf), revision: r.revision };
  }

  async put(key: Bytes, value: Bytes, opts: { readonly lease?: string } = {}): Promise<{ revision: number }> {
    const revision = await this.access.run('writing a key', (ep) => this.access.etcd.put(ep, bytes(key), bytes(value), undefined, opts.lease));
    return { revision };
  }

  delete(key: Bytes, opts: { readonly prefix?: boolean } = {}): Promise<{ deleted: number; revision: number }> {
    const k = bytes(key);
    const rangeEnd = opts.prefix === true ? prefixEnd(k) : undefined;
    return this.access.run('deleting keys', (ep) => this.access.etcd.deleteRange(ep, k, rangeEnd));
  }

  txn(request: TxnRequest): Promise<TxnResult> {
    return this.access.run('a transaction', (ep) => this.access.etcd.transact(ep, request));
  }

  async grantLease(ttlSeconds: number): Promise<{ id: string; ttlSeconds: number }> {
    checkTtl(ttlSeconds);
    return this.access.run('granting a lease', (ep) => this.access.etcd.leaseGrant(ep, ttlSeconds));
  }

  async revokeLease(id: string): Promise<void> {
    await this.access.run('revoking a lease', (ep) => this.access.etcd.leaseRevoke(ep, id)).catch((err: unknown) => {
      // Already gone (expired, or revoked by an earlier attempt whose answer was lost): what was asked holds.
      if (!(err instanceof FleetClientError && err.kind === 'not-found')) throw err;
    });
  }
}

/** Refuses a lease TTL the members would refuse (or raise), before anything is sent. */
export function checkTtl(ttlSeconds: number): void {
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_LEASE_TTL_SECONDS) {
    throw new FleetClientError('invalid', `a lease's TTL must be a whole number of seconds from 1 to ${MAX_LEASE_TTL_SECONDS} (got ${ttlSeconds})`, { code: 'INVALID_ARGUMENT' });
  }
}
