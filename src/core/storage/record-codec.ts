/**
 * The write-ahead log's record format. Every record is framed the same way so that a reader can
 * tell a complete record from a torn or damaged one without trusting anything else:
 *
 *   offset 0  u32  CRC-32 (zlib) of bytes [4, 8 + length)  — covers the length and the body
 *   offset 4  u32  length of the body (≥ 1)
 *   offset 8  u8   record type, then the type's payload (length − 1 bytes)
 *   then zero padding up to the next multiple of 8
 *
 * Payloads by type (after the type byte):
 *
 *   1 header      u32 magic "FWAL", u32 version, u64 seq, u64 firstIndex, u64 prevTerm,
 *                 u32 flags (bit 0: reset), then a hard state
 *   2 entry       u64 term, u64 index, u8 type (0 normal, 1 conf-change, 2 noop), data
 *   3 hard state  u64 term, u64 commit, vote (UTF-8, the rest of the body)
 *   4 mark        u32 magic "MARK", u64 syncedOffset
 *
 * Integers are little-endian; u64 values are JS safe integers stored as two u32 halves. An
 * all-zero header is never a record: it marks free (preallocated) space after the last record.
 * Records start 8-aligned so that recovery can look for sync marks past a damaged record cheaply.
 */
import { crc32 } from 'node:zlib';
import type { Entry, EntryType, HardState } from '../raft/types.js';
import { checkInvariant } from '../invariant.js';

/** Record type tags. Values are part of the on-disk format: never renumber. */
export const RecordType = {
  /** First record of every segment; see SegmentHeader. */
  header: 1,
  entry: 2,
  hardState: 3,
  /** Starts every write; carries how much of the segment was already durable (see WalRecord). */
  mark: 4,
} as const;

/** Bytes of the frame before the body's type byte. */
export const FRAME_BYTES = 8;
/** Records start at multiples of this. */
export const RECORD_ALIGN = 8;
/** Largest entry payload accepted: keeps one record well inside one buffer and recovery bounded. */
export const MAX_ENTRY_DATA_BYTES = 64 * 1024 * 1024;
/** The WAL format version written into every segment header. */
export const WAL_FORMAT_VERSION = 1;

const HEADER_MAGIC = 0x4c415746; // "FWAL"
const MARK_MAGIC = 0x4b52414d; // "MARK"
const MARK_BODY_BYTES = 1 + 4 + 8;
/** Size of an encoded mark record, padding included. */
export const MARK_RECORD_BYTES = align(FRAME_BYTES + MARK_BODY_BYTES);
const MAX_BODY_BYTES = MAX_ENTRY_DATA_BYTES + 64;
const ENTRY_TYPES: readonly EntryType[] = ['normal', 'conf-change', 'noop'];

/**
 * What a segment starts from. `firstIndex − 1` and `prevTerm` name the entry the segment's log
 * continues from; `hardState` is the hard state when the segment was opened, so deleting older
 * segments never loses the latest vote. With `reset`, the log before the segment is discarded
 * (a follower installed a snapshot at `firstIndex − 1`).
 */
export interface SegmentHeader {
  readonly seq: number;
  readonly firstIndex: number;
  readonly prevTerm: number;
  readonly reset: boolean;
  readonly hardState: HardState;
}

/** One decoded record. A `mark` says: bytes [0, syncedOffset) of this segment were fsynced before this write. */
export type WalRecord =
  | { readonly kind: 'header'; readonly header: SegmentHeader }
  | { readonly kind: 'entry'; readonly entry: Entry }
  | { readonly kind: 'hard-state'; readonly hardState: HardState }
  | { readonly kind: 'mark'; readonly syncedOffset: number };

/** Rounds `n` up to the record alignment. */
export function align(n: number): number {
  return Math.ceil(n / RECORD_ALIGN) * RECORD_ALIGN;
}

/** The encoded size of an entry record, padding included: lets callers size buffers exactly. */
export function entryRecordBytes(dataBytes: number): number {
  return align(FRAME_BYTES + 18 + dataBytes);
}

/**
 * A growable byte arena that records are encoded into back to back. Bytes [0, length) are whole,
 * padded records (only whole records are consumed: checked); the arena is reused, so only that
 * range is meaningful.
 */
