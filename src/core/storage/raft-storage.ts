/**
 * Durable storage for one Raft member: the write-ahead log (entries and hard state), snapshots,
 * and recovery. The host calls `persist` with each Ready's hard state and entries, and sends the
 * messages that depend on them only after the promise resolves.
 */
import path from 'node:path';
import type { Entry, HardState, SnapshotMeta } from '../raft/types.js';
import { StorageClosedError, StorageCorruptionError, StorageFullError, StorageUsageError, isDiskFull } from './errors.js';
import type { StorageIo } from './fs-port.js';
import { fsyncDir, removeIfExists } from './fs-util.js';
import { FileReaper, type ReaperPace } from './file-reaper.js';
import { readHardStateCopy, reconcileHardState, writeHardStateCopy, type HardStateCheck } from './hard-state-copy.js';
import { NEXT_SEGMENT_TMP, SNAP_DIR, WAL_DIR, ensureStorageDir, holdsLog, listSegmentFiles, readLayout } from './layout.js';
import { LOCK_FILE, acquireLock, lockTempFile, readHolder, type DirLock } from './lock-file.js';
import { silentLogger, type StorageLogger } from './logger.js';
import { nodeStorageIo } from './node-fs.js';
import { MAX_ENTRY_DATA_BYTES } from './record-codec.js';
import { recoverWal } from './recovery.js';
import { cutDamagedWal, readRepairMarker, removeRepairMarker, writeRepairMarker, type RepairInfo } from './repair.js';
import { reconcile } from './replay.js';
import { readSnapshotData, type SnapshotFileInfo, type SnapshotFileWriter } from './snapshot-file.js';
import { SnapshotStore, type SkippedSnapshot, type SnapshotStream } from './snapshot-store.js';
import { WalWriter, type LogTail, type WalWriterConfig } from './wal-writer.js';

/** How a storage directory is opened. Every field has a default. */
export interface RaftStorageOptions {
  /** Start a new segment when a write would take the active one past this size. Default 64 MiB. */
  readonly segmentBytes?: number;
  /** Zero-fill the next segment in the background so commits overwrite allocated blocks (cheaper fsyncs). Default true. */
  readonly preallocate?: boolean;
  /** Snapshot files to keep, ≥ 1. The WAL keeps every entry after the oldest kept one. Default 2. */
  readonly retainSnapshots?: number;
  /** How fast obsolete segments and snapshots are deleted in the background (file-reaper.ts). */
  readonly reaperPace?: ReaperPace;
  readonly logger?: StorageLogger;
  /**
   * The file system, clock and process storage works with. Default: Node's (node-fs.ts); the
   * deterministic simulator passes its in-memory file system and simulated time.
   */
  readonly io?: StorageIo;
  /** Called with the duration of every commit fsync, in seconds (a histogram's `observe`). */
  readonly onFsync?: (seconds: number) => void;
  /**
   * What to do with damaged durable data (a bad record before the log's tail, a bad segment
   * header, a hole in the log). 'refuse' (the default) throws StorageCorruptionError and changes
   * nothing; 'repair' keeps the valid log before the damage, sets the rest aside and opens the
   * storage as repairing (repair.ts; the Raft core must then be told: InitialState.repairing).
   */
  readonly onDamage?: 'refuse' | 'repair';
  /**
   * Called when the file system refuses a log write for want of space (ENOSPC, EDQUOT): from then
   * on writes are held, unacknowledged, until `retryWrites` finds room (see the class comment).
   */
  readonly onOutOfSpace?: (err: StorageFullError) => void;
  /**
   * For tests only: `beforeFsync` runs right before each commit fsync (throwing fails that fsync as
   * a disk error would); `beforeWrite` right before each log write (throwing ENOSPC is a full disk);
   * `skipChecksums` and `cutDamageAsTornTail` are deliberate bugs, for the simulator's proof that
   * its checkers catch them: recovery accepting WAL records whose checksum fails; recovery cutting
   * fsynced damage at the log's tail as if it were a torn write, without starting a repair;
   * `ignoreHardStateCopy`: recovery trusting the WAL's hard state alone, as before the copy existed.
   */
  readonly unsafe?: {
    readonly beforeFsync?: () => void;
    readonly beforeWrite?: () => void;
    readonly skipChecksums?: boolean;
    readonly cutDamageAsTornTail?: boolean;
    readonly ignoreHardStateCopy?: boolean;
  };
}

