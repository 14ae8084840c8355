/**
 * Wire reads to registry queries. A query is checked here, before it reaches the node, and
 * becomes a function of the state machine that cannot throw: the node runs it inside its read
 * path, where an exception would have nowhere to go.
 */
import type * as wire from '../../../proto/index.js';
import { LIMITS, type FleetStateMachine } from '../../fleet/index.js';
import { WireError } from '../wire.js';
import { snakeCase } from '../../../common/registry/registry-operations.js';
import {
  clusterToWire,
  countsToWire,
  domainToWire,
  kvEntryToWire,
  leaseStatusToWire,
  planToWire,
  providerToWire,
  quotaToWire,
  shardToWire,
} from './wire-results.js';

/** The name of a query in the ReadRequest oneof. */
export type QueryKey = NonNullable<wire.ReadRequest__Output['query']>;

type QueryMessage<K extends QueryKey> = NonNullable<wire.ReadRequest__Output[K]>;

/** A checked query: runs against a state machine and answers the ReadResponse's result. */
export type Query = (sm: FleetStateMachine) => wire.ReadResponse;

function checkLimit(limit: number | undefined, field: string): number | undefined {
  if (limit !== undefined && (limit < 1 || limit > LIMITS.maxPageSize)) throw new WireError(`${field}: must be 1 to ${LIMITS.maxPageSize}, got ${limit}`);
  return limit;
}

function listClusters(m: QueryMessage<'listClusters'>): Query {
  if (m.unbound && m.shard !== undefined) throw new WireError('list_clusters: give either shard or unbound, not both');
  const limit = checkLimit(m.limit, 'list_clusters.limit');
  return (sm) => {
    const page = sm.listClusters({ shard: m.shard, unbound: m.unbound, staleSinceMs: m.staleSinceMs, after: m.after, limit });
    return { listClusters: { clusters: page.items.map(clusterToWire), next: page.next } };
  };
}

function kvList(m: QueryMessage<'kvList'>): Query {
  const limit = checkLimit(m.limit, 'kv_list.limit');
  return (sm) => {
    const page = sm.kvList(m.prefix, m.after, limit, m.ns);
    return { kvList: { entries: page.items.map(kvEntryToWire), next: page.next } };
  };
}

const QUERIES: { readonly [K in QueryKey]: (m: QueryMessage<K>) => Query } = {
  getShard: (m) => (sm) => ({ getShard: { shard: mapOpt(sm.getShard(m.id), shardToWire) } }),
  listShards: () => (sm) => ({ listShards: { shards: sm.listShards().map(shardToWire) } }),
  getCluster: (m) => (sm) => ({ getCluster: { cluster: mapOpt(sm.getCluster(m.name), clusterToWire) } }),
  listClusters,
  counts: () => (sm) => ({ counts: countsToWire(sm.counts()) }),
  listDomains: (m) => (sm) => ({ listDomains: { domains: sm.listDomains(m.shard).map(domainToWire) } }),
  listQuotas: () => (sm) => ({ listQuotas: { quotas: sm.listQuotas().map(quotaToWire) } }),
  listProviders: () => (sm) => ({ listProviders: { providers: sm.listProviders().map(providerToWire) } }),
  listLeases: () => (sm) => ({ listLeases: { leases: sm.listLeases().map(leaseStatusToWire) } }),
  kvGet: (m) => (sm) => ({ kvGet: { entry: mapOpt(sm.kvGet(m.key, m.ns), kvEntryToWire) } }),
  kvList,
  listPlans: () => (sm) => ({ listPlans: { plans: sm.plans().map(planToWire) } }),
};

function mapOpt<T, U>(value: T | undefined, f: (v: T) => U): U | null {
  return value === undefined ? null : f(value);
}

/** The checked query of a wire read; throws WireError. */
export function queryFromWire(req: wire.ReadRequest__Output): Query {
  const key = req.query;
  if (key === undefined || !Object.hasOwn(QUERIES, key)) {
    throw new WireError(`query: none set; set one of ${Object.keys(QUERIES).map(snakeCase).join(', ')}`);
  }
  const message = req[key];
  if (message === undefined || message === null) throw new WireError(`${snakeCase(key)}: the message is missing`);
  // The table maps each oneof member to its own converter; TypeScript cannot correlate the two lookups.
  return (QUERIES[key] as (m: typeof message) => Query)(message);
}

/** What a query run inside the node gives back: never an exception. */
export type QueryOutcome = { readonly ok: true; readonly response: wire.ReadResponse } | { readonly ok: false; readonly error: unknown };

/** Wraps a query so that it cannot throw inside the node's read path. */
export function guarded(query: Query): (sm: FleetStateMachine) => QueryOutcome {
  return (sm) => {
    try {
      return { ok: true, response: query(sm) };
    } catch (error) {
      return { ok: false, error };
    }
  };
}
