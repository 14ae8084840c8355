/**
 * A codec written by hand for fleet.v1.PeerBatch, the message every replicated entry crosses
 * the wire in. The generic path (protobufjs `fromObject` then `encode`, `decode` then
 * `toObject`) allocated a 64-bit integer object per number, an operation record per field
 * written and a message instance per level: on a leader under load, a third of all it
 * allocated per write (`npm run bench -- node`, sampled with the inspector's heap profiler).
 *
 * The contract is the generic path's: `decodePeerBatch` returns what protobufjs `toObject`
 * with LOADER_OPTIONS returns (camelCase, 64-bit integers as numbers, enums as names, defaults
 * for absent fields), and `encodePeerBatch` writes bytes that protobufjs decodes to the same
 * message. It writes the canonical proto3 form (zero values left out), so its bytes may be
 * shorter than protobufjs's, which writes every field the object names.
 * test/proto/peer-codec.test.ts checks both directions against protobufjs on random batches.
 */
import type { PeerBatch__Output } from './generated/fleet/v1/PeerBatch.js';
import type { RaftMessage__Output } from './generated/fleet/v1/RaftMessage.js';
import type { Entry__Output } from './generated/fleet/v1/Entry.js';
import type { SnapshotMeta__Output } from './generated/fleet/v1/SnapshotMeta.js';
import type { ConfState__Output } from './generated/fleet/v1/ConfState.js';
import type { EntryType__Output } from './generated/fleet/v1/EntryType.js';

/** What the peer transport hands to the encoder: the input shapes, with numbers for integers. */
export interface PeerBatchIn {
  readonly cluster?: string;
  readonly from?: string;
  readonly messages?: readonly RaftMessageIn[];
  readonly fromAddress?: string;
  readonly clusterId?: string;
  readonly fromZone?: string;
  readonly fromRegion?: string;
  readonly fromReadReplica?: boolean;
  readonly fromVersion?: string;
  readonly fromDataFormat?: number;
  readonly fromFramed?: boolean;
}

export interface RaftMessageIn {
  readonly type?: string;
  readonly from?: string;
  readonly to?: string;
  readonly term?: number;
  readonly logTerm?: number;
  readonly index?: number;
  readonly entries?: readonly EntryIn[];
  readonly commit?: number;
  readonly reject?: boolean;
  readonly rejectHint?: number;
  readonly transfer?: boolean;
  readonly snapshot?: SnapshotMetaIn | null;
  readonly repair?: number;
  readonly context?: Uint8Array;
}

export interface EntryIn {
  readonly term?: number;
  readonly index?: number;
  readonly type?: EntryTypeName | number;
  readonly data?: Uint8Array;
}

export interface SnapshotMetaIn {
  readonly index?: number;
  readonly term?: number;
  readonly conf?: { readonly voters?: readonly string[]; readonly learners?: readonly string[] } | null;
}

type EntryTypeName = 'ENTRY_TYPE_NORMAL' | 'ENTRY_TYPE_CONF_CHANGE' | 'ENTRY_TYPE_NOOP';

const ENTRY_TYPE_NAMES: readonly EntryTypeName[] = ['ENTRY_TYPE_NORMAL', 'ENTRY_TYPE_CONF_CHANGE', 'ENTRY_TYPE_NOOP'];
const ENTRY_TYPE_NUMBERS: Readonly<Record<string, number>> = { ENTRY_TYPE_NORMAL: 0, ENTRY_TYPE_CONF_CHANGE: 1, ENTRY_TYPE_NOOP: 2 };

const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

// ------------------------------------------------------------------ sizes

function varintSize(n: number): number {
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x200000) return 3;
  if (n < 0x10000000) return 4;
  let size = 4;
  for (let rest = Math.floor(n / 0x10000000); rest > 0; rest = Math.floor(rest / 0x80)) size++;
  return size;
}

function checkUint(n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`Failed to serialize message: ${what} must be an unsigned safe integer, got ${n}`);
  return n;
}

/** An unsigned integer field's value, checked; 0 when absent. */
function uintField(n: number | undefined, what: string): number {
  return n === undefined || n === null ? 0 : checkUint(n, what);
}

/** Bytes of a string field: nothing when empty (proto3 leaves defaults out). */
function stringSize(s: string | undefined): number {
  return s ? nested(Buffer.byteLength(s, 'utf8')) : 0;
}

/** Bytes of a string field numbered 16 or more (its tag takes two bytes): nothing when empty. */
function wideStringSize(field: number, s: string | undefined): number {
  return s ? varintSize((field << 3) | LEN) - 1 + stringSize(s) : 0;
}

