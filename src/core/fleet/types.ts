/**
 * The vocabulary of the fleet registry: what a Raft log entry carries (a command in an
 * envelope), what applying it answers, and the read views of the registry. Plain data only,
 * so the node can serialize answers and tests can compare them. The commands themselves are
 * declared in src/common/registry/registry-commands.ts (with the checks every backend applies to them).
 */
import type { CommandType, Labels, PlanState, ShardState } from '../../common/registry/registry-commands.js';

export type * from '../../common/registry/registry-commands.js';

/** One entry of the audit log. */
export interface AuditEntry {
  /** The Raft index of the entry that made (or recorded) the change. */
  readonly index: number;
  /** Leader wall time of that entry. */
  readonly time: number;
  readonly who: string;
  readonly client: string;
  readonly op: string;
  /** The arguments as JSON, secrets left out (KV values are given as their size). */
  readonly args: string;
  /** `ok`, or the refusal's code and message. */
  readonly outcome: string;
}

// ---------------------------------------------------------------------------------------------
// Read views.
// ---------------------------------------------------------------------------------------------

/** A shard as readers see it. `boundClusters` is derived from the binding index, never stored. */
export interface ShardView {
  readonly id: string;
  readonly address: string;
  readonly region: string;
  readonly zone: string;
  readonly state: ShardState;
  readonly capacity: number;
  readonly labels: Labels;
  readonly registeredAt: number;
  /** `null` until the first `shard.heartbeat`. */
  readonly lastHeartbeat: number | null;
  readonly boundClusters: number;
}

/** A cluster as readers see it. `shard` is `null` while unbound. */
export interface ClusterView {
  readonly name: string;
  readonly shard: string | null;
  /** Bumped on every change of binding (bind, rebind, unbind); 1 after the first binding. */
  readonly generation: number;
  /** The Raft index of the entry that made the current binding (or unbinding). */
  readonly boundAtIndex: number;
  readonly lastSeen: number;
}

/** A topology domain's assignment. */
export interface DomainView {
  readonly key: string;
  readonly value: string;
  readonly shard: string;
  readonly assignedAtIndex: number;
}

/** A quota with its slices (shard ids in sorted order) and their sum. */
export interface QuotaView {
  readonly provider: string;
  readonly region: string;
  readonly total: number;
  readonly allocated: number;
  readonly slices: Readonly<Record<string, number>>;
}

/** An infrastructure provider. */
export interface ProviderView {
  readonly name: string;
  readonly kind: string;
  readonly regions: readonly string[];
  readonly endpoint: string;
}

/**
 * A lease. `token` is the fencing token: it only grows across all leases of the registry.
 * `acquiredAt` and `expiresAt` are the leader's wall time, for display; the lease ends when the
 * leader expires it (`expired`), at least `ttlMs` after the grant or renewal.
 */
export interface LeaseView {
  readonly name: string;
  readonly holder: string;
  readonly token: number;
  readonly ttlMs: number;
  readonly acquiredAt: number;
  readonly expiresAt: number;
  readonly renewedIndex: number;
  readonly renewedAge: number;
  readonly expired: boolean;
  /** Only in the answer to a renewal that came after the expiry the lease last showed (docs/library.md, "When a lease expires"). */
  readonly extended?: LeaseExtension;
}

/**
 * Why a renewal was accepted after the expiry the previous answer showed: `lateMs` past it
 * (on the leaders' wall clocks, as `expiresAt` is), the index of the grant or renewal it outlived, and, in the leader's
 * answer, the reason the leader still held the lease live: `margin` (the same leader, within
 * ttl × 1 % + one election timeout of its apply) or `leader-change` (a leader that took over
 * since times every live lease afresh).
 */
export interface LeaseExtension {
  readonly lateMs: number;
  readonly sinceIndex: number;
  readonly reason?: 'margin' | 'leader-change';
}

/** A lease as seen by a reader: `remainingMs` is an estimate from the registry age; `expired` is what the leader decided. */
export interface LeaseStatus extends LeaseView {
  readonly remainingMs: number;
}

/** A KV key's revisions, without its value (answers stay small). */
export interface KvMeta {
  readonly ns: string;
  readonly key: string;
  /** The global revision that created the key (kept across puts, reset by delete). */
  readonly createRevision: number;
  /** The global revision of the last change. */
  readonly modRevision: number;
  /** Number of puts since the key was created (1 after creation). */
  readonly version: number;
}

/** A KV entry with its value. */
export interface KvEntry extends KvMeta {
  readonly value: string;
}

