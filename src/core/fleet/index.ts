/** The fleet registry: the replicated state machine the coordinator's Raft node applies. */
export { FleetStateMachine } from './state-machine.js';
export { encodeCommand, decodeCommand, checkCommand } from './codec.js';
export { COMMAND_TYPES } from './parse-command.js';
export { InvalidArgument } from './validate.js';
export { SnapshotError } from './byte-io.js';
export { SNAPSHOT_VERSION, type SnapshotJob } from './snapshot.js';
export { LIMITS } from './limits.js';
export { CLUSTER_VERSION_KV, KV_IN_KEYSPACE, KV_IN_KEYSPACE_FORMAT, type KeyspacePort, type KeyspaceRefusal } from './kv-location.js';
export type { KeyspacePut } from './keyspace-port.js';
export { LEASE_GRACE_MS, LEASES_IN_KEYSPACE, LEASES_IN_KEYSPACE_FORMAT } from './lease-book.js';
export type { ListClustersOptions } from './reads.js';
export type * from './types.js';
export { ChangeFeed, DEFAULT_FEED_LIMITS, WatchCompacted, type ChangeBatch, type ChangeFeedLimits, type KeyspaceHistory, type KeyspaceSpan, type WatchFilter, type WatchListener } from './change-feed.js';
export { WATCH_REGISTRIES, type ChangeEvent, type ChangeSink, type WatchRegistry } from './changes.js';