/** Bytes of a bytes field: nothing when empty. */
function bytesSize(b: Uint8Array | undefined): number {
  return b && b.length > 0 ? nested(b.length) : 0;
}

function uintSize(n: number): number {
  return n === 0 ? 0 : 1 + varintSize(n);
}

function entryTypeNumber(t: EntryIn['type']): number {
  if (t === undefined || t === null) return 0;
  if (typeof t === 'number') return t;
  const n = ENTRY_TYPE_NUMBERS[t];
  if (n === undefined) throw new Error(`Failed to serialize message: unknown entry type ${JSON.stringify(t)}`);
  return n;
}

function entryBodySize(e: EntryIn): number {
  return uintSize(uintField(e.term, 'entry term')) + uintSize(uintField(e.index, 'entry index')) + uintSize(entryTypeNumber(e.type)) + bytesSize(e.data);
}

function confBodySize(c: NonNullable<SnapshotMetaIn['conf']>): number {
  // Repeated strings are written even when empty.
  let n = 0;
  for (const id of [...(c.voters ?? []), ...(c.learners ?? [])]) n += nested(Buffer.byteLength(id, 'utf8'));
  return n;
}

function metaBodySize(m: SnapshotMetaIn): number {
  let n = uintSize(uintField(m.index, 'snapshot index')) + uintSize(uintField(m.term, 'snapshot term'));
  if (m.conf) n += nested(confBodySize(m.conf));
  return n;
}

/** Bytes of a length-delimited field (tag < 16) whose body is `body` bytes. */
function nested(body: number): number {
  return 1 + varintSize(body) + body;
}

/** Body sizes of a message and of each of its entries (in `entrySizes`, appended in order). */
function messageBodySize(m: RaftMessageIn, entrySizes: number[]): number {
  let n = stringSize(m.type) + stringSize(m.from) + stringSize(m.to);
  n += uintSize(uintField(m.term, 'term')) + uintSize(uintField(m.logTerm, 'logTerm')) + uintSize(uintField(m.index, 'index'));
  for (const e of m.entries ?? []) {
    const size = entryBodySize(e);
    entrySizes.push(size);
    n += nested(size);
  }
  n += uintSize(uintField(m.commit, 'commit')) + (m.reject ? 2 : 0) + uintSize(uintField(m.rejectHint, 'rejectHint')) + (m.transfer ? 2 : 0);
  if (m.snapshot) n += nested(metaBodySize(m.snapshot));
  return n + bytesSize(m.context) + uintSize(uintField(m.repair, 'repair'));
}

// ------------------------------------------------------------------ writing

