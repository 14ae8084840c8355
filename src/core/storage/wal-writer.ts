/**
 * The WAL's write path: group commit over segmented files.
 *
 * Submissions are encoded at once into one arena (so callers may reuse their buffers) and
 * queued. A single drain loop takes everything queued, writes it with one pwritev (preceded by a
 * mark record saying how much of the segment is already durable), then fdatasyncs once for the
 * whole group. While that fsync is in flight new submissions pile up and go out together in the
 * next write and fsync. Only this loop touches the active segment, which is what makes "durable
 * in submission order" hold without locks.
 */
import path from 'node:path';
import { checkInvariant } from '../invariant.js';
import type { Entry, HardState } from '../raft/types.js';
import { StorageClosedError, StorageFailedError, StorageFullError, isDiskFull } from './errors.js';
import type { FileReaper } from './file-reaper.js';
import type { StorageFs, StorageIo } from './fs-port.js';
import { fsyncDir, removeIfExists, writeFully } from './fs-util.js';
import { NEXT_SEGMENT_TMP, segmentFileName } from './layout.js';
import type { StorageLogger } from './logger.js';
import { Preallocation } from './preallocator.js';
import { MARK_RECORD_BYTES, RecordEncoder } from './record-codec.js';

/** Largest group written with one pwritev; more waits for the next round. */
const MAX_ROUND_BYTES = 8 << 20;

/** Where the log stands after some prefix of the submitted operations. */
export interface LogTail {
  readonly lastIndex: number;
  readonly lastTerm: number;
  readonly hardState: HardState;
}

/** A segment as the writer tracks it. Every entry in it has index ≤ `maxIndex` (checked in `noteAppend`). */
export interface SegmentState {
  readonly seq: number;
  readonly firstIndex: number;
  readonly name: string;
  /** Logical size: bytes of records, not of preallocated space. */
  bytes: number;
  maxIndex: number;
}

/** How the writer is set up; see RaftStorageOptions for the meaning of each. */
export interface WalWriterConfig {
  /** The file system, clock and process the writer works with (node-fs.ts in production). */
  readonly io: StorageIo;
  readonly walDir: string;
  readonly segmentBytes: number;
  readonly preallocate: boolean;
  readonly logger: StorageLogger;
  /** Deletes compacted segments in the background. */
  readonly reaper: FileReaper;
  readonly onFsync?: (seconds: number) => void;
  /** Test hook, called right before each commit fsync; throwing fails that fsync as if the disk had. */
  readonly beforeFsync?: () => void;
  /** Test hook, called right before each write of records; throwing ENOSPC there is a full disk. */
  readonly beforeWrite?: () => void;
  /** Called when the file system refuses a write for want of space and the writer starts holding writes (see `retry`). */
  readonly onOutOfSpace?: (err: StorageFullError) => void;
}

/** The segment to continue after recovery, or none (a new one is started). */
export interface WalResume {
  readonly segments: SegmentState[];
  /** Offset where the next write goes in the last segment; ignored when `startNew`. */
  readonly end: number;
  readonly headerEnd: number;
  readonly tail: LogTail;
  /** Start a fresh segment; with `reset`, its header discards the log before `tail`. */
  readonly startNew: false | { readonly reset: boolean };
}

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

interface BatchOp extends Waiter {
  readonly kind: 'batch';
  /** Arena position (absolute, see `consumed`) just past this batch's records. */
  readonly end: number;
  readonly sync: boolean;
  readonly tail: LogTail;
  /** Index of the batch's first entry, 0 without entries. */
  readonly firstIndex: number;
  readonly maxIndex: number;
}

interface ResetOp extends Waiter {
  readonly kind: 'reset';
  /** Resolves once the installed snapshot's file is durable: only then may the log be discarded. Undefined: write it (again). */
  snapshotWritten: Promise<unknown> | undefined;
  /** Writes the snapshot's file again, after the full disk refused the first attempt. */
  readonly writeSnapshot: () => Promise<unknown>;
  readonly tail: LogTail;
}

