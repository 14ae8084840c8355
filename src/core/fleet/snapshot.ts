/**
 * The registry's snapshot: a compact binary image, built for a million clusters.
 *
 *   snapshot := version:u8 section*           (sections in tag order, each exactly once)
 *   section  := tag:u8 length:u32le payload
 *   string   := byteLength:varuint utf8-bytes
 *
 *   1 meta      appliedIndex clock leaseToken kvRevision age                   (varuints)
 *   2 shards    n, by id: id address region zone state:u8 capacity
 *                          nLabels (key value)* registeredAt lastHeartbeat+1
 *   3 clusters  n, by name: prefix:varuint suffix:string shard:varuint generation
 *                           boundAtIndex lastSeenDelta:zigzag
 *               (prefix = UTF-8 bytes shared with the previous name; shard = 0 for
 *               unbound, else 1 + the shard's position in section 2; lastSeen is a delta
 *               from the previous cluster's)
 *   4 domains   n, by (key, value): key value shard assignedAtIndex
 *   5 quotas    n, by (provider, region): provider region total nSlices (shard amount)*
 *   6 providers n, by name: name kind nRegions region* endpoint
 *   7 leases    n, by name: name holder token ttlMs acquiredAt expiresAt
 *                           renewedIndex renewedAge expired:u8
 *   8 kv        n, by (ns, key): ns key value createRevision modRevision version
 *   9 plans     n, least recently updated first: planId startedBy done total state:u8
 *                           startedAt updatedAt updatedAtIndex
 *  10 sessions  n, least recently active first: clientId floor lastActivity
 *                           nResults (seq answer-as-JSON-string)*   (in applied order)
 *  11 audit     n, oldest first: index time who client op args outcome   (the client ring)
 *  12 admin     n, oldest first: index time who client op args outcome   (the admin ring:
 *               membership, leadership, snapshots, prune, forced removals, plan progress)
 *
 * Version 3 (still read) had one audit ring, in section 11 and no section 12: read back, its
 * entries are sorted into the two rings by their operation (audit-log.ts, auditRingOfEntry).
 * Version 2 (still read) had no audit section: read back, the audit log is empty.
 * Version 1 (still read) had no age in meta, leases without their last three fields (expiry was
 * judged by leader wall time), and session activity in leader wall time: read back, its leases
 * count as expired if they were by its registry clock, and its sessions as active at age 0.
 *
 * Every collection is written in an order that depends only on the state, never on map
 * insertion history, so equal states give equal bytes. Maps whose order is itself state (the
 * LRU order of plans and sessions) are written in that order and restored in it.
 *
 * A snapshot is a `SnapshotJob`: begun at once (the small sections written, the cluster and
 * KV tables frozen copy-on-write, references taken to the sessions' answers and the audit
 * records), then written in steps while the registry goes on applying, so that a member does
 * not stop answering for the whole of a large image.
 */
import { ByteReader, ByteWriter, SnapshotError, type Spill } from './byte-io.js';
import { auditRingOfEntry, type AuditRing } from './audit-log.js';
import { SessionTable, type Session } from './sessions.js';
import type { ClusterTableView } from './cluster-table.js';
import type { SortedMapView } from './sorted-map.js';
import { FleetState, ShardRecord, UNBOUND, domainKey, kvKey, quotaKey, splitKvKey, type KvRecord, type LeaseRecord } from './state.js';
import type { ApplyResult, AuditEntry, PlanState, ShardState } from './types.js';

/** The format version this code writes and reads. */
export const SNAPSHOT_VERSION = 4;

/** Older format versions this code still reads. */
const READABLE_VERSIONS: readonly number[] = [1, 2, 3, 4];

const SHARD_STATES: readonly ShardState[] = ['active', 'draining', 'cordoned'];
const PLAN_STATES: readonly PlanState[] = ['running', 'paused', 'completed', 'failed', 'aborted'];
const Tag = { Meta: 1, Shards: 2, Clusters: 3, Domains: 4, Quotas: 5, Providers: 6, Leases: 7, Kv: 8, Plans: 9, Sessions: 10, Audit: 11, AdminAudit: 12 } as const;
type Tag = (typeof Tag)[keyof typeof Tag];

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const sorted = <T>(map: ReadonlyMap<string, T>): T[] => [...map.keys()].sort().map((k) => map.get(k)!);

