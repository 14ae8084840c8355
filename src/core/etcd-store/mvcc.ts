/**
 * A pure, deterministic MVCC keyspace with etcd v3 semantics (issue 36, step 1): one store
 * revision per write transaction; each key's create_revision, mod_revision and version;
 * Range/Put/DeleteRange/Txn/Compact; leases whose keys go in one revision on revoke or expiry.
 *
 * No clocks: lease expiry is decided by whoever passes `now` (the leader, in a replicated
 * command), so every replica applying the same commands reaches the same state. Keys are bytes,
 * held internally as latin1 strings so that `<` orders them as etcd does (byte order).
 */
import { MinHeap } from '../../common/min-heap.js';
import { LIMITS } from '../../common/registry/registry-limits.js';
import { SortedMap, type SortedMapView } from '../fleet/sorted-map.js';
import { checkInvariant } from '../invariant.js';

export interface KeyValue {
  key: Uint8Array;
  createRevision: number;
  modRevision: number;
  version: number;
  value: Uint8Array;
  lease: number;
}

export class MvccError extends Error {
  constructor(message: string, readonly code: 'compacted' | 'future' | 'invalid' | 'lease-not-found' | 'too-many-ops' | 'too-large' | 'no-space', readonly compactRevision?: number) {
    super(message);
    this.name = 'MvccError';
  }
}

export const ERR_COMPACTED = 'etcdserver: mvcc: required revision has been compacted';
export const ERR_FUTURE = 'etcdserver: mvcc: required revision is a future revision';
export const ERR_LEASE_NOT_FOUND = 'etcdserver: requested lease not found';
export const ERR_TOO_MANY_OPS = 'etcdserver: too many operations in txn request';
export const ERR_DUPLICATE_KEY = 'etcdserver: duplicate key given in txn request';
export const ERR_TOO_LARGE = 'etcdserver: request is too large';
export const ERR_NO_SPACE = 'etcdserver: mvcc: database space exceeded';
export const MAX_TXN_OPS = 128;
/**
 * Keys a write changes between two steps when it is applied in steps (`txnSteps`): about a
 * millisecond of work. check perf's cleanup deletes 60,000 keys in one DeleteRange, which held a
 * member's loop 190–360 ms in one turn (BENCHMARKS.md, session 38).
 */
export const WRITES_PER_STEP = 1024;
export const MAX_REQUEST_BYTES = 1.5 * 1024 * 1024;
/** Live leases at most, as the registry's (LIMITS.maxLeases); a grant beyond it is refused on apply, the same on every member. */
export const MAX_LEASES = LIMITS.maxLeases;
export const ERR_TOO_MANY_LEASES = `etcdserver: too many leases (${LIMITS.maxLeases}); revoke some first`;

/**
 * One stored version of a key; a tombstone has `deleted`. `sub` is its place among the writes of
 * its revision (etcd's sub-revision: the order the txn's operations wrote), left out when 0 so
 * that a revision of one write is stored as before sub-revisions were.
 */
interface Rec { mod: number; sub?: number; create: number; version: number; value: string; lease: number; deleted: boolean }
/** What `approximateBytes` counts for a record beside its key and value. */
const RECORD_OVERHEAD_BYTES = 32;
const recordBytes = (key: string, r: Rec): number => key.length + r.value.length + RECORD_OVERHEAD_BYTES;

/**
 * A key's versions, oldest first: the record alone while it has one (most keys), an array from
 * the second on. An array is changed in place only at its end, by records newer than any image's
 * revision (a write, or its undo); anything else (compaction) puts a new history in the index, so
 * that an image's frozen view of the index (StoreImageView) reads the histories as they were.
 */
type History = Rec | Rec[];
const countOf = (h: History): number => (Array.isArray(h) ? h.length : 1);
const recordOf = (h: History, i: number): Rec => (Array.isArray(h) ? h[i]! : h);
const newestOf = (h: History): Rec => (Array.isArray(h) ? h[h.length - 1]! : h);
const recordsOf = (h: History): readonly Rec[] => (Array.isArray(h) ? h : [h]);
/** A history of `recs` (at least one). */
const historyOf = (recs: Rec[]): History => (recs.length === 1 ? recs[0]! : recs);

export type SortTarget = 'key' | 'version' | 'create' | 'mod' | 'value';
export interface RangeRequest {
  key: Uint8Array;
  /** etcd's range_end: empty = just `key`; [0] = every key ≥ `key`. */
  rangeEnd?: Uint8Array;
  limit?: number;
  revision?: number;
  sortOrder?: 'none' | 'ascend' | 'descend';
  sortTarget?: SortTarget;
  keysOnly?: boolean;
  countOnly?: boolean;
  minModRevision?: number;
  maxModRevision?: number;
  minCreateRevision?: number;
  maxCreateRevision?: number;
}
export interface RangeResponse { revision: number; kvs: KeyValue[]; more: boolean; count: number }
export interface PutRequest { key: Uint8Array; value?: Uint8Array; lease?: number; prevKv?: boolean; ignoreValue?: boolean; ignoreLease?: boolean }
export interface PutResponse { revision: number; prevKv?: KeyValue }
export interface DeleteRangeRequest { key: Uint8Array; rangeEnd?: Uint8Array; prevKv?: boolean }
export interface DeleteRangeResponse { revision: number; deleted: number; prevKvs: KeyValue[] }

export type CompareTarget = 'version' | 'create' | 'mod' | 'value' | 'lease';
export interface Compare {
  key: Uint8Array;
  rangeEnd?: Uint8Array;
  target: CompareTarget;
  result: 'equal' | 'greater' | 'less' | 'not-equal';
  /** A number for version/create/mod/lease, bytes for value. */
  operand: number | Uint8Array;
}
export type RequestOp =
  | { range: RangeRequest }
  | { put: PutRequest }
  | { deleteRange: DeleteRangeRequest }
  | { txn: TxnRequest };
export type ResponseOp =
  | { range: RangeResponse }
  | { put: PutResponse }
  | { deleteRange: DeleteRangeResponse }
  | { txn: TxnResponse };
export interface TxnRequest { compare?: Compare[]; success?: RequestOp[]; failure?: RequestOp[] }
export interface TxnResponse { revision: number; succeeded: boolean; responses: ResponseOp[] }

export interface WatchEvent { type: 'PUT' | 'DELETE'; kv: KeyValue; prevKv?: KeyValue }
/**
 * A lease as answered and imaged: `ttl` in whole seconds, as etcd's; `ttlMs` only when the TTL is not
 * whole seconds (a fleet lease's, granted by the registry: fleet TTLs are milliseconds).
 */
export interface Lease { id: number; ttl: number; expiresAt: number; ttlMs?: number }
/** An active alarm, as etcd's AlarmMember: the member that raised it (fleet's member id) and what. */
export interface StoreAlarm { readonly member: string; readonly alarm: 'NOSPACE' }
export interface MvccSnapshot {
  revision: number;
  compactRevision: number;
  keys: [string, Rec[]][];
  leases: Lease[];
  /** Absent when none is active: an image without alarms is byte for byte what it was before alarms. */
  alarms?: StoreAlarm[];
}

// A view of the bytes, not Buffer.from(b)'s copy of them: every key and value a write names passes here.
const b2s = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
/** A key as the store names it (what `newestRevisionKeys` lists): its bytes as latin1. */
export const keyName = b2s;
const s2b = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

