import type { Entry, HardState, SnapshotMeta } from '../raft/index.js';

/** What a member recovered from its data dir. */
export interface RecoveredState {
  readonly hardState?: HardState;
  /** The log after the snapshot, in order. */
  readonly entries: readonly Entry[];
  readonly snapshot?: { readonly meta: SnapshotMeta; data(): Promise<Uint8Array> };
  /** Addresses of members that joined after the cluster was founded (id → host:port). */
  readonly members: ReadonlyMap<string, string>;
}

/**
 * The node's view of its durable storage. Acknowledged means durable: `persist` with `sync`
 * resolves only once the batch is on disk, and batches become durable in the order given.
 */
export interface NodeStorage {
  readonly recovered: RecoveredState;
  persist(batch: { readonly hardState?: HardState; readonly entries: readonly Entry[] }, sync: boolean): Promise<void>;
  /** A snapshot received from the leader replaces the whole log. */
  installSnapshot(meta: SnapshotMeta, data: Uint8Array): Promise<void>;
  /** A snapshot of our own state machine; the log up to `meta.index` may then be dropped. Resolves with the file's path. */
  saveSnapshot(meta: SnapshotMeta, data: Uint8Array): Promise<string>;
  latestSnapshot(): Promise<{ index: number; term: number; path: string } | undefined>;
  /** The newest snapshot with its bytes, to send to a follower that is too far behind. */
  readLatestSnapshot(): Promise<{ meta: SnapshotMeta; data: Uint8Array } | undefined>;
  saveMembers(members: ReadonlyMap<string, string>): Promise<void>;
  close(): Promise<void>;
}
