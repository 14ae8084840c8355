/**
 * Reading one WAL segment back: the valid records, where the log ends, and — if something is
 * damaged — whether the damage can be the torn tail of a write that never finished.
 *
 * The writer starts every write with a mark record saying how many bytes of the segment an fsync
 * had already covered. So damage at offset X is provably in durable data exactly when some later
 * mark claims a synced offset beyond X: an fsync completed over X, and X changed afterwards. Any
 * other damage lies in bytes whose fsync never completed, which is what a crash leaves behind
 * (pages of an unfinished write reach the disk in any order), so valid-looking records after it
 * were never acknowledged either and are dropped with it.
 */
import { checkInvariant } from '../invariant.js';
import { MARK_RECORD_BYTES, RECORD_ALIGN, align, decodeRecord, markAt, type PayloadSlab, type WalRecord } from './record-codec.js';

/** Where a segment stops being valid, and whether that can be a torn tail. */
export interface SegmentDamage {
  /** First byte that is not part of a valid record. */
  readonly offset: number;
  readonly reason: string;
  /** A later mark proves an fsync covered `offset`: this is corruption, not a torn write. */
  readonly durable: boolean;
}

/** The result of scanning a segment: `records` are exactly the valid records before `end` (each decoded record moves the scan on within the image: checked). */
export interface SegmentScan {
  readonly records: WalRecord[];
  /** Byte offset of each record in `records`. */
  readonly offsets: number[];
  /** Offset just past the last valid record (its padding included): where the next write goes. */
  readonly end: number;
  readonly damage?: SegmentDamage;
}

/**
 * Scans a whole segment image. Zero bytes after the last record are free (preallocated) space,
 * not damage. Entry payloads are copied into `slab` if given, else they are views into `buf`. The first record must be the segment header and no other record may be one.
 */
export function scanSegment(buf: Buffer, slab?: PayloadSlab, options: { readonly unsafeSkipChecksums?: boolean } = {}): SegmentScan {
  const records: WalRecord[] = [];
  const offsets: number[] = [];
  let pos = 0;
  while (pos < buf.length) {
    if (isZero(buf, pos, Math.min(pos + 8, buf.length))) {
      const junk = firstNonZero(buf, pos);
      if (junk < 0) return { records, offsets, end: pos };
      return damaged(buf, records, offsets, pos, `non-zero bytes at offset ${junk} after the end of the log`);
    }
    const decoded = decodeRecord(buf, pos, slab, options.unsafeSkipChecksums !== true);
    if (!decoded.ok) return damaged(buf, records, offsets, pos, decoded.reason);
    const isHeader = decoded.record.kind === 'header';
    if (isHeader !== (records.length === 0)) {
      return damaged(buf, records, offsets, pos, isHeader ? 'a segment header in the middle of a segment' : 'the segment does not start with a header');
    }
    // Within the image but for the padding of the last record, which a torn write may have cut.
    checkInvariant(decoded.next > pos && decoded.next <= align(buf.length), 'segment-scan-records-before-end', () => `a ${decoded.record.kind} record at offset ${pos} ends at ${decoded.next} of ${buf.length} bytes`);
    records.push(decoded.record);
    offsets.push(pos);
    pos = decoded.next;
  }
  return { records, offsets, end: pos };
}

function damaged(buf: Buffer, records: WalRecord[], offsets: number[], offset: number, reason: string): SegmentScan {
  return { records, offsets, end: offset, damage: { offset, reason, durable: syncedBeyond(buf, offset) } };
}

/** Whether any mark after `offset` says an fsync had covered `offset`. */
function syncedBeyond(buf: Buffer, offset: number): boolean {
  for (let q = align(offset + 1); q + MARK_RECORD_BYTES <= buf.length; q += RECORD_ALIGN) {
    if (markAt(buf, q) > offset) return true;
  }
  return false;
}

function isZero(buf: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i] !== 0) return false;
  return true;
}

/** Offset of the first non-zero byte at or after `from`, or -1. Compares in chunks: tails can be 64 MiB of zeros. */
function firstNonZero(buf: Buffer, from: number): number {
  const chunk = 64 * 1024;
  const zeros = Buffer.alloc(chunk);
  for (let at = from; at < buf.length; at += chunk) {
    const end = Math.min(at + chunk, buf.length);
    if (buf.compare(zeros, 0, end - at, at, end) === 0) continue;
    for (let i = at; i < end; i++) if (buf[i] !== 0) return i;
  }
  return -1;
}

/** Offset of the last non-zero byte, or -1: how far the junk of a torn tail reaches into preallocated zeros. */
export function lastNonZero(buf: Buffer): number {
  const chunk = 64 * 1024;
  const zeros = Buffer.alloc(chunk);
  for (let end = buf.length; end > 0; end -= chunk) {
    const at = Math.max(0, end - chunk);
    if (buf.compare(zeros, 0, end - at, at, end) === 0) continue;
    for (let i = end - 1; i >= at; i--) if (buf[i] !== 0) return i;
  }
  return -1;
}
