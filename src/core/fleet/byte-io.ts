/**
 * Little primitives of the snapshot format: unsigned LEB128 varints (up to 2^53), zigzag
 * signed varints, UTF-8 strings prefixed by their byte length, and fixed u8/u32 fields.
 * Reads are bounds-checked and throw `SnapshotError` on truncated or malformed input.
 */

import { checkInvariant } from '../invariant.js';

/** The snapshot bytes are truncated or malformed. */
export class SnapshotError extends Error {
  override readonly name = 'SnapshotError';
}

const TWO_31 = 0x80000000;

/**
 * Where a spilling `ByteWriter` hands its output: `bytes` belong at byte `offset` of the
 * output. The writer reuses the memory behind `bytes` once this returns.
 */
export type Spill = (bytes: Uint8Array, offset: number) => void;

/**
 * Writes into a buffer that grows, or, given a `Spill`, that is handed over whenever it fills
 * and then reused, so that output of any size takes one buffer's worth of memory. The `#pos`
 * bytes at the start of the buffer are the output from offset `#spilled` on: nothing is written
 * past them but by appending (checked in `patchU32`, the one write behind the end).
 */
export class ByteWriter {
  #buf: Buffer;
  #pos = 0;
  #spilled = 0;
  readonly #spill: Spill | undefined;

  constructor(initialSize = 64 * 1024, spill?: Spill) {
    this.#buf = Buffer.allocUnsafe(initialSize);
    this.#spill = spill;
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#spilled + this.#pos;
  }