/** A snapshot being written in pieces (see RaftStorage.beginSnapshot). */
export interface SnapshotWriter {
  /** Writes data bytes at `offset` (earlier offsets may be written again). Throws on I/O errors. */
  write(bytes: Uint8Array, offset: number): void;
  /** Call between pieces: syncs once a slice of data has built up. */
  settle(): Promise<void>;
  /** Writes a whole in-memory image. */
  writeAll(data: Uint8Array): Promise<void>;
  /** Seals the snapshot (`dataLength` bytes), makes it the newest and compacts the log behind it. */
  commit(dataLength: number): Promise<SnapshotFileInfo>;
  /** Abandons an uncommitted snapshot (removes its temp file); harmless after commit. */
  abort(): void;
}

/** One unit of `persist`: entries (replacing any conflicting suffix from their first index) and/or a hard state. */
export interface PersistBatch {
  readonly hardState?: HardState;
  readonly entries?: readonly Entry[];
}

/** `sync: false` is only for batches without entries whose hard state keeps term and vote (a commit update). */
export interface PersistOptions {
  readonly sync?: boolean;
}

/** The snapshot recovery found; its data is read on demand (it can be large). */
export interface RecoveredSnapshot {
  readonly meta: SnapshotMeta;
  readonly dataLength: number;
  /** Reads and checks the data. Read it before saving newer snapshots: retention may delete the file. */
  read(): Promise<Uint8Array>;
}

/** What recovery found and what it had to repair. */
export interface RecoveryReport {
  /** True if no log had ever been written in the directory: this open started a new one. */
  readonly created: boolean;
  /** WAL segments kept (after removing a torn, headerless last one). */
  readonly segments: number;
  /** Of those, the oldest ones left unread: the snapshot covers every entry in them. */
  readonly segmentsSkipped: number;
  readonly records: number;
  readonly walBytes: number;
  /** Bytes of a torn write cut off the last segment (0 if the log ended cleanly). */
  readonly tornTailBytes: number;
  /** Where the log was cut, if it was. */
  readonly truncatedAt?: { readonly file: string; readonly offset: number; readonly reason: string };
  /** Leftover temp files and never-completed segments that were removed. */
  readonly removedFiles: readonly string[];
  /** Snapshots that failed their checks and were set aside as `.snap.corrupt`. */
  readonly skippedSnapshots: readonly SkippedSnapshot[];
  /** Log entries after the snapshot that contradicted it (an interrupted snapshot install) and were dropped. */
  readonly conflictingEntriesDropped: number;
  /** Set while this member repairs a damaged log from its peers (this open's damage or an earlier one's). */
  readonly repairing?: RepairInfo;
  /** How the hard state's two copies (the WAL's and HARDSTATE: hard-state-copy.ts) compared. */
  readonly hardStateCopy: HardStateCheck;
  /** Pid of the dead process whose stale LOCK was taken over. */
  readonly lockTakenOverFrom?: number;
  readonly durationMs: number;
}

/** An opened storage and the state the member restarts from (InitialState for the Raft core). */
export interface OpenedStorage {
  readonly storage: RaftStorage;
  /** The last persisted hard state; all zero for a new member. */
  readonly hardState: HardState;
  readonly snapshot?: RecoveredSnapshot;
  /** Entries after the snapshot, in order, contiguous, truncations applied. */
  readonly entries: Entry[];
  readonly report: RecoveryReport;
}

/** Figures for metrics. */
export interface StorageStats {
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly durableLastIndex: number;
  readonly snapshotIndex: number;
  readonly walSegments: number;
  readonly walBytes: number;
  readonly snapshotFiles: number;
  readonly snapshotBytes: number;
  readonly fsyncs: number;
  readonly pendingOperations: number;
}

const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
const MIN_SEGMENT_BYTES = 4096;

