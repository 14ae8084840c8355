/**
 * The checkers of the etcd keyspace's workload (etcd-clients.ts). They see only what clients saw:
 * answers with their revisions, the keys and values reads returned, watch events. Each check is
 * incremental and returns the first violation it finds as a message, for the clients to keep:
 *
 * - `KeyspaceHistory`: a projection of every KV and Txn operation onto one register per key (a put
 *   that returned its previous value is a compare-and-set of it; a txn whose compare failed is a
 *   read of what its failure branch read), checked for linearizability by src/ops/history; with it,
 *   the revisions: a value is seen with one (create, mod, version, lease) everywhere, its write was
 *   answered with that mod revision, a compare held (or failed) on what the txn's own answer shows,
 *   and a linearizable read is served at a revision no lower than any answered before it began.
 * - `LeaseSafety`: no key of a lease is readable at or after a revision by which the lease was
 *   revoked or expired (all its keys go in one revision), and a lease whose keep-alives were
 *   answered is not gone before its TTL has run from the last one's sending.
 * - `WatchLog`: a watcher is sent every revision of its range once, in order, with no gap, across
 *   the members it reconnects to (each time from its last revision + 1): in order as it goes, and
 *   equal to the store's history from its start to the end of the run.
 */
import { MEMBER_REGISTRY_PREFIX } from '../../../src/common/registry/lease-keys.js';
import { checkLinearizable, COMPARE_FAILED, type HistoryEvent, type LinearizabilityResult, type OpFunction } from '../../../src/ops/history/index.js';
import type { Compare } from '../../../src/core/etcd-store/mvcc.js';
import { REGISTRY_KV_NS } from './clients.js';

/** A key-value as a client saw it (keys and values as latin1 strings). */
export interface SeenKv {
  readonly key: string;
  readonly value: string;
  readonly create: number;
  readonly mod: number;
  readonly version: number;
  readonly lease: number;
}

/** How a register operation ended: ok, definitely not applied, or unknown. */
export type Outcome = 'ok' | 'fail' | 'info';

/** The per-key register history of the keyspace's KV and Txn operations, and the checks of their revisions. */
export class KeyspaceHistory {
  private readonly events: HistoryEvent[] = [];
  private nextProcess = 0;
  /** Every value a client asked to write, with the key it was for. */
  private readonly written = new Map<string, string>();
  private readonly byValue = new Map<string, SeenKv>();
  private readonly byKeyMod = new Map<string, string>();
  /** The revision each acknowledged write of a value was answered with. */
  private readonly answered = new Map<string, number>();
  /** The highest revision any completed operation was answered at: a linearizable read or write that begins later is served at it or after. */
  private floor = 1;

  /** The revision floor for an operation that begins now. */
  get revisionFloor(): number {
    return this.floor;
  }

  /** A client is about to ask to write `value` to `key`. */
  intendWrite(key: string, value: string): void {
    this.written.set(value, key);
  }

  /** Records one register operation on `key` (input: the written value, or [expected, new] for a cas). */
  record(f: OpFunction, key: string, input: unknown, start: number, end: number, outcome: Outcome, output?: string | null): void {
    const process = this.nextProcess++;
    this.events.push({ process, type: 'invoke', f, key, value: f === 'read' ? null : input, time: start });
    if (outcome === 'info') return;
    const value = f === 'read' ? (output ?? null) : input;
    this.events.push({ process, type: outcome, f, key, value, time: end, ...(outcome === 'fail' ? { error: COMPARE_FAILED } : {}) });
  }

  /** A completed operation was answered at `revision`: later ones must not be served below it. */
  completed(revision: number): void {
    if (revision > this.floor) this.floor = revision;
  }

  /** A linearizable operation that began with floor `floor` was served at `revision`. */
  checkFloor(what: string, floor: number, revision: number): string | undefined {
    if (revision >= floor) return undefined;
    return `${what} was served at revision ${revision}, but revision ${floor} was answered before it began`;
  }

  /** An acknowledged write of `value` was answered with `revision`. */
  answeredWrite(value: string, revision: number): string | undefined {
    this.answered.set(value, revision);
    const seen = this.byValue.get(value);
    if (seen !== undefined && seen.mod !== revision) return `the write of ${show(value)} was answered at revision ${revision}, but reads show it at mod revision ${seen.mod}`;
    return undefined;
  }

