/**
 * The storage directory:
 *
 *   LOCK                                   pid of the process that has it open (lock-file.ts)
 *   HARDSTATE                              the hard state's second copy (hard-state-copy.ts)
 *   wal/<seq>-<firstIndex>.wal             WAL segments, both numbers zero-padded to 16 digits
 *   wal/next.wal.tmp                       the next segment, being preallocated
 *   snap/<term>-<index>.snap               snapshots (snapshot-file.ts)
 *   snap/<term>-<index>.snap.tmp           a snapshot being written
 *   snap/<term>-<index>.snap.corrupt       a snapshot that failed its checks, kept for inspection
 *   wal/*.deleting, snap/*.deleting        obsolete files being deleted in the background (file-reaper.ts)
 *
 * Anything else is refused rather than ignored: pointing a member at the wrong directory must
 * fail loudly, not start a fresh log next to someone's files.
 */
import path from 'node:path';
import { StorageCorruptionError, StorageLayoutError } from './errors.js';
import { DELETING_SUFFIX } from './file-reaper.js';
import { HARD_STATE_FILE, readHardStateCopy } from './hard-state-copy.js';
import type { StorageFs } from './fs-port.js';
import { isErrno } from './fs-util.js';
import { LOCK_FILE } from './lock-file.js';
import { pad16, parseSnapshotFileName } from './snapshot-file.js';

/** Subdirectory of WAL segments. */
export const WAL_DIR = 'wal';
/** Subdirectory of snapshots. */
export const SNAP_DIR = 'snap';
/** Present while the member repairs a damaged log from its peers (repair.ts). */
export const REPAIR_MARKER = 'REPAIRING';
/** Damaged segments set aside by a repair, kept for the operator. */
export const DAMAGED_DIR = 'damaged';
/** The segment being preallocated; only ever renamed into place once complete. */
export const NEXT_SEGMENT_TMP = 'next.wal.tmp';
const SEGMENT_PATTERN = /^(\d{16})-(\d{16})\.wal$/;

/** A segment file found on disk. */
export interface SegmentFile {
  readonly seq: number;
  readonly firstIndex: number;
  /** File name inside wal/. */
  readonly name: string;
}

/** A snapshot file found on disk. */
export interface SnapshotFile {
  readonly term: number;
  readonly index: number;
  /** File name inside snap/. */
  readonly name: string;
}

/**
 * What is in a storage directory: `segments` in seq order with no gap (a gap on disk is refused as
 * StorageCorruptionError in `readSegments`: damage, not a bug), `snapshots` in index order (sorted as read).
 */
export interface StorageLayout {
  readonly segments: SegmentFile[];
  readonly snapshots: SnapshotFile[];
  /** Leftover temp files (relative to the directory) that are safe to delete. */
  readonly leftovers: string[];
  /** Obsolete files (relative to the directory) whose background deletion did not finish. */
  readonly deleting: string[];
}

/** The file name of a segment. */
export function segmentFileName(seq: number, firstIndex: number): string {
  return `${pad16(seq)}-${pad16(firstIndex)}.wal`;
}

/**
 * Creates the directory and its parts if it is new. Call before taking the lock. Returns true
 * if no log was ever written there (a new directory, or one whose creation was interrupted).
 */
export function ensureStorageDir(fs: StorageFs, dir: string): boolean {
  fs.mkdirSync(dir, { recursive: true });
  const entries = fs.readdirSync(dir).filter((e) => e !== LOCK_FILE && !isLockTemp(e));
  // New, or a crash interrupted the creation below: nothing was ever written to the WAL.
  // A copy of term 0 is written before the first segment: a crash between them left nothing else.
  const blankCopy = (): boolean => {
    const copy = readHardStateCopy(fs, dir);
    return copy.kind === 'ok' && copy.hardState.term === 0 && copy.hardState.vote === '';
  };
  const fresh = entries.every((e) => e === WAL_DIR || e === SNAP_DIR || (e === HARD_STATE_FILE && blankCopy())) && isEmptyDir(fs, path.join(dir, WAL_DIR));
  if (fresh) {
    fs.mkdirSync(path.join(dir, WAL_DIR), { recursive: true });
    fs.mkdirSync(path.join(dir, SNAP_DIR), { recursive: true });
  }
  return fresh;
}

/** Whether `dir` holds a log: a WAL segment or a snapshot. Creates and changes nothing. */
export function holdsLog(fs: StorageFs, dir: string): boolean {
  const any = (sub: string, test: (name: string) => boolean): boolean => {
    try {
      return fs.readdirSync(path.join(dir, sub)).some(test);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return false;
      throw err;
    }
  };
  return (
    fs.existsSync(path.join(dir, REPAIR_MARKER)) || any(WAL_DIR, (n) => SEGMENT_PATTERN.test(n)) || any(SNAP_DIR, (n) => parseSnapshotFileName(n) !== undefined)
  );
}

