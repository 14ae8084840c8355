/**
 * Where fleet's leases live, and the one place that reads and writes them. Once every member
 * reads data format 6, a cluster keeps its leases in the etcd keyspace (issue 56, "one lease
 * system"): a lease is a grant key and a live key attached to an etcd lease
 * (common/registry/lease-keys.ts), so the keyspace's lessor alone times it, on the leader's lease
 * clock, and its expiry is the etcd lease's: one log entry that deletes the live key. etcdctl sees
 * the keys; `fleet leases` reads them. Before that, the registry keeps its own map, timed by the
 * leader's LeaseKeeper (node/lease-keeper.ts), which only a cluster still upgrading uses.
 *
 * The move is a replicated decision, as the KV's (kv-location.ts): the apply of the cluster
 * version that first says format 6 writes every registry lease into the keyspace and marks the
 * registry, on every member at the same index. Fencing tokens only grow across it: the keys are
 * written at a revision past every token handed out, and a moved grant keeps its token.
 */
import { leaseGrantKey, leaseNameOf, liveLeaseKey, LEASE_GRANTS_DIR, LIVE_LEASES_DIR, MEMBER_REGISTRY_PREFIX } from '../../common/registry/lease-keys.js';
import type { KeyspacePort, KeyspacePut } from './keyspace-port.js';
import { saysDataFormat } from './kv-location.js';
import { kvKey, type FleetState, type KvRecord, type LeaseRecord } from './state.js';

/** The data format from which a cluster's leases live in the keyspace. */
export const LEASES_IN_KEYSPACE_FORMAT = 6;
/** The registry's mark that its leases moved into the keyspace: present, they did. */
export const LEASES_IN_KEYSPACE = { ns: 'fleet.system', key: 'leases-in-keyspace' } as const;
const MARK = kvKey(LEASES_IN_KEYSPACE.ns, LEASES_IN_KEYSPACE.key);

/**
 * How much longer than its TTL the keyspace's lessor times a fleet lease: the time between the
 * leader's stamp and a renewal reaching it, so that a renewal sent before the expiry an answer
 * showed is never refused (docs/library.md, "When a lease expires"). One default election timeout,
 * as the registry's own timers gave; the same on every member, as an apply must be.
 */
export const LEASE_GRACE_MS = 1_000;

/** The refusal of a grant the book cannot make (the store's lease cap, or its space quota). */
export interface GrantRefusal {
  readonly refused: string;
}

/** A cluster's leases, wherever they live. Records are frozen; `token` never decreases. */
export interface LeaseBook {
  get(name: string): LeaseRecord | undefined;
  /** Grants `name` anew (free, or expired) with a new token. */
  grant(name: string, holder: string, ttlMs: number, at: Stamp): LeaseRecord | GrantRefusal;
  /** Renews a live lease for `ttlMs` from `at`; the same token. */
  renew(lease: LeaseRecord, ttlMs: number, at: Stamp): LeaseRecord;
  release(lease: LeaseRecord): void;
  /** Every lease, live and expired, by name. */
  all(): LeaseRecord[];
  /** How many leases there are, live or expired. */
  count(): number;
}

/** When an entry is applied: its index, the registry clock (the leader's lease clock) and age. */
export interface Stamp {
  readonly index: number;
  readonly time: number;
  readonly age: number;
}

/** The book of `s`: the keyspace's once the leases moved there, else the registry's map. */
export function leaseBook(s: FleetState): LeaseBook {
  return s.keyspace !== undefined && leasesMoved(s) ? new KeyspaceLeases(s.keyspace) : new RegistryLeases(s);
}

/** The lease whose live key is `key` (as the keyspace names it), or undefined for any other key. */
export function liveLeaseName(key: string): string | undefined {
  const prefix = `${MEMBER_REGISTRY_PREFIX}${LIVE_LEASES_DIR}`;
  return key.startsWith(prefix) ? leaseNameOf(key.slice(prefix.length)) : undefined;
}