function section(w: ByteWriter, tag: Tag, body: () => void): void {
  w.u8(tag);
  const at = w.length;
  w.u32(0);
  body();
  w.patchU32(at, w.length - at - 4);
}

function writeShards(w: ByteWriter, s: FleetState): Map<string, number> {
  const refs = new Map<string, number>([[UNBOUND, 0]]);
  const shards = sorted(s.shards);
  w.varuint(shards.length);
  for (const r of shards) {
    refs.set(r.id, refs.size);
    w.string(r.id);
    w.string(r.address);
    w.string(r.region);
    w.string(r.zone);
    w.u8(SHARD_STATES.indexOf(r.state));
    w.varuint(r.capacity);
    const keys = Object.keys(r.labels);
    w.varuint(keys.length);
    for (const k of keys) {
      w.string(k);
      w.string(r.labels[k]!);
    }
    w.varuint(r.registeredAt);
    w.varuint(r.lastHeartbeat + 1);
  }
  return refs;
}

/**
 * The longest common prefix of two names, in UTF-16 units and in UTF-8 bytes, cut at a code
 * point boundary so that the UTF-8 of the rest is exactly the rest of the name's UTF-8.
 */
function sharedPrefix(prev: string, name: string): { units: number; bytes: number } {
  const n = Math.min(prev.length, name.length);
  let k = 0;
  let ascii = true;
  for (; k < n; k++) {
    const c = name.charCodeAt(k);
    if (c !== prev.charCodeAt(k)) break;
    if (c >= 0x80) ascii = false;
  }
  if (ascii) return { units: k, bytes: k };
  const last = name.charCodeAt(k - 1);
  if (last >= 0xd800 && last <= 0xdbff) k--; // never split a surrogate pair
  return { units: k, bytes: Buffer.byteLength(name.slice(0, k), 'utf8') };
}

/** The buffer a snapshot written out goes through: large enough that handing it over is rare. */
const SPILL_BUFFER_BYTES = 1 << 20;

/** Clusters written between two pauses of a snapshot in progress (a few milliseconds' work). */
const CLUSTERS_PER_STEP = 4096;

function* writeClusters(w: ByteWriter, t: ClusterTableView, shardRefs: ReadonlyMap<string, number>): Generator<void, void, undefined> {
  w.varuint(t.size);
  let prev = '';
  let prevSeen = 0;
  let sinceStep = 0;
  for (let c = 0; c < t.byName.chunkCount; c++) {
    const names = t.byName.chunkKeys(c);
    const slots = t.byName.chunkValues(c);
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const slot = slots[i]!;
      const prefix = sharedPrefix(prev, name);
      const lastSeen = t.lastSeen(slot);
      w.varuint(prefix.bytes);
      w.string(name.slice(prefix.units));
      w.varuint(shardRefs.get(t.shard(slot))!);
      w.varuint(t.generation(slot));
      w.varuint(t.boundAtIndex(slot));
      w.varint(lastSeen - prevSeen);
      prev = name;
      prevSeen = lastSeen;
    }
    sinceStep += names.length;
    if (sinceStep >= CLUSTERS_PER_STEP) {
      sinceStep = 0;
      yield;
    }
  }
}

