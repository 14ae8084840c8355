/**
 * Read queries over the registry. They never mutate, so any replica can serve them; every
 * listing comes back in a fixed order (by name) and pages with a cursor, so a reader sees the
 * same page from any replica at the same applied index.
 */
import { kvEtcdKey, kvKeyOfEtcd } from '../../common/registry/kv-keys.js';
import { keyspaceOf, type KeyspacePort } from './kv-location.js';
import { kvKeysIn, leaseBook, leasesMoved } from './lease-book.js';
import { LIMITS } from './limits.js';
import { UNBOUND, kvKey, splitKvKey, type FleetState } from './state.js';
import type { ClusterView, DomainView, KvEntry, LeaseStatus, Page, PlanView, ProviderView, QuotaView, RegistryCounts } from './types.js';

/** Filters and cursor of `listClusters`. Filtering by shard (or `unbound`) pages through that shard's index only. */
export interface ListClustersOptions {
  /** Only clusters bound to this shard. */
  readonly shard?: string;
  /** Only unbound clusters (cannot be combined with `shard`). */
  readonly unbound?: boolean;
  /** Only clusters not seen for this long before `now`. */
  readonly staleSinceMs?: number;
  /** The reader's time for `staleSinceMs`; defaults to the registry clock. */
  readonly now?: number;
  /** Cursor: the `next` of the previous page (a cluster name). */
  readonly after?: string;
  /** Page size, 1 to 10,000; default 100. */
  readonly limit?: number;
}

const DEFAULT_LIMIT = 100;

/** Walks an index in name order after a cursor, until `visit` returns false. */
type Walk = (after: string | undefined, visit: (name: string, slot: number) => boolean) => void;

function checkLimit(limit: number | undefined): number {
  const n = limit ?? DEFAULT_LIMIT;
  if (!Number.isSafeInteger(n) || n < 1 || n > LIMITS.maxPageSize) throw new RangeError(`limit must be an integer from 1 to ${LIMITS.maxPageSize}, got ${n}`);
  return n;
}

/**
 * Pages through a sorted index. A full page looks ahead for one more match so that the last
 * page has no `next`; a filtered page that examined `maxScanPerPage` names stops short and
 * returns the last name examined as `next`, so no page costs more than a bounded scan.
 */
function pageIndex<T>(walk: Walk, after: string | undefined, limit: number, pick: (slot: number) => T | undefined): Page<T> {
  const items: T[] = [];
  let last = '';
  let next: string | undefined;
  let scanned = 0;
  walk(after, (name, slot) => {
    const item = pick(slot);
    if (item !== undefined) {
      if (items.length === limit) {
        next = last;
        return false;
      }
      items.push(item);
      last = name;
    }
    if (++scanned >= LIMITS.maxScanPerPage) {
      next = items.length === limit ? last : name;
      return false;
    }
    return true;
  });
  return next === undefined ? { items } : { items, next };
}

/** Clusters in name order, optionally by shard, unbound or stale. */
export function listClusters(s: FleetState, opts: ListClustersOptions = {}): Page<ClusterView> {
  const limit = checkLimit(opts.limit);
  if (opts.unbound === true && opts.shard !== undefined) throw new RangeError('listClusters: give either shard or unbound, not both');
  const t = s.clusters;
  const shard = opts.unbound === true ? UNBOUND : opts.shard;
  const cutoff = opts.staleSinceMs === undefined ? undefined : (opts.now ?? s.clock) - opts.staleSinceMs;
  const walk: Walk = (after, visit) => t.forEachAfter(shard, after, visit);
  return pageIndex(walk, opts.after, limit, (slot) => (cutoff === undefined || t.lastSeen(slot) < cutoff ? t.view(slot) : undefined));
}

/** KV entries of namespace `ns` whose keys start with `prefix`, in key order after the cursor `after`. */
export function kvList(s: FleetState, prefix = '', after?: string, limit?: number, ns = ''): Page<KvEntry> {
  const n = checkLimit(limit);
  const keyspace = keyspaceOf(s, ns);
  if (keyspace !== undefined) return keyspaceList(keyspace, prefix, after, n, ns);
  const start = kvKey(ns, prefix);
  // Start after the cursor, or at the prefix itself when the cursor lies before it.
  const cursor = after === undefined ? undefined : kvKey(ns, after);
  const inclusive = cursor === undefined || cursor < start;
  const begin = inclusive ? start : cursor;
  const items: KvEntry[] = [];
  let next: string | undefined;
  s.kv.forEachAfter(
    begin,
    (composite, rec) => {
      if (!composite.startsWith(start)) return false;
      if (items.length === n) {
        next = items[n - 1]!.key;
        return false;
      }
      items.push({ ...splitKvKey(composite), ...rec });
      return true;
    },
    inclusive,
  );
  return next === undefined ? { items } : { items, next };
}

