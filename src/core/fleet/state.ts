/**
 * The registry's data and the primitives that keep its indexes consistent. Handlers decide;
 * these primitives only mutate. Clusters live in their own table (cluster-table.ts), whose
 * every binding change keeps the per-shard indexes in step.
 */
import { AuditLog } from './audit-log.js';
import type { KeyspacePort, KvRecord } from './keyspace-port.js';
import { ClusterTable } from './cluster-table.js';
import { SortedMap } from './sorted-map.js';
import type { DomainView, Labels, PlanView, ProviderView, QuotaView, ShardState, ShardView } from './types.js';

export { UNBOUND } from './cluster-table.js';

/** A shard's stored record. `lastHeartbeat` is -1 until the first heartbeat. */
export class ShardRecord {
  constructor(
    public id: string,
    public address: string,
    public region: string,
    public zone: string,
    public state: ShardState,
    public capacity: number,
    public labels: Labels,
    public registeredAt: number,
    public lastHeartbeat: number,
  ) {}
}

export type { KvRecord } from './keyspace-port.js';

/**
 * A lease's stored record (its view is the record itself). Nothing in it decides expiry by a
 * clock: `expired` is set only by a `lease.expire` the leader proposed when its monotonic timer
 * for this grant (`renewedIndex`) ran out. `acquiredAt` and `expiresAt` are leader wall time, for
 * people to read.
 */
export interface LeaseRecord {
  readonly name: string;
  readonly holder: string;
  readonly token: number;
  readonly ttlMs: number;
  readonly acquiredAt: number;
  readonly expiresAt: number;
  /** The Raft index of the grant or of the latest renewal: an expiry names the one it ends. */
  readonly renewedIndex: number;
  /** The registry age (see `FleetState.age`) at that grant or renewal. */
  readonly renewedAge: number;
  readonly expired: boolean;
}

/** The map key of a domain `key=value` (names cannot hold '='). */
export function domainKey(key: string, value: string): string {
  return `${key}=${value}`;
}

/** The map key of a quota; NUL sorts first, so keys sort like (provider, region) pairs. */
export function quotaKey(provider: string, region: string): string {
  return `${provider}\u0000${region}`;
}

/** The map key of a KV entry; NUL sorts first, so keys sort like (ns, key) pairs. Keys cannot hold NUL. */
export function kvKey(ns: string, key: string): string {
  return `${ns}\u0000${key}`;
}

/** Splits a KV map key back into its namespace and key. */
export function splitKvKey(composite: string): { ns: string; key: string } {
  const nul = composite.indexOf('\u0000');
  return { ns: composite.slice(0, nul), key: composite.slice(nul + 1) };
}

/**
 * Everything the registry holds. Invariants: every cluster's shard is a registered shard or
 * UNBOUND, and the cluster table has a binding index for each registered shard; `kvBytes`
 * is the sum of the KV values' UTF-8 sizes; `leaseToken` and `kvRevision` never decrease.
 * Clusters and KV are walked in key order only, whatever the history that built them.
 */
export class FleetState {
  appliedIndex = 0;
  /** The largest leader wall time applied so far: for display and stamps only, never to decide expiry (a skewed leader can move it hours ahead). */
  clock = 0;
  /**
   * The registry's age: milliseconds counted on the leaders' monotonic clocks, carried by the
   * entries (see `CommandEnvelope.age`). It never jumps with a wall clock and never goes back;
   * session idleness is judged by it.
   */
  age = 0;
  /** Bumped on every change to `leases`, so that the leader rescans them only when they changed (not replicated). */
  leaseVersion = 0;
  readonly shards = new Map<string, ShardRecord>();
  readonly clusters = new ClusterTable();
  readonly domains = new Map<string, DomainView>();
  readonly quotas = new Map<string, QuotaView>();
  readonly providers = new Map<string, ProviderView>();
  readonly leases = new Map<string, LeaseRecord>();
  /** The last fencing token handed out. */
  leaseToken = 0;
  /** By `kvKey(ns, key)`. */
  readonly kv = new SortedMap<KvRecord>();
  kvRevision = 0;
  kvBytes = 0;
  /** Latest progress per plan, least recently updated first. */
  readonly plans = new Map<string, PlanView>();
  /** Who changed what (audit-log.ts). */
  readonly audit = new AuditLog();
  /** The member's etcd keyspace, where the user's KV lives once moved (kv-location.ts); not replicated here: the keyspace replicates itself. */
  keyspace: KeyspacePort | undefined;

  /** Adds a shard with an empty binding index. */
  addShard(rec: ShardRecord): void {
    this.shards.set(rec.id, rec);
    this.clusters.addShard(rec.id);
  }

  /** Removes a shard. Callers unbind its clusters first. */
  deleteShard(id: string): void {
    this.clusters.deleteShard(id);
    this.shards.delete(id);
  }

  /** Writes a KV value, keeping the byte count and key index. */
  putKv(composite: string, rec: KvRecord, previous: KvRecord | undefined): void {
    if (previous !== undefined) this.kvBytes -= Buffer.byteLength(previous.value, 'utf8');
    this.kvBytes += Buffer.byteLength(rec.value, 'utf8');
    this.kv.set(composite, rec);
  }

  /** Deletes a KV value. */
  deleteKv(composite: string, previous: KvRecord): void {
    this.kvBytes -= Buffer.byteLength(previous.value, 'utf8');
    this.kv.delete(composite);
  }

  /** A shard's view, with its bound-cluster count. Fresh object: answers must not alias state. */
  shardView(rec: ShardRecord): ShardView {
    return {
      id: rec.id,
      address: rec.address,
      region: rec.region,
      zone: rec.zone,
      state: rec.state,
      capacity: rec.capacity,
      labels: rec.labels,
      registeredAt: rec.registeredAt,
      lastHeartbeat: rec.lastHeartbeat < 0 ? null : rec.lastHeartbeat,
      boundClusters: this.clusters.boundCount(rec.id),
    };
  }
}