/**
 * Durability contract:
 * - `persist` resolves once the batch is on stable storage (fdatasync), together with every batch
 *   submitted before it; batches become durable, and their promises resolve, in submission order.
 *   Batches submitted while an fsync is in flight share the next write and fsync.
 * - `persist(…, { sync: false })` resolves once handed to the OS; it becomes durable with the next
 *   synced batch or `close()`. Not allowed for entries, nor for a hard state changing term or vote.
 * - After a failed write or fsync every pending and later call rejects (StorageFailedError);
 *   reopen the directory to continue from what is really on disk.
 * - A write the file system refuses for want of space is not a failure: nothing of it stays in
 *   the log, and it and every later batch stay pending (`outOfSpace`, `onOutOfSpace`) until
 *   `retryWrites` gets them through. Pending means unacknowledged: nothing is lost or reordered.
 * - Validation errors (StorageUsageError) reject only the offending call.
 */
export class RaftStorage {
  private closing: Promise<void> | undefined;

  private constructor(
    readonly dir: string,
    private readonly writer: WalWriter,
    private readonly snapshots: SnapshotStore,
    private readonly reaper: FileReaper,
    private readonly lock: DirLock,
    private readonly io: StorageIo,
    /** Where the log stands once everything submitted so far lands. */
    private submitted: LogTail,
    /** Newest snapshot index submitted (saved or installed), durable or not. */
    private claimedSnapshotIndex: number,
  ) {}

  /**
   * Opens (creating if new) and recovers a storage directory; refuses one another live process
   * holds. Where the file system is too full to open it, throws StorageFullError naming the file.
   */
  static async open(dir: string, options: RaftStorageOptions = {}): Promise<OpenedStorage> {
    const io = options.io ?? nodeStorageIo;
    const started = io.clock.monoNow();
    const logger = options.logger ?? silentLogger;
    const created = diskFullAs(dir, () => ensureStorageDir(io.fs, dir));
    const { lock, removed } = lockOnFullDisk(io, dir, logger);
    if (lock.tookOverFrom !== undefined) logger.warn('took over a stale LOCK', { dir, pid: lock.tookOverFrom });
    try {
      return await RaftStorage.recover(io, dir, options, logger, lock, { started, created, removed });
    } catch (err) {
      lock.release();
      if (isDiskFull(err)) throw new StorageFullError(typeof err.path === 'string' ? err.path : path.join(dir, WAL_DIR), { cause: err });
      throw err;
    }
  }

