/**
 * Reading the WAL back at open: scan every segment, repair a torn tail of the last one, refuse
 * anything else that is damaged, and replay the records into the log.
 */
import path from 'node:path';
import { StorageCorruptionError, StorageLayoutError } from './errors.js';
import type { StorageFs } from './fs-port.js';
import { WAL_DIR, type SegmentFile } from './layout.js';
import type { StorageLogger } from './logger.js';
import { PayloadSlab, WAL_FORMAT_VERSION, segmentFormatVersion, type SegmentHeader } from './record-codec.js';
import { LogReplay } from './replay.js';
import { lastNonZero, scanSegment, type SegmentScan } from './segment-scan.js';
import { noteAppend, type SegmentState } from './wal-writer.js';

/** What the WAL held, and what recovery had to do to it. */
export interface WalRecovery {
  readonly log: LogReplay;
  /** Segments still on disk, oldest first, with their logical sizes. */
  readonly segments: SegmentState[];
  /** Where the next write goes in the last segment, and where its header ends. */
  readonly end: number;
  readonly headerEnd: number;
  readonly records: number;
  /** Segments left unread: the snapshot covers every entry in them (`firstSegmentToRead`). */
  readonly skipped: number;
  readonly tornTailBytes: number;
  readonly truncatedAt?: { readonly file: string; readonly offset: number; readonly reason: string };
  /** Files removed: a last segment whose very header was torn. */
  readonly removed: string[];
}

/**
 * Scans and replays `files` in order, from the first one the snapshot does not wholly cover
 * (`firstSegmentToRead`). Entries at or below `coveredThrough` (the index of the
 * snapshot the log will be reconciled with) are checked like any other but replayed without
 * their payloads. A damaged last segment is cut back to its last valid
 * record (deleted if even its header is torn) unless a later mark proves the damaged bytes had
 * been fsynced; damage anywhere else throws StorageCorruptionError.
 */
export function recoverWal(
  fs: StorageFs,
  dir: string,
  files: readonly SegmentFile[],
  logger: StorageLogger,
  options: { readonly coveredThrough?: number; readonly unsafeSkipChecksums?: boolean; readonly unsafeCutDamageAsTornTail?: boolean } = {},
): WalRecovery {
  const log = new LogReplay();
  const slab = new PayloadSlab(options.coveredThrough);
  const segments: SegmentState[] = [];
  const removed: string[] = [];
  let records = 0;
  let end = 0;
  let headerEnd = 0;
  let tornTailBytes = 0;
  let truncatedAt: WalRecovery['truncatedAt'];
  const lastFile = files[files.length - 1];
  const lastBuf = lastFile && fs.readFileSync(path.join(dir, WAL_DIR, lastFile.name));
  const first = firstSegmentToRead(files, options.coveredThrough ?? 0, lastBuf !== undefined && segmentFormatVersion(lastBuf) !== undefined);
  for (let i = 0; i < first; i++) segments.push(coveredSegment(fs, dir, files[i]!, files[i + 1]!.firstIndex - 1));
  files.forEach((file, i) => {
    if (i < first) return;
    const rel = path.join(WAL_DIR, file.name);
    const abs = path.join(dir, rel);
    const buf = file === lastFile ? (lastBuf as Buffer) : fs.readFileSync(abs);
    const version = segmentFormatVersion(buf);
    // Cut as a torn tail, a newer build's last segment would be deleted: refused, untouched.
    if (version !== undefined && version > WAL_FORMAT_VERSION) {
      throw new StorageLayoutError(dir, `${rel} is in WAL format ${version}, newer than this build reads (WAL format ${WAL_FORMAT_VERSION}): run the fleet that wrote it; nothing was changed`);
    }
    const scan = scanSegment(buf, slab, options);
    const isLast = i === files.length - 1;
    if (scan.damage) {
      const { offset, reason, durable } = scan.damage;
      if (!isLast) throw new StorageCorruptionError(rel, offset, `${reason} (in a segment that later segments follow)`);
      if (durable && options.unsafeCutDamageAsTornTail !== true) throw new StorageCorruptionError(rel, offset, `${reason}, and a later write in this segment shows it had been fsynced`);
      tornTailBytes = Math.max(0, lastNonZero(buf) + 1 - offset);
      truncatedAt = { file: rel, offset, reason };
      logger.warn('truncating a torn write at the tail of the WAL', { file: rel, offset, reason, bytes: tornTailBytes });
    } else if (scan.records.length === 0 && !isLast) {
      throw new StorageCorruptionError(rel, 0, 'the segment is empty but later segments follow');
    }
    if (scan.records.length === 0) {
      // Only possible for a segment whose creation never completed: nothing in it was ever acknowledged.
      fs.unlinkSync(abs);
      removed.push(rel);
      return;
    }
    if (scan.damage) fs.truncateSync(abs, scan.damage.offset);
    const state: SegmentState = { seq: file.seq, firstIndex: file.firstIndex, name: file.name, bytes: scan.end, maxIndex: 0 };
    segments.push(state);
    headerEnd = replaySegment(log, rel, file, scan, segments);
    records += scan.records.length;
    end = scan.end;
  });
  return { log, segments, end, headerEnd, records, skipped: first, tornTailBytes, removed, ...(truncatedAt ? { truncatedAt } : {}) };
}