/** Whether the leases of `s` moved into the keyspace. */
export function leasesMoved(s: FleetState): boolean {
  return s.kv.get(MARK) !== undefined;
}

// ---------------------------------------------------------------------------- the registry's map

class RegistryLeases implements LeaseBook {
  constructor(private readonly s: FleetState) {}

  get(name: string): LeaseRecord | undefined {
    return this.s.leases.get(name);
  }

  grant(name: string, holder: string, ttlMs: number, at: Stamp): LeaseRecord {
    const token = ++this.s.leaseToken;
    return this.store({ name, holder, token, ttlMs, acquiredAt: at.time, expiresAt: at.time + ttlMs, renewedIndex: at.index, renewedAge: at.age, expired: false });
  }

  renew(lease: LeaseRecord, ttlMs: number, at: Stamp): LeaseRecord {
    return this.store({ ...lease, ttlMs, expiresAt: at.time + ttlMs, renewedIndex: at.index, renewedAge: at.age });
  }

  release(lease: LeaseRecord): void {
    this.s.leases.delete(lease.name);
    this.s.leaseVersion++;
  }

  /** Ends the grant the leader timed (only the registry's map has expiries of its own). */
  expire(lease: LeaseRecord): void {
    this.store({ ...lease, expired: true });
  }

  all(): LeaseRecord[] {
    return [...this.s.leases.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  count(): number {
    return this.s.leases.size;
  }

  private store(lease: LeaseRecord): LeaseRecord {
    const frozen = Object.freeze(lease);
    this.s.leases.set(lease.name, frozen);
    this.s.leaseVersion++;
    return frozen;
  }
}

/** `RegistryLeases.expire` for the lease.expire handler (a keyspace lease expires with its etcd lease). */
export function expireInRegistry(s: FleetState, lease: LeaseRecord): void {
  new RegistryLeases(s).expire(lease);
}

// ---------------------------------------------------------------------------- the keyspace's keys

/** The grant key's value. `token`: a grant moved from the registry keeps the token it had. */
interface StoredGrant {
  readonly holder: string;
  readonly ttlMs: number;
  readonly acquiredAt: number;
  readonly renewedIndex: number;
  readonly renewedAge: number;
  readonly token?: number;
}

/** The live key's value (the etcd engine's fields, and the renewal's index and age). */
interface StoredLive {
  readonly ttlMs: number;
  readonly expiresAt: number;
  readonly etcdLease: string;
  readonly renewedIndex: number;
  readonly renewedAge: number;
}

/** A value an etcd client wrote that is not fleet's: the lease reads as absent (an acquire overwrites it). */
function parsed<T>(rec: KvRecord | undefined, valid: (v: Partial<T>) => boolean): T | undefined {
  if (rec === undefined) return undefined;
  try {
    const v = JSON.parse(rec.value) as Partial<T>;
    return v !== null && typeof v === 'object' && valid(v) ? (v as T) : undefined;
  } catch {
    return undefined;
  }
}

const isGrant = (v: Partial<StoredGrant>): boolean => typeof v.holder === 'string' && typeof v.ttlMs === 'number' && typeof v.acquiredAt === 'number';
const isLive = (v: Partial<StoredLive>): boolean => typeof v.ttlMs === 'number' && typeof v.expiresAt === 'number' && typeof v.etcdLease === 'string';

class KeyspaceLeases implements LeaseBook {
  constructor(private readonly ks: KeyspacePort) {}

  get(name: string): LeaseRecord | undefined {
    const grantRec = this.ks.get(leaseGrantKey(name));
    const grant = parsed<StoredGrant>(grantRec, isGrant);
    if (grantRec === undefined || grant === undefined) return undefined;
    return recordOf(name, grantRec, grant, parsed<StoredLive>(this.ks.get(liveLeaseKey(name)), isLive));
  }

  grant(name: string, holder: string, ttlMs: number, at: Stamp): LeaseRecord | GrantRefusal {
    const id = this.ks.leaseGrant(ttlMs + LEASE_GRACE_MS, at.time);
    if (typeof id !== 'number') return id;
    const grant: StoredGrant = { holder, ttlMs, acquiredAt: at.time, renewedIndex: at.index, renewedAge: at.age };
    const live = liveOf(id, ttlMs, at);
    const revision = this.ks.writeAll([grantPut(name, grant), livePut(name, live, id)], []);
    if (typeof revision !== 'number') {
      this.ks.leaseRevoke(id);
      return revision;
    }
    return recordOf(name, { value: '', createRevision: revision, modRevision: revision, version: 1 }, grant, live);
  }

  renew(lease: LeaseRecord, ttlMs: number, at: Stamp): LeaseRecord {
    const old = parsed<StoredLive>(this.ks.get(liveLeaseKey(lease.name)), isLive)!;
    const id = Number(old.etcdLease);
    this.ks.leaseRenew(id, ttlMs + LEASE_GRACE_MS, at.time);
    const live = liveOf(id, ttlMs, at);
    // A put at the renewal's revision, so watchers and `fleet leases list` see the new expiry. A
    // put needs space: over the quota the renewal still holds (the etcd lease is restamped).
    this.ks.writeAll([livePut(lease.name, live, id)], []);
    return Object.freeze({ ...lease, ttlMs, expiresAt: live.expiresAt, renewedIndex: at.index, renewedAge: at.age });
  }

  release(lease: LeaseRecord): void {
    const live = parsed<StoredLive>(this.ks.get(liveLeaseKey(lease.name)), isLive);
    this.ks.writeAll([], [leaseGrantKey(lease.name), liveLeaseKey(lease.name)]);
    if (live !== undefined) this.ks.leaseRevoke(Number(live.etcdLease));
  }

  all(): LeaseRecord[] {
    const leases: LeaseRecord[] = [];
    this.forEachGrant((name, rec, grant) => leases.push(recordOf(name, rec, grant, parsed<StoredLive>(this.ks.get(liveLeaseKey(name)), isLive))));
    // Keys sort by their encoded names; answers by the names, as the registry's map's.
    return leases.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  count(): number {
    return this.ks.count(`${MEMBER_REGISTRY_PREFIX}${LEASE_GRANTS_DIR}`);
  }

  private forEachGrant(visit: (name: string, rec: KvRecord, grant: StoredGrant) => void): void {
    const prefix = `${MEMBER_REGISTRY_PREFIX}${LEASE_GRANTS_DIR}`;
    const end = prefixEnd(prefix);
    let from = Buffer.from(prefix, 'utf8') as Uint8Array;
    for (;;) {
      const page = this.ks.page(from, end, 1024);
      for (const [key, rec] of page.entries) {
        const grant = parsed<StoredGrant>(rec, isGrant);
        const name = leaseNameOf(key.slice(prefix.length));
        if (grant !== undefined && name !== undefined) visit(name, rec, grant);
      }
      if (!page.more || page.entries.length === 0) return;
      from = Buffer.from(`${page.entries[page.entries.length - 1]![0]}\u0000`, 'utf8');
    }
  }
}

function liveOf(id: number, ttlMs: number, at: Stamp): StoredLive {
  return { ttlMs, expiresAt: at.time + ttlMs, etcdLease: String(id), renewedIndex: at.index, renewedAge: at.age };
}

function grantPut(name: string, grant: StoredGrant): KeyspacePut {
  return { key: leaseGrantKey(name), value: JSON.stringify(grant) };
}

function livePut(name: string, live: StoredLive, id: number): KeyspacePut {
  return { key: liveLeaseKey(name), value: JSON.stringify(live), lease: id };
}

/** The lease as the registry's record: its token the grant's (mod revision, or the one it moved with). */
function recordOf(name: string, grantRec: KvRecord, grant: StoredGrant, live: StoredLive | undefined): LeaseRecord {
  return Object.freeze({
    name,
    holder: grant.holder,
    token: grant.token ?? grantRec.modRevision,
    ttlMs: live?.ttlMs ?? grant.ttlMs,
    acquiredAt: grant.acquiredAt,
    expiresAt: live?.expiresAt ?? grant.acquiredAt + grant.ttlMs,
    renewedIndex: live?.renewedIndex ?? grant.renewedIndex,
    renewedAge: live?.renewedAge ?? grant.renewedAge,
    expired: live === undefined,
  });
}

/** The first key past every key starting with `prefix` (etcd's range end of a prefix; the prefix ends in '/'). */
function prefixEnd(prefix: string): Uint8Array {
  const b = Buffer.from(prefix, 'utf8');
  b[b.length - 1]!++;
  return b;
}

/** How many of the keyspace's keys are the KV's: all but the registry's own, under /fleet/ (its leases). */
export function kvKeysIn(ks: KeyspacePort, leasesThere: boolean): number {
  return ks.count() - (leasesThere ? ks.count(MEMBER_REGISTRY_PREFIX) : 0);
}

// ---------------------------------------------------------------------------- the move

/**
 * Called when the cluster version was written: the first value that says format 6 writes every
 * registry lease into the keyspace (its grant with its token; a live one's key attached to a new
 * etcd lease of its TTL from now: only ever longer than its timer had left), past every token
 * handed out, and marks the registry. Refused whole over the space quota (or the lease cap): the
 * leases stay, to be moved at the next version written.
 */
export function moveLeasesIfDue(s: FleetState, clusterVersion: string, at: Stamp): void {
  const ks = s.keyspace;
  if (ks === undefined || leasesMoved(s) || !saysDataFormat(clusterVersion, LEASES_IN_KEYSPACE_FORMAT)) return;
  // By name, never the map's order: a registry restored from an image holds its leases in another
  // order than one that applied their grants, and each lease's etcd id follows from its place.
  const leases = new RegistryLeases(s).all();
  if (leases.length > 0 && !writeMoved(ks, leases, s.leaseToken + 1, at)) return;
  s.leases.clear();
  s.leaseVersion++;
  const mark: KvRecord = { value: '1', createRevision: ++s.kvRevision, modRevision: s.kvRevision, version: 1 };
  s.putKv(MARK, mark, undefined);
}

/** The grants at one revision of at least `atLeast`, then the live keys attached to their new etcd leases; false (nothing kept) when refused. */
function writeMoved(ks: KeyspacePort, leases: readonly LeaseRecord[], atLeast: number, at: Stamp): boolean {
  const grants = leases.map((l): readonly [string, KvRecord] => {
    const grant: StoredGrant = { holder: l.holder, ttlMs: l.ttlMs, acquiredAt: l.acquiredAt, renewedIndex: l.renewedIndex, renewedAge: l.renewedAge, token: l.token };
    return [leaseGrantKey(l.name), { value: JSON.stringify(grant), createRevision: 0, modRevision: 0, version: 1 }];
  });
  const granted: number[] = [];
  const lives: KeyspacePut[] = [];
  for (const l of leases) {
    if (l.expired) continue;
    const id = ks.leaseGrant(l.ttlMs + LEASE_GRACE_MS, at.time);
    if (typeof id !== 'number') break;
    granted.push(id);
    lives.push(livePut(l.name, liveOf(id, l.ttlMs, at), id));
  }
  const undo = (): false => {
    for (const id of granted) ks.leaseRevoke(id);
    return false;
  };
  if (lives.length !== leases.filter((l) => !l.expired).length) return undo();
  if (typeof ks.importAll(grants, atLeast) !== 'number') return undo();
  // The grants are in; a refusal of the live keys now leaves them expired, which a holder renews by acquiring again.
  if (lives.length > 0) ks.writeAll(lives, []);
  return true;
}