/** Whether [key, rangeEnd) is every key: from "\0" on. */
function isEveryKey(key: Uint8Array, rangeEnd: Uint8Array | undefined): boolean {
  return key.length === 1 && key[0] === 0 && rangeEnd !== undefined && rangeEnd.length === 1 && rangeEnd[0] === 0;
}

/** Whether a key (as the store names it) is in [key, rangeEnd), with etcd's meanings: no rangeEnd is the key alone, "\0" everything from key on. */
function rangeTest(key: Uint8Array, rangeEnd: Uint8Array | undefined): (name: string) => boolean {
  const k = b2s(key);
  if (!rangeEnd || rangeEnd.length === 0) return (name) => name === k;
  if (rangeEnd.length === 1 && rangeEnd[0] === 0) return (name) => name >= k;
  const end = b2s(rangeEnd);
  return (name) => name >= k && name < end;
}

export class MvccStore {
  private rev: number;
  private compacted = 0;
  /** Every key with history, in key (byte) order, and its versions. */
  private index = new SortedMap<History>();
  private leases = new Map<number, LeaseRecord>();
  /**
   * Every lease as imaged (`leaseOf`), in id order (`leaseKey`), replaced whole when a grant or a
   * renewal restamps it: an image freezes it in time proportional to its chunks, not its leases
   * (a copy and sort of 100,000 leases held the loop 38–70 ms when an image began).
   */
  private stamps = new SortedMap<Lease>();
  /**
   * The leases by expiry (`expiryOf`), soonest first, so that the leader's look at every tick costs
   * the leases due, not a sort of them all (18,884 leases kept an idle leader at half a core). An
   * entry is current while its lease still expires at its `expiresAt`; a renewal or keep-alive
   * pushes a new one, and the old ones go when they come out or when the heap outgrows the leases
   * (rebuilt).
   */
  private byExpiry = newExpiryHeap();
  /** No lease was stamped (granted or renewed) later than this: the leader's every-tick look for stamps ahead of its clock is free while it is behind. */
  private latestStampBound = -Infinity;
  /** The keys the newest revision wrote (undefined: not known, e.g. after a restore), and keys written by the write in progress. */
  private lastKeys: { revision: number; keys: string[] } | undefined;
  private writing: Set<string> | undefined;
  /** How many writes the revision in progress has made: the next one's sub-revision. */
  private writesInRevision = 0;
  /** What `approximateBytes` answers, kept as records come and go (a scan of a large history took tens of ms, and Maintenance.Status asks). */
  private bytes = 0;
  /** How many keys exist now (`keyCount`). */
  private liveCount = 0;
  /**
   * Active alarms, replicated as the keyspace is (etcd keeps them in its backend too). While
   * NOSPACE is active every member refuses what would grow the store (puts, lease grants) and
   * serves reads, deletes and compaction, as etcd's capped applier does.
   */
  private alarmList: StoreAlarm[] = [];

  /** `startRevision`: the revision of the empty store (etcd's is 1, so its first write is revision 2). */
  constructor(startRevision = 0) {
    this.rev = startRevision;
  }

  get revision(): number { return this.rev; }
  get compactRevision(): number { return this.compacted; }
  /** How many keys exist now (kept as records come and go). */
  get keyCount(): number { return this.liveCount; }
  /** How many leases are granted (cheap: the leader asks at every tick). */
  get leaseCount(): number { return this.leases.size; }

  // ---- reads ----

  range(req: RangeRequest): RangeResponse {
    this.checkTotal(req.key, req.rangeEnd);
    return this.rangeAt(req, this.rev);
  }

  /**
   * The newest version of the key the store names `k` (its bytes as latin1), its value named so
   * too, or undefined when absent: what fleet's KV reads on every write, without a range's copies.
   */
  latest(k: string): { readonly value: string; readonly create: number; readonly mod: number; readonly version: number } | undefined {
    return this.live(k);
  }

  private rangeAt(req: RangeRequest, current: number): RangeResponse {
    const at = req.revision && req.revision > 0 ? req.revision : current;
    if (at > current) throw new MvccError(ERR_FUTURE, 'future');
    if (at < this.compacted) throw new MvccError(ERR_COMPACTED, 'compacted', this.compacted);
    const order = req.sortOrder ?? 'none';
    const target = req.sortTarget ?? 'key';
    const sorted = order !== 'none' && !(target === 'key' && order === 'ascend');
    const limit = req.limit && req.limit > 0 ? req.limit : Infinity;
    // etcd counts every match, but a page in key order needs only its first `limit` built.
    const keep = req.countOnly ? 0 : sorted ? Infinity : limit;
    let kvs: KeyValue[] = [];
    let count = 0;
    this.eachIn(req.key, req.rangeEnd, (k, h) => {
      const r = recAt(h, at);
      if (!r || r.deleted) return;
      if (req.minModRevision && r.mod < req.minModRevision) return;
      if (req.maxModRevision && r.mod > req.maxModRevision) return;
      if (req.minCreateRevision && r.create < req.minCreateRevision) return;
      if (req.maxCreateRevision && r.create > req.maxCreateRevision) return;
      count++;
      if (kvs.length < keep) kvs.push(toKv(k, r, req.keysOnly ?? false));
    });
    if (sorted) {
      const val = (kv: KeyValue): number | string =>
        target === 'key' ? b2s(kv.key) : target === 'value' ? b2s(kv.value) : target === 'version' ? kv.version : target === 'create' ? kv.createRevision : kv.modRevision;
      // A stable sort over key order keeps ties in key order on every replica.
      kvs.sort((a, b) => {
        const x = val(a);
        const y = val(b);
        const c = x < y ? -1 : x > y ? 1 : 0;
        return order === 'descend' ? -c : c;
      });
    }
    if (kvs.length > limit) kvs = kvs.slice(0, limit);
    return { revision: current, kvs, more: count > limit, count };
  }

  /**
   * Visits in key order the keys with history in [key, rangeEnd) (etcd's range_end rules), from
   * the range's first key on (or the first after `after`, resuming), until `visit` returns false:
   * a read of a few keys costs those keys, not the keyspace's size. `visit` must not change the
   * index (a write collects its keys first: applyDelete).
   */
  private eachIn(key: Uint8Array, rangeEnd: Uint8Array | undefined, visit: (k: string, h: History) => boolean | void, after?: string): void {
    const k = b2s(key);
    if (!rangeEnd || rangeEnd.length === 0) {
      const h = after === undefined ? this.index.get(k) : undefined;
      if (h !== undefined) visit(k, h);
      return;
    }
    const end = rangeEnd.length === 1 && rangeEnd[0] === 0 ? undefined : b2s(rangeEnd);
    this.index.forEachAfter(after ?? k, (name, h) => (end === undefined || name < end) && visit(name, h) !== false, after === undefined);
  }

  /** `k`'s version as of revision `at`, undefined if it did not exist then. */
  private liveAt(k: string, at: number): Rec | undefined {
    const h = this.index.get(k);
    const r = h === undefined ? undefined : recAt(h, at);
    return r && !r.deleted ? r : undefined;
  }

  private live(k: string): Rec | undefined {
    return liveOf(this.index.get(k));
  }

  private checkTotal(key: Uint8Array, rangeEnd?: Uint8Array): void {
    if (key.length === 0 && !(rangeEnd && rangeEnd.length > 0)) throw new MvccError('etcdserver: key is not provided', 'invalid');
  }

  // ---- writes: each public write is one transaction, one revision if it changed anything ----

  put(req: PutRequest): PutResponse {
    const r = this.txn({ success: [{ put: req }] });
    return (r.responses[0] as { put: PutResponse }).put;
  }

