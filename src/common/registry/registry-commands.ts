/**
 * The commands of the fleet registry: what a Raft log entry carries (a command in an envelope).
 * Plain data only. They live here, below the core and the client, so that the checks every
 * backend applies to them (registry-parse.ts) are one piece of code.
 */

/** Labels on a shard. Invariant: keys are stored in sorted order, so every replica holds the same object shape. */
export type Labels = Readonly<Record<string, string>>;

/** A shard's scheduling state: `active` takes new clusters; `draining` and `cordoned` take none without force. */
export type ShardState = 'active' | 'draining' | 'cordoned';

/** The states a rebind plan reports through `plan.progress`. */
export type PlanState = 'running' | 'paused' | 'completed' | 'failed' | 'aborted';

// ---------------------------------------------------------------------------------------------
// Commands: one per log entry, wrapped in an envelope.
// ---------------------------------------------------------------------------------------------

/** Registers a data-plane shard. Re-registering the same id with identical fields is a no-op. */
export interface ShardRegister {
  readonly type: 'shard.register';
  readonly id: string;
  /** `host:port`. */
  readonly address: string;
  readonly region: string;
  readonly zone: string;
  /** The most clusters the shard takes (an integer ≥ 0). */
  readonly capacity: number;
  readonly labels?: Labels;
}

/** Changes a shard's fields; absent fields stay; `labels` replaces the whole set. */
export interface ShardUpdate {
  readonly type: 'shard.update';
  readonly id: string;
  readonly address?: string;
  readonly region?: string;
  readonly zone?: string;
  readonly capacity?: number;
  readonly labels?: Labels;
}

/** Moves a shard between active, draining and cordoned. */
export interface ShardSetState {
  readonly type: 'shard.setState';
  readonly id: string;
  readonly state: ShardState;
}

/** Removes a shard: refused while clusters are bound unless `force`, which unbinds them. */
export interface ShardRemove {
  readonly type: 'shard.remove';
  readonly id: string;
  readonly force?: boolean;
}

/** Records that a shard is alive (at the leader's time). */
export interface ShardHeartbeat {
  readonly type: 'shard.heartbeat';
  readonly id: string;
}

/** A cluster's contact with a shard: first contact wins. */
export interface ClusterContact {
  readonly type: 'cluster.contact';
  readonly cluster: string;
  readonly shard: string;
}

/** Moves a cluster if, and only if, it is bound to `from` (`null` = expected unbound). */
export interface ClusterRebind {
  readonly type: 'cluster.rebind';
  readonly cluster: string;
  readonly from: string | null;
  readonly to: string;
  readonly force?: boolean;
}

/** One move of a rebind batch. */
export interface RebindMove {
  readonly cluster: string;
  readonly from: string | null;
  readonly to: string;
}

/** Many rebinds applied all-or-none: every move is checked before any is made. */
export interface ClusterRebindBatch {
  readonly type: 'cluster.rebindBatch';
  readonly moves: readonly RebindMove[];
  readonly force?: boolean;
  readonly planId?: string;
}

/** Leaves a cluster known but bound to no shard. */
export interface ClusterUnbind {
  readonly type: 'cluster.unbind';
  readonly cluster: string;
}

/** Records that a cluster is alive (at the leader's time). */
export interface ClusterHeartbeat {
  readonly type: 'cluster.heartbeat';
  readonly cluster: string;
}

/** Forgets clusters not seen for `notSeenSinceMs` of leader time. */
export interface ClusterPrune {
  readonly type: 'cluster.prune';
  readonly notSeenSinceMs: number;
}

/** Assigns the topology domain `key=value` to a shard (replacing any earlier assignment). */
export interface DomainAssign {
  readonly type: 'domain.assign';
  readonly key: string;
  readonly value: string;
  readonly shard: string;
}

/** Removes the assignment of the topology domain `key=value`. */
export interface DomainUnassign {
  readonly type: 'domain.unassign';
  readonly key: string;
  readonly value: string;
}

/** Sets a provider+region quota and its per-shard slices; the slices never add up to more than `total`. */
export interface QuotaSet {
  readonly type: 'quota.set';
  readonly provider: string;
  readonly region: string;
  readonly total: number;
  readonly slices: Readonly<Record<string, number>>;
}

/** Removes a provider+region quota. */
export interface QuotaRemove {
  readonly type: 'quota.remove';
  readonly provider: string;
  readonly region: string;
}

/** Adds an infrastructure provider. Adding the same definition again is a no-op. */
export interface ProviderAdd {
  readonly type: 'provider.add';
  readonly name: string;
  readonly kind: string;
  readonly regions: readonly string[];
  readonly endpoint: string;
}

/** Removes a provider; refused while quotas refer to it. */
export interface ProviderRemove {
  readonly type: 'provider.remove';
  readonly name: string;
}