function writeRegistry(w: ByteWriter, s: FleetState): void {
  section(w, Tag.Domains, () => {
    // By (key, value): the map key `key=value` sorts differently when a key holds '.' or '-'.
    const domains = [...s.domains.values()].sort((a, b) => compare(a.key, b.key) || compare(a.value, b.value));
    w.varuint(domains.length);
    for (const d of domains) {
      w.string(d.key);
      w.string(d.value);
      w.string(d.shard);
      w.varuint(d.assignedAtIndex);
    }
  });
  section(w, Tag.Quotas, () => {
    const quotas = sorted(s.quotas);
    w.varuint(quotas.length);
    for (const q of quotas) {
      w.string(q.provider);
      w.string(q.region);
      w.varuint(q.total);
      const shards = Object.keys(q.slices);
      w.varuint(shards.length);
      for (const shard of shards) {
        w.string(shard);
        w.varuint(q.slices[shard]!);
      }
    }
  });
  section(w, Tag.Providers, () => {
    const providers = sorted(s.providers);
    w.varuint(providers.length);
    for (const p of providers) {
      w.string(p.name);
      w.string(p.kind);
      w.varuint(p.regions.length);
      for (const r of p.regions) w.string(r);
      w.string(p.endpoint);
    }
  });
  section(w, Tag.Leases, () => {
    const leases = sorted(s.leases);
    w.varuint(leases.length);
    for (const l of leases) {
      w.string(l.name);
      w.string(l.holder);
      for (const v of [l.token, l.ttlMs, l.acquiredAt, l.expiresAt, l.renewedIndex, l.renewedAge]) w.varuint(v);
      w.u8(l.expired ? 1 : 0);
    }
  });
}

function* writeKv(w: ByteWriter, kv: SortedMapView<KvRecord>): Generator<void, void, undefined> {
  w.varuint(kv.size);
  for (let c = 0; c < kv.chunkCount; c++) {
    const keys = kv.chunkKeys(c);
    const records = kv.chunkValues(c);
    for (let i = 0; i < keys.length; i++) {
      const { ns, key } = splitKvKey(keys[i]!);
      const rec = records[i]!;
      w.string(ns);
      w.string(key);
      w.string(rec.value);
      w.varuint(rec.createRevision);
      w.varuint(rec.modRevision);
      w.varuint(rec.version);
    }
    // A chunk (512 to 1,024 records of a few hundred bytes each) is a step of its own.
    yield;
  }
}

function writePlans(w: ByteWriter, s: FleetState): void {
  section(w, Tag.Plans, () => {
    w.varuint(s.plans.size);
    for (const p of s.plans.values()) {
      w.string(p.planId);
      w.string(p.startedBy);
      w.varuint(p.done);
      w.varuint(p.total);
      w.u8(PLAN_STATES.indexOf(p.state));
      for (const v of [p.startedAt, p.updatedAt, p.updatedAtIndex]) w.varuint(v);
    }
  });
}

/** Rows of the sessions or audit sections written between two pauses of a snapshot (each a JSON text or a handful of strings). */
const ROWS_PER_STEP = 2048;

/** Sessions as an image began: `count` of them, their fields and answers in `rows` (captureSessions). */
interface CapturedSessions {
  readonly count: number;
  readonly rows: readonly unknown[];
}

/**
 * The sessions as they are when an image begins: for each, its id, floor, activity and answer
 * count, then its answers as seq and answer, all in one flat array. Copying references is a
 * small part of writing them (each answer is JSON-encoded), and the answers themselves are
 * never changed once remembered, so the copy is the sessions of that moment.
 */
function captureSessions(sessions: SessionTable): CapturedSessions {
  const rows: unknown[] = [];
  for (const [clientId, session] of sessions.sessions) {
    rows.push(clientId, session.floor, session.lastActivity, session.results.size);
    for (const [seq, result] of session.results) rows.push(seq, result);
  }
  return { count: sessions.sessions.size, rows };
}

function* writeSessions(w: ByteWriter, captured: CapturedSessions): Generator<void, void, undefined> {
  const rows = captured.rows;
  w.varuint(captured.count);
  let sinceStep = 0;
  for (let i = 0; i < rows.length; ) {
    w.string(rows[i++] as string);
    w.varuint(rows[i++] as number);
    w.varuint(rows[i++] as number);
    const answers = rows[i++] as number;
    w.varuint(answers);
    for (let a = 0; a < answers; a++) {
      w.varuint(rows[i++] as number);
      w.string(JSON.stringify(rows[i++]));
      if (++sinceStep >= ROWS_PER_STEP) {
        sinceStep = 0;
        yield;
      }
    }
  }
}

function* writeAudit(w: ByteWriter, entries: readonly AuditEntry[]): Generator<void, void, undefined> {
  w.varuint(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    w.varuint(e.index);
    w.varuint(e.time);
    for (const text of [e.who, e.client, e.op, e.args, e.outcome]) w.string(text);
    if ((i + 1) % ROWS_PER_STEP === 0) yield;
  }
}

