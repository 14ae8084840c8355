/**
 * Files that hold the cluster's data (snapshots, backups), written by the client and by members:
 * readable by their owner only, and written to a fresh name beside the target, never through a
 * path someone else could have planted (a symlink at a predictable `<file>.part` would otherwise
 * redirect the write to its target). One helper for both sides: src/common is below them.
 */
import { constants, statSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';

/**
 * A new, private (0600) file beside `file` — `<file>.part-<pid>-<random>` — to be renamed over
 * it once complete. The name cannot be guessed ahead, and the open fails rather than reuse
 * anything already there.
 */
export async function openPartial(file: string): Promise<{ partial: string; handle: FileHandle }> {
  const partial = `${file}.part-${process.pid}-${randomBytes(8).toString('hex')}`;
  // O_EXCL: fails rather than open anything that already exists there, a symlink included;
  // O_NOFOLLOW says so again for a kernel or file system that would not.
  const handle = await open(partial, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  return { partial, handle };
}

/**
 * Why `dir` may not hold private files, or undefined when it may. As ssh's StrictModes does: it
 * must be owned by this user (or root), and writable by nobody else — group or others, with the
 * sticky bit or not, since a sticky bit keeps others from removing or renaming our files but not
 * from creating their own under the names we read back (a planted newest backup). A directory
 * that does not exist yet has no problem (it is created 0700).
 */
export function sharedDirProblem(dir: string): string | undefined {
  const info = statSync(dir, { throwIfNoEntry: false });
  if (info === undefined) return undefined;
  if (!info.isDirectory()) return `${dir} is not a directory`;
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid && info.uid !== 0) return `${dir} is owned by uid ${info.uid}, not by this user (uid ${uid}), who could change what it holds: use a directory of your own`;
  const mode = info.mode & 0o7777;
  if ((mode & 0o022) === 0) return undefined;
  const who = (mode & 0o022) === 0o022 ? 'its group and other users' : mode & 0o002 ? 'other users' : 'its group';
  return `${dir} is writable by ${who} (mode ${mode.toString(8).padStart(4, '0')}), who could plant or replace files in it: chmod 700 ${dir}`;
}
