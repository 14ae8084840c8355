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
import fs from 'node:fs';
import path from 'node:path';
import { StorageLockedError } from './errors.js';
import { isErrno, removeIfExists } from './fs-util.js';

/** Name of the lock file inside the storage directory. */
export const LOCK_FILE = 'LOCK';

/** A held lock. Invariant: while held, LOCK contains this process's pid and `token`. */
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
export function acquireLock(dir: string): DirLock {
  const lockPath = path.join(dir, LOCK_FILE);
  const token = `${process.pid} ${Date.now()} ${Math.random().toString(36).slice(2)}\n`;
  const tmp = path.join(dir, `${LOCK_FILE}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, token);
  try {
    let tookOverFrom: number | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      if (tryLink(tmp, lockPath)) return heldLock(lockPath, token, tookOverFrom);
      const holder = readHolder(lockPath);
      if (holder !== undefined && isAlive(holder)) throw new StorageLockedError(dir, holder);
      // Stale (or unreadable): its process is gone. Remove it and race for it again.
      tookOverFrom = holder;
      removeIfExists(lockPath);
    }
    throw new StorageLockedError(dir, readHolder(lockPath) ?? -1);
  } finally {
    removeIfExists(tmp);
  }
}

function heldLock(lockPath: string, token: string, tookOverFrom: number | undefined): DirLock {
  return {
    ...(tookOverFrom !== undefined ? { tookOverFrom } : {}),
    release() {
      try {
        if (fs.readFileSync(lockPath, 'utf8') === token) fs.unlinkSync(lockPath);
      } catch (err) {
        if (!isErrno(err, 'ENOENT')) throw err;
      }
    },
  };
}

function tryLink(from: string, to: string): boolean {
  try {
    fs.linkSync(from, to);
    return true;
  } catch (err) {
    if (isErrno(err, 'EEXIST')) return false;
    throw err;
  }
}

/** The pid in LOCK, or undefined if it is missing or unreadable. */
function readHolder(lockPath: string): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(lockPath, 'utf8').split(' ')[0] ?? '', 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
}

/**
 * Whether the process with this pid still runs (EPERM: it exists but belongs to someone else).
 * A zombie (`Z`, or `X` while it is being reaped) has exited and closed its files; only its
 * entry in the process table waits for its parent, so it holds nothing.
 */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return isErrno(err, 'EPERM');
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