  private static async recover(
    io: StorageIo,
    dir: string,
    options: RaftStorageOptions,
    logger: StorageLogger,
    lock: DirLock,
    opening: { started: number; created: boolean; removed: readonly string[] },
  ): Promise<OpenedStorage> {
    const reaper = new FileReaper(logger, options.reaperPace, io);
    // While opening, a write held by a full disk fails the open: nobody would retry it yet.
    const fullWhileOpening = deferred<StorageFullError>();
    let opened = false;
    const onOutOfSpace = (err: StorageFullError): void => (opened ? options.onOutOfSpace?.(err) : fullWhileOpening.resolve(err));
    const config = writerConfig(io, dir, { ...options, onOutOfSpace }, logger, reaper);
    const log = await RaftStorage.readLog(io, dir, options, logger, reaper);
    const { layout, snapshots, wal, entries, conflicting } = log;
    const { hardState, check, repairing } = options.unsafe?.ignoreHardStateCopy
      ? { hardState: wal.log.hardState, check: 'ok' as const, repairing: log.repairing }
      : RaftStorage.checkHardStateCopy(io, dir, wal.log.hardState, log, logger);
    const removedFiles = [...opening.removed, ...layout.leftovers.filter((f) => removeIfExists(io.fs, path.join(dir, f)))];
    // Nobody can be reading these: they were renamed by a process that has since stopped, maybe
    // before it fsynced their directory. Their renames are made durable before anything is cut
    // (file-reaper.ts says why).
    if (layout.deleting.length > 0) for (const d of [WAL_DIR, SNAP_DIR]) await fsyncDir(io.fs, path.join(dir, d));
    for (const f of layout.deleting) reaper.discard(path.join(dir, f), { truncate: true });
    removedFiles.push(...layout.deleting);
    const segmentsKept = wal.segments.length;
    const snap = snapshots.latest;
    const tail = recoveredTail(hardState, snap, entries);
    // The WAL must agree with what we return: a log that ends before the snapshot or contradicts it gets a reset header.
    const reset = conflicting > 0 || (snap?.meta.index ?? 0) > wal.log.lastIndex;
    const startNew = reset || segmentsKept === 0 ? { reset } : false;
    const writer = await WalWriter.open(config, { segments: wal.segments, end: wal.end, headerEnd: wal.headerEnd, tail, startNew });
    // A newer term or vote only the copy held goes back into the WAL before anything else.
    if (!startNew && !sameTermAndVote(hardState, wal.log.hardState)) {
      const full = await Promise.race([writer.submitBatch([], hardState, true, tail).then(() => undefined), fullWhileOpening.promise]);
      if (full !== undefined) {
        writer.abandon();
        throw full;
      }
    }
    opened = true;
    // A snapshot renamed into place just before a crash is durable only once its directory is.
    await fsyncDir(io.fs, path.join(dir, SNAP_DIR));
    const report: RecoveryReport = {
      created: opening.created,
      segments: segmentsKept,
      segmentsSkipped: wal.skipped,
      records: wal.records,
      walBytes: writer.walBytes,
      tornTailBytes: wal.tornTailBytes,
      ...(wal.truncatedAt ? { truncatedAt: wal.truncatedAt } : {}),
      removedFiles: [...removedFiles, ...wal.removed],
      skippedSnapshots: snapshots.skipped,
      conflictingEntriesDropped: conflicting,
      ...(repairing ? { repairing } : {}),
      hardStateCopy: check,
      ...(lock.tookOverFrom !== undefined ? { lockTakenOverFrom: lock.tookOverFrom } : {}),
      durationMs: io.clock.monoNow() - opening.started,
    };
    if (conflicting > 0) logger.warn('dropped log entries that contradict the snapshot (an interrupted snapshot install)', { count: conflicting });
    logger.info('storage recovered', { dir, lastIndex: tail.lastIndex, snapshotIndex: snap?.meta.index ?? 0, ...report });
    const storage = new RaftStorage(dir, writer, snapshots, reaper, lock, io, tail, snap?.meta.index ?? 0);

    return { storage, hardState, ...(snap ? { snapshot: recoveredSnapshot(io, snap) } : {}), entries, report };
  }

  /**
   * Reads the layout, the newest valid snapshot and the WAL. With `onDamage: 'repair'`, damage
   * is cut away (repair.ts) and the reading starts again on what is left, until it holds.
   */
  private static async readLog(io: StorageIo, dir: string, options: RaftStorageOptions, logger: StorageLogger, reaper: FileReaper) {
    const { fs } = io;
    let repairing = readRepairMarker(fs, dir);
    let cutNow = false;
    for (;;) {
      try {
        const layout = readLayout(fs, dir);
        const snapshots = await SnapshotStore.open(fs, path.join(dir, SNAP_DIR), layout.snapshots, logger, Math.max(1, options.retainSnapshots ?? 2), reaper);
        const wal = recoverWal(fs, dir, layout.segments, logger, {
          coveredThrough: snapshots.latest?.meta.index ?? 0,
          unsafeSkipChecksums: options.unsafe?.skipChecksums === true,
          unsafeCutDamageAsTornTail: options.unsafe?.cutDamageAsTornTail === true,
        });
        const firstFile = wal.segments[0] ? path.join(WAL_DIR, wal.segments[0].name) : WAL_DIR;
        const { entries, conflicting } = reconcile(wal.log, snapshots.latest?.meta, firstFile);
        return { layout, snapshots, wal, entries, conflicting, repairing, cutNow };
      } catch (err) {
        if (options.onDamage !== 'repair' || !(err instanceof StorageCorruptionError)) throw err;
        // Each cut removes at least one segment or part of one, so this ends.
        const cut = cutDamagedWal(fs, dir, listSegmentFiles(fs, dir), err, { logger, now: new Date(io.clock.wallNow()).toISOString() });
        repairing = repairing ?? cut.info;
        cutNow = true;
      }
    }
  }

