/**
 * What `fleet top` needs from a cluster, as a narrow interface: FleetClient satisfies it, and
 * the view model's tests pass a fake. Registry reads may be served by any member within a
 * bounded staleness, so the registry panel keeps working while the leader is being replaced.
 */
import type { StatusModel } from '../status.js';
import type { EndpointStatus, ListClustersOptions, Page, ClusterView, PlanView, ReadOptions, RegistryCounts, ShardView, SnapshotInfo, TransferResult, WatchBatch, WatchOptions } from '../../client/index.js';

/** The reads and actions of the dashboard. */
export interface TopSource {
  statusAll(): Promise<EndpointStatus[]>;
  listShards(opts?: ReadOptions): Promise<ShardView[]>;
  counts(opts?: ReadOptions): Promise<RegistryCounts>;
  listPlans(opts?: ReadOptions): Promise<PlanView[]>;
  listClusters(opts?: ListClustersOptions): Promise<Page<ClusterView>>;
  transferLeader(to?: string): Promise<TransferResult>;
  takeSnapshot(): Promise<SnapshotInfo>;
  /** The registries' change stream; absent where the target has none. */
  watch?(opts: WatchOptions): AsyncIterable<WatchBatch>;
  /**
   * The members' status as a whole model, for an engine whose members answer in their own terms
   * (etcd): when present, the dashboard polls this instead of `statusAll`.
   */
  statusModel?(): Promise<StatusModel>;
  /** Why the target has no fleet registry to read (an etcd cluster); when set, the registry is not polled. */
  readonly registryAbsent?: string;
}

/**
 * Probes for members the membership names at addresses outside the configured endpoints (a
 * context may list only some members); absent, such members show as "not probed".
 */
export type ProbeMore = (addresses: readonly string[]) => Promise<EndpointStatus[]>;

/** How stale a registry read may be: a follower that heard from a leader this recently answers. */
export const REGISTRY_STALENESS_MS = 10_000;

/** The registry reads of one poll, follower reads so they spread over the members. */
export const REGISTRY_READ: ReadOptions = { consistency: { maxStalenessMs: REGISTRY_STALENESS_MS } };