/** The same page from the keyspace: keys under the namespace's prefix, in the store's (byte) order. */
function keyspaceList(keyspace: KeyspacePort, prefix: string, after: string | undefined, n: number, ns: string): Page<KvEntry> {
  const start = Buffer.from(kvEtcdKey(prefix, ns), 'utf8');
  const cursor = after === undefined ? undefined : Buffer.concat([Buffer.from(kvEtcdKey(after, ns), 'utf8'), Buffer.from([0])]);
  const from = cursor !== undefined && Buffer.compare(cursor, start) > 0 ? cursor : start;
  const page = keyspace.page(from, prefixEnd(start), n);
  const items = page.entries.map(([key, rec]): KvEntry => ({ ns, key: kvKeyOfEtcd(key, ns), ...rec }));
  return page.more && items.length > 0 ? { items, next: items[items.length - 1]!.key } : { items };
}

/** The first key after every key that starts with `prefix` (etcd's range_end of a prefix); undefined: no end. */
function prefixEnd(prefix: Uint8Array): Uint8Array | undefined {
  for (let i = prefix.length - 1; i >= 0; i--) {
    if (prefix[i]! < 0xff) {
      const end = Uint8Array.from(prefix.subarray(0, i + 1)); // a copy: a Buffer's slice shares its bytes
      end[i]!++;
      return end;
    }
  }
  return undefined;
}

/** Registry sizes for status screens. */
export function counts(s: FleetState, sessions: number): RegistryCounts {
  const unbound = s.clusters.boundCount(UNBOUND);
  return {
    appliedIndex: s.appliedIndex,
    clock: s.clock,
    shards: s.shards.size,
    clusters: s.clusters.size,
    boundClusters: s.clusters.size - unbound,
    unboundClusters: unbound,
    domains: s.domains.size,
    quotas: s.quotas.size,
    providers: s.providers.size,
    leases: leaseBook(s).count(),
    kvKeys: s.kv.size + kvKeyCount(s),
    kvRevision: keyspaceOf(s, '')?.revision ?? s.kvRevision,
    sessions,
    plans: s.plans.size,
  };
}

/** The KV's keys in the keyspace (none while the KV is the registry's). */
function kvKeyCount(s: FleetState): number {
  const ks = keyspaceOf(s, '');
  return ks === undefined ? 0 : kvKeysIn(ks, leasesMoved(s));
}

const byTuple =
  <T>(...keys: ((x: T) => string)[]) =>
  (a: T, b: T): number => {
    for (const key of keys) {
      const ka = key(a);
      const kb = key(b);
      if (ka !== kb) return ka < kb ? -1 : 1;
    }
    return 0;
  };

/** Domain assignments by key, then value; optionally of one shard. */
export function listDomains(s: FleetState, shard?: string): DomainView[] {
  const all = [...s.domains.values()].filter((d) => shard === undefined || d.shard === shard);
  return all.sort(byTuple((d) => d.key, (d) => d.value));
}

/** Quotas by provider, then region. */
export function listQuotas(s: FleetState): QuotaView[] {
  return [...s.quotas.values()].sort(byTuple((q) => q.provider, (q) => q.region));
}

/** Providers by name. */
export function listProviders(s: FleetState): ProviderView[] {
  return [...s.providers.values()].sort(byTuple((p) => p.name));
}

/**
 * Leases by name. `expired` is the leader's decision, replicated; `remainingMs` estimates what
 * is left of the ttl at registry age `age` (0 for an expired lease; a live lease at 0 is about
 * to be expired by the leader, which also adds a margin for clock drift).
 */
export function listLeases(s: FleetState, age = s.age): LeaseStatus[] {
  return leaseBook(s)
    .all()
    .map((l) => ({ ...l, remainingMs: l.expired ? 0 : Math.max(0, l.renewedAge + l.ttlMs - age) }));
}

/** Plans, most recently updated first. */
export function listPlans(s: FleetState): PlanView[] {
  return [...s.plans.values()].reverse();
}
