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
  /** Keys from `from` (inclusive) up to `end` (exclusive; undefined: the end of the keyspace), at most `limit`, in byte order. */
  page(from: Uint8Array, end: Uint8Array | undefined, limit: number): { readonly entries: readonly (readonly [string, KvRecord])[]; readonly more: boolean };
  /** How many live keys the store holds. */
  count(): number;
}
