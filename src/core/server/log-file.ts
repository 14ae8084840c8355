/**
 * The member's own log file, rotated by size: `<id>.log` is renamed to `<id>.log.1` (and so on,
 * `keep` files in all) once it reaches its cap, so that no flood of lines can fill the data
 * disk. The cap is 10 MiB per file, smaller on a small disk: all the files together take at most
 * 1% of the disk the data dir is on (and at least 256 KiB each, for a disk too small to say).
 * Writes are synchronous, as pino's sync destination is: a crash loses no line before it.
 */
import { closeSync, openSync, renameSync, rmSync, statfsSync, statSync, writeSync } from 'node:fs';
import { PRIVATE_FILES } from '../storage/index.js';

/** Files kept: the current one and `keep - 1` older ones. */
export const LOG_FILES_KEPT = 3;
/** The most one log file grows to before it is rotated. */
export const MAX_LOG_FILE_BYTES = 10 << 20;
const MIN_LOG_FILE_BYTES = 256 << 10;
/** The share of the data disk all the log files may take together. */
const DISK_SHARE = 0.01;

/** What a full or failing disk is reported to, once. */
export type LogFileFailure = (err: Error) => void;

/** The member's log cannot be opened: a start refusal its message explains (node-start.ts). */
export class LogFileError extends Error {
  override readonly name = 'LogFileError';
}

export class RotatingLogFile {
  private fd: number | undefined;
  private size: number;
  private failed = false;

  constructor(
    readonly path: string,
    readonly maxBytes: number,
    private readonly onFailure: LogFileFailure,
    readonly keep = LOG_FILES_KEPT,
  ) {
    try {
      this.fd = openSync(path, PRIVATE_FILES.append, PRIVATE_FILES.fileMode);
    } catch (err) {
      const why =
        (err as NodeJS.ErrnoException).code === 'ELOOP'
          ? `${path} is a symbolic link: a member writes its log to a file of its own only, never through a link; remove it`
          : `cannot open the member's log ${path}: ${(err as Error).message}`;
      throw new LogFileError(why, { cause: err });
    }
    this.size = statSync(path).size;
  }

  /** pino's destination interface: one serialized line at a time. */
  write(line: string): boolean {
    if (this.failed || this.fd === undefined) return true;
    try {
      if (this.size > 0 && this.size + Buffer.byteLength(line) > this.maxBytes) this.rotate();
      this.size += writeSync(this.fd, line);
    } catch (err) {
      this.failed = true;
      this.onFailure(err as Error);
    }
    return true;
  }

  private rotate(): void {
    closeSync(this.fd!);
    this.fd = undefined;
    rmSync(`${this.path}.${this.keep - 1}`, { force: true });
    for (let i = this.keep - 2; i >= 1; i--) {
      try {
        renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
      } catch {
        // Not there yet: fewer rotations so far than files kept.
      }
    }
    renameSync(this.path, `${this.path}.1`);
    this.fd = openSync(this.path, PRIVATE_FILES.append, PRIVATE_FILES.fileMode);
    this.size = 0;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** The cap per file for a data dir: MAX_LOG_FILE_BYTES, less on a disk where that would pass DISK_SHARE. */
export function logFileCap(dataDir: string, keep = LOG_FILES_KEPT): number {
  try {
    const fs = statfsSync(dataDir);
    const share = Math.floor((fs.blocks * fs.bsize * DISK_SHARE) / keep);
    return Math.max(MIN_LOG_FILE_BYTES, Math.min(MAX_LOG_FILE_BYTES, share));
  } catch {
    return MAX_LOG_FILE_BYTES;
  }
}