  deleteRange(req: DeleteRangeRequest): DeleteRangeResponse {
    const r = this.txn({ success: [{ deleteRange: req }] });
    return (r.responses[0] as { deleteRange: DeleteRangeResponse }).deleteRange;
  }

  txn(req: TxnRequest): TxnResponse {
    return txnDeletes(req) ? runSteps(this.txnSteps(req)) : this.txnNow(req);
  }

  /**
   * `txn` in steps: a write yields after every WRITES_PER_STEP keys it changes. Until its last
   * step the store answers reads as of the revision before (the write's records are newer than
   * `revision`, and every read skips those), and no other write may begin. A read-only txn never
   * yields and may run between another write's steps.
   */
  *txnSteps(req: TxnRequest): Generator<void, TxnResponse, undefined> {
    validateTxn(req);
    if (!txnWrites(req)) return this.stamp(this.readTxn(req), this.rev);
    const w = this.beginWrite();
    try {
      return this.endWrite(yield* this.applyTxn(req, w), w);
    } catch (e) {
      undoAll(w.undo);
      throw e;
    } finally {
      this.writing = undefined;
    }
  }

  /**
   * A put of one key with no lease, named as the store names keys and values (latin1): the write
   * `txn({ success: [{ put }] })` makes, without the requests, responses and names of bytes around
   * it. fleet's KV writes this way (node/state/keyspace-kv.ts); refused as that txn would be.
   * Returns the record written.
   */
  putNamed(k: string, value: string): { readonly create: number; readonly mod: number; readonly version: number } {
    if (k.length === 0) throw new MvccError('etcdserver: key is not provided', 'invalid');
    if (k.length + value.length > MAX_REQUEST_BYTES) throw new MvccError(ERR_TOO_LARGE, 'too-large');
    const w = this.beginWrite();
    try {
      const h = this.index.get(k);
      const prev = liveOf(h);
      const rec: Rec = { mod: w.next, create: prev ? prev.create : w.next, version: prev ? prev.version + 1 : 1, value, lease: 0, deleted: false };
      this.write(k, rec, w.undo, h);
      if (prev && prev.lease !== 0) this.detach(prev.lease, k, w.undo);
      this.madeRevision(w.next);
      return rec;
    } finally {
      this.writing = undefined;
    }
  }

  /**
   * `txn` of a request that deletes nothing (`txnDeletes`), in one go: such a txn never yields,
   * and without the steps' five generators a fleet KV put (a txn of one put) leaves about 2 KB
   * less garbage (bench/kv-put-alloc-probe.ts), which a member's 1 MB young generation
   * (MEMBER_NODE_OPTIONS) pays for in scavenges; a restarted member replays thousands of them.
   */
  txnNow(req: TxnRequest): TxnResponse {
    checkInvariant(!txnDeletes(req), 'mvcc-txn-now-deletes-nothing', () => 'txnNow was given a txn with a delete: it would change keys without yielding');
    validateTxn(req);
    if (!txnWrites(req)) return this.stamp(this.readTxn(req), this.rev);
    const w = this.beginWrite();
    try {
      return this.endWrite(this.applyTxnNow(req, w), w);
    } catch (e) {
      undoAll(w.undo);
      throw e;
    } finally {
      this.writing = undefined;
    }
  }

  private beginWrite(): WriteState {
    // One write at a time: the steps of one end before the next begins (the member applies in log order).
    checkInvariant(this.writing === undefined, 'mvcc-one-write-at-a-time', () => `a txn began at revision ${this.rev} while the write of revision ${this.rev + 1} is in steps`);
    this.beginRevision();
    return { next: this.rev + 1, undo: [], wrote: false, sinceStep: 0 };
  }

  private endWrite(res: TxnResponse, w: WriteState): TxnResponse {
    if (w.wrote) this.madeRevision(w.next);
    return this.stamp(res, this.rev);
  }

  /**
   * Writes `records` at one new revision, each keeping the version it had where it came from (a
   * key this store holds already counts on from its own): fleet's KV moved in from the registry
   * (fleet/kv-location.ts), whose versions count the writes a client made. Not a client's write:
   * applied in one step, by the replica alone. The revision made is at least `atLeast`: the
   * registry's own KV revision went that far, and a client that saw it must not see a key's
   * revision go back (etcd's clients take a revision skipped as one with no events). Returns the
   * store's revision after it (none made for no records when the store is past `atLeast` already).
   */
  importKeys(records: readonly { readonly key: Uint8Array; readonly value: Uint8Array; readonly version: number }[], atLeast = 0): number {
    checkInvariant(this.writing === undefined, 'mvcc-one-write-at-a-time', () => `an import began at revision ${this.rev} while the write of revision ${this.rev + 1} is in steps`);
    if (records.length === 0 && atLeast <= this.rev) return this.rev;
    const next = Math.max(this.rev + 1, atLeast);
    this.beginRevision();
    try {
      for (const r of records) {
        const k = b2s(r.key);
        const prev = this.live(k);
        this.write(k, { mod: next, create: prev ? prev.create : next, version: prev ? prev.version + 1 : Math.max(1, r.version), value: b2s(r.value), lease: prev?.lease ?? 0, deleted: false }, []);
      }
      this.madeRevision(next);
    } finally {
      this.writing = undefined;
    }
    return this.rev;
  }

  /** A txn without puts or deletes: compares and ranges as of the store's revision, no revision made. */
  private readTxn(req: TxnRequest): TxnResponse {
    const succeeded = (req.compare ?? []).every((c) => this.compare(c, this.rev));
    const responses: ResponseOp[] = ((succeeded ? req.success : req.failure) ?? []).map((op) => {
      if ('range' in op) {
        this.checkTotal(op.range.key, op.range.rangeEnd);
        return { range: this.rangeAt(op.range, this.rev) };
      }
      return { txn: this.readTxn((op as { txn: TxnRequest }).txn) };
    });
    return { revision: 0, succeeded, responses };
  }

  /** A write transaction starts: no key written yet, the next write is sub-revision 0. */
  private beginRevision(): void {
    this.writing = new Set();
    this.writesInRevision = 0;
  }

  private madeRevision(next: number): void {
    this.rev = next;
    const keys = [...(this.writing ?? [])];
    // A range delete writes its keys in order: a sort of 60,000 of them was the longest step of its apply.
    if (!inOrder(keys)) keys.sort();
    this.lastKeys = { revision: next, keys };
  }

  /**
   * About how many bytes the keyspace holds, history included: each kept version's key and value
   * and 32 bytes for its revisions, version and lease (a record's overhead in etcd's store is of
   * that order). What Maintenance.Status reports as the db size; kept as records come and go.
   */
  approximateBytes(): number {
    return this.bytes;
  }

  private countAll(): number {
    let bytes = 0;
    this.index.forEachAfter(undefined, (key, h) => {
      for (let i = 0; i < countOf(h); i++) bytes += recordBytes(key, recordOf(h, i));
      return true;
    });
    return bytes;
  }

  /** The keys the newest revision wrote (sorted, named by `keyName`), or undefined when not known (after a restore). */
  newestRevisionKeys(): { readonly revision: number; readonly keys: readonly string[] } | undefined {
    const last = this.lastKeys;
    return last !== undefined && last.revision === this.rev ? last : undefined;
  }

  /** Responses carry the store's revision after the transaction. */
  private stamp(res: TxnResponse, rev: number): TxnResponse {
    res.revision = rev;
    for (const r of res.responses) {
      if ('range' in r) r.range.revision = rev;
      else if ('put' in r) r.put.revision = rev;
      else if ('deleteRange' in r) r.deleteRange.revision = rev;
      else this.stamp(r.txn, rev);
    }
    return res;
  }

