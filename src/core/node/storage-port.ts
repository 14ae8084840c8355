import type { Entry, HardState, SnapshotMeta } from '../raft/index.js';

/** What a member recovered from its data dir. */
export interface RecoveredState {
  readonly hardState?: HardState;
  /** The log after the snapshot, in order. */
  readonly entries: readonly Entry[];
  readonly snapshot?: { readonly meta: SnapshotMeta; data(): Promise<Uint8Array> };
  /** Addresses of members that joined after the cluster was founded (id → host:port). */
  readonly members: ReadonlyMap<string, string>;
  /**
   * The storage found damaged durable data and cut the log before it (or did so before a
   * restart and the repair has not ended): the member must rebuild its log from the leader
   * before it votes (InitialState.repairing), then call `markRepaired`.
   */
  readonly repair?: {
    readonly file: string;
    readonly offset: number;
    readonly reason: string;
    readonly since: string;
    /** The hard state's copy was damaged too: the last vote is unknown (InitialState.voteLost). */
    readonly hardStateLost?: boolean;
  };
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
  /**
   * Starts a snapshot of our own state machine, written in pieces so that the image is never
   * whole in memory; once committed, the log up to `meta.index` may be dropped.
   */
  beginSnapshot(meta: SnapshotMeta): SnapshotSink;
  /** The newest snapshot on disk; `bytes` is its size when the storage knows it without asking the file system. */
  latestSnapshot(): Promise<{ index: number; term: number; path: string; bytes?: number } | undefined>;
  /** The newest snapshot with its bytes, to send to a follower that is too far behind. */
  readLatestSnapshot(): Promise<{ meta: SnapshotMeta; data: Uint8Array } | undefined>;
  saveMembers(members: ReadonlyMap<string, string>): Promise<void>;
  /** The repair in `recovered.repair` is over: a restart must no longer treat the log as damaged. */
  markRepaired?(): void;
  close(): Promise<void>;
  /**
   * For a storage on a disk that can fill up: calls `listener` each time the file system refuses
   * a log write for want of space. From then on `persist` promises stay pending (unacknowledged,
   * in order) until `retryWrites` gets them through.
   */
  onOutOfSpace?(listener: (err: Error) => void): void;
  /** Tries the writes held for want of space again; true once they went through. */
  retryWrites?(): Promise<boolean>;
}

/** A snapshot being written in pieces. */
export interface SnapshotSink {
  /** Writes image bytes at `offset` (earlier offsets may be written again). Throws on I/O errors. */
  write(bytes: Uint8Array, offset: number): void;
  /** Call between pieces: lets the disk catch up. */
  settle(): Promise<void>;
  /** Seals the image of `length` bytes; resolves with the file's path. */
  commit(length: number): Promise<string>;
  /** Abandons an uncommitted image; harmless after commit. */
  abort(): void;
}

/**
 * Whether recovered storage (or a batch written to it) holds nothing this member promised: no
 * entry it could have acknowledged, no snapshot, no vote. A term alone is no promise (a member
 * that forgets one it never voted in cannot vote twice in it).
 */
export function holdsNoPromise(state: { readonly hardState?: { readonly vote: string } | undefined; readonly snapshot?: unknown; readonly entries: readonly unknown[] }): boolean {
  return (state.hardState?.vote ?? '') === '' && !state.snapshot && state.entries.length === 0;
}
