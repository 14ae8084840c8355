/**
 * The etcd keyspace's writes as log-entry bytes, binary: keys and values as they are (no base64),
 * numbers as varints, each message a presence mask and its present fields in a fixed order. JSON
 * with base64 bytes made an entry half as large again and cost about 5 µs to encode and 8 µs to
 * decode a 512-byte Put, on every member (issue 56, "the keyspace's storage"; BENCHMARKS.md).
 *
 *   request := version:u8(1) at:f64le op
 *   op      := 1 txn as? txn | 2 compact revision | 3 lease-grant id ttl | 4 lease-revoke as? id
 *            | 5 lease-renew id | 6 lease-expire count id* | 0 json (any other op, rare: auth, alarms)
 *   num     := varuint(2n) for a safe integer n ≥ 0 | varuint(1) f64le for any other number
 *
 * Decoding gives the object the JSON form gave: fields absent stay absent, false stays false.
 * Which form a member writes is the cluster's decision (`encodeEtcdLogEntry`).
 */
import type { Compare, CompareTarget, DeleteRangeRequest, PutRequest, RangeRequest, RequestOp, SortTarget, TxnRequest } from './mvcc.js';
import { encodeEtcdEntry, etcdEntryBody, isBinaryEtcdEntry } from '../app-format.js';
import { decodeEtcdRequest, encodeEtcdRequest, type EtcdOp, type EtcdRequest } from './replica.js';

const VERSION = 1;
const OP = { json: 0, txn: 1, compact: 2, leaseGrant: 3, leaseRevoke: 4, leaseRenew: 5, leaseExpire: 6 } as const;
const REQUEST_OP = { range: 1, put: 2, deleteRange: 3, txn: 4 } as const;
const TARGETS: readonly CompareTarget[] = ['version', 'create', 'mod', 'value', 'lease'];
const RESULTS: readonly Compare['result'][] = ['equal', 'greater', 'less', 'not-equal'];
const SORT_ORDERS: readonly NonNullable<RangeRequest['sortOrder']>[] = ['none', 'ascend', 'descend'];
const SORT_TARGETS: readonly SortTarget[] = ['key', 'version', 'create', 'mod', 'value'];

/** How a field of type `V` is written (non-distributive: a union of strings is one enum). */
type KindOf<V> = [V] extends [Uint8Array] ? 'bytes' : [V] extends [number] ? 'num' : [V] extends [boolean] ? 'bool' : readonly V[];
/** A field of message `T`, named and kinded as `T` declares it: a table that misnames one does not compile. */
type FieldOf<T> = { [K in keyof T & string]-?: readonly [name: K, kind: KindOf<NonNullable<T[K]>>] }[keyof T & string];
type Fields<T> = readonly FieldOf<T>[];

/** The fields of each message, in the order they are written; a field's bit in the mask is its place here. */
const RANGE_FIELDS: Fields<RangeRequest> = [
  ['key', 'bytes'], ['rangeEnd', 'bytes'], ['limit', 'num'], ['revision', 'num'], ['sortOrder', SORT_ORDERS], ['sortTarget', SORT_TARGETS],
  ['keysOnly', 'bool'], ['countOnly', 'bool'], ['minModRevision', 'num'], ['maxModRevision', 'num'],
  ['minCreateRevision', 'num'], ['maxCreateRevision', 'num'],
];
const PUT_FIELDS: Fields<PutRequest> = [['key', 'bytes'], ['value', 'bytes'], ['lease', 'num'], ['prevKv', 'bool'], ['ignoreValue', 'bool'], ['ignoreLease', 'bool']];
const DELETE_FIELDS: Fields<DeleteRangeRequest> = [['key', 'bytes'], ['rangeEnd', 'bytes'], ['prevKv', 'bool']];

/** The data format (server/data-format.ts) from which members read binary etcd entries. */
export const BINARY_ETCD_FORMAT = 3;

/**
 * One etcd write as a log entry: binary (below) once every member reads data format 3,
 * JSON before (an older member would take a binary entry for an application's and skip it).
 */
export function encodeEtcdLogEntry(req: EtcdRequest, binary: boolean): Uint8Array {
  return binary ? encodeEtcdEntry(encodeEtcdRequestBinary(req), true) : encodeEtcdEntry(encodeEtcdRequest(req));
}