/** Reads an audit section into `ring`, or, for a version 3 image's one ring, into the ring each entry belongs to. */
function readAudit(r: ByteReader, s: FleetState, ring: AuditRing | 'sort'): void {
  for (let n = r.varuint(); n > 0; n--) {
    const [index, time] = [r.varuint(), r.varuint()];
    const [who, client, op, args, outcome] = [r.string(), r.string(), r.string(), r.string(), r.string()];
    const entry = Object.freeze({ index, time, who, client, op, args, outcome });
    s.audit.append(entry, ring === 'sort' ? auditRingOfEntry(entry) : ring);
  }
}

/** A section whose payload is written in steps. */
function* sectionInSteps(w: ByteWriter, tag: Tag, body: Generator<void, void, undefined>): Generator<void, void, undefined> {
  w.u8(tag);
  const at = w.length;
  w.u32(0);
  yield* body;
  w.patchU32(at, w.length - at - 4);
}

/** Bytes written by `write` alone. */
function render(write: (w: ByteWriter) => void): Uint8Array {
  const w = new ByteWriter(4096);
  write(w);
  return w.finish();
}

/**
 * One snapshot image in the making. The constructor fixes its content: it writes every small
 * section, freezes the two tables that can hold a million rows (copy-on-write: the registry
 * keeps changing them, the job keeps reading them as they were), and takes references to the
 * sessions' answers and the audit records (never changed once made). `steps()` then writes the
 * image, pausing every few thousand rows; the bytes equal what writing it all at once at the
 * constructor's moment would give. Run `steps()` to its end: until then the cluster table keeps
 * saving, for the job, every block of slots it changes.
 */
export class SnapshotJob {
  /** The applied index the image is of. */
  readonly index: number;
  readonly #head: Uint8Array;
  readonly #registry: Uint8Array;
  readonly #plans: Uint8Array;
  readonly #sessions: CapturedSessions;
  readonly #audit: { readonly client: readonly AuditEntry[]; readonly admin: readonly AuditEntry[] };
  readonly #clusters: ClusterTableView;
  readonly #kv: SortedMapView<KvRecord>;
  readonly #kvBytes: number;
  readonly #shardRefs: ReadonlyMap<string, number>;
  #image: Uint8Array | undefined;
  #length: number | undefined;