/**
 * Owns the active segment and the commit queue. Invariants: bytes reach the file in submission
 * order; an operation's promise resolves only after every earlier one has, and — unless it was
 * submitted with `sync: false` — after an fdatasync that covers it; after any write or fsync
 * error every pending and later operation is rejected with the same StorageFailedError.
 *
 * Except a full disk: a write (or a segment's creation) refused with ENOSPC or EDQUOT is a
 * refusal, not a lost write — nothing was acknowledged and the kernel dropped nothing it had
 * accepted. The writer takes back whatever part of the refused write reached the file (so that no
 * later fsync can make half a record durable), keeps every operation queued, unresolved, and
 * stops writing (`outOfSpace`) until `retry()` finds room. An fsync that fails, with ENOSPC or
 * anything else, stays fatal: after it the page cache may have dropped data it had accepted.
 */
export class WalWriter {
  /** Number of commit fsyncs so far. */
  fsyncs = 0;
  private readonly fs: StorageFs;
  private readonly encoder = new RecordEncoder();
  private readonly markEncoder = new RecordEncoder(MARK_RECORD_BYTES);
  private readonly queue: (BatchOp | ResetOp)[] = [];
  /** Absolute arena position of the encoder's byte 0 (bytes consumed so far). */
  private consumed = 0;
  private drainDone: Promise<void> | undefined;
  private failure: StorageFailedError | undefined;
  private closed = false;
  private abandoned = false;
  private fd = -1;
  private offset = 0;
  private headerEnd = 0;
  /** Bytes of the active segment covered by a completed fsync. */
  private synced = 0;
  private dirty = false;
  private written: LogTail;
  private durableTail: LogTail;
  private prealloc: Preallocation | undefined;
  /** Preallocation was skipped for want of space (logged once until there is room again). */
  private preallocSkipped = false;
  /** Bytes the active segment's file has allocated before the write under way (its size, preallocated or not). */
  private allocated = 0;
  /** Why writes are held for want of space; undefined while writing. */
  private refused: StorageFullError | undefined;
  /** A `retry` of held writes is running. */
  private retrying = false;
  /** The next commit starts a new segment (`cut`). */
  private cutRequested = false;
  /** Size of the next preallocation: the whole segment, or about what the last one cut at a snapshot held. */
  private preallocBytes: number;

  private constructor(
    private readonly config: WalWriterConfig,
    /** All segments on disk, oldest first; the last is the active one. */
    readonly segments: SegmentState[],
    tail: LogTail,
  ) {
    this.written = tail;
    this.durableTail = tail;
    this.fs = config.io.fs;
    this.preallocBytes = config.segmentBytes;
  }

  /** Opens the write path where recovery left off. The resumed segment is fsynced: it may hold bytes a crash left only in the page cache. */
  static async open(config: WalWriterConfig, resume: WalResume): Promise<WalWriter> {
    const writer = new WalWriter(config, resume.segments, resume.tail);
    const last = resume.segments[resume.segments.length - 1];
    if (resume.startNew || !last) {
      await writer.roll(resume.startNew ? resume.startNew.reset : false, resume.tail);
      // A reset header makes every older segment obsolete; keeping them would only block compaction.
      if (resume.startNew && resume.startNew.reset) await writer.dropOldest(writer.segments.length - 1);
    } else {
      const { fs } = config.io;
      writer.fd = fs.openSync(path.join(config.walDir, last.name), 'r+');
      writer.allocated = fs.fstatSync(writer.fd).size;
      writer.offset = writer.synced = last.bytes = resume.end;
      writer.headerEnd = resume.headerEnd;
      await fs.fdatasync(writer.fd);
      writer.startPreallocation();
    }
    await fsyncDir(config.io.fs, config.walDir);
    return writer;
  }

  /** The tail as of the last completed commit. */
  get durable(): LogTail {
    return this.durableTail;
  }

  /** Operations queued and not yet resolved. */
  get pending(): number {
    return this.queue.length;
  }

  /** Whether writes are held because the file system refused one for want of space. */
  get outOfSpace(): boolean {
    return this.refused !== undefined;
  }