  private *applyTxn(req: TxnRequest, w: WriteState): Generator<void, TxnResponse, undefined> {
    const succeeded = (req.compare ?? []).every((c) => this.compare(c));
    const responses: ResponseOp[] = [];
    for (const op of (succeeded ? req.success : req.failure) ?? []) {
      if ('deleteRange' in op) responses.push({ deleteRange: yield* this.applyDelete(op.deleteRange, w) });
      else if ('txn' in op) responses.push({ txn: yield* this.applyTxn(op.txn, w) });
      else responses.push(this.applyOpNow(op, w));
    }
    return { revision: 0, succeeded, responses };
  }

  /** `applyTxn` of a txn without deletes (txnNow's), which never yields. */
  private applyTxnNow(req: TxnRequest, w: WriteState): TxnResponse {
    const succeeded = (req.compare ?? []).every((c) => this.compare(c));
    const responses: ResponseOp[] = [];
    for (const op of (succeeded ? req.success : req.failure) ?? []) responses.push('txn' in op ? { txn: this.applyTxnNow(op.txn, w) } : this.applyOpNow(op, w));
    return { revision: 0, succeeded, responses };
  }

  /** A range or a put of a write txn: neither yields. */
  private applyOpNow(op: RequestOp, w: WriteState): ResponseOp {
    if ('range' in op) {
      this.checkTotal(op.range.key, op.range.rangeEnd);
      // Reads inside a write txn see its earlier writes.
      return { range: this.rangeAt({ ...op.range, revision: op.range.revision }, w.wrote ? w.next : this.rev) };
    }
    if ('put' in op) return { put: this.applyPut(op.put, w) };
    throw new Error(`applyOpNow: ${Object.keys(op).join()} is not a range or a put`);
  }

  /** Whether compare `c` holds: on the keys as written so far (a write's), or as of revision `at` (a read's). */
  private compare(c: Compare, at?: number): boolean {
    const current = (k: string): Rec | undefined => (at === undefined ? this.live(k) : this.liveAt(k, at));
    const inRange: string[] = [];
    if (c.rangeEnd && c.rangeEnd.length > 0) this.eachIn(c.key, c.rangeEnd, (k) => void (current(k) && inRange.push(k)));
    // No key (or none in the range): etcd compares against an empty kv, and a value compare fails.
    const keys = inRange.length > 0 ? inRange : [b2s(c.key)];
    return keys.every((k) => {
      const r = current(k);
      let cmp: number;
      if (c.target === 'value') {
        if (!r) return false;
        const x = r.value;
        const y = b2s(c.operand as Uint8Array);
        cmp = x < y ? -1 : x > y ? 1 : 0;
      } else {
        const x = !r ? 0 : c.target === 'version' ? r.version : c.target === 'create' ? r.create : c.target === 'mod' ? r.mod : r.lease;
        const y = c.operand as number;
        cmp = x < y ? -1 : x > y ? 1 : 0;
      }
      return c.result === 'equal' ? cmp === 0 : c.result === 'not-equal' ? cmp !== 0 : c.result === 'greater' ? cmp > 0 : cmp < 0;
    });
  }

  private applyPut(p: PutRequest, w: WriteState): PutResponse {
    const { next, undo } = w;
    const k = b2s(p.key);
    if (k.length === 0) throw new MvccError('etcdserver: key is not provided', 'invalid');
    // Found once, for the checks and the write: a lookup is binary searches, not a hash.
    const h = this.index.get(k);
    const prev = liveOf(h);
    if ((p.ignoreValue || p.ignoreLease) && !prev) throw new MvccError('etcdserver: key not found', 'invalid');
    if (p.ignoreValue && p.value && p.value.length > 0) throw new MvccError('etcdserver: value is provided', 'invalid');
    if (p.ignoreLease && p.lease) throw new MvccError('etcdserver: lease is provided', 'invalid');
    const lease = p.ignoreLease ? prev!.lease : (p.lease ?? 0);
    if (lease !== 0 && !this.leases.has(lease)) throw new MvccError(ERR_LEASE_NOT_FOUND, 'lease-not-found');
    const value = p.ignoreValue ? prev!.value : b2s(p.value ?? new Uint8Array());
    const rec: Rec = { mod: next, create: prev ? prev.create : next, version: prev ? prev.version + 1 : 1, value, lease, deleted: false };
    this.write(k, rec, undo, h);
    if (prev && prev.lease !== 0 && prev.lease !== lease) this.detach(prev.lease, k, undo);
    if (lease !== 0) this.attach(lease, k, undo);
    w.wrote = true;
    const res: PutResponse = { revision: 0 };
    if (p.prevKv && prev) res.prevKv = toKv(k, prev, false);
    return res;
  }

  private *applyDelete(d: DeleteRangeRequest, state: WriteState): Generator<void, DeleteRangeResponse, undefined> {
    const { next, undo } = state;
    this.checkTotal(d.key, d.rangeEnd);
    const prevKvs: KeyValue[] = [];
    let deleted = 0;
    // A step's keys are collected, then written (a write changes the index a visit reads); the
    // next step's start after the last of them (check perf's cleanup spans 60,000 keys).
    let after: string | undefined;
    for (;;) {
      const live: [string, Rec, History][] = [];
      const room = WRITES_PER_STEP - state.sinceStep;
      this.eachIn(d.key, d.rangeEnd, (k, h) => {
        const r = newestOf(h);
        if (!r.deleted) live.push([k, r, h]);
        return live.length < room;
      }, after);
      for (const [k, prev, h] of live) {
        deleted++;
        if (d.prevKv) prevKvs.push(toKv(k, prev, false));
        this.write(k, { mod: next, create: 0, version: 0, value: '', lease: 0, deleted: true }, undo, h);
        if (prev.lease !== 0) this.detach(prev.lease, k, undo);
        state.wrote = true;
      }
      state.sinceStep += live.length;
      if (live.length < room) break;
      state.sinceStep = 0;
      yield;
      after = live[live.length - 1]![0];
    }
    return { revision: 0, deleted, prevKvs };
  }

  /** Writes `rec` as `k`'s newest record; `h`: `k`'s history now, when the caller has found it. */
  private write(k: string, rec: Rec, undo: (() => void)[], h: History | undefined = this.index.get(k)): void {
    this.writing?.add(k);
    const sub = this.writesInRevision++;
    if (sub > 0) rec.sub = sub;
    const last = h === undefined ? undefined : newestOf(h);
    const born = (rec.deleted ? 0 : 1) - (last === undefined || last.deleted ? 0 : 1);
    let grew = recordBytes(k, rec);
    if (last !== undefined && last.mod === rec.mod) {
      // A second write to a key in one txn (only through nested txns) replaces the first.
      if (!last.deleted && !rec.deleted) rec.version = last.version; // still one change in this revision
      grew -= recordBytes(k, last);
    }
    const restore = this.setNewest(k, h, rec, last !== undefined && last.mod === rec.mod);
    this.liveCount += born;
    this.bytes += grew;
    undo.push(() => {
      restore();
      this.liveCount -= born;
      this.bytes -= grew;
    });
  }

