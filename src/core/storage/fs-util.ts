/**
 * The few file-system primitives durability rests on, over the storage's file-system port
 * (fs-port.ts). Writes are synchronous (a memory copy into the page cache, cheaper than a thread
 * hop); fsyncs go through the port's promise calls so the event loop keeps running meanwhile.
 */
import type { StorageFs } from './fs-port.js';

/** Makes the directory's entries durable: a created, renamed or deleted file survives a crash only after this. */
export async function fsyncDir(fs: StorageFs, dir: string): Promise<void> {
  const fd = fs.openSync(dir, 'r');
  try {
    await fs.fsync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Writes all of `buffers` at `position` with one pwritev in the common case, looping on short
 * writes (a full disk, a signal) so that a record is never silently half-written.
 */
export function writeFully(fs: StorageFs, fd: number, buffers: readonly Uint8Array[], position: number): void {
  const total = buffers.reduce((n, b) => n + b.length, 0);
  let written = fs.writevSync(fd, buffers, position);
  if (written === total) return;
  const all = Buffer.concat(buffers);
  while (written < total) {
    written += fs.writeSync(fd, all, written, total - written, position + written);
  }
}

/**
 * How much of a large file (a snapshot, a preallocated segment) is written between two
 * fdatasyncs. With one fdatasync after 64 MiB, a WAL fdatasync running beside it waited
 * 45–61 ms on the CI machine (its journal commit waited for all of that data); with one every
 * 4 MiB, 8–24 ms, against 5–20 ms with nothing beside it (bench/disk-stall-probe.ts). The file
 * takes about a third longer to write.
 */
export const SYNC_SLICE_BYTES = 4 << 20;

/** Removes a file if it exists; true if it did. */
export function removeIfExists(fs: StorageFs, file: string): boolean {
  try {
    fs.unlinkSync(file);
    return true;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return false;
    throw err;
  }
}

/** Narrows an unknown error to a Node errno error with the given code. */
export function isErrno(err: unknown, code: string): err is NodeJS.ErrnoException {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}
