/**
 * The library: `import { connect } from 'fleet'`. The client of a fleet cluster, the way to
 * find one (contexts, the environment, explicit endpoints: the resolution the CLI uses), the
 * one error type, and the plain types of what the client reads and writes.
 *
 * This entry loads no CLI or UI code (no oclif, ink, react, chalk or cli-table3): the import
 * rules (.dependency-cruiser.cjs) and test/e2e/package.long.test.ts keep it so. Every
 * name exported here is the public surface: etc/fleet.api.md records it, and a change to it is
 * reviewed as such (docs/library.md, "Versioning").
 *
 * @packageDocumentation
 */

/** Connects to a cluster found as the CLI finds it; see ConnectOptions for where from. */
export { connect, type ConnectOptions } from './client/connect.js';

/** The client of one cluster: typed registry reads and writes, kv, leases, watch, status and admin calls. */
export { FleetClient, DEFAULT_CHANNEL_OPTIONS, type ConditionalChange, type FleetClientOptions, type TlsFiles } from './client/fleet-client.js';

/** fleet.v1.Admin's operations as typed calls (`client.admin.call('ListMembers', {})`), routed as their table says. */
export {
  ADMIN_OPERATIONS,
  type AdminCalls,
  type AdminCallOptions,
  type AdminStreamOptions,
  type AdminMethods,
  type AdminOp,
  type AdminOperation,
  type AdminOperations,
  type AuditDeclaration,
  type AdminRequest,
  type AdminRequestIn,
  type AdminAnswer,
  type AdminAnswerOut,
  type UnaryAdminOp,
  type StreamingAdminOp,
} from './client/admin-calls.js';

/** The one error type every call rejects with: a `kind`, a `code` where there is one, `retryable`, and the leader hint. */
export { FleetClientError, type FleetClientErrorKind, type FleetClientErrorCode, type FleetClientErrorInit } from './client/errors.js';

/** Target resolution, shared with the CLI: what the caller names, then FLEET_* in the environment, then the current context. */
export { resolveTarget, type Target, type TargetRequest, type ResolveOptions, type TargetErrorCode } from './client/target.js';

/** Saved contexts (contexts.yaml, as `fleet init` and `fleet context add` write it): read, list, add, switch. */
export {
  ContextStore,
  ContextError,
  UnknownContextError,
  configDir,
  readTokenFile,
  type ContextEntry,
  type ContextFile,
  type ContextStoreOptions,
  type Engine,
  type NamedContext,
} from './client/contexts.js';

/** The registries a watch can follow, and its options. */
export { WATCH_REGISTRIES, type WatchOptions } from './client/watch.js';

/** What `statusAll()` reports per member, and how a call is routed. */
export type { EndpointStatus, Route } from './client/transport/router.js';

/** The per-member circuit breaker's settings and states. */
export type { BreakerOptions, BreakerState } from './common/breaker.js';

/** Options of `downloadSnapshot()`. */
export type { DownloadOptions } from './client/snapshot-download.js';

/** The plain types of the registry, reads, writes, members and watches (src/client/types.ts). */
export type {
  AuditEntry,
  AutopilotSettings,
  AutopilotSettingsView,
  AutopilotState,
  ClusterView,
  Command,
  CommandOf,
  CommandResults,
  CommandType,
  Commands,
  Consistency,
  DomainView,
  DrillAuditRecord,
  FleetErrorCode,
  FleetErrorDetails,
  FollowerProgress,
  KvEntry,
  KvListOptions,
  KvMeta,
  Labels,
  LeaseExtension,
  LeaseStatus,
  LeaseView,
  ListClustersOptions,
  MemberHealth,
  MemberInfo,
  MemberRole,
  MemberStatus,
  MembersView,
  Page,
  PlanState,
  PlanView,
  ProviderView,
  QuotaView,
  ReadOptions,
  RebindMove,
  RegistryCounts,
  RepairState,
  ServedRead,
  ShardState,
  ShardView,
  SnapshotInfo,
  TransferResult,
  WatchBatch,
  WatchEvent,
  WatchRegistry,
  Written,
} from './client/types.js';

/** The etcd keyspace the members serve, as `client.keyspace` hands it out: keys, leases and transactions with etcd's compares. */
export type { Keyspace, KeyspaceEntry, Bytes, CompareResult, TxnCompare, TxnOp, TxnRequest, TxnResult } from './client/etcd/keyspace.js';

// The coordination recipes (src/client/recipes/: Session, Mutex, RWLock, Semaphore, Barrier, DoubleBarrier, Election, Membership, ShardLeases), on the etcd keyspace.

/** A session: one etcd lease kept alive on a stream, that every key of its recipes is tied to; `close()` revokes it, `'expired'` says it ran out. */
export { Session, MIN_SESSION_TTL_MS, type SessionOptions, type SessionEnd, type SessionEvents } from './client/recipes/index.js';

/** One holder at a time, served in order of arrival; the token is the holder's key's create revision, and `isOwner()` a transaction compare. */
export { Mutex, type Lock, type LockOptions } from './client/recipes/index.js';

/** Readers share, a writer excludes both, served in order of arrival (etcd's RWMutex): `reader` and `writer` are each a Lock. */
export { RWLock } from './client/recipes/index.js';

/** At most N holders at a time, served in order of arrival, each fenced by its key's create revision. */
export { Semaphore } from './client/recipes/index.js';

/** Takes a Lock, runs a function, releases the lock however it ends; rejects if the session ended meanwhile. */
export { withLock } from './client/recipes/index.js';

/** Up while its holder's key exists (tied to its lease); every waiter goes on when it comes down. */
export { Barrier } from './client/recipes/index.js';

/** N parties enter together and leave together; a party that dies leaves with its lease. */
export { DoubleBarrier } from './client/recipes/index.js';

/** At most one leader at a time, with what it proclaims; candidates served in order, observers follow every change, `'lost'` when leadership ends. */
export { Election, type Leader, type LeadershipLost } from './client/recipes/index.js';

/** A group's live members, each a key tied to its session's lease: listed exactly as long as the session lives. */
export { Membership, type GroupMember, type MembershipChange } from './client/recipes/index.js';

/** Named shards spread over a membership's live members, no member above ⌈shards/members⌉, one fenced holder each. */
export { ShardLeases, type ShardLeasesOptions, type ShardLossReason } from './client/recipes/index.js';

/** The bounded rendezvous assignment ShardLeases uses: pure, the same on every member for the same live list. */
export { assignShards, rendezvousOwner, rendezvousScore } from './client/recipes/index.js';

/** What the recipes accept: the longest name and the largest value, in bytes, and the largest count. */
export { MAX_COUNT, MAX_NAME_BYTES, MAX_VALUE_BYTES } from './client/recipes/index.js';