/** Takes (or, for the same holder, renews) a named lease for `ttlMs` of leader time. */
export interface LeaseAcquire {
  readonly type: 'lease.acquire';
  readonly name: string;
  readonly holder: string;
  readonly ttlMs: number;
}

/** Extends a live lease held by `holder` with fencing token `token`. */
export interface LeaseRenew {
  readonly type: 'lease.renew';
  readonly name: string;
  readonly holder: string;
  readonly token: number;
  /** Defaults to the ttl the lease was acquired with. */
  readonly ttlMs?: number;
}

/** Gives a lease back. */
export interface LeaseRelease {
  readonly type: 'lease.release';
  readonly name: string;
  readonly holder: string;
  readonly token: number;
}

/**
 * Ends the grant (or renewal) at `renewedIndex` of lease `name`. Proposed by the leader alone,
 * when its monotonic timer for that grant ran out: no replica judges expiry by a clock of its
 * own. A lease renewed or released since is left as it is.
 */
export interface LeaseExpire {
  readonly type: 'lease.expire';
  readonly name: string;
  readonly token: number;
  readonly renewedIndex: number;
}

/** Writes a KV value. */
export interface KvPut {
  readonly type: 'kv.put';
  readonly key: string;
  readonly value: string;
  readonly ns?: string;
}

/** Deletes a KV key (deleting an absent key succeeds with `deleted: false`, like etcd). */
export interface KvDelete {
  readonly type: 'kv.delete';
  readonly key: string;
  readonly ns?: string;
}

/**
 * Writes a KV value only if the key is as expected: its value is `expected` (`null` = the key
 * must be absent) and/or its mod revision is `expectRevision` (0 = the key must be absent). At
 * least one is given; `expected` undefined compares on the revision alone.
 */
export interface KvCas {
  readonly type: 'kv.cas';
  readonly key: string;
  readonly expected?: string | null;
  readonly expectRevision?: number;
  readonly value: string;
  readonly ns?: string;
}

/** Publishes the progress of a running rebind plan (the latest report per plan id is kept). */
export interface PlanProgress {
  readonly type: 'plan.progress';
  readonly planId: string;
  readonly startedBy: string;
  readonly done: number;
  readonly total: number;
  readonly state: PlanState;
}

/**
 * Records, in the audit log, a change made outside the registry (a membership change, a leader
 * transfer, a snapshot, autopilot settings). Proposed by the member that made it, never by a client.
 */
export interface AuditRecord {
  readonly type: 'audit.record';
  /** The operation, e.g. `members.add`. */
  readonly op: string;
  /** Its arguments (never a secret). */
  readonly args: Readonly<Record<string, unknown>>;
  /** `ok`, or what went wrong. */
  readonly outcome: string;
}

/** Every write the registry accepts. `type` selects the handler. */
export type Command =
  | ShardRegister
  | ShardUpdate
  | ShardSetState
  | ShardRemove
  | ShardHeartbeat
  | ClusterContact
  | ClusterRebind
  | ClusterRebindBatch
  | ClusterUnbind
  | ClusterHeartbeat
  | ClusterPrune
  | DomainAssign
  | DomainUnassign
  | QuotaSet
  | QuotaRemove
  | ProviderAdd
  | ProviderRemove
  | LeaseAcquire
  | LeaseRenew
  | LeaseRelease
  | LeaseExpire
  | KvPut
  | KvDelete
  | KvCas
  | PlanProgress
  | AuditRecord;

/** The name of a command. */
export type CommandType = Command['type'];

/** The command of a given type. */
export type CommandOf<T extends CommandType> = Extract<Command, { readonly type: T }>;

/**
 * What a Raft log entry carries. `time` is stamped by the leader when it proposes: replicas
 * never read their own clock, so every replica sees the same time for the same entry.
 */
export interface CommandEnvelope {
  /** The writer's session; '' means no deduplication (internal entries). */
  readonly clientId: string;
  /** The writer's sequence number for this write (an integer ≥ 0). */
  readonly seq: number;
  /** The lowest seq the client has not yet seen answered: results below it may be forgotten. */
  readonly firstIncomplete: number;
  /** Leader-stamped milliseconds since the epoch, for display: it decides nothing. */
  readonly time: number;
  /**
   * The registry age the leader stamps: the age it last applied plus the milliseconds its
   * monotonic clock counted since. Absent in entries written before it existed.
   */
  readonly age?: number;
  /** Who asked for the write, stamped by the member that took it: recorded in the audit log. Absent on internal entries. */
  readonly by?: Actor;
  readonly op: Command;
}

/** Who made a change: the name of the token presented, and the `user@host` the CLI said it runs as. */
export interface Actor {
  /** The token's name (from its file), `token`/`admin-token` when unnamed, `anonymous` on a member without tokens. */
  readonly token: string;
  /** What the client said it is (`user@host`); '' when it did not say. Unverified. */
  readonly client: string;
}
