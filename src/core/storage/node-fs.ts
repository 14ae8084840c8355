/**
 * The storage port (fs-port.ts) wired to Node: the only file of src/core/storage that touches
 * `node:fs` or asks the operating system about processes (eslint.config.js keeps it so).
 * Callback-style calls are used where the work is slow (fsync, reads in the background) so the
 * event loop keeps running meanwhile.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import nodePath from 'node:path';
import { systemRuntime } from '../node/runtime.js';
import type { OpenFlags, StorageFs, StorageIo, StorageProcess } from './fs-port.js';

const { O_RDONLY, O_RDWR, O_WRONLY, O_CREAT, O_TRUNC, O_EXCL, O_APPEND, O_NOFOLLOW } = fs.constants;

/**
 * How a member keeps its files: directories it creates are 0700 and files 0600 (etcd's modes:
 * the log, snapshots and member logs hold the registry and its names), and a file it writes is
 * never reached through a symlink planted in its place (O_NOFOLLOW: the open fails with ELOOP).
 * Reads follow symlinks, so a data dir may itself be a symlink.
 */
export const PRIVATE_FILES = {
  dirMode: 0o700,
  fileMode: 0o600,
  /** Create or truncate, for writing, never through a symlink. */
  write: O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW,
  /** Create or append, never through a symlink. */
  append: O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW,
} as const;

/** Writes `data` to `path` whole, as a private file (0600, created or truncated, never through a symlink). */
/** Writes `file` whole and private (temp file, fsync, rename, directory fsync): it exists complete or not at all. */
export function writePrivateFileDurablySync(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp`;
  writePrivateFileSync(tmp, data);
  fsyncPath(tmp);
  fs.renameSync(tmp, file);
  fsyncPath(nodePath.dirname(file));
}

function fsyncPath(path: string): void {
  const fd = fs.openSync(path, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export function writePrivateFileSync(path: string, data: string | Uint8Array): void {
  const fd = fs.openSync(path, PRIVATE_FILES.write, PRIVATE_FILES.fileMode);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    for (let off = 0; off < bytes.length; ) off += fs.writeSync(fd, bytes, off, bytes.length - off);
  } finally {
    fs.closeSync(fd);
  }
}

/** The port's open flags as numbers, with O_NOFOLLOW on every one that writes. */
const OPEN_FLAGS: Readonly<Record<OpenFlags, number>> = {
  r: O_RDONLY,
  'r+': O_RDWR | O_NOFOLLOW,
  w: O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW,
  'w+': O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW,
  'wx+': O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW,
};

function callback<T>(run: (done: (err: NodeJS.ErrnoException | null, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => run((err, value) => (err ? reject(err) : resolve(value as T))));
}

/** Node's file system. */
export const nodeFs: StorageFs = {
  openSync: (p, flags) => fs.openSync(p, OPEN_FLAGS[flags], PRIVATE_FILES.fileMode),
  closeSync: (fd) => fs.closeSync(fd),
  fstatSync: (fd) => fs.fstatSync(fd),
  ftruncateSync: (fd, length) => fs.ftruncateSync(fd, length),
  writevSync: (fd, buffers, position) => fs.writevSync(fd, buffers as Uint8Array[], position),
  writeSync: (fd, buffer, offset, length, position) => fs.writeSync(fd, buffer, offset, length, position),
  fsyncSync: (fd) => fs.fsyncSync(fd),
  readFileSync: (p) => fs.readFileSync(p),
  writeFileSync: (p, data) => writePrivateFileSync(p, data),
  truncateSync: (p, length) => fs.truncateSync(p, length),
  readdirSync: (p) => fs.readdirSync(p),
  mkdirSync: (p, options) => {
    fs.mkdirSync(p, { ...options, mode: PRIVATE_FILES.dirMode });
  },
  existsSync: (p) => fs.existsSync(p),
  statSync: (p) => fs.statSync(p, { throwIfNoEntry: false }),
  renameSync: (from, to) => fs.renameSync(from, to),
  unlinkSync: (p) => fs.unlinkSync(p),
  linkSync: (from, to) => fs.linkSync(from, to),
  copyFileSync: (from, to) => fs.copyFileSync(from, to),
  rmSync: (p, options) => fs.rmSync(p, options),
  statfsSync: (p) => fs.statfsSync(p),

  fsync: (fd) => callback<void>((done) => fs.fsync(fd, done)),
  fdatasync: (fd) => callback<void>((done) => fs.fdatasync(fd, done)),
  open: (p, flags) => callback<number>((done) => fs.open(p, OPEN_FLAGS[flags], PRIVATE_FILES.fileMode, done)),
  close: (fd) => callback<void>((done) => fs.close(fd, done)),
  fstat: (fd) => callback<fs.Stats>((done) => fs.fstat(fd, done)),
  ftruncate: (fd, length) => callback<void>((done) => fs.ftruncate(fd, length, done)),
  read: (fd, buffer, offset, length, position) => callback<number>((done) => fs.read(fd, buffer, offset, length, position, done)),
  write: (fd, buffer, offset, length, position) => callback<number>((done) => fs.write(fd, buffer, offset, length, position, done)),
  rename: (from, to) => fsp.rename(from, to),
  unlink: (p) => fsp.unlink(p),
  rm: (p, options) => fsp.rm(p, options),
};

/**
 * Whether the process with this pid still runs (EPERM: it exists but belongs to someone else).
 * A zombie (`Z`, or `X` while it is being reaped) has exited and closed its files; only its
 * entry in the process table waits for its parent, so it holds nothing.
 */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  const state = linuxProcessState(pid);
  return state !== 'Z' && state !== 'X';
}

/** The state letter of /proc/<pid>/status (`R`, `S`, `Z`, …); undefined without /proc or once the process is gone. */
function linuxProcessState(pid: number): string | undefined {
  try {
    return /^State:\s+(\S)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/** This process, as the operating system knows it. */
export const nodeProcess: StorageProcess = { pid: process.pid, isAlive };

/** What production storage runs with: Node's file system, clock and processes. */
export const nodeStorageIo: StorageIo = { fs: nodeFs, clock: systemRuntime, process: nodeProcess };
