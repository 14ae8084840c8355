/**
 * What the registry needs of the member's etcd keyspace to keep fleet's KV there
 * (kv-location.ts); the member provides it (node/state/keyspace-kv.ts). Apart from state.ts and
 * kv-location.ts so that neither imports the other.
 */

/** A KV value with its revisions. */
export interface KvRecord {
  readonly value: string;
  readonly createRevision: number;
  readonly modRevision: number;
  readonly version: number;
}

/** A keyspace write the store refused (its space quota): nothing changed. */
export interface KeyspaceRefusal {
  readonly refused: string;
}

/** A put of a batch: `lease`, the etcd lease the key is attached to (absent: none). */
export interface KeyspacePut {
  readonly key: string;
  readonly value: string;
  readonly lease?: number;
}

/** What the registry needs of the etcd keyspace. Keys are etcd keys as text (UTF-8). */
export interface KeyspacePort {
  /** The store's revision. */
  readonly revision: number;
  get(key: string): KvRecord | undefined;
  /** Writes at a new revision; the record as written. */
  put(key: string, value: string): { readonly rec: KvRecord; readonly revision: number } | KeyspaceRefusal;
  /**
   * Writes every record at one new revision of at least `atLeast`, keeping each one's version;
   * refused whole (nothing written) over the space quota.
   */
  importAll(records: readonly (readonly [string, KvRecord])[], atLeast: number): number | KeyspaceRefusal;
  /** Deletes at a new revision; undefined (and no revision) when the key is absent. */
  delete(key: string): number | undefined;
  /**
   * Puts and deletes at one new revision, as one etcd txn (fleet's leases: a grant is two keys);
   * refused whole over the space quota or for a lease that is gone.
   */
  writeAll(puts: readonly KeyspacePut[], deletes: readonly string[]): number | KeyspaceRefusal;
  /** Grants an etcd lease of `ttlMs` stamped at `at` (the leader's lease clock); its id, chosen by the revision so every member picks the same. */
  leaseGrant(ttlMs: number, at: number): number | KeyspaceRefusal;
  /** Restamps lease `id` at `at` for `ttlMs`; false when it is gone. */
  leaseRenew(id: number, ttlMs: number, at: number): boolean;
  /** Revokes lease `id`, deleting its keys at one revision; nothing when it is gone. */
  leaseRevoke(id: number): void;
  /** Keys from `from` (inclusive) up to `end` (exclusive; undefined: the end of the keyspace), at most `limit`, in byte order. */
  page(from: Uint8Array, end: Uint8Array | undefined, limit: number): { readonly entries: readonly (readonly [string, KvRecord])[]; readonly more: boolean };
  /** How many live keys the store holds; with `prefix`, how many of them start with it. */
  count(prefix?: string): number;
}