  /** A key-value some answer or event showed: its value was written by a client, and it shows the same revisions everywhere. */
  observe(kv: SeenKv, where: string): string | undefined {
    // The registry clients' registers (fleet kv in the keyspace) and leases (under /fleet/): their own checkers judge them.
    if (kv.key.startsWith(`${REGISTRY_KV_NS}/`) || kv.key.startsWith(MEMBER_REGISTRY_PREFIX)) return undefined;
    const intended = this.written.get(kv.value);
    if (intended === undefined) return `${where} showed ${kv.key} = ${show(kv.value)}, a value no client wrote`;
    if (intended !== kv.key) return `${where} showed ${show(kv.value)} under ${kv.key}, but it was written to ${intended}`;
    if (kv.version < 1 || kv.create < 1 || kv.create > kv.mod) return `${where} showed ${describe(kv)}, impossible revisions`;
    const known = this.byValue.get(kv.value);
    if (known === undefined) {
      this.byValue.set(kv.value, kv);
      const at = this.answered.get(kv.value);
      if (at !== undefined && at !== kv.mod) return `${where} showed ${describe(kv)}, but its write was answered at revision ${at}`;
    } else if (known.create !== kv.create || known.mod !== kv.mod || known.version !== kv.version || known.lease !== kv.lease) {
      return `${where} showed ${describe(kv)}, but another answer showed ${describe(known)}`;
    }
    const slot = `${kv.key}@${kv.mod}`;
    const other = this.byKeyMod.get(slot);
    if (other === undefined) this.byKeyMod.set(slot, kv.value);
    else if (other !== kv.value) return `${kv.key} held both ${show(other)} and ${show(kv.value)} at mod revision ${kv.mod}`;
    return undefined;
  }

  /** The history as the linearizability checker takes it, in time order. */
  history(): HistoryEvent[] {
    return this.events.map((e, i) => ({ e, i })).sort((x, y) => x.e.time - y.e.time || x.i - y.i).map((x) => x.e);
  }

  check(): LinearizabilityResult {
    return checkLinearizable(this.history());
  }
}

/**
 * Whether one compare of a txn holds on `kv` (undefined: the key is absent), as etcd judges it:
 * an absent key has version, create and mod revision 0, and no value (a value compare fails).
 */
export function compareHolds(c: Compare, kv: SeenKv | undefined): boolean {
  let cmp: number;
  if (c.target === 'value') {
    if (kv === undefined) return false;
    const want = Buffer.from(c.operand as Uint8Array).toString('latin1');
    cmp = kv.value < want ? -1 : kv.value > want ? 1 : 0;
  } else {
    const have = kv === undefined ? 0 : c.target === 'version' ? kv.version : c.target === 'create' ? kv.create : c.target === 'mod' ? kv.mod : kv.lease;
    cmp = Math.sign(have - (c.operand as number));
  }
  switch (c.result) {
    case 'equal':
      return cmp === 0;
    case 'not-equal':
      return cmp !== 0;
    case 'greater':
      return cmp > 0;
    case 'less':
      return cmp < 0;
  }
}

interface LeaseRecord {
  /** In simulated ms: no key of the lease may be gone before this (the TTL from the last answered keep-alive's sending, less drift). */
  validUntil: number;
  revokeSent: boolean;
  /** The highest revision at which a key of it was seen present, and how. */
  present: { revision: number; how: string } | undefined;
  /** The lowest revision by which it is known gone (revoked, expired), and how. */
  gone: { revision: number; how: string } | undefined;
  /** The revision its keys' DELETE events showed (one revision for all). */
  deletedAt: number | undefined;
  /** Keys put with it, by the revision their put was answered at. */
  readonly keys: Map<string, number>;
}

/** The share of a TTL a lease is sure to live from its keep-alive's sending: clocks may run fast (the simulator draws under 1 %). */
const TTL_SAFE_SHARE = 0.98;

/** Lease safety, from what clients saw: see the file's comment. */
export class LeaseSafety {
  private readonly leases = new Map<number, LeaseRecord>();

  private lease(id: number): LeaseRecord {
    let l = this.leases.get(id);
    if (l === undefined) this.leases.set(id, (l = { validUntil: -Infinity, revokeSent: false, present: undefined, gone: undefined, deletedAt: undefined, keys: new Map() }));
    return l;
  }

  /** A grant or keep-alive sent at `sentAtMs` was answered: the lease lives at least its TTL from then. */
  kept(id: number, ttlS: number, sentAtMs: number): void {
    const l = this.lease(id);
    l.validUntil = Math.max(l.validUntil, sentAtMs + ttlS * 1000 * TTL_SAFE_SHARE);
  }

  revokeSent(id: number): void {
    this.lease(id).revokeSent = true;
  }

  /** A put of `key` with lease `id` was answered at `revision`. */
  putAnswered(id: number, key: string, revision: number): string | undefined {
    this.lease(id).keys.set(key, revision);
    return this.seenPresent(id, key, revision, `the put of ${key}`);
  }

  /** A revoke was answered at `revision`: every key of the lease is gone from it on. */
  revoked(id: number, revision: number): string | undefined {
    return this.goneBy(id, revision, `the revoke answered at revision ${revision}`);
  }

  /** A key of lease `id` was seen present at `revision` (a read, a watch PUT). */
  seenPresent(id: number, key: string, revision: number, how: string): string | undefined {
    const l = this.lease(id);
    if (l.present === undefined || revision > l.present.revision) l.present = { revision, how: `${how} showed ${key} at revision ${revision}` };
    return this.judge(id, l);
  }

