/**
 * Durable storage for a Raft member: a segmented, checksummed write-ahead log with group
 * commit, atomic snapshots, and crash recovery that repairs a torn tail and refuses corruption.
 */
export {
  RaftStorage,
  type OpenedStorage,
  type PersistBatch,
  type PersistOptions,
  type RaftStorageOptions,
  type RecoveredSnapshot,
  type RecoveryReport,
  type SnapshotWriter,
  type StorageStats,
} from './raft-storage.js';
export {
  StorageClosedError,
  StorageCorruptionError,
  StorageFailedError,
  StorageFullError,
  StorageLayoutError,
  StorageLockedError,
  StorageUsageError,
  isDiskFull,
} from './errors.js';
export { silentLogger, type StorageLogger } from './logger.js';
export type { SnapshotFileInfo } from './snapshot-file.js';
export type { SkippedSnapshot, SnapshotStream } from './snapshot-store.js';
export { PRIVATE_FILES, nodeStorageIo, writePrivateFileDurablySync, writePrivateFileSync } from './node-fs.js';
export type { StorageFs, StorageIo } from './fs-port.js';