  /**
   * Tries the writes held for want of space again. Resolves true once everything queued went
   * through, false if the disk refused again (the writes stay held) or the writer failed. True at
   * once if none are held.
   */
  async retry(): Promise<boolean> {
    if (!this.refused || this.closed) return this.refused === undefined;
    this.refused = undefined;
    this.retrying = true;
    try {
      this.drainDone ??= Promise.resolve().then(() => this.drain());
      while (this.drainDone) await this.drainDone;
    } finally {
      this.retrying = false;
    }
    return this.refused === undefined && this.failure === undefined;
  }

  /** Bytes of all segments, preallocated space excluded. */
  get walBytes(): number {
    return this.segments.reduce((n, s) => n + s.bytes, 0);
  }

  /** Queues entries then a hard state (that order: a torn batch never leaves a commit past the log). */
  submitBatch(entries: readonly Entry[], hardState: HardState | undefined, sync: boolean, tail: LogTail): Promise<void> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    for (const e of entries) this.encoder.entry(e);
    if (hardState) this.encoder.hardState(hardState);
    const end = this.consumed + this.encoder.length;
    const firstIndex = entries[0]?.index ?? 0;
    const maxIndex = entries[entries.length - 1]?.index ?? 0;
    return this.enqueue((w) => ({ kind: 'batch', end, sync, tail, firstIndex, maxIndex, ...w }));
  }

  /**
   * Queues a reset: after `snapshotWritten`, start a segment whose header discards the log up to
   * `tail`. A snapshot file the full disk refused is written again (`writeSnapshot`) at the next `retry`.
   */
  submitReset(snapshotWritten: Promise<unknown>, writeSnapshot: () => Promise<unknown>, tail: LogTail): Promise<void> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    return this.enqueue((w) => ({ kind: 'reset', snapshotWritten, writeSnapshot, tail, ...w }));
  }

  /**
   * Queues the end of the active segment (if it holds any record): what is written after this
   * goes into a new one. Called when a snapshot was taken, so that segments end near snapshots:
   * once a snapshot covers one whole, a restart leaves it unread (see recovery.ts) and `compact`
   * can drop it. In one 64 MiB segment, a restart read every record the snapshot already held.
   */
  cut(tail: LogTail): Promise<void> {
    this.cutRequested = true;
    return this.submitBatch([], undefined, false, tail);
  }

  /**
   * Deletes the oldest segments whose entries all have index ≤ `upTo`; never the active one.
   * Returns the deleted names.
   */
  async compact(upTo: number): Promise<string[]> {
    let n = 0;
    while (n < this.segments.length - 1 && (this.segments[n]?.maxIndex ?? Infinity) <= upTo) n++;
    return this.dropOldest(n);
  }

  /** Waits for everything queued, makes unsynced bytes durable, and releases the files. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.drainDone) await this.drainDone;
    // Held for want of space and never written: they were not acknowledged, and now never will be.
    if (this.refused) for (const op of this.queue.splice(0)) op.reject(this.refused);
    try {
      if (this.dirty && !this.failure) await this.commitSync();
    } finally {
      if (this.fd >= 0) this.fs.closeSync(this.fd);
      this.fd = -1;
      await this.prealloc?.cancel();
      if (this.prealloc) removeIfExists(this.fs, this.prealloc.path);
    }
  }

  /**
   * Lets go of the files at once, for a process that is about to exit after a disk failure:
   * rejects everything queued, closes the active segment without syncing it, and stops and
   * deletes a preallocation in progress. Never waits on the disk. Unsynced bytes stay unsynced;
   * nothing that was acknowledged depends on them.
   */
  abandon(): void {
    this.closed = this.abandoned = true;
    const refusal = this.failure ?? new StorageClosedError();
    for (const op of this.queue.splice(0)) op.reject(refusal);
    if (this.fd >= 0) {
      try {
        this.fs.closeSync(this.fd);
      } catch {
        // Closing a local file does not wait on the disk; an error here changes nothing.
      }
      this.fd = -1;
    }
    const prealloc = this.prealloc;
    this.prealloc = undefined;
    if (prealloc) {
      void prealloc.cancel();
      try {
        removeIfExists(this.fs, prealloc.path);
      } catch {
        // Best effort: the next start removes a leftover temp file.
      }
    }
  }

  /** Why a submission would be refused right now (failed or closed), if it would. */
  refusal(): Error | undefined {
    return this.failure ?? (this.closed ? new StorageClosedError() : undefined);
  }

  private enqueue(make: (w: Waiter) => BatchOp | ResetOp): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push(make({ resolve, reject }));
      // A microtask, not an immediate write: every submission of the current tick joins the group.
      this.drainDone ??= Promise.resolve().then(() => this.drain());
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0 && !this.abandoned && !this.refused) {
        const head = this.queue[0] as BatchOp | ResetOp;
        if (head.kind === 'reset') {
          await this.run([head], () => this.applyReset(head));
          continue;
        }
        let n = 1;
        while (n < this.queue.length && this.fitsRound(this.queue[n] as BatchOp | ResetOp)) n++;
        const round = this.queue.slice(0, n) as BatchOp[];
        await this.run(round, () => this.commit(round));
      }
    } finally {
      this.drainDone = undefined;
    }
  }

  /** Whether `op` joins the current group: a batch, and the group stays under MAX_ROUND_BYTES (one huge write would stall the event loop). */
  private fitsRound(op: BatchOp | ResetOp): boolean {
    return op.kind === 'batch' && op.end - this.consumed <= MAX_ROUND_BYTES;
  }

  /**
   * Runs one step for `ops` (the head of the queue), then settles them in order; on a full disk
   * holds them (the step rolled back what it wrote), on any other error fails everything.
   */
  private async run(ops: Waiter[], step: () => Promise<void>): Promise<void> {
    try {
      if (this.failure) throw this.failure;
      await step();
    } catch (err) {
      if (err instanceof StorageFullError && !this.failure) {
        // Logged once per spell, not at every retry that finds the disk still full.
        if (!this.retrying) this.config.logger.warn('the file system is full: holding WAL writes until there is space', { file: err.file, err: String(err.cause) });
        this.refused = err;
        this.config.onOutOfSpace?.(err);
        return;
      }
      this.failure ??= new StorageFailedError({ cause: err });
      this.config.logger.error('WAL write failed; refusing all further writes', { err: String(err) });
      for (const op of this.queue.splice(0)) op.reject(this.failure);
      return;
    }
    this.queue.splice(0, ops.length);
    for (const op of ops) op.resolve();
  }

  /** One group commit: a single write of everything in `round`, then one fdatasync if any of it asked for one. */
  private async commit(round: BatchOp[]): Promise<void> {
    const last = round[round.length - 1] as BatchOp;
    const bytes = last.end - this.consumed;
    // No active file: a roll was refused for want of space after sealing the previous segment.
    const full = this.offset + MARK_RECORD_BYTES + bytes > this.config.segmentBytes;
    if (this.fd < 0 ? bytes > 0 : (this.cutRequested || (bytes > 0 && full)) && this.offset > this.headerEnd) {
      await this.roll(false, this.written);
    }
    if (bytes > 0) {
      this.markEncoder.consume(this.markEncoder.length);
      this.markEncoder.mark(this.synced);
      this.append([this.markEncoder.view(), this.encoder.view(bytes)]);
      this.encoder.consume(bytes);
      this.consumed += bytes;
      this.offset += MARK_RECORD_BYTES + bytes;
      this.dirty = true;
      const active = this.segments[this.segments.length - 1] as SegmentState;
      active.bytes = this.offset;
      for (const op of round) {
        if (op.firstIndex > 0) noteAppend(this.segments, op.firstIndex, op.maxIndex);
      }
    }
    this.written = last.tail;
    if (this.dirty && round.some((op) => op.sync)) await this.commitSync();
    if (!this.dirty) this.durableTail = this.written;
  }

  /**
   * Writes `buffers` at the end of the log. A write refused for want of space may have put part of
   * them in the file (a short write, then ENOSPC): that part is taken back before this throws
   * StorageFullError, so the next fsync — of a later write at this same offset — covers only whole
   * records. Within a preallocated file the zeros are written back (those blocks are allocated, so
   * this needs no space); past its allocated end the file is cut. If taking back fails, the error
   * is fatal: what the file holds past the log's end is then unknown.
   */
  private append(buffers: readonly Uint8Array[]): void {
    const end = this.offset + buffers.reduce((n, b) => n + b.length, 0);
    try {
      this.config.beforeWrite?.();
      writeFully(this.fs, this.fd, buffers, this.offset);
    } catch (err) {
      if (!isDiskFull(err)) throw err;
      const zeroed = Math.min(this.allocated, end) - this.offset;
      if (zeroed > 0) writeFully(this.fs, this.fd, [Buffer.alloc(zeroed)], this.offset);
      this.fs.ftruncateSync(this.fd, Math.max(this.offset, this.allocated));
      throw new StorageFullError(this.segmentPath(), { cause: err, held: true });
    }
    this.allocated = Math.max(this.allocated, end);
  }

  private segmentPath(): string {
    return path.join(this.config.walDir, (this.segments[this.segments.length - 1] as SegmentState).name);
  }

  private async commitSync(): Promise<void> {
    const upTo = this.offset;
    const { clock } = this.config.io;
    const started = clock.monoNow();
    this.config.beforeFsync?.();
    await this.fs.fdatasync(this.fd);
    this.fsyncs++;
    this.config.onFsync?.((clock.monoNow() - started) / 1000);
    this.synced = upTo;
    this.dirty = this.offset !== upTo;
  }

  private async applyReset(op: ResetOp): Promise<void> {
    await this.snapshotOf(op);
    await this.roll(true, op.tail);
    this.written = this.durableTail = op.tail;
    await this.dropOldest(this.segments.length - 1);
  }

  /**
   * Waits for the reset's snapshot file. One the disk refused for want of space is only a temp file
   * (it becomes the snapshot by a rename after its fsync): it was removed, and is written again at
   * the next retry, while the reset waits as any write does.
   */
  private async snapshotOf(op: ResetOp): Promise<void> {
    op.snapshotWritten ??= op.writeSnapshot();
    try {
      await op.snapshotWritten;
    } catch (err) {
      if (!isDiskFull(err)) throw err;
      op.snapshotWritten = undefined;
      throw new StorageFullError(typeof err.path === 'string' ? err.path : this.config.walDir, { cause: err, held: true });
    }
  }

  /**
   * Seals the active segment (cut to its logical size, fsynced) and starts the next one with a
   * header continuing from `tail` — or, with `reset`, discarding the log before it. The header
   * and the directory entry are durable before any record is written after them. A new segment
   * the file system has no room for is removed again (a headerless segment holds nothing) and
   * StorageFullError thrown: the roll can be retried from where it stopped.
   */
  private async roll(reset: boolean, tail: LogTail): Promise<void> {
    if (this.fd >= 0) this.preallocBytes = this.cutRequested ? preallocationAfterCut(this.offset, this.config.segmentBytes) : this.config.segmentBytes;
    await this.seal();
    const seq = (this.segments[this.segments.length - 1]?.seq ?? 0) + 1;
    const firstIndex = tail.lastIndex + 1;
    const name = segmentFileName(seq, firstIndex);
    const header = new RecordEncoder(256);
    header.header({ seq, firstIndex, prevTerm: tail.lastTerm, reset, hardState: tail.hardState });
    const fd = this.createSegment(name, header.view());
    await this.fs.fdatasync(fd);
    await fsyncDir(this.fs, this.config.walDir);
    this.fd = fd;
    this.offset = this.synced = this.headerEnd = header.length;
    this.dirty = false;
    this.segments.push({ seq, firstIndex, name, bytes: header.length, maxIndex: tail.lastIndex });
    this.cutRequested = false;
    this.startPreallocation();
  }

  /** Opens the new segment `name` (preallocated if one is ready) with its header written; see `roll` for a full disk. */
  private createSegment(name: string, header: Uint8Array): number {
    const file = path.join(this.config.walDir, name);
    let fd: number | undefined;
    try {
      fd = this.takePreallocated(name) ?? this.fs.openSync(file, 'wx+');
      this.config.beforeWrite?.();
      writeFully(this.fs, fd, [header], 0);
      this.allocated = this.fs.fstatSync(fd).size;
      return fd;
    } catch (err) {
      if (fd !== undefined) this.fs.closeSync(fd);
      if (!isDiskFull(err)) throw err;
      removeIfExists(this.fs, file);
      throw new StorageFullError(file, { cause: err, held: true });
    }
  }

  private async seal(): Promise<void> {
    if (this.fd < 0) return;
    this.fs.ftruncateSync(this.fd, this.offset);
    await this.fs.fsync(this.fd);
    this.fs.closeSync(this.fd);
    this.fd = -1;
    this.dirty = false;
  }

  private takePreallocated(name: string): number | undefined {
    if (!this.prealloc?.ready) return undefined;
    const target = path.join(this.config.walDir, name);
    this.fs.renameSync(this.prealloc.path, target);
    this.prealloc = undefined;
    return this.fs.openSync(target, 'r+');
  }

  /**
   * Starts filling the next segment, if there is room for it with a segment to spare: on a
   * nearly full disk a fill would take the space the log needs next, and turn a disk that is
   * filling up into a failed write at once.
   */
  private startPreallocation(): void {
    if (!this.config.preallocate || this.closed || (this.prealloc && !this.prealloc.failed)) return;
    this.prealloc = undefined;
    const free = freeBytes(this.fs, this.config.walDir);
    if (free !== undefined && free < 2 * this.config.segmentBytes) {
      if (!this.preallocSkipped) {
        this.config.logger.warn('not preallocating the next WAL segment: the file system has less than twice the segment size free; segments will grow as they are written', { free, segmentBytes: this.config.segmentBytes });
      }
      this.preallocSkipped = true;
      return;
    }
    this.preallocSkipped = false;
    const tmp = path.join(this.config.walDir, NEXT_SEGMENT_TMP);
    this.prealloc = new Preallocation(tmp, this.preallocBytes, this.config.logger, this.config.io);
  }

  private async dropOldest(n: number): Promise<string[]> {
    if (n <= 0) return [];
    const gone = this.segments.splice(0, n).map((s) => s.name);
    const doomed: string[] = [];
    for (const name of gone) {
      const renamed = await this.config.reaper.retire(path.join(this.config.walDir, name));
      if (renamed !== undefined) doomed.push(renamed);
    }
    // Cut only once the renames are durable (file-reaper.ts says why).
    await fsyncDir(this.fs, this.config.walDir);
    for (const file of doomed) this.config.reaper.discard(file, { truncate: true });
    return gone;
  }
}

