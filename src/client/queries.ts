/**
 * The registry's reads as pairs: the ReadRequest query to send and how to decode its answer.
 * FleetClient adds the consistency and the routing.
 */
import type * as wire from '../proto/index.js';
import {
  clusterFromWire,
  countsFromWire,
  domainFromWire,
  kvEntryFromWire,
  leaseStatusFromWire,
  memberFromWire,
  planFromWire,
  providerFromWire,
  quotaFromWire,
  shardFromWire,
} from './decode.js';
import { FleetClientError } from './errors.js';
import type {
  ClusterView,
  DomainView,
  KvEntry,
  KvListOptions,
  LeaseStatus,
  ListClustersOptions,
  MembersView,
  Page,
  PlanView,
  ProviderView,
  QuotaView,
  RegistryCounts,
  ShardView,
} from './types.js';

/** A read: its query part of the ReadRequest and the decoder of the answer. */
export interface Query<T> {
  readonly request: Omit<wire.ReadRequest, 'linearizable' | 'minIndex' | 'maxStalenessMs' | 'consistency' | 'query'>;
  readonly decode: (r: wire.ReadResponse__Output) => T;
}

/** The answer's oneof member, which must be the one asked for. */
function result<K extends NonNullable<wire.ReadResponse__Output['result']>>(r: wire.ReadResponse__Output, key: K): NonNullable<wire.ReadResponse__Output[K]> {
  const value = r[key];
  if (r.result !== key || value === undefined || value === null) {
    throw new FleetClientError('internal', `a ${key} read was answered with ${r.result ?? 'nothing'}: is the member a compatible version? (fleet version)`);
  }
  return value;
}

function page<T>(items: T[], next: string | undefined): Page<T> {
  return next === undefined ? { items } : { items, next };
}

/** One shard by id. */
export function getShard(id: string): Query<ShardView | undefined> {
  return { request: { getShard: { id } }, decode: (r) => mapOpt(result(r, 'getShard').shard, shardFromWire) };
}

/** Every shard. */
export function listShards(): Query<ShardView[]> {
  return { request: { listShards: {} }, decode: (r) => result(r, 'listShards').shards.map(shardFromWire) };
}

/** One cluster by name. */
export function getCluster(name: string): Query<ClusterView | undefined> {
  return { request: { getCluster: { name } }, decode: (r) => mapOpt(result(r, 'getCluster').cluster, clusterFromWire) };
}

/** A page of clusters. */
export function listClusters(o: ListClustersOptions): Query<Page<ClusterView>> {
  return {
    request: { listClusters: { shard: o.shard, unbound: o.unbound ?? false, staleSinceMs: o.staleSinceMs, after: o.after, limit: o.limit } },
    decode: (r) => {
      const p = result(r, 'listClusters');
      return page(p.clusters.map(clusterFromWire), p.next);
    },
  };
}

/** Registry sizes. */
export function counts(): Query<RegistryCounts> {
  return { request: { counts: {} }, decode: (r) => countsFromWire(result(r, 'counts')) };
}

/** Domain assignments. */
export function listDomains(shard: string | undefined): Query<DomainView[]> {
  return { request: { listDomains: { shard } }, decode: (r) => result(r, 'listDomains').domains.map(domainFromWire) };
}

/** Quotas. */
export function listQuotas(): Query<QuotaView[]> {
  return { request: { listQuotas: {} }, decode: (r) => result(r, 'listQuotas').quotas.map(quotaFromWire) };
}

/** Providers. */
export function listProviders(): Query<ProviderView[]> {
  return { request: { listProviders: {} }, decode: (r) => result(r, 'listProviders').providers.map(providerFromWire) };
}

/** Leases. */
export function listLeases(): Query<LeaseStatus[]> {
  return { request: { listLeases: {} }, decode: (r) => result(r, 'listLeases').leases.map(leaseStatusFromWire) };
}

/** One KV entry. */
export function kvGet(key: string, ns: string | undefined): Query<KvEntry | undefined> {
  return { request: { kvGet: { key, ns: ns ?? '' } }, decode: (r) => mapOpt(result(r, 'kvGet').entry, kvEntryFromWire) };
}

/** A page of KV entries. */
export function kvList(o: KvListOptions): Query<Page<KvEntry>> {
  return {
    request: { kvList: { prefix: o.prefix ?? '', after: o.after, limit: o.limit, ns: o.ns ?? '' } },
    decode: (r) => {
      const p = result(r, 'kvList');
      return page(p.entries.map(kvEntryFromWire), p.next);
    },
  };
}

/** Rebind plans. */
export function listPlans(): Query<PlanView[]> {
  return { request: { listPlans: {} }, decode: (r) => result(r, 'listPlans').plans.map(planFromWire) };
}

function mapOpt<T, U>(value: T | null | undefined, f: (v: T) => U): U | undefined {
  return value === null || value === undefined ? undefined : f(value);
}

/** A membership answer. */
export function membersFromWire(r: wire.MembersResponse__Output): MembersView {
  return { members: r.members.map(memberFromWire), leaderId: r.leaderId };
}