export class RecordEncoder {
  private buf: Buffer;
  private used = 0;

  constructor(private readonly initialBytes = 1 << 20) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Bytes of encoded records waiting in the arena. */
  get length(): number {
    return this.used;
  }

  /** A view of the encoded records; valid until the next encode or consume. */
  view(end = this.used): Buffer {
    return this.buf.subarray(0, end);
  }

  /** Drops the first `n` bytes (already written), keeping what was encoded after them. */
  consume(n: number): void {
    checkInvariant(n >= 0 && n <= this.used && n % RECORD_ALIGN === 0, 'record-arena-whole-records', () => `consume ${n} bytes of ${this.used}`);
    this.buf.copyWithin(0, n, this.used);
    this.used -= n;
    // Give back what a burst grew the arena to, once it is empty.
    if (this.used === 0 && this.buf.length > this.initialBytes * 16) this.buf = Buffer.allocUnsafe(this.initialBytes);
  }

  /** Appends an entry record. The caller has validated the entry (type, safe integers). */
  entry(e: Entry): void {
    const typeCode = ENTRY_TYPES.indexOf(e.type);
    const o = this.begin(RecordType.entry, 17 + e.data.length);
    writeU64(this.buf, o, e.term);
    writeU64(this.buf, o + 8, e.index);
    this.buf[o + 16] = typeCode;
    this.buf.set(e.data, o + 17);
    this.finish(o);
  }

  /** Appends a hard state record. */
  hardState(hs: HardState): void {
    const voteBytes = Buffer.byteLength(hs.vote);
    const o = this.begin(RecordType.hardState, 16 + voteBytes);
    writeHardState(this.buf, o, hs);
    this.finish(o);
  }

  /** Appends a segment header; it must be the first record of its segment. */
  header(h: SegmentHeader): void {
    const voteBytes = Buffer.byteLength(h.hardState.vote);
    const o = this.begin(RecordType.header, 36 + 16 + voteBytes);
    this.buf.writeUInt32LE(HEADER_MAGIC, o);
    this.buf.writeUInt32LE(WAL_FORMAT_VERSION, o + 4);
    writeU64(this.buf, o + 8, h.seq);
    writeU64(this.buf, o + 16, h.firstIndex);
    writeU64(this.buf, o + 24, h.prevTerm);
    this.buf.writeUInt32LE(h.reset ? 1 : 0, o + 32);
    writeHardState(this.buf, o + 36, h.hardState);
    this.finish(o);
  }

  /** Appends a mark: the first record of every write, saying how much of the segment was already durable. */
  mark(syncedOffset: number): void {
    const o = this.begin(RecordType.mark, MARK_BODY_BYTES - 1);
    this.buf.writeUInt32LE(MARK_MAGIC, o);
    writeU64(this.buf, o + 4, syncedOffset);
    this.finish(o);
  }

  /** Reserves a frame for a body of 1 + payloadBytes; returns where the payload starts. */
  private begin(type: number, payloadBytes: number): number {
    const start = this.used;
    const bodyBytes = 1 + payloadBytes;
    const total = align(FRAME_BYTES + bodyBytes);
    this.ensure(start + total);
    this.buf.writeUInt32LE(bodyBytes, start + 4);
    this.buf[start + 8] = type;
    // Zero the padding now: the arena is reused and stale bytes must never reach the disk.
    this.buf.fill(0, start + FRAME_BYTES + bodyBytes, start + total);
    this.used = start + total;
    return start + 9;
  }

  /** Seals the record whose payload starts at `payloadStart` with its checksum. */
  private finish(payloadStart: number): void {
    const start = payloadStart - 9;
    const bodyBytes = this.buf.readUInt32LE(start + 4);
    this.buf.writeUInt32LE(crc32(this.buf.subarray(start + 4, start + FRAME_BYTES + bodyBytes)), start);
  }

  private ensure(bytes: number): void {
    if (bytes <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < bytes) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.used);
    this.buf = next;
  }
}

/** Recovered payloads are packed into chunks of at most this size. */
const PAYLOAD_CHUNK_BYTES = 4 << 20;