function isEmptyDir(fs: StorageFs, dir: string): boolean {
  try {
    return fs.readdirSync(dir).length === 0;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return true;
    throw err;
  }
}

const KNOWN_ENTRIES = new Set([LOCK_FILE, WAL_DIR, SNAP_DIR, REPAIR_MARKER, `${REPAIR_MARKER}.tmp`, DAMAGED_DIR, HARD_STATE_FILE]);

/** Reads and validates the layout. Throws StorageLayoutError or, for a missing segment, StorageCorruptionError. */
export function readLayout(fs: StorageFs, dir: string): StorageLayout {
  for (const e of fs.readdirSync(dir)) {
    if (!KNOWN_ENTRIES.has(e) && !isLockTemp(e)) {
      throw new StorageLayoutError(dir, `unexpected entry "${e}" (give the storage a directory of its own)`);
    }
  }
  for (const sub of [WAL_DIR, SNAP_DIR]) {
    if (!fs.statSync(path.join(dir, sub))?.isDirectory()) {
      throw new StorageLayoutError(dir, `${sub}/ is missing; it is never removed by fleet, so the directory was damaged or is not a storage directory`);
    }
  }
  const leftovers: string[] = [];
  const deleting: string[] = [];
  const segments = readSegments(fs, dir, leftovers, deleting);
  const snapshots = readSnapshots(fs, dir, leftovers, deleting);
  // A repair may have set the whole WAL aside; the member learns term and log from the leader.
  if (segments.length === 0 && snapshots.length > 0 && !fs.existsSync(path.join(dir, REPAIR_MARKER))) {
    throw new StorageLayoutError(
      dir,
      'snapshots exist but the WAL is empty, so the member\'s term and vote are lost; re-seed this member from a peer',
    );
  }
  return { segments, snapshots, leftovers, deleting };
}

/** The segment files in wal/, in sequence order, unchecked (a repair cuts at a gap among them). */
export function listSegmentFiles(fs: StorageFs, dir: string): SegmentFile[] {
  return fs
    .readdirSync(path.join(dir, WAL_DIR))
    .map((name) => ({ name, m: SEGMENT_PATTERN.exec(name) }))
    .filter((f): f is { name: string; m: RegExpExecArray } => f.m !== null)
    .map(({ name, m }) => ({ seq: Number(m[1]), firstIndex: Number(m[2]), name }))
    .sort((a, b) => a.seq - b.seq);
}

function readSegments(fs: StorageFs, dir: string, leftovers: string[], deleting: string[]): SegmentFile[] {
  const segments: SegmentFile[] = [];
  for (const name of fs.readdirSync(path.join(dir, WAL_DIR))) {
    const m = SEGMENT_PATTERN.exec(name);
    if (m) segments.push({ seq: Number(m[1]), firstIndex: Number(m[2]), name });
    else if (name === NEXT_SEGMENT_TMP) leftovers.push(path.join(WAL_DIR, name));
    else if (name.endsWith(DELETING_SUFFIX)) deleting.push(path.join(WAL_DIR, name));
    else throw new StorageLayoutError(dir, `unexpected file ${WAL_DIR}/${name}`);
  }
  segments.sort((a, b) => a.seq - b.seq);
  for (let i = 1; i < segments.length; i++) {
    const prev = segments[i - 1] as SegmentFile;
    const seg = segments[i] as SegmentFile;
    if (seg.seq !== prev.seq + 1) {
      const what = seg.seq === prev.seq ? `has the same sequence number as ${prev.name}` : `follows ${prev.name}: segments in between are missing`;
      throw new StorageCorruptionError(path.join(WAL_DIR, seg.name), 0, `the segment ${what}`);
    }
  }
  return segments;
}

function readSnapshots(fs: StorageFs, dir: string, leftovers: string[], deleting: string[]): SnapshotFile[] {
  const snapshots: SnapshotFile[] = [];
  for (const name of fs.readdirSync(path.join(dir, SNAP_DIR))) {
    const parsed = parseSnapshotFileName(name);
    if (parsed) snapshots.push({ ...parsed, name });
    else if (name.endsWith('.snap.tmp')) leftovers.push(path.join(SNAP_DIR, name));
    else if (name.endsWith(DELETING_SUFFIX)) deleting.push(path.join(SNAP_DIR, name));
    else if (!name.endsWith('.snap.corrupt')) throw new StorageLayoutError(dir, `unexpected file ${SNAP_DIR}/${name}`);
  }
  return snapshots.sort((a, b) => a.index - b.index || a.term - b.term);
}

function isLockTemp(name: string): boolean {
  return name.startsWith(`${LOCK_FILE}.`) && name.endsWith('.tmp');
}