  /**
   * Compares the WAL's hard state with the copy in HARDSTATE (hard-state-copy.ts), takes the
   * newer, and rewrites a copy that is missing, damaged or behind. If this open cut damage from
   * the WAL and the copy cannot vouch for the vote either, the repair records that the vote is
   * lost (kept in REPAIRING across restarts until the repair ends).
   */
  private static checkHardStateCopy(
    io: StorageIo,
    dir: string,
    walHardState: HardState,
    log: { readonly repairing: RepairInfo | undefined; readonly cutNow: boolean },
    logger: StorageLogger,
  ): { hardState: HardState; check: HardStateCheck; repairing: RepairInfo | undefined } {
    const copy = readHardStateCopy(io.fs, dir);
    const { hardState, check, detail } = reconcileHardState(walHardState, log.cutNow, copy);
    let repairing = log.repairing;
    if (check === 'lost' && repairing && repairing.hardStateLost !== true) {
      repairing = { ...repairing, hardStateLost: true };
      writeRepairMarker(io.fs, dir, repairing);
    }
    if (check === 'repaired-copy') logger.warn('the hard state copy was damaged or behind: rewritten from the WAL', { detail });
    if (check === 'from-copy') logger.warn('the WAL lost its newest hard state to damage: recovered from the copy', { term: hardState.term, vote: hardState.vote });
    if (check === 'lost') logger.error('both copies of the hard state are damaged: this member votes again only once every other voter told its term', { detail });
    // Written even for a new member, so that later writes only overwrite it (no space to find then).
    if (check !== 'ok' || copy.kind !== 'ok') writeHardStateCopy(io.fs, dir, hardState);
    return { hardState, check, repairing };
  }

  /**
   * Ends a repair once the Raft core says this member holds the leader's log again: REPAIRING
   * goes, so a restart no longer keeps the member out of elections (damaged/ stays).
   */
  markRepaired(): void {
    removeRepairMarker(this.io.fs, this.dir);
  }

  /** Whether `dir` holds a log (a WAL segment or a snapshot), without creating or changing anything. */
  static holdsLog(dir: string, io: StorageIo = nodeStorageIo): boolean {
    return holdsLog(io.fs, dir);
  }

  /** Index of the first entry the log holds: one past the newest submitted snapshot. */
  get firstIndex(): number {
    return this.claimedSnapshotIndex + 1;
  }

  /** Index of the last entry once everything submitted lands (the snapshot index if the log is empty). */
  get lastIndex(): number {
    return this.submitted.lastIndex;
  }

  /** Index of the last entry of the log as of the last completed commit. */
  get durableLastIndex(): number {
    return this.writer.durable.lastIndex;
  }

  /** Whether log writes are held because the file system refused one for want of space. */
  get outOfSpace(): boolean {
    return this.writer.outOfSpace;
  }

  /**
   * Tries the writes held for want of space again; resolves true once they all went through
   * (writing goes on as usual), false if the file system still refuses them.
   */
  retryWrites(): Promise<boolean> {
    return this.writer.retry();
  }

  /** The hard state as of everything submitted. */
  get hardState(): HardState {
    return this.submitted.hardState;
  }

  /**
   * Appends entries (truncating the log from entries[0].index if that is ≤ lastIndex) and/or
   * records a hard state; see the class comment for when the promise resolves. The entries are
   * copied before this returns.
   */
  persist(batch: PersistBatch, options: PersistOptions = {}): Promise<void> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    const sync = options.sync ?? true;
    const entries = batch.entries ?? [];
    const problem = this.checkBatch(entries, batch.hardState, sync);
    if (problem) return Promise.reject(new StorageUsageError(problem));
    const hs = batch.hardState;
    // The copy first (hard-state-copy.ts): whatever the WAL gets, the copy already holds.
    if (hs && !sameTermAndVote(hs, this.submitted.hardState)) {
      try {
        writeHardStateCopy(this.io.fs, this.dir, hs);
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    }
    const tail = nextTail(this.submitted, entries, hs);
    this.submitted = tail;
    return this.writer.submitBatch(entries, hs, sync, tail);
  }

  /**
   * Saves a snapshot of this member's own state machine (index ≤ lastIndex): written to a temp
   * file, fsynced, renamed, directory fsynced; then snapshots beyond the retention count and WAL
   * segments no kept snapshot needs are deleted. Resolves with the new file's location.
   */
  async saveSnapshot(meta: SnapshotMeta, data: Uint8Array): Promise<SnapshotFileInfo> {
    const writer = this.beginSnapshot(meta);
    try {
      await writer.writeAll(data);
      return await writer.commit(data.length);
    } finally {
      writer.abort();
    }
  }