class Out {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  varint(n: number): void {
    const buf = this.buf;
    while (n >= 0x80) {
      buf[this.pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    buf[this.pos++] = n;
  }

  tag(field: number, wireType: number): void {
    this.buf[this.pos++] = (field << 3) | wireType;
  }

  uint(field: number, n: number | undefined): void {
    if (!n) return;
    this.tag(field, VARINT);
    this.varint(n);
  }

  bool(field: number, b: boolean | undefined): void {
    if (!b) return;
    this.tag(field, VARINT);
    this.buf[this.pos++] = 1;
  }

  /** A bool field numbered 16 or more, whose tag is a multi-byte varint. */
  wideBool(field: number, b: boolean | undefined): void {
    if (!b) return;
    this.varint((field << 3) | VARINT);
    this.buf[this.pos++] = 1;
  }

  string(field: number, s: string | undefined, always = false): void {
    if (!s && !always) return;
    this.tag(field, LEN);
    const len = Buffer.byteLength(s ?? '', 'utf8');
    this.varint(len);
    this.pos += this.buf.write(s ?? '', this.pos, len, 'utf8');
  }

  /** A string field numbered 16 or more, whose tag is a multi-byte varint. */
  wideString(field: number, s: string | undefined): void {
    if (!s) return;
    this.varint((field << 3) | LEN);
    const len = Buffer.byteLength(s, 'utf8');
    this.varint(len);
    this.pos += this.buf.write(s, this.pos, len, 'utf8');
  }

  bytes(field: number, b: Uint8Array | undefined): void {
    if (!b || b.length === 0) return;
    this.tag(field, LEN);
    this.varint(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  header(field: number, bodySize: number): void {
    this.tag(field, LEN);
    this.varint(bodySize);
  }
}

function writeMeta(out: Out, m: SnapshotMetaIn): void {
  out.uint(1, m.index);
  out.uint(2, m.term);
  if (!m.conf) return;
  out.header(3, confBodySize(m.conf));
  for (const v of m.conf.voters ?? []) out.string(1, v, true);
  for (const l of m.conf.learners ?? []) out.string(2, l, true);
}

function writeMessage(out: Out, m: RaftMessageIn, entrySizes: readonly number[], next: { i: number }): void {
  out.string(1, m.type);
  out.string(2, m.from);
  out.string(3, m.to);
  out.uint(4, m.term);
  out.uint(5, m.logTerm);
  out.uint(6, m.index);
  for (const e of m.entries ?? []) {
    out.header(7, entrySizes[next.i++]!);
    out.uint(1, e.term);
    out.uint(2, e.index);
    out.uint(3, entryTypeNumber(e.type));
    out.bytes(4, e.data);
  }
  out.uint(8, m.commit);
  out.bool(9, m.reject);
  out.uint(10, m.rejectHint);
  out.bool(11, m.transfer);
  if (m.snapshot) {
    out.header(12, metaBodySize(m.snapshot));
    writeMeta(out, m.snapshot);
  }
  out.bytes(13, m.context);
  out.uint(14, m.repair);
}

/** Encodes a batch in one allocation: sizes first, then the bytes. */
export function encodePeerBatch(batch: PeerBatchIn): Buffer {
  if (Array.isArray(batch)) throw new Error('Failed to serialize message: expected object with PeerBatch structure, got array instead');
  const messages = batch.messages ?? [];
  const entrySizes: number[] = [];
  const messageSizes = messages.map((m) => messageBodySize(m, entrySizes));
  let total = stringSize(batch.cluster) + stringSize(batch.from) + stringSize(batch.fromAddress) + stringSize(batch.clusterId);
  total += wideStringSize(105, batch.fromZone) + wideStringSize(106, batch.fromRegion);
  if (batch.fromReadReplica) total += varintSize((206 << 3) | VARINT) + 1;
  total += wideStringSize(207, batch.fromVersion);
  if (batch.fromDataFormat) total += varintSize((208 << 3) | VARINT) + varintSize(batch.fromDataFormat);
  if (batch.fromFramed) total += varintSize((209 << 3) | VARINT) + 1;
  for (const size of messageSizes) total += nested(size);
  const out = new Out(Buffer.allocUnsafe(total));
  out.string(1, batch.cluster);
  out.string(2, batch.from);
  const next = { i: 0 };
  messages.forEach((m, i) => {
    out.header(3, messageSizes[i]!);
    writeMessage(out, m, entrySizes, next);
  });
  out.string(4, batch.fromAddress);
  out.string(5, batch.clusterId);
  out.wideString(105, batch.fromZone);
  out.wideString(106, batch.fromRegion);
  out.wideBool(206, batch.fromReadReplica);
  out.wideString(207, batch.fromVersion);
  if (batch.fromDataFormat) {
    out.varint((208 << 3) | VARINT);
    out.varint(batch.fromDataFormat);
  }
  out.wideBool(209, batch.fromFramed);
  if (out.pos !== total) throw new Error(`peer codec: wrote ${out.pos} bytes of ${total}`);
  return out.buf;
}

// ------------------------------------------------------------------ reading

class In {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  more(): boolean {
    return this.pos < this.end;
  }

  varint(): number {
    const buf = this.buf;
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new RangeError('peer codec: truncated varint');
      const b = buf[this.pos++]!;
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 0x80;
    }
    throw new RangeError('peer codec: varint longer than 10 bytes');
  }

  /** The bounds of a length-delimited field's body; moves past it. */
  span(): { start: number; end: number } {
    const len = this.varint();
    const start = this.pos;
    const end = start + len;
    if (end > this.end) throw new RangeError('peer codec: a field runs past the end of its message');
    this.pos = end;
    return { start, end };
  }

  string(): string {
    const { start, end } = this.span();
    return this.buf.toString('utf8', start, end);
  }

  /** A view of the bytes: the caller's buffer is a private copy (see decodePeerBatch). */
  bytes(): Buffer {
    const { start, end } = this.span();
    return this.buf.subarray(start, end);
  }

  skip(wireType: number): void {
    if (wireType === VARINT) this.varint();
    else if (wireType === I64) this.pos += 8;
    else if (wireType === LEN) this.span();
    else if (wireType === I32) this.pos += 4;
    else throw new RangeError(`peer codec: unsupported wire type ${wireType}`);
    if (this.pos > this.end) throw new RangeError('peer codec: truncated field');
  }

  sub(): In {
    const { start, end } = this.span();
    return new In(this.buf, start, end);
  }
}

function readEntry(r: In): Entry__Output {
  const e: Entry__Output = { term: 0, index: 0, type: 'ENTRY_TYPE_NORMAL', data: EMPTY };
  while (r.more()) {
    const tag = r.varint();
    switch (tag) {
      case (1 << 3) | VARINT:
        e.term = r.varint();
        break;
      case (2 << 3) | VARINT:
        e.index = r.varint();
        break;
      case (3 << 3) | VARINT: {
        const n = r.varint();
        e.type = (ENTRY_TYPE_NAMES[n] ?? n) as EntryType__Output;
        break;
      }
      case (4 << 3) | LEN:
        e.data = r.bytes();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return e;
}

function readConf(r: In): ConfState__Output {
  const c: ConfState__Output = { voters: [], learners: [] };
  while (r.more()) {
    const tag = r.varint();
    if (tag === ((1 << 3) | LEN)) c.voters.push(r.string());
    else if (tag === ((2 << 3) | LEN)) c.learners.push(r.string());
    else r.skip(tag & 7);
  }
  return c;
}

function readMeta(r: In): SnapshotMeta__Output {
  const m: SnapshotMeta__Output = { index: 0, term: 0, conf: null };
  while (r.more()) {
    const tag = r.varint();
    if (tag === ((1 << 3) | VARINT)) m.index = r.varint();
    else if (tag === ((2 << 3) | VARINT)) m.term = r.varint();
    else if (tag === ((3 << 3) | LEN)) m.conf = readConf(r.sub());
    else r.skip(tag & 7);
  }
  return m;
}

function readMessage(r: In): RaftMessage__Output {
  const m: RaftMessage__Output = { type: '', from: '', to: '', term: 0, logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0, transfer: false, snapshot: null, context: EMPTY, repair: 0 };
  while (r.more()) {
    const tag = r.varint();
    switch (tag) {
      case (1 << 3) | LEN:
        m.type = r.string();
        break;
      case (2 << 3) | LEN:
        m.from = r.string();
        break;
      case (3 << 3) | LEN:
        m.to = r.string();
        break;
      case (4 << 3) | VARINT:
        m.term = r.varint();
        break;
      case (5 << 3) | VARINT:
        m.logTerm = r.varint();
        break;
      case (6 << 3) | VARINT:
        m.index = r.varint();
        break;
      case (7 << 3) | LEN:
        m.entries.push(readEntry(r.sub()));
        break;
      case (8 << 3) | VARINT:
        m.commit = r.varint();
        break;
      case (9 << 3) | VARINT:
        m.reject = r.varint() !== 0;
        break;
      case (10 << 3) | VARINT:
        m.rejectHint = r.varint();
        break;
      case (11 << 3) | VARINT:
        m.transfer = r.varint() !== 0;
        break;
      case (12 << 3) | LEN:
        m.snapshot = readMeta(r.sub());
        break;
      case (13 << 3) | LEN:
        m.context = r.bytes();
        break;
      case (14 << 3) | VARINT:
        m.repair = r.varint();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return m;
}

const EMPTY = Buffer.alloc(0);

/**
 * Decodes a batch. Its bytes are copied once and entries' data are views of that copy, not of
 * the transport's frame (which can be a slice of a much larger socket read). A batch's entries
 * sit side by side in the log and are compacted together, so the copy lives no longer than they do.
 */
export function decodePeerBatch(bytes: Buffer): PeerBatch__Output {
  const own = Buffer.from(bytes);
  const r = new In(own, 0, own.length);
  const batch: PeerBatch__Output = { cluster: '', from: '', messages: [], fromAddress: '', clusterId: '', fromZone: '', fromRegion: '', fromReadReplica: false, fromVersion: '', fromDataFormat: 0, fromFramed: false };
  while (r.more()) {
    const tag = r.varint();
    if (tag === ((1 << 3) | LEN)) batch.cluster = r.string();
    else if (tag === ((2 << 3) | LEN)) batch.from = r.string();
    else if (tag === ((3 << 3) | LEN)) batch.messages.push(readMessage(r.sub()));
    else if (tag === ((4 << 3) | LEN)) batch.fromAddress = r.string();
    else if (tag === ((5 << 3) | LEN)) batch.clusterId = r.string();
    else if (tag === ((105 << 3) | LEN)) batch.fromZone = r.string();
    else if (tag === ((106 << 3) | LEN)) batch.fromRegion = r.string();
    else if (tag === ((206 << 3) | VARINT)) batch.fromReadReplica = r.varint() !== 0;
    else if (tag === ((207 << 3) | LEN)) batch.fromVersion = r.string();
    else if (tag === ((208 << 3) | VARINT)) batch.fromDataFormat = r.varint();
    else if (tag === ((209 << 3) | VARINT)) batch.fromFramed = r.varint() !== 0;
    else r.skip(tag & 7);
  }
  return batch;
}