  #ensure(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    if (this.#spill !== undefined && n <= this.#buf.length) return this.#handOver();
    const next = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#pos + n));
    this.#buf.copy(next, 0, 0, this.#pos);
    this.#buf = next;
  }

  /** Spills what the buffer holds. A field is never split: each one ensures its room before it is written. */
  #handOver(): void {
    if (this.#pos === 0) return;
    this.#spill!(this.#buf.subarray(0, this.#pos), this.#spilled);
    this.#spilled += this.#pos;
    this.#pos = 0;
  }

  /** One byte. */
  u8(v: number): void {
    this.#ensure(1);
    this.#buf[this.#pos++] = v;
  }

  /** A little-endian u32 (section lengths, patched in afterwards). */
  u32(v: number): void {
    this.#ensure(4);
    this.#buf.writeUInt32LE(v, this.#pos);
    this.#pos += 4;
  }

  /** Overwrites a u32 written earlier at byte offset `at` (spilled again if it has left the buffer). */
  patchU32(at: number, v: number): void {
    checkInvariant(at >= 0 && at + 4 <= this.#spilled + this.#pos, 'byte-writer-output-prefix', () => `patch of 4 bytes at ${at}, output is ${this.#spilled + this.#pos} bytes`);
    if (at >= this.#spilled) {
      this.#buf.writeUInt32LE(v, at - this.#spilled);
      return;
    }
    const field = Buffer.allocUnsafe(4);
    field.writeUInt32LE(v);
    this.#spill!(field, at);
  }

  /** A little-endian float64: any number. */
  f64(v: number): void {
    this.#ensure(8);
    this.#buf.writeDoubleLE(v, this.#pos);
    this.#pos += 8;
  }

  /** An unsigned integer ≤ 2^53 in 1–8 bytes. */
  varuint(v: number): void {
    this.#ensure(8);
    const buf = this.#buf;
    let pos = this.#pos;
    while (v >= TWO_31) {
      // `% 128` rather than `& 0x7f`: bit operators would truncate to 32 bits.
      buf[pos++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    while (v >= 0x80) {
      buf[pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[pos++] = v;
    this.#pos = pos;
  }

  /** A signed integer (|v| < 2^52) as a zigzag varint: small magnitudes take one byte whatever the sign. */
  varint(v: number): void {
    this.varuint(v < 0 ? -2 * v - 1 : 2 * v);
  }

  /** A string as its UTF-8 byte length and bytes. ASCII takes a fast path without a second pass. */
  string(s: string): void {
    const n = s.length;
    if (n < 128) {
      this.#ensure(n + 1);
      const buf = this.#buf;
      const start = this.#pos + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[start + i] = c;
      }
      if (i === n) {
        buf[this.#pos] = n;
        this.#pos = start + n;
        return;
      }
    }
    const bytes = Buffer.byteLength(s, 'utf8');
    this.varuint(bytes);
    this.#ensure(bytes);
    this.#pos += this.#buf.write(s, this.#pos, 'utf8');
  }

  /** A string of code units below 256 (bytes held as latin1 text, as the etcd keyspace holds them) as its length and one byte a unit. */
  latin1(s: string): void {
    this.varuint(s.length);
    this.#ensure(s.length);
    this.#pos += this.#buf.write(s, this.#pos, 'latin1');
  }

  /** Raw bytes. */
  bytes(b: Uint8Array): void {
    if (this.#spill !== undefined && b.length > this.#buf.length) {
      this.#handOver();
      this.#spill(b, this.#spilled);
      this.#spilled += b.length;
      return;
    }
    this.#ensure(b.length);
    this.#buf.set(b, this.#pos);
    this.#pos += b.length;
  }

  /**
   * The output. A view of the buffer when at most a quarter of it would go unused, else an
   * exact-size copy: copying a 28 MB snapshot image held a member's event loop for about 20 ms,
   * while a small output should not pin a mostly empty buffer.
   */
  finish(): Uint8Array {
    if (this.#spill !== undefined) throw new Error('ByteWriter.finish: a spilling writer ends with close()');
    if (this.#buf.length - this.#pos <= this.#pos / 4) return new Uint8Array(this.#buf.buffer, this.#buf.byteOffset, this.#pos);
    return Uint8Array.prototype.slice.call(this.#buf, 0, this.#pos);
  }

  /** Ends a spilling writer: spills the rest and answers the output's length. */
  close(): number {
    this.#handOver();
    return this.#spilled;
  }
}

/** Reads what `ByteWriter` wrote. `pos` never passes `end` (each read checks `#need`), and `end` lies within the data (checked). */
export class ByteReader {
  readonly #buf: Buffer;
  #pos: number;
  readonly #end: number;

  constructor(data: Uint8Array, start = 0, end = data.byteLength) {
    checkInvariant(start >= 0 && start <= end && end <= data.byteLength, 'byte-reader-within-data', () => `reading [${start}, ${end}) of ${data.byteLength} bytes`);
    this.#buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.#pos = start;
    this.#end = end;
  }

  /** The read position. */
  get pos(): number {
    return this.#pos;
  }

  /** Whether every byte has been read. */
  get done(): boolean {
    return this.#pos === this.#end;
  }

  #need(n: number): void {
    if (this.#pos + n > this.#end) throw new SnapshotError(`snapshot truncated: need ${n} bytes at offset ${this.#pos}, have ${this.#end - this.#pos}`);
  }

  /** One byte. */
  u8(): number {
    this.#need(1);
    return this.#buf[this.#pos++]!;
  }

  /** A little-endian u32. */
  u32(): number {
    this.#need(4);
    const v = this.#buf.readUInt32LE(this.#pos);
    this.#pos += 4;
    return v;
  }

  /** A little-endian float64. */
  f64(): number {
    this.#need(8);
    const v = this.#buf.readDoubleLE(this.#pos);
    this.#pos += 8;
    return v;
  }

  /** An unsigned varint. */
  varuint(): number {
    const buf = this.#buf;
    let pos = this.#pos;
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      if (pos >= this.#end) throw new SnapshotError(`snapshot truncated inside a varint at offset ${pos}`);
      const b = buf[pos++]!;
      result += (b & 0x7f) * scale;
      if (b < 0x80) {
        this.#pos = pos;
        return result;
      }
      scale *= 128;
    }
    throw new SnapshotError(`varint longer than 8 bytes at offset ${this.#pos}`);
  }

  /** A zigzag signed varint. */
  varint(): number {
    const z = this.varuint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  /** A length-prefixed UTF-8 string. */
  string(): string {
    return this.#text('utf8');
  }

  /** A length-prefixed latin1 string (ByteWriter.latin1). */
  latin1(): string {
    return this.#text('latin1');
  }

  #text(encoding: 'utf8' | 'latin1'): string {
    const n = this.varuint();
    this.#need(n);
    const s = this.#buf.toString(encoding, this.#pos, this.#pos + n);
    this.#pos += n;
    return s;
  }

  /**
   * Copies the next `n` bytes into `target` at `at`; returns whether they were all ASCII.
   * Names are short: a loop beats allocating a view per name when restoring a million of them.
   */
  bytesInto(target: Uint8Array, at: number, n: number): boolean {
    this.#need(n);
    if (at + n > target.length) throw new RangeError(`bytesInto: ${n} bytes do not fit at ${at} of ${target.length}`);
    const buf = this.#buf;
    const from = this.#pos;
    let high = 0;
    for (let i = 0; i < n; i++) high |= target[at + i] = buf[from + i]!;
    this.#pos += n;
    return high < 0x80;
  }

  /** `n` raw bytes, as a view (not a copy). */
  bytes(n: number): Uint8Array {
    this.#need(n);
    const view = this.#buf.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return view;
  }

  /** Moves the read position to `pos` (within bounds). */
  seek(pos: number): void {
    if (pos < 0 || pos > this.#end) throw new SnapshotError(`seek to ${pos} outside the snapshot`);
    this.#pos = pos;
  }
}
