/**
 * The fleet registry as one interface over both engines. A registry write is declared once, in
 * src/common/registry/registry-operations.ts: its name, arguments, answer, place on the fleet wire and
 * whether the etcd backend keeps it; `Commands` and `CommandResults` (types.ts) are checked
 * against it. Each backend derives its dispatch from there — FleetClient sends the write over
 * fleet's gRPC service (src/proto/registry-wire.ts), EtcdRegistry maps it onto etcd transactions
 * — so a command calls `write()` and never knows which engine answers.
 *
 * `REGISTRY_ON_ETCD` says which writes the etcd backend implements; the others (the KV, whose
 * etcd form is etcd's own keys, see src/ops/etcd) are refused in one line naming the engine.
 */
import { ETCD_COMMAND_TYPES, type EtcdCommandType } from '../common/registry/registry-operations.js';
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

/** The writes the etcd backend keeps: as declared in src/common/registry/registry-operations.ts (`etcd: false` for those it does not). */
export const REGISTRY_ON_ETCD: readonly EtcdRegistryWrite[] = ETCD_COMMAND_TYPES;

/** A write the etcd backend keeps. */
export type EtcdRegistryWrite = EtcdCommandType;

/** Whether the etcd backend keeps `type`. */
export function keptOnEtcd(type: CommandType): type is EtcdRegistryWrite {
  return (REGISTRY_ON_ETCD as readonly CommandType[]).includes(type);
}
