/**
 * What the client hands its callers: plain objects that mirror the registry's commands, answers
 * and views, and the members' status. The client shares no code with the coordinator (it may
 * talk to a remote one of another version), so these are its own; the wire in between is
 * src/proto.
 */

/** Labels on a shard, keys in sorted order. */
export type Labels = Readonly<Record<string, string>>;

/** A shard's scheduling state. */
export type ShardState = 'active' | 'draining' | 'cordoned';

/** A rebind plan's state. */
export type PlanState = 'running' | 'paused' | 'completed' | 'failed' | 'aborted';

// ---------------------------------------------------------------------------------------------
// Views
// ---------------------------------------------------------------------------------------------

/** A shard. `lastHeartbeat` is null until the first heartbeat. */
export interface ShardView {
  readonly id: string;
  readonly address: string;
  readonly region: string;
  readonly zone: string;
  readonly state: ShardState;
  readonly capacity: number;
  readonly labels: Labels;
  readonly registeredAt: number;
  readonly lastHeartbeat: number | null;
  readonly boundClusters: number;
}

/** A cluster. `shard` is null while unbound; `generation` counts changes of binding. */
export interface ClusterView {
  readonly name: string;
  readonly shard: string | null;
  readonly generation: number;
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

/** A quota and its per-shard slices. */
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

/** A lease; `token` is its fencing token (it only grows). */
export interface LeaseView {
  readonly name: string;
  readonly holder: string;
  readonly token: number;
  readonly ttlMs: number;
  readonly acquiredAt: number;
  readonly expiresAt: number;
  /**
   * Only in the answer to a renewal that came after the expiry the lease last showed: by how
   * much (`lateMs`), the index of the grant or renewal it outlived (`sinceIndex`), and why the
   * leader still held it live (`reason`; absent in an answer repeated to a retry). See
   * docs/library.md, "When a lease expires".
   */
  readonly extended?: LeaseExtension;
}

/** Why a renewal was accepted after its lease's shown expiry (see `LeaseView.extended`). */
export interface LeaseExtension {
  readonly lateMs: number;
  readonly sinceIndex: number;
  /** `margin`: the same leader, within ttl × 1 % + one election timeout; `leader-change`: a leader that took over since timed the lease afresh. */
  readonly reason?: 'margin' | 'leader-change';
}

/** A lease as the serving member saw it at read time. */
export interface LeaseStatus extends LeaseView {
  readonly expired: boolean;
  readonly remainingMs: number;
}

/** A KV key's revisions. */
export interface KvMeta {
  readonly ns: string;
  readonly key: string;
  readonly createRevision: number;
  readonly modRevision: number;
  readonly version: number;
}

/** A KV entry with its value. */
export interface KvEntry extends KvMeta {
  readonly value: string;
}

/** A rebind plan's latest reported progress. */
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

/** A page of a listing; `next` is the cursor of the following page, absent on the last. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly next?: string;
}

/** Sizes of the registry. */
export interface RegistryCounts {
  readonly appliedIndex: number;
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
// Commands and their answers
// ---------------------------------------------------------------------------------------------

/** One move of a rebind: `from` null means the cluster is expected to be unbound. */
export interface RebindMove {
  readonly cluster: string;
  readonly from: string | null;
  readonly to: string;
}

/** Every registry write, by type (the registry documents each). */
export interface Commands {
  'shard.register': { readonly id: string; readonly address: string; readonly region: string; readonly zone: string; readonly capacity: number; readonly labels?: Labels };
  'shard.update': { readonly id: string; readonly address?: string; readonly region?: string; readonly zone?: string; readonly capacity?: number; readonly labels?: Labels };
  'shard.setState': { readonly id: string; readonly state: ShardState };
  'shard.remove': { readonly id: string; readonly force?: boolean };
  'shard.heartbeat': { readonly id: string };
  'cluster.contact': { readonly cluster: string; readonly shard: string };
  'cluster.rebind': { readonly cluster: string; readonly from: string | null; readonly to: string; readonly force?: boolean };
  'cluster.rebindBatch': { readonly moves: readonly RebindMove[]; readonly force?: boolean; readonly planId?: string };
  'cluster.unbind': { readonly cluster: string };
  'cluster.heartbeat': { readonly cluster: string };
  'cluster.prune': { readonly notSeenSinceMs: number };
  'domain.assign': { readonly key: string; readonly value: string; readonly shard: string };
  'domain.unassign': { readonly key: string; readonly value: string };
  'quota.set': { readonly provider: string; readonly region: string; readonly total: number; readonly slices: Readonly<Record<string, number>> };
  'quota.remove': { readonly provider: string; readonly region: string };
  'provider.add': { readonly name: string; readonly kind: string; readonly regions: readonly string[]; readonly endpoint: string };
  'provider.remove': { readonly name: string };
  'lease.acquire': { readonly name: string; readonly holder: string; readonly ttlMs: number };
  'lease.renew': { readonly name: string; readonly holder: string; readonly token: number; readonly ttlMs?: number };
  'lease.release': { readonly name: string; readonly holder: string; readonly token: number };
  'kv.put': { readonly key: string; readonly value: string; readonly ns?: string };
  'kv.delete': { readonly key: string; readonly ns?: string };
  /** `expected`: the value it must hold (null: absent); `expectRevision`: its mod revision (0: absent); at least one. */
  'kv.cas': { readonly key: string; readonly expected?: string | null; readonly expectRevision?: number; readonly value: string; readonly ns?: string };
  'plan.progress': { readonly planId: string; readonly startedBy: string; readonly done: number; readonly total: number; readonly state: PlanState };
}

/** The name of a registry write. */
export type CommandType = keyof Commands;

/** A registry write of type T, as `FleetClient.write` takes it. */
export type CommandOf<T extends CommandType> = { readonly type: T } & Commands[T];

/** Any registry write. */
export type Command = { [T in CommandType]: CommandOf<T> }[CommandType];

/** What each write answers on success. */
export interface CommandResults {
  'shard.register': { readonly shard: ShardView; readonly created: boolean };
  'shard.update': { readonly shard: ShardView };
  'shard.setState': { readonly shard: ShardView; readonly previousState: ShardState };
  'shard.remove': { readonly id: string; readonly unboundClusters: number; readonly unassignedDomains: number; readonly droppedQuotaSlices: number };
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
  'kv.put': { readonly kv: KvMeta; readonly revision: number };
  'kv.delete': { readonly deleted: boolean; readonly revision: number };
  'kv.cas': { readonly kv: KvMeta; readonly revision: number };
  'plan.progress': { readonly plan: PlanView };
}

/**
 * A write's answer: its result plus `index`, the Raft index it committed at. `alreadyApplied`
 * is set when the write was a retry the registry had already applied (same client id and seq):
 * nothing was applied again, and the result and `index` are the original's.
 */
export type Written<T extends CommandType> = CommandResults[T] & { readonly index: number; readonly alreadyApplied?: true };

/** The registry's refusal codes. */
export type FleetErrorCode = 'ALREADY_BOUND' | 'CAS_FAILED' | 'NOT_FOUND' | 'INVALID_ARGUMENT' | 'FAILED_PRECONDITION' | 'DUPLICATE_STALE';

/**
 * What a refusal is about; only the fields that apply are set. `currentShard` is where the
 * cluster is bound (ALREADY_BOUND) or actually is (CAS_FAILED of a rebind; null = unbound);
 * `currentValue`/`currentRevision` are a kv key's (null = the key is absent).
 */
export interface FleetErrorDetails {
  readonly cluster?: string;
  readonly currentShard?: string | null;
  readonly expectedShard?: string | null;
  readonly generation?: number;
  readonly moveIndex?: number;
  readonly shard?: string;
  readonly state?: ShardState;
  readonly capacity?: number;
  readonly boundClusters?: number;
  readonly incoming?: number;
  readonly address?: string;
  readonly ns?: string;
  readonly key?: string;
  readonly currentValue?: string | null;
  readonly currentRevision?: number | null;
  readonly name?: string;
  readonly holder?: string;
  readonly expiresAt?: number;
  readonly lease?: string;
  readonly domain?: string;
  readonly provider?: string;
  readonly quota?: string;
  readonly region?: string;
  readonly quotaRegions?: readonly string[];
  readonly clientId?: string;
  readonly seq?: number;
  readonly firstIncomplete?: number;
  /** Set when the refusal is the remembered answer to a retry (the write was answered before, at the error's index). */
  readonly alreadyApplied?: true;
  /** A watch refused as compacted: the index asked for, and the oldest any member still had. */
  readonly requestedIndex?: number;
  readonly oldestIndex?: number;
  /** Details this client version has no field for, as JSON text by name. */
  readonly other?: Readonly<Record<string, string>>;
}

// ---------------------------------------------------------------------------------------------
// Reads
// ---------------------------------------------------------------------------------------------

/**
 * How fresh a read must be. `linearizable` (the default) goes through the leader; the others
 * are served by any member, preferring the first endpoint (the local one):
 * `read-your-writes` waits for the highest index this client has seen.
 */
export type Consistency = 'linearizable' | 'read-your-writes' | { readonly minIndex: number } | { readonly maxStalenessMs: number };

/** Options of every read. */
export interface ReadOptions {
  readonly consistency?: Consistency;
  /** Told which member served the read and at which applied index (what `--json` reports). */
  readonly onServed?: (served: ServedRead) => void;
}

/** Where a read was served: the member (its id; '' from a member that predates the field) and the index it had applied. */
export interface ServedRead {
  readonly member: string;
  readonly appliedIndex: number;
}

/** Filters and cursor of `listClusters`. */
export interface ListClustersOptions extends ReadOptions {
  readonly shard?: string;
  readonly unbound?: boolean;
  readonly staleSinceMs?: number;
  readonly after?: string;
  readonly limit?: number;
}

/** Filters and cursor of `kvList`. */
export interface KvListOptions extends ReadOptions {
  readonly prefix?: string;
  readonly after?: string;
  readonly limit?: number;
  readonly ns?: string;
}

// ---------------------------------------------------------------------------------------------
// Members
// ---------------------------------------------------------------------------------------------

/** A member as the membership records it. */
export interface MemberInfo {
  readonly id: string;
  readonly address: string;
  readonly voter: boolean;
  /** Its zone and region as the answering member knows them; absent when unset or unknown. */
  readonly zone?: string;
  readonly region?: string;
  /** A permanent non-voting member (`--read-replica`), as it announced itself; absent otherwise. */
  readonly readReplica?: boolean;
  /** Its fleet version as it announced it to the answering member; absent when not heard (or from older members). */
  readonly version?: string;
}

/** A follower's replication progress as its leader sees it. */
export interface FollowerProgress {
  readonly id: string;
  readonly match: number;
  readonly next: number;
  readonly state: 'probe' | 'replicate' | 'snapshot';
  readonly recentActive: boolean;
  readonly learner: boolean;
  readonly lag: number;
}

/** A member's Raft role. */
export type MemberRole = 'leader' | 'follower' | 'candidate' | 'pre-candidate' | 'learner';

/** What one member reports about itself (`fleet status`, `fleet top`). */
export interface MemberStatus {
  readonly id: string;
  readonly address: string;
  readonly clusterName: string;
  /** 'unknown' when the member speaks a role this client does not know. */
  readonly role: MemberRole | 'unknown';
  readonly term: number;
  readonly leaderId: string;
  readonly leaderAddress: string;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly lastIndex: number;
  readonly snapshotIndex: number;
  readonly members: readonly MemberInfo[];
  readonly progress: readonly FollowerProgress[];
  readonly lastContactMs: number;
  readonly uptimeMs: number;
  readonly version: string;
  readonly rssBytes: number;
  readonly snapshotsTaken: number;
  readonly elections: number;
  /** Set while the member rebuilds a damaged log from the leader (it neither votes nor campaigns meanwhile). */
  readonly repair: RepairState | null;
  /** Repairs the member's process finished. */
  readonly repairsCompleted: number;
  /** Autopilot's assessment: only from the leader (absent from a follower or an older member). */
  readonly autopilot?: AutopilotState;
  /** `out-of-space` while the member's disk refuses its log writes; `unknown` for a value this client does not know. */
  readonly storage: 'ok' | 'out-of-space' | 'unknown';
  /** The leader's wall clock minus the member's, in ms; absent on the leader (and from older members). */
  readonly clockOffsetMs?: number;
  /** Milliseconds the member's applied index has stayed below its commit index without moving (0 while caught up or applying). */
  readonly applyStalledMs?: number;
  /** The longest delay of the member's event loop in the last minute, in ms; 0 or absent from a member that predates it. */
  readonly loopDelayMaxMs?: number;
  /** The delay past which the member's loop counts as held (a third of its election timeout); 0 or absent from older members. */
  readonly loopHeldBoundMs?: number;
  /** Past this many ms of `applyStalledMs` the member is stuck; 0 or absent from a member that predates it. */
  readonly stuckAfterMs?: number;
  /** The index of the membership change that made the member's configuration: what a conditional change names (`ifConfigIndex`). */
  readonly configIndex?: number;
  /** Peer streams refused in the last half minute, by the member or by its peers; absent from older members. */
  readonly peerRefusals?: readonly PeerRefusal[];
  /** The cluster's version as the log records it: the lowest among its members, agreed by the leader; absent before one was agreed (and from older members). */
  readonly clusterVersion?: { readonly version: string; readonly dataFormat: number; readonly revision: number };
  /** The member's scheduled backups (`fleet node start --backup-dir`); absent when it takes none (and from older members). */
  readonly backup?: BackupState;
  /** The member's own zone and region (`fleet node start --zone --region`); absent when unset. */
  readonly zone?: string;
  readonly region?: string;
  /** The member was started as a permanent read replica (`--read-replica`); absent otherwise. */
  readonly readReplica?: boolean;
}

/** A member's scheduled backups: where, how often, how many kept, and how the latest went. */
export interface BackupState {
  readonly dir: string;
  readonly everyMs: number;
  readonly keep: number;
  /** Backups the member's process wrote, and attempts that failed. */
  readonly taken: number;
  readonly failures: number;
  /** The newest good backup in the directory (`at` ISO 8601); null when there is none. */
  readonly lastOk: { readonly at: string; readonly index: number; readonly name: string; readonly bytes: number } | null;
  /** The newest failure since the last good backup; null once one succeeds. */
  readonly lastError: { readonly at: string; readonly message: string } | null;
}

/** A peer stream refused: evidence of why a member is cut off from its peers. */
export interface PeerRefusal {
  /** The other member. */
  readonly peer: string;
  /** True: the reporting member refused `peer`'s stream; false: `peer` refused the reporting member's. */
  readonly byThisMember: boolean;
  /** `stale-handshake`, `bad-signature`, `unknown-member`, `wrong-cluster`, … */
  readonly reason: string;
  /** As the refusing member said it. */
  readonly detail: string;
  readonly agoMs: number;
}

/** Where a member found its log damaged, why, and since when (ISO 8601). */
export interface RepairState {
  readonly file: string;
  readonly reason: string;
  readonly since: string;
}

/** What autopilot may do by itself, and the thresholds of health (durations in milliseconds). */
export interface AutopilotSettings {
  readonly autoPromoteLearners: boolean;
  readonly cleanupDeadMembers: boolean;
  readonly deadAfterMs: number;
  readonly lastContactThresholdMs: number;
  readonly maxTrailingEntries: number;
  readonly minQuorum: number;
  readonly stabilizationMs: number;
  /** After a failover, leadership goes back to a caught-up voter of this region ('' none). */
  readonly preferredRegion: string;
}

/** One member's health as the leader sees it. */
export interface MemberHealth {
  readonly id: string;
  readonly voter: boolean;
  readonly lastContactMs: number;
  readonly trailingEntries: number;
  /** Milliseconds since it was last caught up with the leader's log. */
  readonly trailingMs: number;
  readonly healthy: boolean;
  readonly stable: boolean;
  readonly dead: boolean;
}

/** Autopilot as the leader runs it. */
export interface AutopilotState {
  readonly settings: AutopilotSettings;
  /** Why the stored settings are unusable (the defaults are in force); null when they are fine. */
  readonly settingsProblem: string | null;
  readonly members: readonly MemberHealth[];
  /** Changes due but held back, one sentence each. */
  readonly held: readonly string[];
  readonly lastAction: string | null;
}

/** The replicated settings as a member answers them. */
export interface AutopilotSettingsView {
  readonly settings: AutopilotSettings;
  readonly problem: string | null;
}

/** The membership and the leader, as the answering member knows them. */
export interface MembersView {
  readonly members: readonly MemberInfo[];
  readonly leaderId: string;
}

/** A snapshot taken or downloaded. */
export interface SnapshotInfo {
  readonly index: number;
  readonly term: number;
  readonly bytes: number;
  /** Where it was written: on the member (takeSnapshot) or locally (downloadSnapshot). */
  readonly path: string;
}

/** The outcome of a leadership transfer. */
export interface TransferResult {
  readonly from: string;
  readonly to: string;
  readonly tookMs: number;
}

// ---------------------------------------------------------------------------------------------
// Watch
// ---------------------------------------------------------------------------------------------

/** The registries a watch can follow (`WATCH_REGISTRIES` in watch.ts lists them). */
export type WatchRegistry = 'kv' | 'shards' | 'clusters' | 'domains' | 'quotas' | 'providers' | 'leases';

/**
 * One change as a watcher sees it. `type` is `put` or `delete` for KV, else the registry
 * operation (`cluster.rebind`, `lease.expire`, …). `old` and `new` are the KV value or the
 * registry entry's view; null when it did not, or no longer, exist.
 */
export interface WatchEvent {
  readonly index: number;
  readonly registry: string;
  readonly type: string;
  readonly ns: string;
  readonly key: string;
  readonly old: unknown;
  readonly new: unknown;
}

/** The changes of one log entry, delivered together. */
export interface WatchBatch {
  readonly index: number;
  readonly events: readonly WatchEvent[];
  /** The member that sent it. */
  readonly endpoint: string;
}

/** A drill's start or end, as `FleetClient.recordDrill` sends it to the audit log. */
export interface DrillAuditRecord {
  readonly phase: 'start' | 'end';
  /** The drill's name (kill-leader, partition, …). */
  readonly kind: string;
  /** Its arguments and, at the end, its figures. Never a token. */
  readonly args: Readonly<Record<string, unknown>>;
  /** At the end: the verdict and its headline figures, in a line. */
  readonly outcome?: string;
}

/** One entry of the audit log: when (leader time), who (token name, and the user@host the client said), what, how it went. */
export interface AuditEntry {
  readonly index: number;
  readonly time: number;
  readonly who: string;
  readonly client: string;
  readonly op: string;
  /** The arguments, secrets left out (KV values appear as their size). */
  readonly args: Readonly<Record<string, unknown>>;
  /** `ok`, `requested` (a leader transfer, recorded before it starts), or the failure. */
  readonly outcome: string;
}
