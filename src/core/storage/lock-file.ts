/**
 * The directory's `LOCK` file: the pid of the process that has the storage open. It keeps an
 * operator from starting a second member on the same directory, whose writes would interleave
 * with ours. The lock is advisory and judged by the pid: a lock whose process is gone (a crash,
 * SIGKILL) is stale and taken over.
 *
 * Why not a lock the kernel drops when its holder dies: Node exposes neither flock(2) nor
 * fcntl(F_SETLK) without a native addon, which a member should not need. The one such lock Node
 * can take, a Linux abstract-namespace Unix socket bound to a name derived from the directory,
 * belongs to a network namespace rather than to the file system (a second container or host on
 * the same volume would not see it), exists only on Linux and binds asynchronously. So the pid
 * it is — with the pitfall that a SIGKILLed holder stays a zombie until its parent reaps it
 * (over half a second when the parent is a busy init), which counts as dead here.
 */
import path from 'node:path';
import { checkInvariant } from '../invariant.js';
import { StorageLockedError } from './errors.js';
import type { StorageFs, StorageIo } from './fs-port.js';
import { isErrno, removeIfExists } from './fs-util.js';
import { nodeStorageIo } from './node-fs.js';

/** Name of the lock file inside the storage directory. */
export const LOCK_FILE = 'LOCK';

/** A held lock. While held, LOCK contains this process's pid and `token` (checked when it is taken). */
export interface DirLock {
  /** Pid of a dead process whose stale lock was taken over, if any. */
  readonly tookOverFrom?: number;
  /** Removes LOCK if it is still ours. */
  release(): void;
}

/**
 * Takes the lock or throws StorageLockedError if a live process holds it (this one included: a
 * second open in the same process would be just as harmful). The content is complete before
 * LOCK appears, because it is written to a temp file and hard-linked into place (link fails if
 * LOCK exists, atomically).
 */
export function acquireLock(dir: string, io: StorageIo = nodeStorageIo): DirLock {
  const { fs, clock, process: host } = io;
  const lockPath = path.join(dir, LOCK_FILE);
  const token = `${host.pid} ${clock.wallNow()} ${clock.random().toString(36).slice(2)}\n`;
  const tmp = lockTempFile(dir, host.pid);
  fs.writeFileSync(tmp, token);
  try {
    let tookOverFrom: number | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      if (tryLink(fs, tmp, lockPath)) {
        const held = fs.readFileSync(lockPath).toString('utf8');
        checkInvariant(held === token, 'lock-file-holds-token', () => `${lockPath} holds ${JSON.stringify(held)} just after it was linked from ${JSON.stringify(token)}`);
        return heldLock(fs, lockPath, token, tookOverFrom);
      }
      const holder = readHolder(fs, lockPath);
      if (holder !== undefined && host.isAlive(holder)) throw new StorageLockedError(dir, holder);
      // Stale (or unreadable): its process is gone. Remove it and race for it again.
      tookOverFrom = holder;
      removeIfExists(fs, lockPath);
    }
    throw new StorageLockedError(dir, readHolder(fs, lockPath) ?? -1);
  } finally {
    removeIfExists(fs, tmp);
  }
}

/** The temp file the process `pid` writes its token to before linking it into place as LOCK. */
export function lockTempFile(dir: string, pid: number): string {
  return path.join(dir, `${LOCK_FILE}.${pid}.tmp`);
}

/** The pid in LOCK, or undefined if it is missing or unreadable. */
export function readHolder(fs: StorageFs, lockPath: string): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(lockPath).toString('utf8').split(' ')[0] ?? '', 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
}

function heldLock(fs: StorageFs, lockPath: string, token: string, tookOverFrom: number | undefined): DirLock {
  return {
    ...(tookOverFrom !== undefined ? { tookOverFrom } : {}),
    release() {
      try {
        if (fs.readFileSync(lockPath).toString('utf8') === token) fs.unlinkSync(lockPath);
      } catch (err) {
        if (!isErrno(err, 'ENOENT')) throw err;
      }
    },
  };
}

function tryLink(fs: StorageFs, from: string, to: string): boolean {
  try {
    fs.linkSync(from, to);
    return true;
  } catch (err) {
    if (isErrno(err, 'EEXIST')) return false;
    throw err;
  }
}