  /**
   * `saveSnapshot` for an image produced in pieces, never whole in memory: write the data,
   * `settle` between pieces (it syncs once a slice has built up), then `commit` with its length,
   * or `abort`. Throws at once if such a snapshot could not be committed now.
   */
  beginSnapshot(meta: SnapshotMeta): SnapshotWriter {
    const problem = this.refusal() ?? this.checkSnapshot(meta, false);
    if (problem) throw problem;
    const file = this.snapshots.begin(meta);
    return {
      write: (bytes, offset) => file.write(bytes, offset),
      settle: () => file.settle(),
      writeAll: (data) => file.writeAll(data),
      commit: (dataLength) => this.commitSnapshot(file, dataLength),
      abort: () => file.abort(),
    };
  }

  private commitSnapshot(file: SnapshotFileWriter, dataLength: number): Promise<SnapshotFileInfo> {
    const { meta } = file;
    const problem = this.refusal() ?? this.checkSnapshot(meta, false);
    if (problem) return Promise.reject(problem);
    const previous = this.claimedSnapshotIndex;
    this.claimedSnapshotIndex = meta.index;
    return this.snapshots
      .serialize(async () => {
        const keepFrom = await this.snapshots.adopt(file, dataLength);
        await this.writer.compact(keepFrom);
        // Its outcome is the writer's: a roll refused for want of space is held like any write.
        this.writer.cut(this.submitted).catch(() => undefined);
        return this.snapshots.latest as SnapshotFileInfo;
      })
      .catch((err: unknown) => {
        if (this.claimedSnapshotIndex === meta.index) this.claimedSnapshotIndex = previous;
        throw err;
      });
  }

  /**
   * Installs a snapshot received from the leader: persists it, then discards the whole log (its
   * entries up to meta.index are in the snapshot, any after may conflict). Ordered with `persist`:
   * batches submitted after this call apply to the emptied log, so they must start at meta.index + 1.
   */
  installSnapshot(meta: SnapshotMeta, data: Uint8Array): Promise<void> {
    const problem = this.refusal() ?? this.checkSnapshot(meta, true);
    if (problem) return Promise.reject(problem);
    this.claimedSnapshotIndex = meta.index;
    const tail: LogTail = { lastIndex: meta.index, lastTerm: meta.term, hardState: this.submitted.hardState };
    this.submitted = tail;
    const write = (): Promise<number> => {
      const written = this.snapshots.serialize(() => this.snapshots.save(meta, data));
      // A failed write surfaces through the reset it gates (held on a full disk, else failing the storage); don't report it twice.
      written.catch(() => undefined);
      return written;
    };
    return this.writer.submitReset(write(), write, tail);
  }

  /** Reads the newest valid snapshot; a damaged newest one is set aside (and logged) and the previous one returned. */
  loadLatestSnapshot(): Promise<{ meta: SnapshotMeta; data: Uint8Array } | undefined> {
    return this.snapshots.serialize(() => this.snapshots.loadLatest());
  }

  /** The newest snapshot's file and where its data lies in it, for a transport that sends files itself. */
  latestSnapshotFile(): SnapshotFileInfo | undefined {
    return this.snapshots.latest;
  }

  /** Opens the newest snapshot's data as a stream (the file stays readable even if retention deletes it meanwhile). */
  openSnapshotStream(): Promise<SnapshotStream | undefined> {
    return this.snapshots.serialize(() => this.snapshots.openStream());
  }

  /** A snapshot of sizes and indexes for metrics; cheap enough to call on every scrape. */
  stats(): StorageStats {
    const latest = this.snapshots.latest;
    return {
      firstIndex: this.firstIndex,
      lastIndex: this.lastIndex,
      durableLastIndex: this.durableLastIndex,
      snapshotIndex: latest?.meta.index ?? 0,
      walSegments: this.writer.segments.length,
      walBytes: this.writer.walBytes,
      snapshotFiles: this.snapshots.count,
      snapshotBytes: latest ? latest.dataOffset + latest.dataLength : 0,
      fsyncs: this.writer.fsyncs,
      pendingOperations: this.writer.pending,
    };
  }