/** The payload of an entry recovery does not keep: the snapshot already holds what it did. */
const COVERED_PAYLOAD = new Uint8Array(0);

/**
 * Where decoded entry payloads are copied: a few large chunks instead of one allocation per
 * entry (which costs more than the rest of recovery, mostly in GC), and the segment image they
 * came from can be freed. Chunks are small enough to be released as the log is compacted.
 * Entries at or below `coveredThrough` (the snapshot's index) keep no payload: recovery drops
 * them once it has checked the log's shape, and copying them was most of a restart's WAL time.
 */
export class PayloadSlab {
  private chunk = new Uint8Array(0);
  private used = 0;

  constructor(private readonly coveredThrough = 0) {}

  /** The payload of entry `index`, src[start, end): a copy, or nothing if the snapshot covers the entry. */
  payloadOf(index: number, src: Buffer, start: number, end: number): Uint8Array {
    return index <= this.coveredThrough ? COVERED_PAYLOAD : this.copy(src, start, end);
  }

  /** Copies src[start, end) and returns the copy. */
  copy(src: Buffer, start: number, end: number): Uint8Array {
    const n = end - start;
    if (this.used + n > this.chunk.length) {
      // The rest of the image bounds what is still to come: no 4 MiB chunk for a small log.
      this.chunk = new Uint8Array(Math.max(n, Math.min(PAYLOAD_CHUNK_BYTES, src.length - start)));
      this.used = 0;
    }
    // Buffer#copy takes a slow JS path for small copies; set() from a plain view is a memcpy.
    this.chunk.set(new Uint8Array(src.buffer, src.byteOffset + start, n), this.used);
    const view = new Uint8Array(this.chunk.buffer, this.used, n);
    this.used += n;
    return view;
  }
}

/** The outcome of decoding at one offset: a record and where the next one starts, or why not. */
export type DecodeResult =
  | { readonly ok: true; readonly record: WalRecord; readonly next: number }
  | { readonly ok: false; readonly reason: string };

/**
 * Decodes the record at `pos`. Never throws: any damage (short file, bad length, checksum
 * mismatch, malformed payload) comes back as a reason, and the caller decides whether it is a
 * torn tail or corruption. Entry data goes into `slab` if given, else it is a view into `buf`.
 * `verifyChecksum: false` is a deliberate bug for tests (the simulator's skip-checksum-verification).
 */
export function decodeRecord(buf: Buffer, pos: number, slab?: PayloadSlab, verifyChecksum = true): DecodeResult {
  if (pos + FRAME_BYTES > buf.length) return { ok: false, reason: 'the file ends inside a record header' };
  const bodyBytes = buf.readUInt32LE(pos + 4);
  if (bodyBytes < 1 || bodyBytes > MAX_BODY_BYTES) return { ok: false, reason: `implausible record length ${bodyBytes}` };
  const end = pos + FRAME_BYTES + bodyBytes;
  if (end > buf.length) return { ok: false, reason: `the file ends inside a record of ${bodyBytes} bytes` };
  // A plain Uint8Array view: Buffer#subarray builds a FastBuffer, measurably slower per record.
  if (verifyChecksum && crc32(new Uint8Array(buf.buffer, buf.byteOffset + pos + 4, bodyBytes + 4)) !== buf.readUInt32LE(pos)) {
    return { ok: false, reason: 'checksum mismatch' };
  }
  const record = decodeBody(buf, buf[pos + 8], pos + 9, end, slab);
  if (typeof record === 'string') return { ok: false, reason: record };
  return { ok: true, record, next: align(end) };
}

/**
 * The format version a segment's header claims, when the segment starts with an intact header
 * record (checksum and magic right), whatever the version; else undefined. Recovery asks first:
 * a newer build's segment is not damage to cut away but a log this build must not touch.
 */
export function segmentFormatVersion(buf: Buffer): number | undefined {
  if (buf.length < FRAME_BYTES + 9 || buf[8] !== RecordType.header) return undefined;
  const bodyBytes = buf.readUInt32LE(4);
  if (bodyBytes < 9 || FRAME_BYTES + bodyBytes > buf.length) return undefined;
  if (crc32(new Uint8Array(buf.buffer, buf.byteOffset + 4, bodyBytes + 4)) !== buf.readUInt32LE(0)) return undefined;
  return buf.readUInt32LE(9) === HEADER_MAGIC ? buf.readUInt32LE(13) : undefined;
}