  /** Puts `rec` as `k`'s newest record (in place of the newest when `replace`); answers how to undo it. */
  private setNewest(k: string, h: History | undefined, rec: Rec, replace: boolean): () => void {
    if (h === undefined) {
      this.index.set(k, rec);
      return () => void this.index.delete(k);
    }
    if (!Array.isArray(h)) {
      this.index.set(k, replace ? rec : [h, rec]);
      return () => void this.index.set(k, h);
    }
    // In place: the record is newer than any image's revision, which filters it out.
    if (replace) {
      const last = h[h.length - 1]!;
      h[h.length - 1] = rec;
      return () => void (h[h.length - 1] = last);
    }
    h.push(rec);
    return () => void h.pop();
  }

  private attach(id: number, k: string, undo: (() => void)[]): void {
    const l = this.leases.get(id)!;
    if (l.keys.has(k)) return;
    l.keys.add(k);
    undo.push(() => l.keys.delete(k));
  }

  private detach(id: number, k: string, undo: (() => void)[]): void {
    const l = this.leases.get(id);
    if (!l || !l.keys.has(k)) return;
    l.keys.delete(k);
    undo.push(() => l.keys.add(k));
  }

  // ---- watch: the changes history still holds ----

  /**
   * Changes to keys in [key, rangeEnd) at revisions ≥ `fromRevision`, oldest first; within one
   * revision in the order the txn's operations wrote them, as etcd's. A DELETE's kv carries
   * the key and its mod_revision; `prevKv` is the version before, when history still has it.
   */
  events(key: Uint8Array, rangeEnd: Uint8Array | undefined, fromRevision: number): WatchEvent[] {
    if (fromRevision > 0 && fromRevision < this.compacted) throw new MvccError(ERR_COMPACTED, 'compacted', this.compacted);
    const keys: [string, History][] = [];
    this.eachIn(key, rangeEnd, (k, h) => void keys.push([k, h]));
    return this.eventsOf(keys, fromRevision > 0 ? fromRevision : this.rev + 1);
  }

  /**
   * `events(key, rangeEnd, revision)` for the newest revision alone, read from the histories of the
   * keys that revision wrote instead of every key in the range: a watcher kept up to date pays for
   * what each write touched, not for the size of its range (a prefix watcher over a growing range
   * made every write cost the whole range, and a follower fell seconds behind). Undefined when the
   * store does not know which keys the newest revision wrote.
   */
  newestRevisionEvents(key: Uint8Array, rangeEnd: Uint8Array | undefined): WatchEvent[] | undefined {
    const last = this.lastKeys;
    if (last === undefined || last.revision !== this.rev) return undefined;
    // The member asks after every write of the keyspace (a fleet KV put's too) with the whole range
    // and one key written: that case makes its events without the general path's garbage (its
    // range test, key list and sort), which the member's small young generation pays for.
    if (last.keys.length === 1 && isEveryKey(key, rangeEnd)) return this.keyEventsAt(last.keys[0]!, this.rev);
    const inRange = rangeTest(key, rangeEnd);
    // last.keys is sorted, as eachIn visits: the events come out in the same order.
    const keys: [string, History][] = [];
    for (const k of last.keys) {
      const h = inRange(k) ? this.index.get(k) : undefined;
      if (h !== undefined) keys.push([k, h]);
    }
    return this.eventsOf(keys, this.rev);
  }

  /** The events of key `k` at revision `rev` (one, or several sub-revisions of a nested txn's writes), in order. */
  private keyEventsAt(k: string, rev: number): WatchEvent[] {
    const h = this.index.get(k);
    const events: WatchEvent[] = [];
    if (h === undefined) return events;
    let first = countOf(h);
    while (first > 0 && recordOf(h, first - 1).mod >= rev) first--;
    for (let i = first; i < countOf(h) && recordOf(h, i).mod === rev; i++) events.push(this.eventOf(k, h, i));
    return events;
  }

