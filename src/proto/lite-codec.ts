/**
 * Protocol Buffers encoding and decoding driven by the precompiled JSON tree, for the one-shot
 * status probe. protobufjs (its loading, and the code it generates per type on first use) was
 * the largest remaining slice of `fleet status`'s start-up once grpc-js was gone; the probe's
 * handful of messages do not need it. The output is exactly what the grpc-js path's
 * deserializers produce (protobufjs `toObject` with LOADER_OPTIONS: camelCase fields, 64-bit
 * integers as numbers, enums as names, defaults for absent fields, virtual oneof fields), which
 * test/proto/lite-codec.test.ts checks against protobufjs on random messages of every probe type.
 *
 * Scope: proto3 messages of one package, as proto/ writes them (enums may nest in a message).
 */
import type { INamespace } from 'protobufjs';

/** A field as the JSON tree describes it. */
interface FieldJson {
  readonly type: string;
  readonly id: number;
  readonly rule?: string;
  readonly keyType?: string;
  readonly options?: Readonly<Record<string, unknown>>;
}

interface TypeJson {
  readonly fields?: Readonly<Record<string, FieldJson>>;
  readonly oneofs?: Readonly<Record<string, { readonly oneof: readonly string[] }>>;
  readonly values?: Readonly<Record<string, number>>;
}

type Scalar = 'double' | 'float' | 'int32' | 'uint32' | 'sint32' | 'fixed32' | 'sfixed32' | 'int64' | 'uint64' | 'sint64' | 'fixed64' | 'sfixed64' | 'bool' | 'string' | 'bytes';

const SCALARS: ReadonlySet<string> = new Set<Scalar>(['double', 'float', 'int32', 'uint32', 'sint32', 'fixed32', 'sfixed32', 'int64', 'uint64', 'sint64', 'fixed64', 'sfixed64', 'bool', 'string', 'bytes']);

/** Wire types (https://protobuf.dev/programming-guides/encoding/). */
const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

function wireTypeOf(type: Scalar): number {
  if (type === 'double' || type === 'fixed64' || type === 'sfixed64') return I64;
  if (type === 'float' || type === 'fixed32' || type === 'sfixed32') return I32;
  if (type === 'string' || type === 'bytes') return LEN;
  return VARINT;
}

/** What a field holds once resolved. */
type Kind = { readonly scalar: Scalar; readonly longString?: true } | { readonly enumType: EnumPlan } | { readonly message: MessagePlan };