/** The etcd write of a log entry `isEtcdEntry` accepted, in either form. */
export function decodeEtcdLogEntry(data: Uint8Array): EtcdRequest {
  const body = etcdEntryBody(data);
  return isBinaryEtcdEntry(data) ? decodeEtcdRequestBinary(body) : decodeEtcdRequest(body);
}

/** Thrown by the writer at a field it has no place for: the request is then written as JSON, whole. */
class NotInSchema extends Error {}

export function encodeEtcdRequestBinary(req: EtcdRequest): Uint8Array {
  try {
    return encodeBinary(req, false);
  } catch (err) {
    if (!(err instanceof NotInSchema)) throw err;
    return encodeBinary(req, true);
  }
}

/** The names each operation has beside `type`. */
const OP_FIELDS: Partial<Record<EtcdOp['type'], readonly string[]>> = {
  txn: ['type', 'txn', 'as'],
  compact: ['type', 'revision'],
  'lease-grant': ['type', 'id', 'ttl'],
  'lease-revoke': ['type', 'id', 'as'],
  'lease-renew': ['type', 'id'],
  'lease-expire': ['type', 'ids'],
};

/** `req` in the binary form; `asJson`: its operation as JSON, whole (what a field the schema lacks asks for). */
function encodeBinary(req: EtcdRequest, asJson: boolean): Uint8Array {
  if (!asJson) {
    onlyKnown(req, ['at', 'op']);
    const fields = OP_FIELDS[req.op.type];
    if (fields !== undefined) onlyKnown(req.op, fields);
  }
  const w = new Writer();
  w.byte(VERSION);
  w.f64(req.at);
  if (asJson) return writeJson(w, req);
  const op = req.op;
  switch (op.type) {
    case 'txn':
      w.byte(OP.txn);
      w.optionalString(op.as);
      writeTxn(w, op.txn);
      break;
    case 'compact':
      w.byte(OP.compact);
      w.num(op.revision);
      break;
    case 'lease-grant':
      w.byte(OP.leaseGrant);
      w.num(op.id);
      w.num(op.ttl);
      break;
    case 'lease-revoke':
      w.byte(OP.leaseRevoke);
      w.optionalString(op.as);
      w.num(op.id);
      break;
    case 'lease-renew':
      w.byte(OP.leaseRenew);
      w.num(op.id);
      break;
    case 'lease-expire':
      w.byte(OP.leaseExpire);
      w.varuint(op.ids.length);
      for (const id of op.ids) w.num(id);
      break;
    default:
      return writeJson(w, req);
  }
  return w.done();
}

/** The rest of the entry: any other operation (auth, alarms: rare), or one with a field the schema lacks, as JSON. */
function writeJson(w: Writer, req: EtcdRequest): Uint8Array {
  w.byte(OP.json);
  w.bytes(encodeEtcdRequest(req));
  return w.done();
}

export function decodeEtcdRequestBinary(data: Uint8Array): EtcdRequest {
  const r = new Reader(data);
  const version = r.byte();
  if (version !== VERSION) throw new Error(`etcd request entry: binary version ${version}, written by a newer fleet?`);
  const at = r.f64();
  const tag = r.byte();
  let op: EtcdOp;
  switch (tag) {
    case OP.txn: {
      const as = r.optionalString();
      op = { type: 'txn', txn: readTxn(r, 0), ...(as === undefined ? {} : { as }) };
      break;
    }
    case OP.compact:
      op = { type: 'compact', revision: r.num() };
      break;
    case OP.leaseGrant:
      op = { type: 'lease-grant', id: r.num(), ttl: r.num() };
      break;
    case OP.leaseRevoke: {
      const as = r.optionalString();
      op = { type: 'lease-revoke', id: r.num(), ...(as === undefined ? {} : { as }) };
      break;
    }
    case OP.leaseRenew:
      op = { type: 'lease-renew', id: r.num() };
      break;
    case OP.leaseExpire: {
      const ids = Array.from({ length: r.count() }, () => r.num());
      op = { type: 'lease-expire', ids };
      break;
    }
    case OP.json: {
      const body = r.bytes();
      r.end();
      return decodeEtcdRequest(body);
    }
    default:
      throw new Error(`etcd request entry: unknown operation ${tag}`);
  }
  r.end();
  return { at, op };
}

