/**
 * The snapshot directory: which snapshot is the newest valid one, writing new ones, keeping the
 * last few, and setting aside files that fail their checks (renamed to `.snap.corrupt`, never
 * deleted: an operator may want to look at them).
 */
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { SnapshotMeta } from '../raft/types.js';
import type { FileReaper } from './file-reaper.js';
import type { StorageFs } from './fs-port.js';
import { fsyncDir } from './fs-util.js';
import type { SnapshotFile } from './layout.js';
import type { StorageLogger } from './logger.js';
import {
  openSnapshotDataStream,
  readSnapshotData,
  readSnapshotInfo,
  snapshotFileName,
  SnapshotFileWriter,
  verifySnapshotData,
  type SnapshotFileInfo,
} from './snapshot-file.js';

/** A snapshot file that was passed over, and why. */
export interface SkippedSnapshot {
  readonly file: string;
  readonly reason: string;
}

/** A snapshot's data as a stream, with what the receiver needs to check it. */
export interface SnapshotStream {
  readonly meta: SnapshotMeta;
  readonly dataLength: number;
  readonly dataCrc32: number;
  readonly stream: Readable;
}

/**
 * Invariants: `files` are in index order and the last one, if any, is `latest`, whose checksums
 * were verified; file operations run one at a time (`serialize`), so retention never deletes a
 * file another operation is about to use.
 */
export class SnapshotStore {
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly dir: string,
    private readonly logger: StorageLogger,
    private readonly retain: number,
    private readonly reaper: FileReaper,
    private readonly fs: StorageFs,
    private files: SnapshotFile[],
    private latestInfo: SnapshotFileInfo | undefined,
    /** Snapshots set aside as corrupt since open. */
    readonly skipped: SkippedSnapshot[],
  ) {}

  /** Finds the newest snapshot whose checksums hold (reading it through once, without keeping it in memory). */
  static async open(
    fs: StorageFs,
    dir: string,
    files: readonly SnapshotFile[],
    logger: StorageLogger,
    retain: number,
    reaper: FileReaper,
  ): Promise<SnapshotStore> {
    const store = new SnapshotStore(dir, logger, retain, reaper, fs, [...files], undefined, []);
    store.latestInfo = await store.pickNewestValid((info) => verifySnapshotData(info, fs));
    return store;
  }

  /** The newest valid snapshot's file, e.g. to hand its path to a transport. */
  get latest(): SnapshotFileInfo | undefined {
    return this.latestInfo;
  }

  /** Snapshot files kept. */
  get count(): number {
    return this.files.length;
  }

  /** Runs `fn` after every earlier snapshot operation has settled. */
  serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Starts a snapshot file written in pieces (see SnapshotFileWriter); finish it with `adopt`. */
  begin(meta: SnapshotMeta): SnapshotFileWriter {
    return SnapshotFileWriter.create(path.join(this.dir, snapshotFileName(meta)), meta, this.fs);
  }

  /**
   * Seals a snapshot begun with `begin`, makes it the latest, and deletes the oldest files
   * beyond the retention count. Returns the index of the oldest snapshot kept: the WAL must keep
   * every entry after it, so that falling back to it (if the newest is damaged) still works.
   * Call through `serialize`.
   */
  async adopt(writer: SnapshotFileWriter, dataLength: number): Promise<number> {
    const { meta } = writer;
    const name = snapshotFileName(meta);
    this.latestInfo = await writer.commit(dataLength);
    this.files = this.files.filter((f) => f.name !== name);
    this.files.push({ term: meta.term, index: meta.index, name });
    const drop = this.files.splice(0, Math.max(0, this.files.length - this.retain));
    const doomed: string[] = [];
    for (const f of drop) {
      const renamed = await this.reaper.retire(path.join(this.dir, f.name));
      if (renamed !== undefined) doomed.push(renamed);
    }
    if (drop.length > 0) await fsyncDir(this.fs, this.dir);
    // Unlinked once the renames are durable, not truncated: an operator's download may be streaming it from an open descriptor.
    for (const file of doomed) this.reaper.discard(file, { truncate: false });
    return this.files[0]?.index ?? meta.index;
  }

  /** Writes an in-memory snapshot and adopts it (see `adopt`). Call through `serialize`. */
  async save(meta: SnapshotMeta, data: Uint8Array): Promise<number> {
    const writer = this.begin(meta);
    try {
      await writer.writeAll(data);
      return await this.adopt(writer, data.length);
    } finally {
      writer.abort();
    }
  }

  /** Reads the newest valid snapshot; a damaged one is set aside and the next older one tried. Call through `serialize`. */
  async loadLatest(): Promise<{ meta: SnapshotMeta; data: Uint8Array } | undefined> {
    let data: Uint8Array | undefined;
    this.latestInfo = await this.pickNewestValid(async (info) => {
      data = await readSnapshotData(info, this.fs);
    });
    return this.latestInfo && data ? { meta: this.latestInfo.meta, data } : undefined;
  }

  /** Opens the latest snapshot's data for streaming to a peer. Call through `serialize`. */
  async openStream(): Promise<SnapshotStream | undefined> {
    const info = this.latestInfo;
    if (!info) return undefined;
    return { meta: info.meta, dataLength: info.dataLength, dataCrc32: info.dataCrc32, stream: await openSnapshotDataStream(info, this.fs) };
  }

  private async pickNewestValid(check: (info: SnapshotFileInfo) => Promise<void>): Promise<SnapshotFileInfo | undefined> {
    for (let f = this.files.at(-1); f; f = this.files.at(-1)) {
      try {
        const info = await readSnapshotInfo(path.join(this.dir, f.name), f, this.fs);
        await check(info);
        return info;
      } catch (err) {
        this.quarantine(f, err instanceof Error ? err.message : String(err));
      }
    }
    return undefined;
  }

  private quarantine(f: SnapshotFile, reason: string): void {
    const file = path.join(path.basename(this.dir), f.name);
    this.logger.warn('snapshot failed its checks; set aside as .corrupt and falling back to the previous one', { file, reason });
    this.fs.renameSync(path.join(this.dir, f.name), path.join(this.dir, `${f.name}.corrupt`));
    this.files.pop();
    this.skipped.push({ file, reason });
  }
}