/** The 64-bit scalars: read as decimal strings when a root is made with `longs: String`. */
const LONGS: ReadonlySet<string> = new Set<Scalar>(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

interface FieldPlan {
  readonly name: string;
  readonly id: number;
  readonly kind: Kind;
  readonly repeated: boolean;
  /** For a map field: the key's scalar type (the value is `kind`). */
  readonly keyType?: Scalar;
  /** The oneof (real or proto3-optional) it belongs to. */
  readonly oneof?: string;
}

interface EnumPlan {
  readonly byNumber: ReadonlyMap<number, string>;
  readonly byName: Readonly<Record<string, number>>;
}

interface MessagePlan {
  readonly name: string;
  fields: FieldPlan[];
  byId: Map<number, FieldPlan>;
}

/** A message type's codec. */
export interface LiteType {
  encode(value: object): Buffer;
  decode(bytes: Uint8Array): Record<string, unknown>;
}

/** The codecs of the messages of `root` (a JSON tree), by full name. */
export class LiteRoot {
  readonly #types: ReadonlyMap<string, TypeJson>;
  readonly #messages = new Map<string, MessagePlan>();
  readonly #enums = new Map<string, EnumPlan>();
  readonly #longStrings: boolean;

  /**
   * `longs: String` decodes 64-bit integers as decimal strings, exactly (proto-loader's option of
   * the same name): etcd's member ids do not fit a double. The default is numbers, as LOADER_OPTIONS.
   */
  constructor(root: INamespace, opts: { readonly longs?: typeof Number | typeof String } = {}) {
    const types = new Map<string, TypeJson>();
    collect(root, '', types);
    this.#types = types;
    this.#longStrings = opts.longs === String;
  }

  /** The codec of `fullName` (`fleet.v1.MemberStatus`). */
  lookupType(fullName: string): LiteType {
    const plan = this.#message(fullName);
    return {
      encode: (value) => {
        const w = new Writer();
        encodeMessage(w, plan, value as Record<string, unknown>);
        return w.finish();
      },
      decode: (bytes) => toObject(plan, decodeMessage(new Reader(bytes), plan, bytes.length)),
    };
  }

  #message(fullName: string): MessagePlan {
    const known = this.#messages.get(fullName);
    if (known !== undefined) return known;
    const json = this.#types.get(fullName);
    if (json?.fields === undefined) throw new Error(`unknown message ${fullName}`);
    // Registered before its fields resolve, so recursive types terminate.
    const plan: MessagePlan = { name: fullName, fields: [], byId: new Map() };
    this.#messages.set(fullName, plan);
    const oneofOf = new Map<string, string>();
    for (const [oneof, { oneof: members }] of Object.entries(json.oneofs ?? {})) for (const m of members) oneofOf.set(m, oneof);
    const scope = fullName.slice(0, fullName.lastIndexOf('.'));
    for (const [name, f] of Object.entries(json.fields)) {
      const field: FieldPlan = {
        name,
        id: f.id,
        kind: this.#kind(f.type, scope, fullName),
        repeated: f.rule === 'repeated',
        ...(f.keyType === undefined ? {} : { keyType: f.keyType as Scalar }),
        ...(oneofOf.has(name) ? { oneof: oneofOf.get(name)! } : {}),
      };
      plan.fields.push(field);
      plan.byId.set(field.id, field);
    }
    return plan;
  }

  #kind(type: string, scope: string, message: string): Kind {
    if (SCALARS.has(type)) return this.#longStrings && LONGS.has(type) ? { scalar: type as Scalar, longString: true } : { scalar: type as Scalar };
    // A type declared inside the message (etcd's AlarmRequest.AlarmAction), else beside it, else by its full name.
    const fullName = type.startsWith('.') ? type.slice(1) : [`${message}.${type}`, `${scope}.${type}`].find((n) => this.#types.has(n)) ?? type;
    const json = this.#types.get(fullName);
    if (json === undefined) throw new Error(`unknown type ${type} (in ${scope})`);
    if (json.values !== undefined) return { enumType: this.#enum(fullName, json.values) };
    return { message: this.#message(fullName) };
  }

  #enum(fullName: string, values: Readonly<Record<string, number>>): EnumPlan {
    let plan = this.#enums.get(fullName);
    if (plan === undefined) {
      const byNumber = new Map<number, string>();
      // The first name of a number wins, as in protobufjs.
      for (const [name, n] of Object.entries(values)) if (!byNumber.has(n)) byNumber.set(n, name);
      plan = { byNumber, byName: values };
      this.#enums.set(fullName, plan);
    }
    return plan;
  }
}

function collect(ns: INamespace, prefix: string, out: Map<string, TypeJson>): void {
  for (const [name, child] of Object.entries(ns.nested ?? {})) {
    const fqn = prefix === '' ? name : `${prefix}.${name}`;
    const t = child as TypeJson & INamespace;
    if (t.fields !== undefined || t.values !== undefined) out.set(fqn, t);
    if (t.nested !== undefined) collect(t, fqn, out);
  }
}

// ---------------------------------------------------------------------------------------------
// Decoding: the wire into a plain record of what was present, then defaults as toObject adds them
// ---------------------------------------------------------------------------------------------

class Reader {
  pos = 0;
  readonly #buf: Uint8Array;
  readonly #view: DataView;

  constructor(buf: Uint8Array) {
    this.#buf = buf;
    this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** A varint as its low and high 32 bits. */
  varint64(): [number, number] {
    let lo = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      const b = this.#byte();
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) return [lo >>> 0, 0];
    }
    const b4 = this.#byte();
    lo |= (b4 & 0x7f) << 28;
    let hi = (b4 & 0x7f) >> 4;
    if (b4 < 0x80) return [lo >>> 0, hi >>> 0];
    for (let shift = 3; shift < 32; shift += 7) {
      const b = this.#byte();
      hi |= (b & 0x7f) << shift;
      if (b < 0x80) return [lo >>> 0, hi >>> 0];
    }
    throw new Error('invalid varint');
  }

  uint32(): number {
    return this.varint64()[0];
  }

  fixed32(): number {
    const v = this.#view.getUint32(this.#advance(4), true);
    return v;
  }

  fixed64(): [number, number] {
    const at = this.#advance(8);
    return [this.#view.getUint32(at, true), this.#view.getUint32(at + 4, true)];
  }

  float(): number {
    return this.#view.getFloat32(this.#advance(4), true);
  }

  double(): number {
    return this.#view.getFloat64(this.#advance(8), true);
  }

  bytes(): Uint8Array {
    const length = this.uint32();
    const at = this.#advance(length);
    return this.#buf.subarray(at, at + length);
  }

  skip(wireType: number): void {
    if (wireType === VARINT) this.varint64();
    else if (wireType === I64) this.#advance(8);
    else if (wireType === LEN) this.bytes();
    else if (wireType === I32) this.#advance(4);
    else throw new Error(`unsupported wire type ${wireType}`);
  }

  #byte(): number {
    if (this.pos >= this.#buf.length) throw new Error('message truncated');
    return this.#buf[this.pos++]!;
  }

  #advance(n: number): number {
    const at = this.pos;
    if (at + n > this.#buf.length) throw new Error('message truncated');
    this.pos += n;
    return at;
  }
}

/** A 64-bit two's complement value as a number (precision beyond 2^53 is lost, as with longs: Number). */
function longToNumber([lo, hi]: [number, number], unsigned: boolean): number {
  if (!unsigned && hi >>> 31) {
    const nlo = (~lo + 1) >>> 0;
    let nhi = ~hi >>> 0;
    if (nlo === 0) nhi = (nhi + 1) >>> 0;
    return -(nlo + nhi * 4294967296);
  }
  return lo + hi * 4294967296;
}

// ignoreBOM: a string that starts with U+FEFF keeps it (by default TextDecoder drops it, protobufjs does not).
const UTF8 = new TextDecoder('utf-8', { ignoreBOM: true });

function readScalar(r: Reader, type: Scalar): unknown {
  switch (type) {
    case 'double': return r.double();
    case 'float': return r.float();
    case 'int32': return r.varint64()[0] | 0;
    case 'uint32': return r.varint64()[0];
    case 'sint32': {
      const n = r.varint64()[0];
      return (n >>> 1) ^ -(n & 1);
    }
    case 'fixed32': return r.fixed32();
    case 'sfixed32': return r.fixed32() | 0;
    case 'int64': return longToNumber(r.varint64(), false);
    case 'uint64': return longToNumber(r.varint64(), true);
    case 'sint64': {
      const [lo, hi] = r.varint64();
      // Zigzag: (n >>> 1) ^ -(n & 1), on the two halves.
      const mask = -(lo & 1);
      const zlo = (((lo >>> 1) | (hi << 31)) ^ mask) >>> 0;
      const zhi = ((hi >>> 1) ^ mask) >>> 0;
      return longToNumber([zlo, zhi], false);
    }
    case 'fixed64': return longToNumber(r.fixed64(), true);
    case 'sfixed64': return longToNumber(r.fixed64(), false);
    case 'bool': return r.varint64().some((half) => half !== 0);
    case 'string': return UTF8.decode(r.bytes());
    case 'bytes': return Buffer.from(r.bytes());
  }
}

/** A 64-bit integer as its exact decimal string. */
function readLongString(r: Reader, type: Scalar): string {
  const [lo, hi] = type === 'fixed64' || type === 'sfixed64' ? r.fixed64() : r.varint64();
  const v = (BigInt(hi) << 32n) | BigInt(lo);
  if (type === 'sint64') return ((v >> 1n) ^ -(v & 1n)).toString();
  return (type === 'int64' || type === 'sfixed64' ? BigInt.asIntN(64, v) : v).toString();
}

type Decoded = Map<FieldPlan, unknown>;

function readValue(r: Reader, kind: Kind): unknown {
  if ('scalar' in kind) return kind.longString ? readLongString(r, kind.scalar) : readScalar(r, kind.scalar);
  if ('enumType' in kind) return r.varint64()[0] | 0;
  const bytes = r.bytes();
  return decodeMessage(new Reader(bytes), kind.message, bytes.length);
}

function decodeMessage(r: Reader, plan: MessagePlan, end: number): Decoded {
  const out: Decoded = new Map();
  while (r.pos < end) {
    const tag = r.uint32();
    const field = plan.byId.get(tag >>> 3);
    const wireType = tag & 7;
    if (field === undefined) {
      r.skip(wireType);
    } else if (field.keyType !== undefined) {
      const entries = (out.get(field) as Map<unknown, unknown> | undefined) ?? new Map<unknown, unknown>();
      out.set(field, entries);
      readMapEntry(r, field, entries);
    } else if (field.repeated) {
      const list = (out.get(field) as unknown[] | undefined) ?? [];
      out.set(field, list);
      if (wireType === LEN && !('message' in field.kind) && !('scalar' in field.kind && (field.kind.scalar === 'string' || field.kind.scalar === 'bytes'))) {
        const bytes = r.bytes();
        const packed = new Reader(bytes);
        while (packed.pos < bytes.length) list.push(readValue(packed, field.kind));
      } else list.push(readValue(r, field.kind));
    } else {
      out.set(field, readValue(r, field.kind));
    }
  }
  return out;
}

function readMapEntry(r: Reader, field: FieldPlan, entries: Map<unknown, unknown>): void {
  const bytes = r.bytes();
  const entry = new Reader(bytes);
  let key: unknown = defaultScalar(field.keyType!);
  let value: unknown;
  while (entry.pos < bytes.length) {
    const tag = entry.uint32();
    if (tag >>> 3 === 1) key = readScalar(entry, field.keyType!);
    else if (tag >>> 3 === 2) value = readValue(entry, field.kind);
    else entry.skip(tag & 7);
  }
  entries.set(key, value ?? ('message' in field.kind ? new Map() : 'enumType' in field.kind ? 0 : defaultScalar(field.kind.scalar)));
}

function defaultScalar(type: Scalar): unknown {
  if (type === 'string') return '';
  if (type === 'bool') return false;
  if (type === 'bytes') return Buffer.alloc(0);
  return 0;
}

/** The plain object protobufjs' toObject makes with LOADER_OPTIONS. */
function toObject(plan: MessagePlan, decoded: Decoded): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of plan.fields) {
    if (field.oneof !== undefined) continue;
    if (field.keyType !== undefined) out[field.name] = {};
    else if (field.repeated) out[field.name] = [];
    else out[field.name] = defaultOf(field.kind);
  }
  for (const [field, value] of decoded) {
    if (field.keyType !== undefined) {
      const entries = value as Map<unknown, unknown>;
      if (entries.size === 0) continue;
      const obj: Record<string, unknown> = {};
      for (const [k, v] of entries) Object.defineProperty(obj, String(k), { value: plainValue(field.kind, v), enumerable: true, writable: true, configurable: true });
      out[field.name] = obj;
    } else if (field.repeated) {
      const list = value as unknown[];
      if (list.length > 0) out[field.name] = list.map((v) => plainValue(field.kind, v));
    } else {
      out[field.name] = plainValue(field.kind, value);
      if (field.oneof !== undefined) out[field.oneof] = field.name;
    }
  }
  return out;
}