function writeTxn(w: Writer, txn: TxnRequest): void {
  onlyKnown(txn, ['compare', 'success', 'failure']);
  const compare = txn.compare ?? [];
  w.varuint((txn.compare ? 1 : 0) | (txn.success ? 2 : 0) | (txn.failure ? 4 : 0));
  if (txn.compare) {
    w.varuint(compare.length);
    for (const c of compare) writeCompare(w, c);
  }
  for (const ops of [txn.success, txn.failure]) {
    if (ops === undefined) continue;
    w.varuint(ops.length);
    for (const op of ops) writeRequestOp(w, op);
  }
}

/** Nested txns at most (the request limits allow far fewer; this only bounds the decoder's recursion). */
const MAX_DEPTH = 64;

function readTxn(r: Reader, depth: number): TxnRequest {
  if (depth > MAX_DEPTH) throw new Error('etcd request entry: txns nested too deep');
  const mask = r.varuint();
  const txn: TxnRequest = {};
  if (mask & 1) txn.compare = Array.from({ length: r.count() }, () => readCompare(r));
  if (mask & 2) txn.success = Array.from({ length: r.count() }, () => readRequestOp(r, depth));
  if (mask & 4) txn.failure = Array.from({ length: r.count() }, () => readRequestOp(r, depth));
  return txn;
}

function writeCompare(w: Writer, c: Compare): void {
  onlyKnown(c, ['key', 'rangeEnd', 'target', 'result', 'operand']);
  const bytesOperand = c.operand instanceof Uint8Array;
  w.byte(TARGETS.indexOf(c.target) | (RESULTS.indexOf(c.result) << 3) | (c.rangeEnd !== undefined ? 0x20 : 0) | (bytesOperand ? 0x40 : 0));
  w.bytes(c.key);
  if (c.rangeEnd !== undefined) w.bytes(c.rangeEnd);
  if (c.operand instanceof Uint8Array) w.bytes(c.operand);
  else w.num(c.operand);
}

function readCompare(r: Reader): Compare {
  const flags = r.byte();
  const target = TARGETS[flags & 7];
  const result = RESULTS[(flags >> 3) & 3];
  if (target === undefined || result === undefined) throw new Error('etcd request entry: a compare of unknown kind');
  const key = r.bytes();
  const rangeEnd = flags & 0x20 ? r.bytes() : undefined;
  const operand = flags & 0x40 ? r.bytes() : r.num();
  return { key, ...(rangeEnd === undefined ? {} : { rangeEnd }), target, result, operand };
}

function writeRequestOp(w: Writer, op: RequestOp): void {
  if ('range' in op) {
    w.byte(REQUEST_OP.range);
    writeFields(w, RANGE_FIELDS, op.range);
  } else if ('put' in op) {
    w.byte(REQUEST_OP.put);
    writeFields(w, PUT_FIELDS, op.put);
  } else if ('deleteRange' in op) {
    w.byte(REQUEST_OP.deleteRange);
    writeFields(w, DELETE_FIELDS, op.deleteRange);
  } else {
    w.byte(REQUEST_OP.txn);
    writeTxn(w, op.txn);
  }
}

function readRequestOp(r: Reader, depth: number): RequestOp {
  const tag = r.byte();
  switch (tag) {
    case REQUEST_OP.range:
      return { range: readFields<RangeRequest>(r, RANGE_FIELDS) };
    case REQUEST_OP.put:
      return { put: readFields<PutRequest>(r, PUT_FIELDS) };
    case REQUEST_OP.deleteRange:
      return { deleteRange: readFields<DeleteRangeRequest>(r, DELETE_FIELDS) };
    case REQUEST_OP.txn:
      return { txn: readTxn(r, depth + 1) };
    default:
      throw new Error(`etcd request entry: a txn operation of unknown kind ${tag}`);
  }
}

function writeFields<T extends object>(w: Writer, fields: Fields<T>, message: T): void {
  const m = message as Record<string, unknown>;
  onlyKnown(m, namesOf(fields));
  let mask = 0;
  fields.forEach(([name], i) => {
    if (m[name] !== undefined) mask |= 1 << i;
  });
  w.varuint(mask);
  for (const [name, kind] of fields) {
    const v = m[name];
    if (v === undefined) continue;
    if (kind === 'bytes') w.bytes(v as Uint8Array);
    else if (kind === 'num') w.num(v as number);
    else if (kind === 'bool') w.byte(v ? 1 : 0);
    else w.byte((kind as readonly unknown[]).indexOf(v));
  }
}