  /**
   * A page of `events(key, rangeEnd, fromRevision)`: whole revisions, oldest first, until their
   * keys and values pass `maxBytes` (at least one revision), and the revision the next page starts
   * at (`revision + 1` when none is left). A watcher catching up from far back reads its history a
   * page at a time as its stream drains, instead of every event of it at once: 40 watchers
   * replaying 30 × 1 MB each took a member from 477 MB to 1.81 GB.
   */
  eventsPage(key: Uint8Array, rangeEnd: Uint8Array | undefined, fromRevision: number, maxBytes: number): { events: WatchEvent[]; next: number } {
    if (fromRevision > 0 && fromRevision < this.compacted) throw new MvccError(ERR_COMPACTED, 'compacted', this.compacted);
    const from = fromRevision > 0 ? fromRevision : this.rev + 1;
    const refs: { k: string; h: History; i: number; r: Rec }[] = [];
    this.eachIn(key, rangeEnd, (k, h) => {
      // A write in steps (txnSteps) has records newer than the store's revision: not events yet.
      for (let i = countOf(h) - 1; i >= 0 && recordOf(h, i).mod >= from; i--) if (recordOf(h, i).mod <= this.rev) refs.push({ k, h, i, r: recordOf(h, i) });
    });
    refs.sort((a, b) => a.r.mod - b.r.mod || (a.r.sub ?? 0) - (b.r.sub ?? 0) || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
    const events: WatchEvent[] = [];
    let bytes = 0;
    for (const { k, h, i, r } of refs) {
      if (bytes > maxBytes && r.mod !== events.at(-1)!.kv.modRevision) return { events, next: r.mod };
      bytes += k.length + r.value.length;
      events.push(this.eventOf(k, h, i));
    }
    return { events, next: this.rev + 1 };
  }

  /** The watch event of record `i` of key `k`'s history `h`, with the record before it as prevKv. */
  private eventOf(k: string, h: History, i: number): WatchEvent {
    const r = recordOf(h, i);
    const before = i > 0 && !recordOf(h, i - 1).deleted ? toKv(k, recordOf(h, i - 1), false) : undefined;
    const kv = r.deleted ? { key: s2b(k), createRevision: 0, modRevision: r.mod, version: 0, value: new Uint8Array(), lease: 0 } : toKv(k, r, false);
    const event: WatchEvent = { type: r.deleted ? 'DELETE' : 'PUT', kv };
    if (before !== undefined) event.prevKv = before;
    return event;
  }

  private eventsOf(keys: readonly (readonly [string, History])[], from: number): WatchEvent[] {
    const out: { event: WatchEvent; sub: number }[] = [];
    for (const [k, h] of keys) {
      // A history is in revision order: start at its first record at or after `from`.
      const n = countOf(h);
      let first = n;
      while (first > 0 && recordOf(h, first - 1).mod >= from) first--;
      for (let i = first; i < n && recordOf(h, i).mod <= this.rev; i++) out.push({ event: this.eventOf(k, h, i), sub: recordOf(h, i).sub ?? 0 });
    }
    // One event (a revision of one write, as every fleet KV put makes) is in order already.
    if (out.length === 1) return [out[0]!.event];
    // Stable: a store restored from an image written before sub-revisions keeps key order within a revision.
    return out.sort((a, b) => a.event.kv.modRevision - b.event.kv.modRevision || a.sub - b.sub).map((o) => o.event);
  }

  // ---- compaction ----

  compact(revision: number): number {
    return runSteps(this.compactSteps(revision));
  }

  /**
   * `compact` in steps of WRITES_PER_STEP keys. Reads below `revision` are refused from the first
   * step, so none sees a history half cut; reads at or above it find what they would have found
   * before. Each step resumes after the last key of the one before, whatever was written between.
   */
  *compactSteps(revision: number): Generator<void, number, undefined> {
    if (revision <= this.compacted) throw new MvccError(ERR_COMPACTED, 'compacted', this.compacted);
    if (revision > this.rev) throw new MvccError(ERR_FUTURE, 'future');
    this.compacted = revision;
    let after: string | undefined;
    for (;;) {
      // Collected, then cut: a cut changes the index, which a visit must not.
      const step: [string, History][] = [];
      this.index.forEachAfter(after, (k, h) => step.push([k, h]) < WRITES_PER_STEP);
      for (const [k, h] of step) this.compactKey(k, h, revision);
      if (step.length < WRITES_PER_STEP) return this.rev;
      after = step[step.length - 1]![0];
      yield;
    }
  }

  /**
   * Cuts `k`'s history below `revision`: keeps the newest version at or below it (unless a
   * tombstone) and everything after. A new history in the index, never `h` changed, so that an
   * image's view still reads `h`.
   */
  private compactKey(k: string, h: History, revision: number): void {
    const n = countOf(h);
    let keepFrom = 0;
    for (let i = n - 1; i >= 0; i--) {
      const r = recordOf(h, i);
      if (r.mod <= revision) {
        keepFrom = r.deleted ? i + 1 : i;
        break;
      }
    }
    if (keepFrom === 0) return;
    for (let i = 0; i < keepFrom; i++) this.bytes -= recordBytes(k, recordOf(h, i));
    if (keepFrom === n) this.index.delete(k);
    else this.index.set(k, historyOf((h as Rec[]).slice(keepFrom)));
  }

  // ---- leases; `now` is milliseconds chosen by the leader and carried in the command ----

  /** Grants lease `id` of `ttl` seconds stamped at `now`; `ttlMs` (a fleet lease's) overrides the seconds. */
  leaseGrant(id: number, ttl: number, now: number, ttlMs = ttl * 1000): Lease {
    if (id <= 0) throw new MvccError('etcdserver: lease ID must be positive', 'invalid');
    if (this.leases.has(id)) throw new MvccError('etcdserver: lease already exists', 'invalid');
    if (this.leases.size >= MAX_LEASES) throw new MvccError(ERR_TOO_MANY_LEASES, 'invalid');
    const l: LeaseRecord = { ttlMs, expiresAt: now + ttlMs, keys: new Set<string>() };
    this.leases.set(id, l);
    this.indexExpiry(id, l.expiresAt);
    return this.restamp(id, l);
  }

  /** Revoke (or expire) a lease: its keys are deleted in one revision. */
  leaseRevoke(id: number): number {
    const l = this.leases.get(id);
    if (!l) throw new MvccError(ERR_LEASE_NOT_FOUND, 'lease-not-found');
    const keys = [...l.keys].sort();
    if (keys.length > 0) {
      const next = this.rev + 1;
      const undo: (() => void)[] = [];
      this.beginRevision();
      for (const k of keys) this.write(k, { mod: next, create: 0, version: 0, value: '', lease: 0, deleted: true }, undo);
      this.madeRevision(next);
      this.writing = undefined;
    }
    this.leases.delete(id);
    this.stamps.delete(leaseKey(id));
    return this.rev;
  }

  /** Restamps lease `id` at `now`, for a whole TTL (`ttlMs`: a new one, as a fleet renewal may ask). */
  leaseRenew(id: number, now: number, ttlMs?: number): Lease {
    const l = this.leases.get(id);
    if (!l) throw new MvccError(ERR_LEASE_NOT_FOUND, 'lease-not-found');
    if (ttlMs !== undefined) l.ttlMs = ttlMs;
    l.expiresAt = now + l.ttlMs;
    this.indexExpiry(id, l.expiresAt);
    return this.restamp(id, l);
  }

  /** Records lease `id`'s replicated stamp as imaged; answers it. */
  private restamp(id: number, l: LeaseRecord): Lease {
    const stamp = leaseOf(id, l);
    this.stamps.set(leaseKey(id), stamp);
    return stamp;
  }

  /**
   * A keep-alive answered by the leader alone, as etcd's lessor answers it: no log entry, so it
   * moves the lease's expiry as this member judges it (`keptUntil`), never its replicated stamp,
   * and an expiry entry's check on apply reads the stamp alone (the same on every member). The
   * lease then lives a whole TTL from `stampedAt`, when the keep-alive reached the leader (before
   * it confirmed it still leads, so any next leader's own whole TTL starts later). Undefined for a
   * lease that is gone or due at `now` (the leader may have proposed its expiry): the client is
   * told it is not found, as etcd tells it of an expired lease.
   */
  leaseKeepAlive(id: number, stampedAt: number, now: number, leaderSince: number, drift: number): Lease | undefined {
    const l = this.leases.get(id);
    if (l === undefined || this.isDue(l, now, leaderSince, drift)) return undefined;
    const until = stampedAt + l.ttlMs;
    if (until > expiryOf(l)) {
      l.keptUntil = until;
      this.byExpiry.push({ id, expiresAt: until });
      this.trimExpiryIndex();
    }
    return { ...leaseOf(id, l), expiresAt: expiryOf(l) };
  }

  /** Drops every keep-alive this member answered as leader: it no longer leads, and the next leader gives each lease a whole TTL of its own. */
  forgetKeepAlives(): void {
    let kept = false;
    for (const l of this.leases.values()) {
      kept ||= l.keptUntil !== undefined;
      l.keptUntil = undefined;
    }
    if (kept) this.rebuildExpiryIndex();
  }

  /** Adds `id`'s new stamp to the index; rebuilds it from the leases once stale entries outnumber them. */
  private indexExpiry(id: number, expiresAt: number): void {
    const l = this.leases.get(id)!;
    this.latestStampBound = Math.max(this.latestStampBound, expiresAt - l.ttlMs);
    this.byExpiry.push({ id, expiresAt: expiryOf(l) });
    this.trimExpiryIndex();
  }

  private trimExpiryIndex(): void {
    if (this.byExpiry.size > 2 * this.leases.size + 64) this.rebuildExpiryIndex();
  }

  private rebuildExpiryIndex(): void {
    this.byExpiry = newExpiryHeap();
    for (const [id, l] of this.leases) this.byExpiry.push({ id, expiresAt: expiryOf(l) });
  }

  /** Whether lease `l` has run out at `now`, as the leader judges it (see expiredLeases). */
  private isDue(l: LeaseRecord, now: number, leaderSince: number | undefined, drift: number): boolean {
    const ttlMs = l.ttlMs * (1 + drift);
    return expiryOf(l) - l.ttlMs + ttlMs <= now && (leaderSince === undefined || leaderSince + ttlMs <= now);
  }

  /** Whether lease `id` exists and its stamp has run out at `now` (what a `lease-expire` entry checks on apply). */
  leaseExpired(id: number, now: number): boolean {
    const l = this.leases.get(id);
    return l !== undefined && l.expiresAt <= now;
  }

  /** A lease's remaining seconds at `now`, by its stamp and (on a leader) a whole TTL from `leaderSince`, as expiredLeases judges. */
  leaseTimeToLive(id: number, now: number, leaderSince?: number): { id: number; ttl: number; grantedTtl: number; keys: Uint8Array[] } | undefined {
    const l = this.leases.get(id);
    if (!l) return undefined;
    const until = Math.max(expiryOf(l), leaderSince === undefined ? -Infinity : leaderSince + l.ttlMs);
    return { id, ttl: Math.max(0, Math.ceil((until - now) / 1000)), grantedTtl: secondsOf(l.ttlMs), keys: [...l.keys].sort().map(s2b) };
  }

  /** The keys attached to a lease now (as the store names them), none for a lease that is gone: what revoking it would delete. */
  leaseKeys(id: number): readonly string[] {
    const l = this.leases.get(id);
    return l === undefined ? [] : [...l.keys];
  }

  /** Whether lease `id` is granted. */
  hasLease(id: number): boolean {
    return this.leases.has(id);
  }

  /** Every lease as imaged, in id order. */
  private leaseImage(): Lease[] {
    const leases: Lease[] = [];
    this.stamps.forEachAfter(undefined, (_, l) => leases.push(l) > 0);
    return leases;
  }

  /** Every lease's id, in id order. */
  leaseList(): number[] {
    const ids: number[] = [];
    this.stamps.forEachAfter(undefined, (_, l) => ids.push(l.id) > 0);
    return ids;
  }

  /**
   * Leases due at `now`, in id order: the leader proposes revoking these. With `leaderSince` (when
   * the asking leader began to lead, by its clock), a lease is due only once a whole TTL has also
   * passed since then, as etcd's leader extends every lease when it is elected: the stamps of
   * earlier leaders were made by other clocks. `drift` stretches each TTL by that fraction, for
   * clocks that run at different rates.
   */
  expiredLeases(now: number, leaderSince?: number, limit = Infinity, drift = 0): number[] {
    const due: number[] = [];
    const seen: ExpiryEntry[] = [];
    const ids = new Set<number>();
    for (let e = this.byExpiry.peek(); e !== undefined && e.expiresAt <= now && due.length < limit; e = this.byExpiry.peek()) {
      this.byExpiry.pop();
      const l = this.leases.get(e.id);
      // Stale (a later stamp replaced it), or a second entry of the same stamp (a renewal that did
      // not move the expiry indexes it again): dropped from the index here.
      if (l === undefined || expiryOf(l) !== e.expiresAt || ids.has(e.id)) continue;
      ids.add(e.id);
      seen.push(e);
      if (this.isDue(l, now, leaderSince, drift)) due.push(e.id);
    }
    // Due or not yet (a new leader's whole TTL), they stay indexed until they are revoked.
    for (const e of seen) this.byExpiry.push(e);
    return due;
  }

  /**
   * Leases whose last grant or renewal was stamped after `now` (by another leader's clock, ahead
   * of the asking leader's), in id order: the leader renews these, so that each has a whole TTL
   * from its own clock, as etcd's leader refreshes every lease when elected.
   */
  leasesStampedAfter(now: number): number[] {
    if (this.latestStampBound <= now) return [];
    let latest = -Infinity;
    const ahead = this.leaseList().filter((id) => {
      const l = this.leases.get(id)!;
      latest = Math.max(latest, l.expiresAt - l.ttlMs);
      return l.expiresAt - l.ttlMs > now;
    });
    this.latestStampBound = latest;
    return ahead;
  }

  // ---- snapshot ----

  /**
   * A view of the store as it is now, for an image written over many turns while writes go on:
   * it reads each key's history up to this revision from a frozen view of the index (the index
   * copies a chunk before it next changes it, and compaction puts new histories in it).
   */
  beginImage(): StoreImageView {
    return new StoreImageView(this.rev, this.compacted, this.index.freeze(), this.stamps.freeze(), this.alarmList);
  }

  /** Whether nothing was ever written: no revision past the start, no compaction, no lease, no alarm. */
  isPristine(startRevision: number): boolean {
    return this.rev === startRevision && this.compacted === 0 && this.leases.size === 0 && this.alarmList.length === 0;
  }

  // ---- alarms ----

  get alarms(): readonly StoreAlarm[] {
    return this.alarmList;
  }

  /** Raises `alarm` for `member` (a no-op when it is active); answers whether it changed anything. */
  activateAlarm(a: StoreAlarm): boolean {
    if (this.alarmList.some((x) => x.member === a.member && x.alarm === a.alarm)) return false;
    this.alarmList = [...this.alarmList, { member: a.member, alarm: a.alarm }];
    return true;
  }

  /** Clears `alarm` for `member`; answers whether it was active. */
  deactivateAlarm(a: StoreAlarm): boolean {
    const kept = this.alarmList.filter((x) => !(x.member === a.member && x.alarm === a.alarm));
    const changed = kept.length !== this.alarmList.length;
    this.alarmList = kept;
    return changed;
  }

  /** Throws etcd's "database space exceeded" while a NOSPACE alarm is active (a write that would grow the store). */
  checkSpace(): void {
    if (this.alarmList.some((a) => a.alarm === 'NOSPACE')) throw new MvccError(ERR_NO_SPACE, 'no-space');
  }

  snapshot(): MvccSnapshot {
    const keys: MvccSnapshot['keys'] = [];
    this.index.forEachAfter(undefined, (k, h) => {
      keys.push([k, recordsOf(h).map((r) => ({ ...r }))]);
      return true;
    });
    return {
      revision: this.rev,
      compactRevision: this.compacted,
      keys,
      leases: this.leaseImage(),
      ...(this.alarmList.length === 0 ? {} : { alarms: this.alarmList.map((a) => ({ ...a })) }),
    };
  }

  static restore(s: MvccSnapshot): MvccStore {
    const m = new MvccStore();
    m.rev = s.revision;
    m.compacted = s.compactRevision;
    let last: string | undefined;
    for (const [k, h] of s.keys) {
      // A stored record is never changed (a write stores a new one), so the image's are shared;
      // a history is appended to, so it is the store's own.
      const history = h.length === 1 ? h[0]! : h.slice();
      // In key order, as images are written: appended (an image out of order is read too).
      if (last === undefined || last < k) m.index.push(k, history);
      else m.index.set(k, history);
      if (last === undefined || last < k) last = k;
    }
    m.bytes = m.countAll();
    m.alarmList = (s.alarms ?? []).map((a) => ({ member: a.member, alarm: a.alarm }));
    for (const l of s.leases) {
      const ttlMs = l.ttlMs ?? l.ttl * 1000;
      const record: LeaseRecord = { ttlMs, expiresAt: l.expiresAt, keys: new Set() };
      m.leases.set(l.id, record);
      m.restamp(l.id, record);
      m.byExpiry.push({ id: l.id, expiresAt: l.expiresAt });
      m.latestStampBound = Math.max(m.latestStampBound, l.expiresAt - ttlMs);
    }
    m.index.forEachAfter(undefined, (k, h) => {
      const r = newestOf(h);
      if (!r.deleted) m.liveCount++;
      if (!r.deleted && r.lease !== 0) m.leases.get(r.lease)?.keys.add(k);
      return true;
    });
    return m;
  }
}

/** A write in progress: the revision it makes, how to undo what it did so far, whether it wrote, keys changed since its last step. */
interface WriteState { readonly next: number; readonly undo: (() => void)[]; wrote: boolean; sinceStep: number }

function undoAll(undo: readonly (() => void)[]): void {
  for (let i = undo.length - 1; i >= 0; i--) undo[i]!();
}

/** Runs steps to the end in this turn: what a caller that cannot wait (a test, a restore) does. */
export function runSteps<T>(steps: Generator<void, T, undefined>): T {
  for (;;) {
    const r = steps.next();
    if (r.done === true) return r.value;
  }
}

function inOrder(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (keys[i - 1]! > keys[i]!) return false;
  return true;
}

/** Whether a txn has a delete in either branch (at any depth): only a delete makes a write yield. */
export function txnDeletes(txn: TxnRequest): boolean {
  return opsDelete(txn.success) || opsDelete(txn.failure);
}

function opsDelete(ops: readonly RequestOp[] | undefined): boolean {
  for (const op of ops ?? []) if ('deleteRange' in op || ('txn' in op && txnDeletes(op.txn))) return true;
  return false;
}

/** Whether a txn puts or deletes, in either branch (nested ones included): a read-only txn needs no log entry. */
export function txnWrites(txn: TxnRequest): boolean {
  return opsWrite(txn.success) || opsWrite(txn.failure);
}

// A module function, not a closure made per call: the bundle's keepNames names each named closure
// as it is made (a defineProperty per txn applied).
function opsWrite(ops: readonly RequestOp[] | undefined): boolean {
  for (const op of ops ?? []) if ('put' in op || 'deleteRange' in op || ('txn' in op && txnWrites(op.txn))) return true;
  return false;
}

function toKv(k: string, r: Rec, keysOnly: boolean): KeyValue {
  return { key: s2b(k), createRevision: r.create, modRevision: r.mod, version: r.version, value: keysOnly ? new Uint8Array() : s2b(r.value), lease: r.lease };
}

/** The newest record of `h` unless a tombstone. */
function liveOf(h: History | undefined): Rec | undefined {
  const r = h === undefined ? undefined : newestOf(h);
  return r && !r.deleted ? r : undefined;
}

/** `h`'s newest record at or below revision `at`. */
function recAt(h: History, at: number): Rec | undefined {
  for (let i = countOf(h) - 1; i >= 0; i--) if (recordOf(h, i).mod <= at) return recordOf(h, i);
  return undefined;
}

/**
 * The store as of one revision, for an image (MvccStore.beginImage): a frozen view of its index,
 * which later writes and compactions do not reach. A history only grows at its end in place, by
 * records newer than `revision`, which `histories` leaves out; anything else the store changes
 * it changes in a new history (a key of the view left with no record as of `revision` was changed
 * in place, checked in `histories`).
 */
export class StoreImageView {
  constructor(
    readonly revision: number,
    readonly compactRevision: number,
    private readonly index: SortedMapView<History>,
    private readonly leaseStamps: SortedMapView<Lease>,
    /** The alarms then (the store replaces its list on a change, never edits it). */
    readonly alarms: readonly StoreAlarm[],
  ) {}

