/**
 * Backups: snapshot files (the format `fleet snapshot save` writes) kept in a directory of their
 * own, named `fleet-<UTC time>-i<index>.snap`, newest by time first.
 *
 * A backup appears only verified: it is copied to a hidden `.<name>.part-<pid>-<random>` (created
 * afresh, 0600, never through a planted symlink: src/common/private-file.ts), synced, restored into
 * a scratch member data dir beside it, and its state hash compared (below); only then is it
 * renamed into place. A backup that fails any step is removed and never replaces a good one:
 * pruning runs only after a success. A backup directory that others may write to is refused, as
 * ssh refuses such a ~/.ssh: they could plant a backup that restores. Shared by the member's
 * schedule (backup-schedule.ts) and `fleet backup`.
 *
 * The state hash is the SHA-256 of the snapshot's state image (the registry, and the
 * application's and etcd keyspace's images beside it). The registry's image is canonical (the same
 * state gives the same bytes on every member), so verification also decodes it and encodes it
 * again: a backup that restores to anything else than it holds is refused.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { openPartial, sharedDirProblem } from '../../../common/private-file.js';
import { splitImage } from '../../app-format.js';
import { FleetStateMachine, type RegistryCounts } from '../../fleet/index.js';
import { PRIVATE_FILES } from '../../storage/index.js';
import { SILENT, readSnapshot, restoreSnapshot } from './snapshot-offline.js';
import { openNodeStorage } from '../storage-adapter.js';

const BACKUP_NAME = /^fleet-(\d{8}T\d{9}Z)-i(\d+)\.snap$/;
/** `.part` alone is what releases before the random suffix left behind. */
const PART_NAME = /^\.fleet-.*\.snap\.part(-[0-9]+-[0-9a-f]+)?$/;
const SCRATCH_PREFIX = '.fleet-verify-';

/** One backup in a backup directory. */
export interface BackupFile {
  readonly name: string;
  readonly path: string;
  /** When it was taken (ISO 8601), from its name. */
  readonly takenAt: string;
  readonly index: number;
  readonly bytes: number;
}

/** A backup that restored into a scratch member and held what it claims. */
export interface VerifiedBackup {
  readonly path: string;
  readonly index: number;
  readonly term: number;
  readonly bytes: number;
  /** SHA-256 (hex) of the state image. */
  readonly stateHash: string;
  readonly counts: RegistryCounts;
}

/** A backup that did not verify, or a backup directory that cannot be used: the message says which file and why. */
export class BackupError extends Error {
  override readonly name = 'BackupError';
}

/** The file name of a backup taken at `at` of the state at `index`. */
export function backupName(at: Date, index: number): string {
  const stamp = at.toISOString().replace(/[-:.]/g, '');
  return `fleet-${stamp}-i${index}.snap`;
}