  constructor(s: FleetState, sessions: SessionTable) {
    this.index = s.appliedIndex;
    let shardRefs = new Map<string, number>();
    this.#head = render((w) => {
      w.u8(SNAPSHOT_VERSION);
      section(w, Tag.Meta, () => [s.appliedIndex, s.clock, s.leaseToken, s.kvRevision, s.age].forEach((v) => w.varuint(v)));
      section(w, Tag.Shards, () => (shardRefs = writeShards(w, s)));
    });
    this.#shardRefs = shardRefs;
    this.#registry = render((w) => writeRegistry(w, s));
    this.#plans = render((w) => writePlans(w, s));
    // Sessions and the audit rings hold up to 262,144 answers and 20,000 records: written in
    // steps, from references taken now. Encoded here they held a loaded member's loop 10–92 ms.
    this.#sessions = captureSessions(sessions);
    this.#audit = { client: [...s.audit.ringEntries('client')], admin: [...s.audit.ringEntries('admin')] };
    this.#clusters = s.clusters.freeze();
    this.#kv = s.kv.freeze();
    this.#kvBytes = s.kvBytes;
  }

  /** About how long the whole image will be (for an image kept in memory: one buffer, not grown). */
  #sizeHint(): number {
    const answers = (this.#sessions.rows.length - 4 * this.#sessions.count) / 2;
    const audit = [...this.#audit.client, ...this.#audit.admin].reduce((sum, e) => sum + e.args.length + e.outcome.length + e.op.length + e.who.length + e.client.length + 20, 0);
    const fixed = this.#head.length + this.#registry.length + this.#plans.length + answers * 128 + audit;
    return Math.max(64 * 1024, this.#clusters.size * 16 + kvImageBytes(this.#kv, this.#kvBytes) + fixed);
  }

  /**
   * Writes the image, yielding between slices of a few thousand rows: into one buffer, or,
   * given `out`, a piece at a time through a reused 1 MiB buffer (then `length` is all that
   * is kept, not the image).
   */
  *steps(out?: Spill): Generator<void, void, undefined> {
    const w = out === undefined ? new ByteWriter(this.#sizeHint()) : new ByteWriter(SPILL_BUFFER_BYTES, out);
    w.bytes(this.#head);
    try {
      yield* sectionInSteps(w, Tag.Clusters, writeClusters(w, this.#clusters, this.#shardRefs));
    } finally {
      this.#clusters.release();
    }
    w.bytes(this.#registry);
    yield* sectionInSteps(w, Tag.Kv, writeKv(w, this.#kv));
    w.bytes(this.#plans);
    yield* sectionInSteps(w, Tag.Sessions, writeSessions(w, this.#sessions));
    yield* sectionInSteps(w, Tag.Audit, writeAudit(w, this.#audit.client));
    yield* sectionInSteps(w, Tag.AdminAudit, writeAudit(w, this.#audit.admin));
    if (out === undefined) {
      this.#image = w.finish();
      this.#length = this.#image.length;
    } else {
      this.#length = w.close();
    }
  }

  /** The image, once `steps()` (without `out`) has run to its end. */
  get image(): Uint8Array {
    if (this.#image === undefined) throw new Error('SnapshotJob.image: the steps have not all run, or they wrote the image out');
    return this.#image;
  }

  /** The image's length in bytes, once `steps()` has run to its end. */
  get length(): number {
    if (this.#length === undefined) throw new Error('SnapshotJob.length: the steps have not all run');
    return this.#length;
  }
}

/**
 * About what the KV section will take: its values, its keys, and a dozen bytes of lengths and
 * revisions per record. Sized from the values alone, a 100,000-key image outgrew its buffer:
 * the doubling copied 26 MB inside a step and ended with 104 MB of buffers alive for a 28 MB
 * image. Key lengths are summed in UTF-16 units, exact for the usual ASCII keys; a longer
 * UTF-8 image only costs one growth.
 */
function kvImageBytes(kv: SortedMapView<KvRecord>, valueBytes: number): number {
  let keyUnits = 0;
  for (let c = 0; c < kv.chunkCount; c++) for (const key of kv.chunkKeys(c)) keyUnits += key.length;
  return valueBytes + keyUnits + kv.size * 12;
}

/** Writes the whole registry and its sessions as one snapshot image, at once. */
export function writeSnapshot(s: FleetState, sessions: SessionTable): Uint8Array {
  const job = new SnapshotJob(s, sessions);
  const steps = job.steps();
  while (!steps.next().done);
  return job.image;
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

function corrupt(what: string): SnapshotError {
  return new SnapshotError(`corrupt snapshot: ${what}`);
}

function check(cond: boolean, what: string): void {
  if (!cond) throw corrupt(what);
}

/** Positions `r` at the payload of the next section, which must be `tag`; returns where it ends. */
function openSection(r: ByteReader, tag: Tag): number {
  const got = r.u8();
  check(got === tag, `expected section ${tag}, found ${got}`);
  const length = r.u32();
  return r.pos + length;
}

function closeSection(r: ByteReader, end: number, tag: Tag): void {
  check(r.pos === end, `section ${tag} has ${end - r.pos} unread bytes`);
}

function enumAt<T>(values: readonly T[], i: number, what: string): T {
  check(i < values.length, `unknown ${what} ${i}`);
  return values[i]!;
}

function readShards(r: ByteReader, s: FleetState): string[] {
  const ids: string[] = [UNBOUND];
  const n = r.varuint();
  for (let i = 0; i < n; i++) {
    const id = r.string();
    const address = r.string();
    const region = r.string();
    const zone = r.string();
    const state = enumAt(SHARD_STATES, r.u8(), 'shard state');
    const capacity = r.varuint();
    const labels: Record<string, string> = {};
    for (let j = r.varuint(); j > 0; j--) labels[r.string()] = r.string();
    const registeredAt = r.varuint();
    const lastHeartbeat = r.varuint() - 1;
    check(ids.length === 1 || ids[ids.length - 1]! < id, `shard ${id} out of order`);
    s.addShard(new ShardRecord(id, address, region, zone, state, capacity, Object.freeze(labels), registeredAt, lastHeartbeat));
    ids.push(id);
  }
  return ids;
}

function readClusters(r: ByteReader, s: FleetState, shardIds: readonly string[]): void {
  const n = r.varuint();
  s.clusters.reserve(n);
  // Names are rebuilt in a scratch buffer, then decoded once: flat strings, no concatenation.
  let scratch = Buffer.allocUnsafe(1024);
  let prevLength = 0;
  let prevAscii = true;
  let lastSeen = 0;
  for (let i = 0; i < n; i++) {
    const prefix = r.varuint();
    // Not check(): its message would be built for every one of a million clusters.
    if (prefix > prevLength) throw corrupt(`cluster name prefix ${prefix} longer than the previous name`);
    const suffix = r.varuint();
    const length = prefix + suffix;
    if (length > scratch.length) {
      const grown = Buffer.allocUnsafe(length * 2);
      scratch.copy(grown, 0, 0, prefix);
      scratch = grown;
    }
    // A prefix of an ASCII name is ASCII; a prefix of another may be too, but then decode as UTF-8.
    const ascii: boolean = r.bytesInto(scratch, prefix, suffix) && (prevAscii || prefix === 0);
    const name = scratch.toString(ascii ? 'latin1' : 'utf8', 0, length);
    const ref = r.varuint();
    if (ref >= shardIds.length) throw corrupt(`cluster ${name} refers to shard #${ref}`);
    const generation = r.varuint();
    const boundAtIndex = r.varuint();
    lastSeen += r.varint();
    s.clusters.push(name, shardIds[ref]!, generation, boundAtIndex, lastSeen);
    prevLength = length;
    prevAscii = ascii;
  }
}

function readDomainsAndQuotas(r: ByteReader, s: FleetState): void {
  let end = openSection(r, Tag.Domains);
  for (let n = r.varuint(); n > 0; n--) {
    const d = { key: r.string(), value: r.string(), shard: r.string(), assignedAtIndex: r.varuint() };
    s.domains.set(domainKey(d.key, d.value), d);
  }
  closeSection(r, end, Tag.Domains);
  end = openSection(r, Tag.Quotas);
  for (let n = r.varuint(); n > 0; n--) {
    const provider = r.string();
    const region = r.string();
    const total = r.varuint();
    const slices: Record<string, number> = {};
    let allocated = 0;
    for (let j = r.varuint(); j > 0; j--) {
      const shard = r.string();
      allocated += slices[shard] = r.varuint();
    }
    s.quotas.set(quotaKey(provider, region), { provider, region, total, allocated, slices: Object.freeze(slices) });
  }
  closeSection(r, end, Tag.Quotas);
}

function readLease(r: ByteReader, s: FleetState, version: number): LeaseRecord {
  const [name, holder] = [r.string(), r.string()];
  const [token, ttlMs, acquiredAt, expiresAt] = [r.varuint(), r.varuint(), r.varuint(), r.varuint()];
  if (version === 1) {
    // Version 1 judged expiry by the registry clock: keep that verdict, and let the leader time the live ones afresh.
    return { name, holder, token, ttlMs, acquiredAt, expiresAt, renewedIndex: Math.max(1, s.appliedIndex), renewedAge: s.age, expired: expiresAt <= s.clock };
  }
  const [renewedIndex, renewedAge] = [r.varuint(), r.varuint()];
  const flag = r.u8();
  check(flag <= 1, `lease ${name} has expired flag ${flag}`);
  return { name, holder, token, ttlMs, acquiredAt, expiresAt, renewedIndex, renewedAge, expired: flag === 1 };
}

function readProvidersAndLeases(r: ByteReader, s: FleetState, version: number): void {
  let end = openSection(r, Tag.Providers);
  for (let n = r.varuint(); n > 0; n--) {
    const name = r.string();
    const kind = r.string();
    const regions: string[] = [];
    for (let j = r.varuint(); j > 0; j--) regions.push(r.string());
    s.providers.set(name, { name, kind, regions: Object.freeze(regions), endpoint: r.string() });
  }
  closeSection(r, end, Tag.Providers);
  end = openSection(r, Tag.Leases);
  for (let n = r.varuint(); n > 0; n--) {
    const l = readLease(r, s, version);
    s.leases.set(l.name, Object.freeze(l));
  }
  closeSection(r, end, Tag.Leases);
}

function readKvAndPlans(r: ByteReader, s: FleetState): void {
  let end = openSection(r, Tag.Kv);
  for (let n = r.varuint(); n > 0; n--) {
    const composite = kvKey(r.string(), r.string());
    const rec = { value: r.string(), createRevision: r.varuint(), modRevision: r.varuint(), version: r.varuint() };
    s.kv.push(composite, rec);
    s.kvBytes += Buffer.byteLength(rec.value, 'utf8');
  }
  closeSection(r, end, Tag.Kv);
  end = openSection(r, Tag.Plans);
  for (let n = r.varuint(); n > 0; n--) {
    const planId = r.string();
    const startedBy = r.string();
    const done = r.varuint();
    const total = r.varuint();
    const state = enumAt(PLAN_STATES, r.u8(), 'plan state');
    s.plans.set(planId, { planId, startedBy, done, total, state, startedAt: r.varuint(), updatedAt: r.varuint(), updatedAtIndex: r.varuint() });
  }
  closeSection(r, end, Tag.Plans);
}

function readSessions(r: ByteReader, version: number): SessionTable {
  const table = new SessionTable();
  for (let n = r.varuint(); n > 0; n--) {
    const clientId = r.string();
    const floor = r.varuint();
    const activity = r.varuint();
    // Version 1 stamped activity in leader wall time: on the age scale, every session starts now.
    const session: Session = { floor, lastActivity: version === 1 ? 0 : activity, results: new Map() };
    for (let j = r.varuint(); j > 0; j--) session.results.set(r.varuint(), JSON.parse(r.string()) as ApplyResult);
    table.restore(clientId, session);
  }
  return table;
}

function readBody(r: ByteReader, s: FleetState, version: number): SessionTable {
  let end = openSection(r, Tag.Meta);
  s.appliedIndex = r.varuint();
  s.clock = r.varuint();
  s.leaseToken = r.varuint();
  s.kvRevision = r.varuint();
  if (version >= 2) s.age = r.varuint();
  closeSection(r, end, Tag.Meta);
  end = openSection(r, Tag.Shards);
  const shardIds = readShards(r, s);
  closeSection(r, end, Tag.Shards);
  end = openSection(r, Tag.Clusters);
  readClusters(r, s, shardIds);
  closeSection(r, end, Tag.Clusters);
  readDomainsAndQuotas(r, s);
  readProvidersAndLeases(r, s, version);
  readKvAndPlans(r, s);
  end = openSection(r, Tag.Sessions);
  const sessions = readSessions(r, version);
  closeSection(r, end, Tag.Sessions);
  if (version >= 3) {
    end = openSection(r, Tag.Audit);
    readAudit(r, s, version === 3 ? 'sort' : 'client');
    closeSection(r, end, Tag.Audit);
  }
  if (version >= 4) {
    end = openSection(r, Tag.AdminAudit);
    readAudit(r, s, 'admin');
    closeSection(r, end, Tag.AdminAudit);
  }
  check(r.done, 'trailing bytes after the last section');
  return sessions;
}

/** Reads a snapshot image back. Throws `SnapshotError` if it is truncated, corrupt or of another version. */
export function readSnapshot(data: Uint8Array): { state: FleetState; sessions: SessionTable } {
  const r = new ByteReader(data);
  const version = r.u8();
  if (!READABLE_VERSIONS.includes(version)) throw new SnapshotError(`snapshot format version ${version} is not supported (this build reads ${READABLE_VERSIONS.join(' and ')})`);
  const state = new FleetState();
  try {
    return { state, sessions: readBody(r, state, version) };
  } catch (err) {
    if (err instanceof SnapshotError) throw err;
    // A broken order or a bad JSON answer means corrupt bytes, not a bug here.
    throw new SnapshotError(`corrupt snapshot: ${(err as Error).message}`);
  }
}
