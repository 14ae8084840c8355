/**
 * The refusals of a member's limits that no counter of their own counts, by limit: one counter,
 * `fleet_limit_refusals_total{limit}` (metrics.ts), fed from here. docs/security.md's "Limits"
 * table names, for every limit, the metric that counts it: this one with its `limit` label, or
 * one of the counters that came before it (requests too large, connections refused, peers
 * rejected, metrics port connections dropped), which keep counting theirs.
 */
import { ERR_NO_SPACE, ERR_TOO_LARGE, ERR_TOO_MANY_LEASES, ERR_TOO_MANY_OPS } from '../../etcd-store/mvcc.js';
import { AUTH_ERRORS } from '../../etcd-store/auth-store.js';
import { FULL_REGISTRY } from '../../../common/registry/registry-limits.js';
import { checkInvariant } from '../../invariant.js';

/** Every `limit` label of `fleet_limit_refusals_total`; each is exported at 0 from the start. */
export const COUNTED_LIMITS = [
  /** fleet.v1 Watch streams, on the member and per address (bounds.ts). */
  'watch-streams',
  /** A fleet.v1 watcher cancelled for not reading: its messages, its bytes, or all watchers' bytes. */
  'watch-queue',
  /** gRPC health Watch streams, on the member and per address. */
  'health-watches',
  /** fleet.v1 Session streams, on the member and per address. */
  'session-streams',
  /** Operations in one Session frame. */
  'session-frame-ops',
  /** A Session stream no longer read because it has its most operations being served (nothing refused: it waits). */
  'session-in-flight',
  /** etcd Watch, LeaseKeepAlive and Election Observe streams, on the member and per address. */
  'etcd-streams',
  /** Watchers on one etcd Watch stream. */
  'etcd-watchers-per-stream',
  /** Compares and operations in one etcd Txn: per list, and in all with nested txns. */
  'etcd-txn-ops',
  /** An etcd request's keys and values (etcd's --max-request-bytes), on gRPC or the JSON gateway. */
  'etcd-request-bytes',
  /** Live etcd leases. */
  'etcd-leases',
  /** An etcd lease's TTL. */
  'etcd-lease-ttl',
  /** The etcd keyspace's space quota (the NOSPACE alarm). */
  'etcd-space-quota',
  /** etcd password checks under way at once. */
  'etcd-auth-checks',
  /** etcd users, roles, grants and name lengths. */
  'etcd-auth-entries',
  /** Metrics port connections closed idle (no request, or one not finished, within the window). */
  'metrics-idle',
  /** etcd JSON gateway requests whose headers or body did not arrive in time. */
  'etcd-gateway-slow',
  /** The registry's shards, clusters, domains, quotas or providers: a write that would add one more. */
  'registry-entries',
  /** The registry's leases. */
  'registry-leases',
  /** fleet's KV keys. */
  'kv-keys',
  /** fleet's KV values, all together. */
  'kv-bytes',
] as const;

/** A `limit` label of `fleet_limit_refusals_total`. */
export type CountedLimit = (typeof COUNTED_LIMITS)[number];

/** Refusals by limit, read by the metrics at scrape time. Every key is a COUNTED_LIMITS entry (checked in `refused`). */
export class LimitRefusals {
  readonly #counts = new Map<CountedLimit, number>(COUNTED_LIMITS.map((l) => [l, 0]));

  /** Counts one refusal of `limit`. */
  refused(limit: CountedLimit): void {
    const n = this.#counts.get(limit);
    checkInvariant(n !== undefined, 'limit-refusals-counted-limits', () => `'${String(limit)}' is not one of COUNTED_LIMITS`);
    this.#counts.set(limit, n + 1);
  }

  /** The count of every limit, 0 for those never refused. */
  get counts(): ReadonlyMap<CountedLimit, number> {
    return this.#counts;
  }

  /** A callback that counts a refusal of `limit` (for a component that takes one). */
  counter(limit: CountedLimit): () => void {
    return () => this.refused(limit);
  }
}

/**
 * The limit an etcd error answers for, by its exact text (etcd's rpctypes messages, which
 * clients match on too); undefined for an error that is no limit's.
 */
const ETCD_LIMIT_ERRORS: ReadonlyMap<string, CountedLimit> = new Map<string, CountedLimit>([
  [ERR_TOO_MANY_OPS, 'etcd-txn-ops'],
  [ERR_TOO_LARGE, 'etcd-request-bytes'],
  [ERR_TOO_MANY_LEASES, 'etcd-leases'],
  ['etcdserver: too large lease TTL', 'etcd-lease-ttl'],
  [ERR_NO_SPACE, 'etcd-space-quota'],
  ['etcdserver: too many requests', 'etcd-auth-checks'],
  [AUTH_ERRORS.tooMany, 'etcd-auth-entries'],
]);

/** The limit whose refusal an etcd error with these `details` is, if any. */
export function etcdErrorLimit(details: string): CountedLimit | undefined {
  return ETCD_LIMIT_ERRORS.get(details);
}

/** The limit each of the registry's "no room" refusals answers for. */
const REGISTRY_LIMIT_ERRORS: ReadonlyMap<string, CountedLimit> = new Map<string, CountedLimit>([
  [FULL_REGISTRY.shards, 'registry-entries'],
  [FULL_REGISTRY.clusters, 'registry-entries'],
  [FULL_REGISTRY.domains, 'registry-entries'],
  [FULL_REGISTRY.quotas, 'registry-entries'],
  [FULL_REGISTRY.providers, 'registry-entries'],
  [FULL_REGISTRY.leases, 'registry-leases'],
  [FULL_REGISTRY.kvKeys, 'kv-keys'],
  [FULL_REGISTRY.kvBytes, 'kv-bytes'],
  // fleet's KV and leases in the etcd keyspace (fleet/kv-location.ts, lease-book.ts) meet its quota and its lease cap.
  [ERR_NO_SPACE, 'etcd-space-quota'],
  [ERR_TOO_MANY_LEASES, 'etcd-leases'],
]);

/** The limit whose refusal a registry write's failure `message` is, if any (FULL_REGISTRY). */
export function registryErrorLimit(message: string): CountedLimit | undefined {
  return REGISTRY_LIMIT_ERRORS.get(message);
}
