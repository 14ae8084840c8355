/**
 * Protocol-aware repair, the storage's part (Alagappan et al., "Protocol-Aware Recovery for
 * Consensus-Based Storage", FAST 2018). When durable data fails its checks — a bad record before
 * the log's tail, a damaged segment header, a hole in the log — a storage opened with
 * `onDamage: 'repair'` does not refuse to start. It keeps the valid log before the damage, sets
 * the damaged segment and every later one aside in damaged/ (copied, never deleted: an operator
 * may want them), and records that the member is repairing in REPAIRING. The Raft core then
 * keeps the member out of elections and out of commit counting until the leader has given it
 * back everything it may have lost (raft.ts, InitialState.repairing).
 *
 * REPAIRING is written, durably, before anything is cut, and removed only once the core says
 * the repair is done: a member that crashes while repairing restarts repairing.
 */
import path from 'node:path';
import type { StorageCorruptionError } from './errors.js';
import type { StorageFs } from './fs-port.js';
import { DAMAGED_DIR, REPAIR_MARKER, WAL_DIR, type SegmentFile } from './layout.js';
import type { StorageLogger } from './logger.js';

/** What a repair found; kept in REPAIRING until the repair is done. */
export interface RepairInfo {
  /** The damaged file, relative to the storage directory. */
  readonly file: string;
  /** First bad byte in `file`. */
  readonly offset: number;
  readonly reason: string;
  /** When the damage was found (ISO 8601; 'unknown' if the marker was torn). */
  readonly since: string;
  /** Files set aside in damaged/, relative to the storage directory. */
  readonly setAside: readonly string[];
  /**
   * The damage took the hard state's newest records and its copy was damaged too
   * (hard-state-copy.ts): the vote this member cast last is unknown.
   */
  readonly hardStateLost?: boolean;
}

/** The repair under way in `dir`, if any. A marker that cannot be read still means repairing. */
export function readRepairMarker(fs: StorageFs, dir: string): RepairInfo | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, REPAIR_MARKER)).toString('utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return JSON.parse(text) as RepairInfo;
  } catch {
    // Torn by a crash while it was written: the cut it announces may have happened.
    return { file: REPAIR_MARKER, offset: 0, reason: 'the repair marker itself is unreadable', since: 'unknown', setAside: [] };
  }
}

/**
 * Cuts the WAL at the damage `err` names: that segment is copied to damaged/ and truncated to
 * its valid records (set aside whole if its header is bad), every later segment is moved there.
 * Writes REPAIRING first. Returns the segments left and what was done.
 */
export function cutDamagedWal(
  fs: StorageFs,
  dir: string,
  segments: readonly SegmentFile[],
  err: StorageCorruptionError,
  opts: { readonly logger: StorageLogger; readonly now: string },
): { segments: SegmentFile[]; info: RepairInfo } {
  const at = segments.findIndex((s) => path.join(WAL_DIR, s.name) === err.file);
  // Damage outside the segments (a hole before the first one): the whole WAL goes.
  const from = at < 0 ? 0 : at;
  const keepPart = at >= 0 && err.offset > 0;
  const moved = segments.slice(keepPart ? from + 1 : from);
  const setAside = [...(keepPart ? [copyName(segments[from] as SegmentFile)] : []), ...moved.map((s) => path.join(DAMAGED_DIR, s.name))];
  const info: RepairInfo = { file: err.file, offset: err.offset, reason: err.reason, since: opts.now, setAside };
  writeRepairMarker(fs, dir, info);
  const damagedDir = path.join(dir, DAMAGED_DIR);
  fs.mkdirSync(damagedDir, { recursive: true });
  if (keepPart) {
    const seg = segments[from] as SegmentFile;
    const abs = path.join(dir, WAL_DIR, seg.name);
    fs.copyFileSync(abs, path.join(dir, copyName(seg)));
    fsyncFile(fs, path.join(dir, copyName(seg)));
    fs.truncateSync(abs, err.offset);
    fsyncFile(fs, abs);
  }
  for (const s of moved) fs.renameSync(path.join(dir, WAL_DIR, s.name), path.join(damagedDir, s.name));
  fsyncFile(fs, damagedDir);
  fsyncFile(fs, path.join(dir, WAL_DIR));
  opts.logger.warn('damaged log data set aside: this member repairs its log from its peers before it votes again', { ...info });
  return { segments: segments.slice(0, keepPart ? from + 1 : from), info };
}

/** Ends a repair: REPAIRING goes (damaged/ stays for the operator). */
export function removeRepairMarker(fs: StorageFs, dir: string): void {
  fs.rmSync(path.join(dir, REPAIR_MARKER), { force: true });
  fsyncFile(fs, dir);
}

function copyName(seg: SegmentFile): string {
  return path.join(DAMAGED_DIR, `${seg.name}.before-repair`);
}

/** Writes the marker whole (temp file, fsync, rename, directory fsync). */
export function writeRepairMarker(fs: StorageFs, dir: string, info: RepairInfo): void {
  const file = path.join(dir, REPAIR_MARKER);
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(info)}\n`);
  fsyncFile(fs, tmp);
  fs.renameSync(tmp, file);
  fsyncFile(fs, dir);
}

function fsyncFile(fs: StorageFs, file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
