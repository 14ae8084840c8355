/**
 * Why the storage refused to open or to accept a write. Each class names what went wrong and
 * what an operator or caller should do next, so the message can be shown as is.
 */

/**
 * Durable data that was once valid no longer is: a bad record that is not the torn tail of the
 * last write, a damaged segment header, a gap in the log. Never thrown for a torn tail, which is
 * truncated and reported instead. Recovery stops: silently skipping data could lose acknowledged
 * writes or votes.
 */
export class StorageCorruptionError extends Error {
  override readonly name = 'StorageCorruptionError';

  constructor(
    /** The file, relative to the storage directory. */
    readonly file: string,
    /** Byte offset of the first bad byte in `file`. */
    readonly offset: number,
    /** What is wrong there, without advice. */
    readonly reason: string,
  ) {
    super(
      `storage corruption in ${file} at byte ${offset}: ${reason}. Data that was acknowledged as durable ` +
        `cannot be trusted, so this member will not start. Keep the directory for inspection, then re-seed ` +
        `this member from a healthy peer (remove it from the cluster, wipe or move its data directory, ` +
        `add it back) or restore it from a snapshot.`,
    );
  }
}

/** Another live process holds the directory's LOCK; two writers would interleave their logs. */
export class StorageLockedError extends Error {
  override readonly name = 'StorageLockedError';

  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(
      `storage directory ${dir} is locked by process ${pid}, which is still running. Stop that process ` +
        `first; if you are certain no fleet process uses this directory, delete ${dir}/LOCK.`,
    );
  }
}

/** The directory does not look like a storage directory (unknown files, a missing part). */
export class StorageLayoutError extends Error {
  override readonly name = 'StorageLayoutError';

  constructor(
    readonly dir: string,
    detail: string,
  ) {
    super(`${dir} is not a usable storage directory: ${detail}`);
  }
}

/** A caller broke the API contract (a gap in the log, an unsynced vote, ...). The storage is unaffected. */
export class StorageUsageError extends Error {
  override readonly name = 'StorageUsageError';
}

/** The storage was closed; nothing more can be written through this instance. */
export class StorageClosedError extends Error {
  override readonly name = 'StorageClosedError';

  constructor() {
    super('the storage is closed');
  }
}

/**
 * A write or fsync failed. After a failed fsync the kernel may have dropped the dirty pages, so
 * what is on disk is unknown: the instance refuses every later write and the process must
 * reopen the directory (recovery re-reads what is really there).
 */
export class StorageFailedError extends Error {
  override readonly name = 'StorageFailedError';

  constructor(options: { cause: unknown }) {
    super(
      `a disk write or fsync failed (${describeCause(options.cause)}); this storage instance refuses ` +
        `further writes. Restart the member so it recovers from what is on disk.`,
      options,
    );
  }
}

/**
 * The file system is full (ENOSPC) or the user's quota is spent (EDQUOT) where the storage had to
 * write: opening it (the member can start once there is space), or appending to the log (`held`:
 * the write was taken back and waits, unacknowledged, until there is space; see WalWriter).
 */
export class StorageFullError extends Error {
  override readonly name = 'StorageFullError';

  constructor(
    /** The file (absolute) that could not be written. */
    readonly file: string,
    options: { cause: NodeJS.ErrnoException; held?: boolean },
  ) {
    const what = options.cause.code === 'EDQUOT' ? 'disk quota exceeded' : 'no space left on device';
    const next = options.held ? 'writes are held until space is freed on that file system' : 'free space on that file system and restart';
    super(`${what} writing ${file}: ${next}`, { cause: options.cause });
  }
}

/** Whether `err` says the file system (or the quota) is full. */
export function isDiskFull(err: unknown): err is NodeJS.ErrnoException {
  const code = err instanceof Error ? (err as NodeJS.ErrnoException).code : undefined;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

function describeCause(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