  /** Waits for everything submitted, makes it durable, closes the files and releases the lock. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await this.writer.close();
        await this.snapshots.serialize(async () => undefined);
        await this.reaper.close();
      } finally {
        this.lock.release();
      }
    })();
    return this.closing;
  }

  /**
   * Lets go of the directory at once, for a process about to exit after a disk failure (a full
   * disk, an I/O error): pending and later calls are rejected, files are closed without syncing,
   * a preallocation in progress is stopped and deleted, and the LOCK is released. Nothing here
   * waits on the disk. `close()` afterwards resolves at once.
   */
  abandon(): void {
    if (this.closing) return;
    this.closing = Promise.resolve();
    this.writer.abandon();
    this.lock.release();
  }

  /** Resolves once the obsolete files dropped so far are deleted (they go in the background). */
  deletionsDone(): Promise<void> {
    return this.reaper.idle();
  }

  private refusal(): Error | undefined {
    return this.closing ? new StorageClosedError() : this.writer.refusal();
  }

  private checkSnapshot(meta: SnapshotMeta, install: boolean): StorageUsageError | undefined {
    if (!isIndex(meta.index) || !isIndex(meta.term)) return new StorageUsageError(`invalid snapshot index ${meta.index} / term ${meta.term}`);
    if (meta.index <= this.claimedSnapshotIndex) {
      return new StorageUsageError(`snapshot at index ${meta.index} is not newer than the one at ${this.claimedSnapshotIndex}`);
    }
    if (!install && meta.index > this.submitted.lastIndex) {
      return new StorageUsageError(`snapshot at index ${meta.index} is past the log's last index ${this.submitted.lastIndex}; a snapshot from the leader goes through installSnapshot`);
    }
    return undefined;
  }

  private checkBatch(entries: readonly Entry[], hs: HardState | undefined, sync: boolean): string | undefined {
    if (!sync && entries.length > 0) return 'entries must be persisted with sync (acknowledged means durable)';
    return (hs && checkHardState(this.submitted.hardState, hs, sync)) ?? checkEntries(this.submitted, this.claimedSnapshotIndex, entries);
  }
}

/** Runs `step`, turning a full disk into StorageFullError about `file` (or the path the error names). */
function diskFullAs<T>(file: string, step: () => T): T {
  try {
    return step();
  } catch (err) {
    if (isDiskFull(err)) throw new StorageFullError(typeof err.path === 'string' ? err.path : file, { cause: err });
    throw err;
  }
}

/**
 * Takes the LOCK. Writing it needs a little space: on a full disk, a preallocated segment left
 * behind by a process that died mid-fill may be what filled it, so that one is removed (it is
 * only a temp file of zeros) and the lock tried again. Returns the files removed.
 */
function lockOnFullDisk(io: StorageIo, dir: string, logger: StorageLogger): { lock: DirLock; removed: string[] } {
  const lockFile = path.join(dir, LOCK_FILE);
  const lock = (): DirLock => {
    try {
      return acquireLock(dir, io);
    } catch (err) {
      // acquireLock writes its token to this file before its try block: a failed write leaves it behind.
      if (isDiskFull(err)) removeIfExists(io.fs, lockTempFile(dir, io.process.pid));
      throw err;
    }
  };
  try {
    return { lock: lock(), removed: [] };
  } catch (err) {
    if (!isDiskFull(err)) throw err;
    const stale = path.join(WAL_DIR, NEXT_SEGMENT_TMP);
    if (lockHeldByLiveProcess(io, lockFile) || !removeIfExists(io.fs, path.join(dir, stale))) throw new StorageFullError(lockFile, { cause: err });
    logger.warn('the disk is full: removed the partial preallocated segment a stopped process left behind', { dir, file: stale });
    return { lock: diskFullAs(lockFile, lock), removed: [stale] };
  }
}

/**
 * Whether LOCK names a process that may still run (lock-file.ts: `<pid> …`). Errs on the side of
 * "running": only a pid that no longer exists (or no LOCK at all) lets a file of that process be
 * touched without holding the lock.
 */