/** A message of the fields `fields` lists, each read as the kind `T` declares for it. */
function readFields<T extends object>(r: Reader, fields: Fields<T>): T {
  const mask = r.varuint();
  if (mask >>> fields.length !== 0) throw new Error('etcd request entry: a field this build does not know');
  const out: Record<string, unknown> = {};
  fields.forEach(([name, kind], i) => {
    if ((mask & (1 << i)) === 0) return;
    if (kind === 'bytes') out[name] = r.bytes();
    else if (kind === 'num') out[name] = r.num();
    else if (kind === 'bool') out[name] = r.byte() !== 0;
    else {
      const v = (kind as readonly unknown[])[r.byte()];
      if (v === undefined) throw new Error(`etcd request entry: an unknown ${name}`);
      out[name] = v;
    }
  });
  // Every field read is one of T's, of the kind T gives it (Fields<T>); all of T's fields are optional.
  return out as Partial<T> as T;
}

const names = new WeakMap<object, readonly string[]>();
function namesOf<T>(fields: Fields<T>): readonly string[] {
  let n = names.get(fields);
  if (n === undefined) names.set(fields, (n = fields.map(([name]) => name)));
  return n;
}

/** Throws NotInSchema when `message` has a defined field not in `names`: written as JSON then, nothing lost. */
function onlyKnown(message: object, names: readonly string[]): void {
  const m = message as Record<string, unknown>;
  for (const k in m) if (m[k] !== undefined && !names.includes(k)) throw new NotInSchema();
}

/** Appends to one growing buffer. */
class Writer {
  private buf = Buffer.allocUnsafe(256);
  private at = 0;

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.at++] = b;
  }

  f64(n: number): void {
    this.room(8);
    this.buf.writeDoubleLE(n, this.at);
    this.at += 8;
  }

  varuint(n: number): void {
    this.room(10);
    while (n >= 0x80) {
      this.buf[this.at++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.at++] = n;
  }

  num(n: number): void {
    if (Number.isSafeInteger(n) && n >= 0) return this.varuint(n * 2);
    this.varuint(1);
    this.f64(n);
  }

  bytes(b: Uint8Array): void {
    this.varuint(b.byteLength);
    this.room(b.byteLength);
    this.buf.set(b, this.at);
    this.at += b.byteLength;
  }

  optionalString(s: string | undefined): void {
    if (s === undefined) return this.byte(0);
    this.byte(1);
    this.bytes(Buffer.from(s, 'utf8'));
  }

  done(): Uint8Array {
    return this.buf.subarray(0, this.at);
  }
}

/** Reads what Writer wrote; any read past the end, or a count larger than the bytes left, is an error. */
class Reader {
  private at = 0;

  constructor(private readonly data: Uint8Array) {}

  private need(n: number): void {
    if (this.at + n > this.data.length) throw new Error('etcd request entry: truncated');
  }

  byte(): number {
    this.need(1);
    return this.data[this.at++]!;
  }

  f64(): number {
    this.need(8);
    const v = Buffer.from(this.data.buffer, this.data.byteOffset + this.at, 8).readDoubleLE(0);
    this.at += 8;
    return v;
  }

  varuint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return value;
      scale *= 0x80;
    }
    throw new Error('etcd request entry: a number too long');
  }

  /** A count of items, each at least a byte: never more than the bytes left. */
  count(): number {
    const n = this.varuint();
    if (n > this.data.length - this.at) throw new Error('etcd request entry: a count past the entry');
    return n;
  }

  num(): number {
    const v = this.varuint();
    if (v === 1) return this.f64();
    if (v % 2 !== 0) throw new Error('etcd request entry: a malformed number');
    return v / 2;
  }

  /** A copy: the entry's buffer is the log's, and the store keeps what it is given. */
  bytes(): Uint8Array {
    const n = this.varuint();
    this.need(n);
    const b = new Uint8Array(n);
    b.set(this.data.subarray(this.at, this.at + n));
    this.at += n;
    return b;
  }

  optionalString(): string | undefined {
    if (this.byte() === 0) return undefined;
    return Buffer.from(this.bytes()).toString('utf8');
  }

  end(): void {
    if (this.at !== this.data.length) throw new Error('etcd request entry: bytes past its end');
  }
}
