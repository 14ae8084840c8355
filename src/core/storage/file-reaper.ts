/**
 * Deletes the storage's large obsolete files (compacted WAL segments, old snapshots) in the
 * background, so that deleting them costs the writes around them nothing.
 *
 * Why not unlink them where they become obsolete: on the CI machine, unlinking a 64 MiB segment
 * blocked the event loop for 20–27 ms, and every member compacts at nearly the same log index.
 * Moved to the libuv pool, the unlink still held a WAL fdatasync running beside it for 19–26 ms
 * while the journal freed the file's extents. Shrunk by 1 MiB truncations 5 ms apart before the
 * unlink, the same fdatasync waited at most 6–8 ms, its usual worst case being 3–5
 * (bench/disk-stall-probe.ts).
 *
 * A file is first renamed to `<name>.deleting`, at once: under its own name it is gone, and
 * should the process stop half-way, the next open finds the new name among the leftovers and
 * hands it back here. It is cut or unlinked only once the caller has made that rename durable
 * (fsynced the directory) and handed it to `discard`: a power loss can undo a rename the
 * directory's fsync never covered while keeping a truncation, which would bring the file back
 * under its own name with its records cut off (simulator seed 4945 of 3 members: a WAL
 * directory fsync failed with EIO, the segment was truncated anyway, and after the power cycle
 * the member read a damaged log and had to repair). Truncation is only for files nobody else may
 * be reading: a snapshot can be streamed to an operator from an open descriptor, which an unlink
 * leaves intact and a truncation would cut short.
 */
import { checkInvariant } from '../invariant.js';
import { sleep, type StorageIo } from './fs-port.js';
import { isErrno } from './fs-util.js';
import { nodeStorageIo } from './node-fs.js';
import type { StorageLogger } from './logger.js';

/** The suffix of a file being deleted in the background. */
export const DELETING_SUFFIX = '.deleting';

/** How much each truncation step frees, and how long the disk rests between steps. */
export interface ReaperPace {
  readonly sliceBytes: number;
  readonly pauseMs: number;
}

const DEFAULT_REAPER_PACE: ReaperPace = { sliceBytes: 1 << 20, pauseMs: 5 };

interface Doomed {
  readonly path: string;
  readonly truncate: boolean;
}

/**
 * Every file in the queue carries DELETING_SUFFIX (checked in `discard`): only a name whose rename
 * is durable may be deleted. Files are deleted one at a time: one `#drain` runs at once (`#running`).
 */
export class FileReaper {
  readonly #queue: Doomed[] = [];
  #running: Promise<void> | undefined;
  #closed = false;

  constructor(
    private readonly logger: StorageLogger,
    private readonly pace: ReaperPace = DEFAULT_REAPER_PACE,
    private readonly io: StorageIo = nodeStorageIo,
  ) {}

  /**
   * Renames `file` to `<file>.deleting` now; undefined if it did not exist. The caller fsyncs the
   * directory to make the rename durable, then hands the name returned to `discard`; if that
   * fsync fails, the file stays whole under one name or the other and the next open deletes it.
   */
  async retire(file: string): Promise<string | undefined> {
    const doomed = file + DELETING_SUFFIX;
    try {
      await this.io.fs.rename(file, doomed);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return undefined;
      throw err;
    }
    return doomed;
  }

  /**
   * Deletes a file named `*.deleting` whose rename is durable (retired, then its directory
   * fsynced; or a leftover found at open) in the background. `truncate: false` for a file a
   * reader may hold open.
   */
  discard(doomed: string, opts: { truncate: boolean }): void {
    checkInvariant(doomed.endsWith(DELETING_SUFFIX), 'reaper-deletes-retired-files', () => `asked to delete ${doomed}, not retired to *${DELETING_SUFFIX}`);
    if (this.#closed) return;
    this.#queue.push({ path: doomed, truncate: opts.truncate });
    // Started from a microtask so that its `finally` always runs after this assignment.
    this.#running ??= Promise.resolve().then(() => this.#drain());
  }

  /** Resolves once every file handed over so far is deleted (or given up on). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** Stops after the current step; files not yet deleted keep their `.deleting` name for the next open. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.idle();
  }

  async #drain(): Promise<void> {
    try {
      for (let next = this.#queue.shift(); next && !this.#closed; next = this.#queue.shift()) {
        try {
          await this.#reap(next);
        } catch (err) {
          this.logger.warn('could not delete an obsolete file; the next open retries', { path: next.path, err: String(err) });
        }
      }
    } finally {
      this.#running = undefined;
    }
  }

  async #reap({ path, truncate }: Doomed): Promise<void> {
    if (truncate) {
      const { fs, clock } = this.io;
      const fd = await fs.open(path, 'r+');
      try {
        for (let size = (await fs.fstat(fd)).size; size > this.pace.sliceBytes && !this.#closed; ) {
          size -= this.pace.sliceBytes;
          await fs.ftruncate(fd, size);
          await sleep(clock, this.pace.pauseMs);
        }
      } finally {
        await fs.close(fd);
      }
    }
    if (this.#closed) return;
    try {
      await this.io.fs.unlink(path);
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
    }
  }
}