  /**
   * A read served at `revision` found no `key` of lease `id`: if its put was answered at or
   * before `revision`, the lease was gone by then; if the read was linearizable and finished
   * (at `doneAtMs`) before the lease's time was up and no revoke was ever sent, it expired early.
   */
  seenAbsent(id: number, key: string, revision: number, how: string, linearizableDoneAtMs?: number): string | undefined {
    const l = this.lease(id);
    const put = l.keys.get(key);
    if (put === undefined || put > revision) return undefined;
    if (linearizableDoneAtMs !== undefined && !l.revokeSent && linearizableDoneAtMs < l.validUntil) {
      return `lease ${id} expired early: ${how} found ${key} gone at ${linearizableDoneAtMs.toFixed(1)} ms, but its last answered keep-alive holds it until ${l.validUntil.toFixed(1)} ms`;
    }
    return this.goneBy(id, revision, `${how} found ${key} gone at revision ${revision}`);
  }

  /** A keep-alive sent at `sentAtMs` was refused as "lease not found" (answered at `doneAtMs`). */
  notFound(id: number, doneAtMs: number): string | undefined {
    const l = this.lease(id);
    if (l.revokeSent || doneAtMs >= l.validUntil) return undefined;
    return `lease ${id} expired early: a keep-alive found it gone at ${doneAtMs.toFixed(1)} ms, but an answered keep-alive holds it until ${l.validUntil.toFixed(1)} ms`;
  }

  /** A watcher saw `key` of lease `id` deleted at `revision`: the lease's keys all go in that one revision. */
  deletedEvent(id: number, key: string, revision: number): string | undefined {
    const l = this.lease(id);
    if (l.deletedAt !== undefined && l.deletedAt !== revision) return `lease ${id}'s keys were deleted at revisions ${l.deletedAt} and ${revision}, not in one`;
    l.deletedAt = revision;
    return this.goneBy(id, revision, `a watch event deleted ${key} at revision ${revision}`);
  }

  private goneBy(id: number, revision: number, how: string): string | undefined {
    const l = this.lease(id);
    if (l.gone === undefined || revision < l.gone.revision) l.gone = { revision, how };
    return this.judge(id, l);
  }

  private judge(id: number, l: LeaseRecord): string | undefined {
    if (l.present === undefined || l.gone === undefined || l.present.revision < l.gone.revision) return undefined;
    return `a key of lease ${id} was readable after the lease was gone: ${l.present.how}, but ${l.gone.how}`;
  }
}

/** One watch event as a watcher received it. */
export interface SeenEvent {
  readonly revision: number;
  readonly key: string;
  readonly type: 'PUT' | 'DELETE';
  /** The value of a PUT; empty for a DELETE. */
  readonly value: string;
}

/** The events one watcher received over all its connections. */
export class WatchLog {
  readonly events: SeenEvent[] = [];
  private keysOfLast = new Set<string>();

  constructor(readonly name: string) {}

  /** The revision of the last event received (0: none yet). */
  get lastRevision(): number {
    return this.events.at(-1)?.revision ?? 0;
  }

  /** Takes one event, sent on a connection that asked to start at `from`: in order, once, and not before `from`. */
  take(e: SeenEvent, from: number): string | undefined {
    const last = this.lastRevision;
    if (e.revision < from) return `${this.name} asked for revisions from ${from} on and was sent ${e.type} ${e.key} at revision ${e.revision}`;
    if (e.revision < last) return `${this.name} was sent revision ${e.revision} (${e.type} ${e.key}) after revision ${last}`;
    if (e.revision === last && this.keysOfLast.has(e.key)) return `${this.name} was sent ${e.key} at revision ${e.revision} twice`;
    if (e.revision > last) this.keysOfLast = new Set();
    this.keysOfLast.add(e.key);
    this.events.push(e);
    return undefined;
  }

  /**
   * Compares what the watcher received from `start` up to `end` with the store's history of its
   * range over the same revisions (`truth`, oldest first): every event once, in order, no gap.
   */
  compare(truth: readonly SeenEvent[], start: number, end: number): string | undefined {
    const got = this.events.filter((e) => e.revision >= start && e.revision <= end);
    const want = truth.filter((e) => e.revision >= start && e.revision <= end);
    const n = Math.max(got.length, want.length);
    for (let i = 0; i < n; i++) {
      const g = got[i];
      const w = want[i];
      if (g !== undefined && w !== undefined && g.revision === w.revision && g.key === w.key && g.type === w.type && g.value === w.value) continue;
      const at = (e: SeenEvent | undefined): string => (e === undefined ? 'nothing' : `${e.type} ${e.key}${e.type === 'PUT' ? `=${show(e.value)}` : ''} at revision ${e.revision}`);
      return `${this.name} (revisions ${start}..${end}) received ${at(g)} where the store's history has ${at(w)} (event ${i + 1} of ${want.length})`;
    }
    return undefined;
  }
}

function show(value: string): string {
  return JSON.stringify(value.length > 24 ? `${value.slice(0, 21)}...` : value);
}

function describe(kv: SeenKv): string {
  return `${kv.key} = ${show(kv.value)} (create ${kv.create}, mod ${kv.mod}, version ${kv.version}, lease ${kv.lease})`;
}