function takenAtOf(stamp: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z$/.exec(stamp)!;
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z`;
}

/**
 * The backups in `dir`, newest first, and the names of unfinished work (`.part` copies and
 * `.fleet-verify-*` scratch members a backup that was cut off left). Other files are left alone
 * and not listed.
 */
export async function listBackups(dir: string): Promise<{ backups: BackupFile[]; partial: string[] }> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new BackupError(code === 'ENOENT' ? `${dir} does not exist: no backup was taken there` : `cannot read the backup directory ${dir}: ${(err as Error).message}`, { cause: err });
  }
  const backups: BackupFile[] = [];
  for (const name of names) {
    const m = BACKUP_NAME.exec(name);
    if (m === null) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (info?.isFile()) backups.push({ name, path, takenAt: takenAtOf(m[1]!), index: Number(m[2]), bytes: info.size });
  }
  backups.sort((a, b) => b.takenAt.localeCompare(a.takenAt) || b.index - a.index);
  return { backups, partial: names.filter((n) => PART_NAME.test(n) || n.startsWith(SCRATCH_PREFIX)).sort() };
}

/**
 * Restores `file` into a scratch member data dir under `scratchParent` and checks that the
 * restored member holds exactly the file's state (its state hash), and that the registry's image
 * decodes and encodes again to the same bytes. Throws BackupError naming the file and the fault.
 */
export async function verifyBackup(file: string, scratchParent: string): Promise<VerifiedBackup> {
  let read: Awaited<ReturnType<typeof readSnapshot>>;
  try {
    read = await readSnapshot(file);
  } catch (err) {
    throw new BackupError((err as Error).message, { cause: err });
  }
  const stateHash = sha256(read.data);
  const restoredHash = await restoredStateHash(file, scratchParent);
  if (restoredHash !== stateHash) throw new BackupError(`${file}: restored, it holds state ${restoredHash.slice(0, 12)}, not the ${stateHash.slice(0, 12)} it was written with`);
  const registry = splitImage(read.data).registry;
  if (sha256(FleetStateMachine.restore(registry).snapshot()) !== sha256(registry)) {
    throw new BackupError(`${file}: its registry image does not encode again to the same bytes: the backup does not hold what it claims`);
  }
  const { contents } = read;
  return { path: file, index: contents.index, term: contents.term ?? 0, bytes: contents.fileBytes, stateHash, counts: contents.counts };
}

/** Seeds a scratch member with `file`, opens it as a member would, and hashes the state it recovers. */
async function restoredStateHash(file: string, scratchParent: string): Promise<string> {
  const scratch = await mkdtemp(join(scratchParent, SCRATCH_PREFIX));
  try {
    const dataDir = join(scratch, 'member');
    await restoreSnapshot(file, dataDir, 'verify');
    const storage = await openNodeStorage(dataDir, SILENT, () => undefined);
    try {
      const snapshot = storage.recovered.snapshot;
      if (snapshot === undefined) throw new BackupError(`${file}: restored, the member recovers no snapshot`);
      return sha256(await snapshot.data());
    } finally {
      await storage.close();
    }
  } catch (err) {
    if (err instanceof BackupError) throw err;
    throw new BackupError(`${file}: restoring it into a scratch member failed: ${(err as Error).message}`, { cause: err });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Copies the snapshot file `source` (of the state at `index`) into `dir` as a verified backup
 * taken at `at`. The backup appears whole and verified or not at all; on any failure the
 * unfinished copy is removed and the error (a BackupError, or the file system's) rethrown.
 */
export async function writeBackup(dir: string, source: string, index: number, at: Date): Promise<VerifiedBackup & { name: string }> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_FILES.dirMode });
  const shared = sharedDirProblem(dir);
  if (shared !== undefined) throw new BackupError(`refusing the backup directory: ${shared}`);
  const name = backupName(at, index);
  const { partial: part, handle } = await openPartial(join(dir, `.${name}`));
  try {
    try {
      for await (const chunk of createReadStream(source)) await handle.write(chunk as Buffer);
      await handle.sync();
    } finally {
      await handle.close();
    }
    const verified = await verifyBackup(part, dir);
    await rename(part, join(dir, name));
    await syncFile(dir);
    return { ...verified, path: join(dir, name), name };
  } catch (err) {
    await rm(part, { force: true });
    throw err;
  }
}

/**
 * Keeps the `keep` newest backups in `dir` and removes the rest, and unfinished copies older than
 * `partialAfterMs` (a write in progress is younger). Returns the names removed. A directory others
 * may write to is refused, as for writing: `keep` files planted there under newer names would
 * make it delete every real backup.
 */
export async function pruneBackups(dir: string, keep: number, partialAfterMs = 3_600_000): Promise<string[]> {
  const shared = sharedDirProblem(dir);
  if (shared !== undefined) throw new BackupError(`refusing to prune the backup directory: ${shared}`);
  const { backups, partial } = await listBackups(dir);
  const removed: string[] = [];
  for (const b of backups.slice(keep)) {
    await rm(b.path, { force: true });
    removed.push(b.name);
  }
  for (const name of partial) {
    const info = await stat(join(dir, name)).catch(() => undefined);
    if (info !== undefined && Date.now() - info.mtimeMs > partialAfterMs) {
      await rm(join(dir, name), { recursive: true, force: true });
      removed.push(name);
    }
  }
  if (removed.length > 0) await syncFile(dir);
  return removed;
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