function plainValue(kind: Kind, value: unknown): unknown {
  if ('message' in kind) return toObject(kind.message, value as Decoded);
  if ('enumType' in kind) return kind.enumType.byNumber.get(value as number) ?? value;
  return value;
}

function defaultOf(kind: Kind): unknown {
  if ('message' in kind) return null;
  if ('enumType' in kind) return kind.enumType.byNumber.get(0) ?? 0;
  return kind.longString ? '0' : defaultScalar(kind.scalar);
}

// ---------------------------------------------------------------------------------------------
// Encoding: a plain object (proto-loader's input shape: names or numbers for enums) to the wire
// ---------------------------------------------------------------------------------------------

class Writer {
  readonly #chunks: Buffer[] = [];

  tag(id: number, wireType: number): void {
    this.varint(BigInt((id << 3) | wireType));
  }

  varint(value: bigint): void {
    let v = BigInt.asUintN(64, value);
    const bytes: number[] = [];
    while (v >= 0x80n) {
      bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    bytes.push(Number(v));
    this.#chunks.push(Buffer.from(bytes));
  }

  raw(bytes: Uint8Array): void {
    this.#chunks.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }

  lengthDelimited(bytes: Uint8Array): void {
    this.varint(BigInt(bytes.length));
    this.raw(bytes);
  }

  finish(): Buffer {
    return Buffer.concat(this.#chunks);
  }
}

function encodeMessage(w: Writer, plan: MessagePlan, value: Record<string, unknown>): void {
  for (const field of plan.fields) {
    const v = value[field.name];
    if (v === undefined || v === null) continue;
    if (field.keyType !== undefined) {
      for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
        const entry = new Writer();
        writeField(entry, 1, { scalar: field.keyType }, field.keyType === 'string' ? k : field.keyType === 'bool' ? k === 'true' : Number(k));
        writeField(entry, 2, field.kind, item);
        w.tag(field.id, LEN);
        w.lengthDelimited(entry.finish());
      }
    } else if (field.repeated) {
      for (const item of v as unknown[]) writeField(w, field.id, field.kind, item);
    } else {
      writeField(w, field.id, field.kind, v);
    }
  }
}

function writeField(w: Writer, id: number, kind: Kind, value: unknown): void {
  if ('message' in kind) {
    const inner = new Writer();
    encodeMessage(inner, kind.message, value as Record<string, unknown>);
    w.tag(id, LEN);
    w.lengthDelimited(inner.finish());
    return;
  }
  if ('enumType' in kind) {
    const n = typeof value === 'string' ? kind.enumType.byName[value] : Number(value);
    if (n === undefined) throw new Error(`unknown enum value ${String(value)}`);
    w.tag(id, VARINT);
    w.varint(BigInt(n));
    return;
  }
  w.tag(id, wireTypeOf(kind.scalar));
  writeScalar(w, kind.scalar, value);
}

function writeScalar(w: Writer, type: Scalar, value: unknown): void {
  switch (type) {
    case 'string':
      w.lengthDelimited(Buffer.from(String(value), 'utf8'));
      return;
    case 'bytes':
      w.lengthDelimited(typeof value === 'string' ? Buffer.from(value, 'base64') : (value as Uint8Array));
      return;
    case 'bool':
      w.varint(value ? 1n : 0n);
      return;
    case 'double': {
      const b = Buffer.alloc(8);
      b.writeDoubleLE(Number(value));
      w.raw(b);
      return;
    }
    case 'float': {
      const b = Buffer.alloc(4);
      b.writeFloatLE(Number(value));
      w.raw(b);
      return;
    }
    case 'fixed32':
    case 'sfixed32': {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(Number(BigInt.asUintN(32, BigInt(Math.trunc(Number(value))))));
      w.raw(b);
      return;
    }
    case 'fixed64':
    case 'sfixed64': {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(BigInt.asUintN(64, integer(value)));
      w.raw(b);
      return;
    }
    case 'sint32':
    case 'sint64': {
      const n = integer(value);
      w.varint(n >= 0n ? n << 1n : ((-n) << 1n) - 1n);
      return;
    }
    case 'int32':
    case 'uint32':
    case 'int64':
    case 'uint64':
      w.varint(integer(value));
      return;
  }
}

/** An integer field's value; a decimal string (a 64-bit id) converts exactly. */
function integer(value: unknown): bigint {
  return typeof value === 'string' && /^-?\d+$/.test(value) ? BigInt(value) : BigInt(Math.trunc(Number(value)));
}
