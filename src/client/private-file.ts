/**
 * Files the client writes that hold the cluster's data (snapshots): readable by their owner
 * only, and written to a fresh name beside the target, never through a path someone else could
 * have planted (a symlink at `<file>.part` would otherwise redirect the write to its target).
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';

/** A new, private file beside `file`, to be renamed over it once complete. */
export async function openPartial(file: string): Promise<{ partial: string; handle: FileHandle }> {
  const partial = `${file}.part-${process.pid}-${randomBytes(4).toString('hex')}`;
  // O_EXCL: fails rather than open anything that already exists there, a symlink included.
  const handle = await open(partial, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  return { partial, handle };
}
