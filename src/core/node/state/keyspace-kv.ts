/**
 * The registry's way into the member's etcd keyspace (fleet/kv-location.ts): fleet's KV as etcd
 * keys, written through the replica's own apply (one revision each, the space quota checked, the
 * replica's invariants kept) so that a `fleet kv put` is the same change an etcd put would make.
 * Keys and values are UTF-8 text on fleet's side, bytes in the store.
 */
import type { KeyspacePort, KeyspacePut, KeyspaceRefusal } from '../../fleet/index.js';
import type { KeyValue, RequestOp } from '../../etcd-store/mvcc.js';
import type { EtcdReplica } from '../../etcd-store/replica.js';
import type { KvRecord } from '../../fleet/state.js';

const utf8 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));
const text = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
const ASCII = /^[^\u0080-\uffff]*$/;
/** UTF-8 text as the store names bytes (latin1): ASCII text is its own name, with no bytes made. */
const nameOf = (s: string): string => (ASCII.test(s) ? s : Buffer.from(s, 'utf8').toString('latin1'));
/** The UTF-8 text a store name holds. */
const textOf = (name: string): string => (ASCII.test(name) ? name : Buffer.from(name, 'latin1').toString('utf8'));
const recordOf = (kv: KeyValue): KvRecord => ({ value: text(kv.value), createRevision: kv.createRevision, modRevision: kv.modRevision, version: kv.version });

/** Where the ids of fleet's leases start (etcd's are int64; JavaScript numbers stay exact to 2^53). */
const FLEET_LEASE_IDS = 2 ** 52;

export class KeyspaceKv implements KeyspacePort {
  /** `replica`: the member's keyspace now (a restore replaces what it holds, never the replica). */
  constructor(private readonly replica: () => EtcdReplica) {}

  get revision(): number {
    return this.replica().store.revision;
  }

  get(key: string): KvRecord | undefined {
    // Every fleet KV write reads its key two or three times (its handler, the change feed): no range's copies.
    const rec = this.replica().store.latest(nameOf(key));
    return rec === undefined ? undefined : { value: textOf(rec.value), createRevision: rec.create, modRevision: rec.mod, version: rec.version };
  }

  put(key: string, value: string): { rec: KvRecord; revision: number } | KeyspaceRefusal {
    const answer = this.replica().putNamed(nameOf(key), nameOf(value));
    if (!answer.ok) return { refused: answer.message };
    return { rec: { value, createRevision: answer.create, modRevision: answer.mod, version: answer.version }, revision: answer.mod };
  }

  importAll(records: readonly (readonly [string, KvRecord])[], atLeast: number): number | KeyspaceRefusal {
    const answer = this.replica().importKeys(records.map(([key, rec]) => ({ key: utf8(key), value: utf8(rec.value), version: rec.version })), atLeast);
    return answer.ok ? answer.revision : { refused: answer.message };
  }

  writeAll(puts: readonly KeyspacePut[], deletes: readonly string[]): number | KeyspaceRefusal {
    const success: RequestOp[] = [
      ...deletes.map((key): RequestOp => ({ deleteRange: { key: utf8(key) } })),
      ...puts.map((p): RequestOp => ({ put: { key: utf8(p.key), value: utf8(p.value), ...(p.lease === undefined ? {} : { lease: p.lease }) } })),
    ];
    const answer = this.replica().apply({ at: 0, op: { type: 'txn', txn: { success } } });
    return answer.ok ? answer.revision : { refused: answer.error.message };
  }

  leaseGrant(ttlMs: number, at: number): number | KeyspaceRefusal {
    const store = this.replica().store;
    // The next revision names the lease (every member applies the same entries, so picks the same
    // id), above 2^52 where clients that count their own ids up from 1 do not reach; past an id an
    // etcd client chose, the next free one.
    let id = FLEET_LEASE_IDS + store.revision + 1;
    while (store.hasLease(id)) id++;
    const answer = this.replica().apply({ at, op: { type: 'lease-grant', id, ttl: Math.ceil(ttlMs / 1000), ttlMs } });
    return answer.ok ? id : { refused: answer.error.message };
  }

  leaseRenew(id: number, ttlMs: number, at: number): boolean {
    return this.replica().apply({ at, op: { type: 'lease-renew', id, ttlMs } }).ok;
  }

  leaseRevoke(id: number): void {
    this.replica().apply({ at: 0, op: { type: 'lease-revoke', id } });
  }

  delete(key: string): number | undefined {
    if (this.get(key) === undefined) return undefined;
    const answer = this.replica().apply({ at: 0, op: { type: 'txn', txn: { success: [{ deleteRange: { key: utf8(key) } }] } } });
    // A delete needs no space and names no lease: the store cannot refuse it.
    if (!answer.ok) throw new Error(`the keyspace refused a delete of ${JSON.stringify(key)}: ${answer.error.message}`);
    return answer.revision;
  }

  page(from: Uint8Array, end: Uint8Array | undefined, limit: number): { entries: [string, KvRecord][]; more: boolean } {
    const r = this.replica().store.range({ key: from, rangeEnd: end ?? new Uint8Array([0]), limit });
    return { entries: r.kvs.map((kv): [string, KvRecord] => [text(kv.key), recordOf(kv)]), more: r.more };
  }

  count(prefix?: string): number {
    if (prefix === undefined) return this.replica().store.keyCount;
    const from = utf8(prefix);
    const end = Uint8Array.from(from);
    end[end.length - 1]!++;
    return this.replica().store.range({ key: from, rangeEnd: end, countOnly: true, keysOnly: true }).count;
  }
}
