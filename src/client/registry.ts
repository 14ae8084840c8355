/**
 * The fleet registry as one interface over both engines. A registry write is spelled once, in
 * `Commands` and `CommandResults` (types.ts): its name, arguments and answer. Each backend
 * derives its dispatch from those two maps — FleetClient sends the write over fleet's gRPC
 * service, EtcdRegistry maps it onto etcd transactions — so a command calls `write()` and never
 * knows which engine answers.
 *
 * `REGISTRY_ON_ETCD` says which writes the etcd backend implements; the others (the KV, whose
 * etcd form is etcd's own keys, see src/ops/etcd) are refused in one line naming the engine.
 */
import type { ClusterView, CommandOf, CommandType, DomainView, LeaseStatus, ListClustersOptions, Page, PlanView, ProviderView, QuotaView, ReadOptions, RebindMove, ShardView, Written } from './types.js';

/** The registry operations every backend answers the same way. */
export interface Registry {
  write<T extends CommandType>(command: CommandOf<T>): Promise<Written<T>>;
  listShards(opts?: ReadOptions): Promise<ShardView[]>;
  getCluster(name: string, opts?: ReadOptions): Promise<ClusterView | undefined>;
  listClusters(opts?: ListClustersOptions): Promise<Page<ClusterView>>;
  /** The registry's applied index (fleet: the Raft index; etcd: the store's revision), and on fleet more sizes. */
  counts(opts?: ReadOptions): Promise<{ readonly appliedIndex: number }>;
  listDomains(opts?: ReadOptions & { shard?: string }): Promise<DomainView[]>;
  listQuotas(opts?: ReadOptions): Promise<QuotaView[]>;
  listProviders(opts?: ReadOptions): Promise<ProviderView[]>;
  listLeases(opts?: ReadOptions): Promise<LeaseStatus[]>;
  /** Rebind plans, most recently updated first. */
  listPlans(opts?: ReadOptions): Promise<PlanView[]>;
  /** How many of `moves`, from the first, one `cluster.rebindBatch` can take (absent: all of them). */
  fitBatch?(moves: readonly RebindMove[]): number;
}

/** The writes the etcd backend keeps (a subset of CommandType, checked against it). */
export const REGISTRY_ON_ETCD = [
  'shard.register',
  'shard.update',
  'shard.setState',
  'shard.remove',
  'shard.heartbeat',
  'cluster.contact',
  'cluster.rebind',
  'cluster.rebindBatch',
  'cluster.unbind',
  'cluster.heartbeat',
  'cluster.prune',
  'domain.assign',
  'domain.unassign',
  'quota.set',
  'quota.remove',
  'provider.add',
  'provider.remove',
  'lease.acquire',
  'lease.renew',
  'lease.release',
  'plan.progress',
] as const satisfies readonly CommandType[];

/** A write the etcd backend keeps. */
export type EtcdRegistryWrite = (typeof REGISTRY_ON_ETCD)[number];

/** Whether the etcd backend keeps `type`. */
export function keptOnEtcd(type: CommandType): type is EtcdRegistryWrite {
  return (REGISTRY_ON_ETCD as readonly CommandType[]).includes(type);
}