  /** How many keys have history. */
  get keyCount(): number {
    return this.index.size;
  }

  /** How many leases there were. */
  get leaseCount(): number {
    return this.leaseStamps.size;
  }

  /** Every lease as imaged, in id order, read lazily (the view is immutable). */
  *leases(): Generator<Lease, void, undefined> {
    for (const [, lease] of this.leaseStamps.entries()) yield lease;
  }

  /** Every key with history and its records up to the view's revision, in key order, as the store's snapshot lists them. */
  *histories(): Generator<readonly [string, readonly Rec[]], void, undefined> {
    for (const [k, h] of this.index.entries()) {
      const recs = recordsOf(h);
      let end = recs.length;
      while (end > 0 && recs[end - 1]!.mod > this.revision) end--;
      checkInvariant(end > 0, 'image-view-history-as-of-revision', () => `key ${JSON.stringify(k)} has no record at or below revision ${this.revision} (${recs.length} later ones): a history was cut in place`);
      yield [k, end === recs.length ? recs : recs.slice(0, end)];
    }
  }
}

/**
 * A lease: `expiresAt` is its replicated stamp plus its TTL (a grant or a logged renewal, the same
 * on every member); `keptUntil`, the leader's own keep-alives (leaseKeepAlive), this member's alone.
 */
interface LeaseRecord { ttlMs: number; expiresAt: number; keptUntil?: number; keys: Set<string> }

/**
 * Lease `id`'s key in `stamps`: its float64 bytes, big-endian, as latin1. Ids are positive, and
 * positive doubles order as their big-endian bytes do, so the map's string order is id order
 * (ids beyond 2^53, a client's int64, included).
 */
const LEASE_KEY_BYTES = new Uint8Array(8);
const LEASE_KEY_VIEW = new DataView(LEASE_KEY_BYTES.buffer);
function leaseKey(id: number): string {
  LEASE_KEY_VIEW.setFloat64(0, id);
  const b = LEASE_KEY_BYTES;
  return String.fromCharCode(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!);
}

/** etcd's TTL of a lease in whole seconds (a fleet lease's milliseconds rounded up). */
function secondsOf(ttlMs: number): number {
  return Math.ceil(ttlMs / 1000);
}

/** A lease as answered and imaged (its replicated stamp; `ttlMs` only when not whole seconds). */
function leaseOf(id: number, l: LeaseRecord): Lease {
  const ttl = secondsOf(l.ttlMs);
  return ttl * 1000 === l.ttlMs ? { id, ttl, expiresAt: l.expiresAt } : { id, ttl, expiresAt: l.expiresAt, ttlMs: l.ttlMs };
}

/** When a lease runs out as this member judges it: its stamp, or a keep-alive it answered as leader. */
function expiryOf(l: LeaseRecord): number {
  return l.keptUntil === undefined ? l.expiresAt : Math.max(l.expiresAt, l.keptUntil);
}

interface ExpiryEntry { readonly id: number; readonly expiresAt: number }

/** Soonest first; ties in id order, so that every member's index gives the same answers. */
function newExpiryHeap(): MinHeap<ExpiryEntry> {
  return new MinHeap<ExpiryEntry>((a, b) => a.expiresAt < b.expiresAt || (a.expiresAt === b.expiresAt && a.id < b.id));
}

/** etcd's checks before a txn runs: op count, duplicate put keys, request size (a server runs them before proposing, too). */
export function validateTxn(req: TxnRequest): void {
  if ((req.success?.length ?? 0) > MAX_TXN_OPS || (req.failure?.length ?? 0) > MAX_TXN_OPS || (req.compare?.length ?? 0) > MAX_TXN_OPS) {
    throw new MvccError(ERR_TOO_MANY_OPS, 'too-many-ops');
  }
  if (requestSize(req) > MAX_REQUEST_BYTES) throw new MvccError(ERR_TOO_LARGE, 'too-large');
  for (const branch of [req.success ?? [], req.failure ?? []]) {
    // A branch of one op (a fleet KV put, most etcd puts) has no duplicate to find.
    if (branch.length === 0 || (branch.length === 1 && !('txn' in branch[0]!))) continue;
    const puts = new Set<string>();
    for (const op of branch) {
      if ('put' in op) {
        const k = b2s(op.put.key);
        if (puts.has(k)) throw new MvccError(ERR_DUPLICATE_KEY, 'invalid');
        puts.add(k);
      } else if ('txn' in op) {
        validateTxn(op.txn);
      }
    }
  }
}

/** Approximate encoded size of a txn: the bytes it carries. */
function requestSize(req: TxnRequest): number {
  let n = 0;
  for (const c of req.compare ?? []) n += c.key.length + (c.rangeEnd?.length ?? 0) + (c.operand instanceof Uint8Array ? c.operand.length : 8);
  return n + opsSize(req.success) + opsSize(req.failure);
}

function opsSize(ops: readonly RequestOp[] | undefined): number {
  let n = 0;
  for (const op of ops ?? []) {
    if ('range' in op) n += op.range.key.length + (op.range.rangeEnd?.length ?? 0);
    else if ('put' in op) n += op.put.key.length + (op.put.value?.length ?? 0);
    else if ('deleteRange' in op) n += op.deleteRange.key.length + (op.deleteRange.rangeEnd?.length ?? 0);
    else n += requestSize(op.txn);
  }
  return n;
}