/** The latest reported progress of a rebind plan. */
export interface PlanView {
  readonly planId: string;
  readonly startedBy: string;
  readonly done: number;
  readonly total: number;
  readonly state: PlanState;
  readonly startedAt: number;
  readonly updatedAt: number;
  readonly updatedAtIndex: number;
}

/** A page of a listing; `next` is the cursor for the following page, absent on the last one. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly next?: string;
}

/** Sizes of the registry, for status screens. */
export interface RegistryCounts {
  readonly appliedIndex: number;
  /** The registry clock: the largest leader time applied so far. */
  readonly clock: number;
  readonly shards: number;
  readonly clusters: number;
  readonly boundClusters: number;
  readonly unboundClusters: number;
  readonly domains: number;
  readonly quotas: number;
  readonly providers: number;
  readonly leases: number;
  readonly kvKeys: number;
  readonly kvRevision: number;
  readonly sessions: number;
  readonly plans: number;
}

// ---------------------------------------------------------------------------------------------
// Answers.
// ---------------------------------------------------------------------------------------------

/** The value each command answers with on success. */
export interface CommandResults {
  'shard.register': { readonly shard: ShardView; readonly created: boolean };
  'shard.update': { readonly shard: ShardView };
  'shard.setState': { readonly shard: ShardView; readonly previousState: ShardState };
  'shard.remove': {
    readonly id: string;
    readonly unboundClusters: number;
    readonly unassignedDomains: number;
    readonly droppedQuotaSlices: number;
  };
  'shard.heartbeat': { readonly id: string; readonly lastHeartbeat: number };
  'cluster.contact': { readonly cluster: ClusterView; readonly created: boolean; readonly bound: boolean };
  'cluster.rebind': { readonly cluster: ClusterView; readonly from: string | null };
  'cluster.rebindBatch': { readonly moved: number; readonly planId: string | null };
  'cluster.unbind': { readonly cluster: ClusterView; readonly previousShard: string | null };
  'cluster.heartbeat': { readonly cluster: string; readonly lastSeen: number };
  'cluster.prune': { readonly pruned: number };
  'domain.assign': { readonly domain: DomainView; readonly previousShard: string | null };
  'domain.unassign': { readonly key: string; readonly value: string; readonly shard: string };
  'quota.set': { readonly quota: QuotaView; readonly created: boolean };
  'quota.remove': { readonly provider: string; readonly region: string };
  'provider.add': { readonly provider: ProviderView; readonly created: boolean };
  'provider.remove': { readonly name: string };
  'lease.acquire': { readonly lease: LeaseView; readonly renewed: boolean };
  'lease.renew': { readonly lease: LeaseView };
  'lease.release': { readonly name: string; readonly token: number };
  'lease.expire': { readonly name: string; readonly token: number };
  'kv.put': { readonly kv: KvMeta; readonly revision: number };
  'kv.delete': { readonly deleted: boolean; readonly revision: number };
  'kv.cas': { readonly kv: KvMeta; readonly revision: number };
  'plan.progress': { readonly plan: PlanView };
  'audit.record': { readonly op: string };
}

/** The success value of a command type. */
export type ResultOf<T extends CommandType> = CommandResults[T];

/**
 * Why a write was refused. The node maps them to gRPC codes: ALREADY_BOUND and CAS_FAILED to
 * FAILED_PRECONDITION, DUPLICATE_STALE to FAILED_PRECONDITION or ALREADY_EXISTS.
 */
export type FleetErrorCode =
  | 'ALREADY_BOUND'
  | 'CAS_FAILED'
  | 'NOT_FOUND'
  | 'INVALID_ARGUMENT'
  | 'FAILED_PRECONDITION'
  | 'DUPLICATE_STALE';

/** A successful apply. `index` is the Raft index the write was applied at (for a duplicate: the original's). */
export interface ApplyOk<V> {
  readonly ok: true;
  readonly index: number;
  readonly value: V;
  /** Set on the answer to a retry the session had already applied: nothing was applied again. */
  readonly duplicate?: true;
}

/** A refused write. Refusals change nothing but the client's session (they are remembered like successes). */
export interface ApplyFailure {
  readonly ok: false;
  readonly index: number;
  readonly code: FleetErrorCode;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
  /** Set on the answer to a retry the session had already answered (see ApplyOk). */
  readonly duplicate?: true;
}

/** The answer to one applied log entry. */
export type ApplyResult<T extends CommandType = CommandType> = ApplyOk<ResultOf<T>> | ApplyFailure;
