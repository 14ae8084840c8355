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
  readonly tornTailBytes: number;
  readonly truncatedAt?: { readonly file: string; readonly offset: number; readonly reason: string };
  /** Files removed: a last segment whose very header was torn. */
  readonly removed: string[];
}

/**
 * Scans and replays `files` in order. Entries at or below `coveredThrough` (the index of the
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
  files.forEach((file, i) => {
    const rel = path.join(WAL_DIR, file.name);
    const abs = path.join(dir, rel);
    const buf = fs.readFileSync(abs);
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
  return { log, segments, end, headerEnd, records, tornTailBytes, removed, ...(truncatedAt ? { truncatedAt } : {}) };
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