/**
 * How many of the oldest segments recovery may leave unread: each holds only entries at or
 * below `coveredThrough` (a segment's entries all precede the next segment's first index: a
 * segment starts where the log ended when the one before it was sealed). The last is always
 * read, and so is the one before it unless the last has an intact header: a last segment whose
 * header was torn is removed, and the one before it is then the active one.
 * Nothing is lost by not reading them: the snapshot holds what they did, and a restart that
 * must fall back to an older snapshot reads them then (its index is lower).
 */
export function firstSegmentToRead(files: readonly SegmentFile[], coveredThrough: number, lastHasHeader: boolean): number {
  const readFrom = files.length - (lastHasHeader ? 1 : 2);
  let first = 0;
  while (first < readFrom && (files[first + 1] as SegmentFile).firstIndex - 1 <= coveredThrough) first++;
  return first;
}

/** The state of a segment left unread: its size on disk, and an upper bound on its entries' indexes. */
function coveredSegment(fs: StorageFs, dir: string, file: SegmentFile, maxIndex: number): SegmentState {
  const bytes = fs.statSync(path.join(dir, WAL_DIR, file.name))?.size ?? 0;
  return { seq: file.seq, firstIndex: file.firstIndex, name: file.name, bytes, maxIndex };
}

/** Replays one segment's records; returns where its header ends. */
function replaySegment(log: LogReplay, rel: string, file: SegmentFile, scan: SegmentScan, segments: SegmentState[]): number {
  const { records, offsets } = scan;
  const active = segments[segments.length - 1] as SegmentState;
  const first = records[0];
  if (first?.kind !== 'header') throw new StorageCorruptionError(rel, 0, 'the segment does not start with a header');
  checkHeader(rel, file, first.header);
  log.segment(rel, first.header);
  active.maxIndex = first.header.firstIndex - 1;
  for (let k = 1; k < records.length; k++) {
    const r = records[k];
    if (r?.kind === 'entry') {
      const truncates = r.entry.index <= log.lastIndex;
      log.entry(rel, offsets[k] ?? 0, r.entry);
      if (truncates) noteAppend(segments, r.entry.index, r.entry.index);
      else active.maxIndex = Math.max(active.maxIndex, r.entry.index);
    } else if (r?.kind === 'hard-state') {
      log.hardState = r.hardState;
    }
  }
  return offsets[1] ?? scan.end;
}

function checkHeader(rel: string, file: SegmentFile, h: SegmentHeader): void {
  if (h.seq !== file.seq || h.firstIndex !== file.firstIndex) {
    throw new StorageCorruptionError(rel, 0, `the header (segment ${h.seq}, first index ${h.firstIndex}) does not match the file name`);
  }
}
