/**
 * The fleet registry as one interface over both engines. A registry write is spelled once, in
 * `Commands` and `CommandResults` (types.ts): its name, arguments and answer. Each backend
 * derives its dispatch from those two maps — FleetClient sends the write over fleet's gRPC
 * service, EtcdRegistry maps it onto etcd transactions — so a command calls `write()` and never
 * knows which engine answers.
 *
 * `REGISTRY_ON_ETCD` says which writes the etcd backend implements; the others are refused in
 * one line naming the engine (exit 2), never half-done.
 */
import type { ClusterView, CommandOf, CommandType, ListClustersOptions, Page, ReadOptions, ShardView, Written } from './types.js';

/** The registry operations every backend answers the same way. */
export interface Registry {
  write<T extends CommandType>(command: CommandOf<T>): Promise<Written<T>>;
  listShards(opts?: ReadOptions): Promise<ShardView[]>;
  getCluster(name: string, opts?: ReadOptions): Promise<ClusterView | undefined>;
  listClusters(opts?: ListClustersOptions): Promise<Page<ClusterView>>;
}

/** The writes the etcd backend keeps (a subset of CommandType, checked against it). */
export const REGISTRY_ON_ETCD = ['shard.register', 'shard.setState', 'cluster.contact', 'cluster.unbind'] as const satisfies readonly CommandType[];

/** A write the etcd backend keeps. */
export type EtcdRegistryWrite = (typeof REGISTRY_ON_ETCD)[number];

/** Whether the etcd backend keeps `type`. */
export function keptOnEtcd(type: CommandType): type is EtcdRegistryWrite {
  return (REGISTRY_ON_ETCD as readonly CommandType[]).includes(type);
}
