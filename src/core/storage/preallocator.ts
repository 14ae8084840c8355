/**
 * Prepares the next WAL segment in the background: a file of zeros, written and fsynced before
 * it is needed. Overwriting allocated blocks lets each commit's fdatasync skip the metadata
 * update that growing a file costs (measured on the 2-core CI machine, 16 KiB write + fdatasync
 * through the libuv pool: ~0.3 ms instead of ~0.5 ms). The file only becomes a segment by an
 * atomic rename, so a crash mid-fill leaves a temp file that recovery deletes; a fill that fails
 * (a full disk) deletes its partial file at once, so that it does not keep the space it took.
 */
import { checkInvariant } from '../invariant.js';
import { sleep, type StorageIo } from './fs-port.js';
import { SYNC_SLICE_BYTES } from './fs-util.js';
import type { StorageLogger } from './logger.js';

const CHUNK_BYTES = 1 << 20;
/**
 * The fill is synced every SYNC_SLICE_BYTES, with this rest in between. Every member reaches the
 * end of a segment at nearly the same log index, so one fdatasync after 64 MiB stalled the
 * commits of all three at once, each by up to 45–61 ms (see SYNC_SLICE_BYTES). A paced fill
 * takes about 0.2 s, far less than a segment takes to fill with writes.
 */
const REST_MS = 5;

/** One background fill of `path` with `bytes` zeros: `ready` only once all of them are written and synced (checked in `fill`). */
export class Preallocation {
  private state: 'filling' | 'ready' | 'failed' | 'cancelled' = 'filling';
  private readonly done: Promise<void>;

  constructor(
    readonly path: string,
    bytes: number,
    logger: StorageLogger,
    private readonly io: StorageIo,
  ) {
    this.done = this.fill(bytes).then(
      (completed) => {
        if (completed) this.state = 'ready';
      },
      async (err: unknown) => {
        // The partial file holds space the log itself may need (after ENOSPC, all that was left).
        const removed = await io.fs.rm(this.path, { force: true }).then(
          () => true,
          () => false,
        );
        this.state = 'failed';
        logger.warn('could not preallocate the next WAL segment; it will grow as it is written', { path, err: String(err), removed });
      },
    );
  }

  /** True once the file is complete and durable, so it can be renamed into place. */
  get ready(): boolean {
    return this.state === 'ready';
  }

  /** True if the fill failed; a new preallocation may be started in its place. */
  get failed(): boolean {
    return this.state === 'failed';
  }

  /** Stops filling (if still going) and waits until the file is no longer being written. */
  async cancel(): Promise<void> {
    if (this.state === 'filling') this.state = 'cancelled';
    await this.done;
  }

  private async fill(bytes: number): Promise<boolean> {
    const zeros = Buffer.alloc(Math.min(CHUNK_BYTES, bytes));
    const { fs, clock } = this.io;
    const fd = await fs.open(this.path, 'w');
    let written = 0;
    try {
      for (let at = 0; at < bytes; at += zeros.length) {
        if (this.state === 'cancelled') return false;
        written += await fs.write(fd, zeros, 0, Math.min(zeros.length, bytes - at), at);
        if ((at + zeros.length) % SYNC_SLICE_BYTES === 0) {
          await fs.fdatasync(fd);
          await sleep(clock, REST_MS);
        }
      }
      await fs.fdatasync(fd);
      checkInvariant(written === bytes, 'preallocation-durable-zeros', () => `${written} of ${bytes} zero bytes written to ${this.path}`);
      return this.state === 'filling';
    } finally {
      await fs.close(fd);
    }
  }
}