/** True if a valid mark record starts at `pos`; returns its synced offset, else -1. Cheap on non-marks. */
export function markAt(buf: Buffer, pos: number): number {
  if (pos + MARK_RECORD_BYTES > buf.length) return -1;
  if (buf.readUInt32LE(pos + 4) !== MARK_BODY_BYTES || buf[pos + 8] !== RecordType.mark) return -1;
  const decoded = decodeRecord(buf, pos);
  return decoded.ok && decoded.record.kind === 'mark' ? decoded.record.syncedOffset : -1;
}

function decodeBody(buf: Buffer, type: number, o: number, end: number, slab: PayloadSlab | undefined): WalRecord | string {
  const payload = end - o;
  switch (type) {
    case RecordType.entry: {
      if (payload < 17) return 'malformed entry record';
      const entryType = ENTRY_TYPES[buf[o + 16]];
      const term = readU64(buf, o);
      const index = readU64(buf, o + 8);
      if (entryType === undefined || term < 0 || index < 1) return 'malformed entry record';
      const data = slab ? slab.payloadOf(index, buf, o + 17, end) : new Uint8Array(buf.buffer, buf.byteOffset + o + 17, end - o - 17);
      return { kind: 'entry', entry: { term, index, type: entryType, data } };
    }
    case RecordType.hardState: {
      const hs = payload >= 16 ? readHardState(buf, o, end) : undefined;
      return hs ? { kind: 'hard-state', hardState: hs } : 'malformed hard state record';
    }
    case RecordType.mark: {
      if (payload !== MARK_BODY_BYTES - 1 || buf.readUInt32LE(o) !== MARK_MAGIC) return 'malformed mark record';
      const syncedOffset = readU64(buf, o + 4);
      return syncedOffset < 0 ? 'malformed mark record' : { kind: 'mark', syncedOffset };
    }
    case RecordType.header:
      return decodeHeader(buf, o, end);
    default:
      return `unknown record type ${type}`;
  }
}

function decodeHeader(buf: Buffer, o: number, end: number): WalRecord | string {
  if (end - o < 52 || buf.readUInt32LE(o) !== HEADER_MAGIC) return 'malformed segment header';
  const version = buf.readUInt32LE(o + 4);
  if (version !== WAL_FORMAT_VERSION) return `unsupported WAL format version ${version}`;
  const seq = readU64(buf, o + 8);
  const firstIndex = readU64(buf, o + 16);
  const prevTerm = readU64(buf, o + 24);
  const hardState = readHardState(buf, o + 36, end);
  if (seq < 1 || firstIndex < 1 || prevTerm < 0 || !hardState) return 'malformed segment header';
  const reset = buf.readUInt32LE(o + 32) === 1;
  return { kind: 'header', header: { seq, firstIndex, prevTerm, reset, hardState } };
}

function writeHardState(buf: Buffer, o: number, hs: HardState): void {
  writeU64(buf, o, hs.term);
  writeU64(buf, o + 8, hs.commit);
  buf.write(hs.vote, o + 16, 'utf8');
}

function readHardState(buf: Buffer, o: number, end: number): HardState | undefined {
  const term = readU64(buf, o);
  const commit = readU64(buf, o + 8);
  if (term < 0 || commit < 0) return undefined;
  return { term, commit, vote: buf.toString('utf8', o + 16, end) };
}

/** Writes a safe integer as a u64. Callers validate the range; the format has room for all of it. */
function writeU64(buf: Buffer, o: number, v: number): void {
  buf.writeUInt32LE(v >>> 0, o);
  buf.writeUInt32LE(Math.floor(v / 0x1_0000_0000), o + 4);
}

/** Reads a u64; returns -1 when it is not a safe integer, which callers treat as malformed. */
function readU64(buf: Buffer, o: number): number {
  const hi = buf.readUInt32LE(o + 4);
  if (hi > 0x1f_ffff) return -1;
  return hi * 0x1_0000_0000 + buf.readUInt32LE(o);
}