function lockHeldByLiveProcess(io: StorageIo, lockFile: string): boolean {
  let pid: number | undefined;
  try {
    pid = readHolder(io.fs, lockFile);
  } catch {
    return true;
  }
  if (pid === undefined) return io.fs.existsSync(lockFile);
  return pid === io.process.pid || io.process.isAlive(pid);
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

function sameTermAndVote(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote;
}

function recoveredTail(hardState: HardState, snap: SnapshotFileInfo | undefined, entries: readonly Entry[]): LogTail {
  const last = entries[entries.length - 1];
  const snapIndex = snap?.meta.index ?? 0;
  return {
    lastIndex: last?.index ?? snapIndex,
    lastTerm: last?.term ?? snap?.meta.term ?? 0,
    hardState,
  };
}

function recoveredSnapshot(io: StorageIo, info: SnapshotFileInfo): RecoveredSnapshot {
  return { meta: info.meta, dataLength: info.dataLength, read: () => readSnapshotData(info, io.fs) };
}

function writerConfig(io: StorageIo, dir: string, options: RaftStorageOptions, logger: StorageLogger, reaper: FileReaper): WalWriterConfig {
  const segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
  if (!Number.isSafeInteger(segmentBytes) || segmentBytes < MIN_SEGMENT_BYTES) {
    throw new StorageUsageError(`segmentBytes must be an integer ≥ ${MIN_SEGMENT_BYTES}, not ${segmentBytes}`);
  }
  return {
    io,
    walDir: path.join(dir, WAL_DIR),
    segmentBytes,
    preallocate: options.preallocate ?? true,
    logger,
    reaper,
    ...(options.onFsync ? { onFsync: options.onFsync } : {}),
    ...(options.unsafe?.beforeFsync ? { beforeFsync: options.unsafe.beforeFsync } : {}),
    ...(options.unsafe?.beforeWrite ? { beforeWrite: options.unsafe.beforeWrite } : {}),
    ...(options.onOutOfSpace ? { onOutOfSpace: options.onOutOfSpace } : {}),
  };
}

function nextTail(prev: LogTail, entries: readonly Entry[], hs: HardState | undefined): LogTail {
  const last = entries[entries.length - 1];
  return {
    lastIndex: last ? last.index : prev.lastIndex,
    lastTerm: last ? last.term : prev.lastTerm,
    hardState: hs ?? prev.hardState,
  };
}

/** Term never decreases and a member votes at most once per term: storage is the last line of defence for both. */
function checkHardState(prev: HardState, hs: HardState, sync: boolean): string | undefined {
  if (!isCount(hs.term) || !isCount(hs.commit) || typeof hs.vote !== 'string') return 'malformed hard state';
  if (hs.term < prev.term) return `hard state term ${hs.term} is older than the persisted term ${prev.term}`;
  if (hs.term === prev.term && prev.vote !== '' && hs.vote !== prev.vote) {
    return `vote in term ${hs.term} would change from ${prev.vote} to ${hs.vote || 'nobody'}`;
  }
  if (!sync && (hs.term !== prev.term || hs.vote !== prev.vote)) return 'a term or vote change must be persisted with sync';
  return undefined;
}

/** Entries must be contiguous, start inside (or right after) the log but after the snapshot, and never lower the term. */
function checkEntries(tail: LogTail, snapshotIndex: number, entries: readonly Entry[]): string | undefined {
  const first = entries[0];
  if (!first) return undefined;
  if (!isIndex(first.index) || first.index > tail.lastIndex + 1) return `entry ${first.index} would leave a gap after the last index ${tail.lastIndex}`;
  if (first.index <= snapshotIndex) return `entry ${first.index} would overwrite the snapshot at index ${snapshotIndex}`;
  if (first.index === tail.lastIndex + 1 && first.term < tail.lastTerm) return `entry ${first.index} has term ${first.term}, below the previous entry's ${tail.lastTerm}`;
  let prev: Entry | undefined;
  for (const e of entries) {
    if (prev && (e.index !== prev.index + 1 || e.term < prev.term)) return `entries are not contiguous with non-decreasing terms at index ${e.index}`;
    if (!isIndex(e.term) || !(e.data instanceof Uint8Array) || e.data.length > MAX_ENTRY_DATA_BYTES) return `malformed entry at index ${e.index}`;
    if (e.type !== 'normal' && e.type !== 'conf-change' && e.type !== 'noop') return `unknown entry type at index ${e.index}`;
    prev = e;
  }
  return undefined;
}

function isCount(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

function isIndex(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 1;
}
