/**
 * Storage's world outside it, as a port: the file-system calls it makes, its clock, its sleeps
 * and its randomness, and the one question it asks about other processes (is the LOCK's holder
 * alive). Production wires Node's (node-fs.ts, the one file of src/core/storage that may import
 * `node:fs`); the deterministic simulator (test/sim/real/sim-fs.ts) wires an in-memory file
 * system whose fsyncs complete on simulated time and whose crashes lose what was not synced.
 *
 * The calls mirror Node's `fs` (same names, arguments and errors: an Error with `code` ENOENT,
 * EEXIST, ENOSPC, EIO …), so the code above reads as it did. Synchronous calls are the ones that
 * only touch the page cache or metadata; the slow ones (fsync, and the background work of the
 * preallocator, the reaper and snapshot reads) return promises.
 */
import type { NodeRuntime } from '../node/runtime.js';

/** Open flags storage uses, with Node's meaning. */
export type OpenFlags = 'r' | 'r+' | 'w' | 'w+' | 'wx+';

/** What storage reads of a file's or directory's status. */
export interface FileStat {
  readonly size: number;
  isDirectory(): boolean;
}

/** The file-system calls storage makes. */
export interface StorageFs {
  openSync(path: string, flags: OpenFlags): number;
  closeSync(fd: number): void;
  fstatSync(fd: number): FileStat;
  ftruncateSync(fd: number, length: number): void;
  /** pwritev: returns the bytes written, which may be fewer than asked (then call again). */
  writevSync(fd: number, buffers: readonly Uint8Array[], position: number): number;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  /** fsync without leaving the thread, for the rare metadata write that must be durable before returning. */
  fsyncSync(fd: number): void;
  readFileSync(path: string): Buffer;
  writeFileSync(path: string, data: string | Uint8Array): void;
  truncateSync(path: string, length: number): void;
  readdirSync(path: string): string[];
  mkdirSync(path: string, options: { recursive: boolean }): void;
  existsSync(path: string): boolean;
  /** Undefined if nothing is at `path`. */
  statSync(path: string): FileStat | undefined;
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
  /** A hard link; EEXIST if `to` exists (atomic: the lock file rests on it). */
  linkSync(from: string, to: string): void;
  copyFileSync(from: string, to: string): void;
  rmSync(path: string, options: { force: boolean }): void;
  /** Free space, as statfs reports it. */
  statfsSync(path: string): { readonly bavail: number; readonly bsize: number };

  fsync(fd: number): Promise<void>;
  /** Data (and size) on stable storage. */
  fdatasync(fd: number): Promise<void>;
  open(path: string, flags: OpenFlags): Promise<number>;
  close(fd: number): Promise<void>;
  fstat(fd: number): Promise<FileStat>;
  ftruncate(fd: number, length: number): Promise<void>;
  /** pread: bytes read, 0 at the end of the file. */
  read(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  write(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  rm(path: string, options: { force: boolean }): Promise<void>;
}

/** Storage's clock, timers and randomness: the NodeRuntime's (src/core/node/runtime.ts), or a part of it. */
export type StorageClock = Pick<NodeRuntime, 'monoNow' | 'wallNow' | 'setTimeout' | 'random'>;

/** This process as the LOCK file sees it (lock-file.ts). */
export interface StorageProcess {
  /** This process's id, written into LOCK. */
  readonly pid: number;
  /** Whether the process `pid` may still hold files open (false only once it is known gone, a zombie counting as gone). */
  isAlive(pid: number): boolean;
}

/** Everything storage takes from outside. */
export interface StorageIo {
  readonly fs: StorageFs;
  readonly clock: StorageClock;
  readonly process: StorageProcess;
}

/** Waits `ms` milliseconds of the clock's time. */
export function sleep(clock: StorageClock, ms: number): Promise<void> {
  return new Promise((resolve) => {
    clock.setTimeout(resolve, ms);
  });
}