/** The smallest preallocation after a cut: below it, the zeros are not worth a file of their own. */
const MIN_PREALLOCATION_BYTES = 1 << 20;

/**
 * The next segment's preallocation after one cut at a snapshot had `sealedBytes`: the next will
 * most likely be cut at the next snapshot too, after about as much log. A whole segment of zeros
 * for each would write several times the log itself in zeros; a segment that outgrows its
 * preallocation simply grows, as one does on a full disk.
 */
export function preallocationAfterCut(sealedBytes: number, segmentBytes: number): number {
  return Math.min(segmentBytes, Math.max(MIN_PREALLOCATION_BYTES, Math.ceil((sealedBytes * 1.25) / 4096) * 4096));
}

/** Bytes an unprivileged writer may still use on the file system holding `dir`; undefined if it cannot be told. */
function freeBytes(fs: StorageFs, dir: string): number | undefined {
  try {
    const s = fs.statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

/**
 * Keeps `maxIndex` tight: entries from `firstIndex` on in older segments were just superseded
 * (a truncation, or a no-op for a plain append), so a segment whose live entries are all covered
 * by a snapshot can go even if it once held a long, later-discarded tail.
 */
export function noteAppend(segments: SegmentState[], firstIndex: number, maxIndex: number): void {
  // The batch's entries run from firstIndex to maxIndex, into the active segment: one must exist.
  const active = segments[segments.length - 1];
  checkInvariant(active !== undefined && firstIndex <= maxIndex, 'wal-segment-max-index', () => `entries ${firstIndex}..${maxIndex} appended to ${active === undefined ? 'no segment' : `segment ${active.seq}`}`);
  for (const s of segments) s.maxIndex = Math.min(s.maxIndex, firstIndex - 1);
  active.maxIndex = Math.max(active.maxIndex, maxIndex);
}
