import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteReader, ByteWriter, SnapshotError } from '../../../src/core/fleet/byte-io.js';

describe('ByteWriter / ByteReader', () => {
  it('finishes without copying an output that fills most of its buffer, and copies a small one out of a large buffer', () => {
    const full = new ByteWriter(10_000);
    for (let i = 0; i < 9_000; i++) full.u8(i & 0xff);
    const view = full.finish();
    expect(view.length).toBe(9_000);
    expect(view.buffer.byteLength).toBe(10_000);
    expect(view[8_999]).toBe(8_999 & 0xff);

    const sparse = new ByteWriter(10_000);
    sparse.string('hello');
    const copy = sparse.finish();
    expect(copy.buffer.byteLength).toBe(copy.length);
    expect(new ByteReader(copy).string()).toBe('hello');
  });

  it('round-trips latin1 strings and float64s, through a spilling writer too (property)', () => {
    const item = fc.oneof(
      fc.record({ k: fc.constant('l' as const), v: fc.oneof(fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)) }), fc.constant('\xff'.repeat(70_000))) }),
      fc.record({ k: fc.constant('f' as const), v: fc.double() }),
    );
    fc.assert(
      fc.property(fc.array(item, { maxLength: 50 }), fc.boolean(), (items, spill) => {
        const chunks: { bytes: Buffer; offset: number }[] = [];
        const w = spill ? new ByteWriter(16, (bytes, offset) => void chunks.push({ bytes: Buffer.from(bytes), offset })) : new ByteWriter(4);
        for (const it of items) {
          if (it.k === 'l') w.latin1(it.v);
          else w.f64(it.v);
        }
        const spilled = (length: number): Buffer => {
          const out = Buffer.alloc(length);
          for (const c of chunks) out.set(c.bytes, c.offset);
          return out;
        };
        const r = new ByteReader(spill ? spilled(w.close()) : w.finish());
        for (const it of items) expect(it.k === 'l' ? r.latin1() : r.f64()).toEqual(it.v);
        expect(r.done).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it('round-trips varints up to 2^53, zigzag ints and strings (property)', () => {
    const item = fc.oneof(
      fc.record({ k: fc.constant('u' as const), v: fc.oneof(fc.nat(), fc.maxSafeNat(), fc.constantFrom(0, 127, 128, 2 ** 31 - 1, 2 ** 31, 2 ** 32, Number.MAX_SAFE_INTEGER)) }),
      fc.record({ k: fc.constant('i' as const), v: fc.integer({ min: -(2 ** 51), max: 2 ** 51 }) }),
      fc.record({ k: fc.constant('s' as const), v: fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom('x'.repeat(300), 'é'.repeat(200))) }),
    );
    fc.assert(
      fc.property(fc.array(item, { maxLength: 50 }), (items) => {
        const w = new ByteWriter(4);
        for (const it of items) {
          if (it.k === 'u') w.varuint(it.v);
          else if (it.k === 'i') w.varint(it.v);
          else w.string(it.v);
        }
        const r = new ByteReader(w.finish());
        for (const it of items) {
          const got = it.k === 'u' ? r.varuint() : it.k === 'i' ? r.varint() : r.string();
          // Lone surrogates cannot be UTF-8: they come back as U+FFFD, like every UTF-8 codec.
          expect(got).toEqual(it.k === 's' ? Buffer.from(it.v, 'utf8').toString('utf8') : it.v);
        }
        expect(r.done).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('spills through a small reused buffer the same bytes a growing one holds, patches included (property)', () => {
    const op = fc.oneof(
      fc.record({ k: fc.constant('u8' as const), v: fc.nat(255) }),
      fc.record({ k: fc.constant('u' as const), v: fc.maxSafeNat() }),
      fc.record({ k: fc.constant('s' as const), v: fc.oneof(fc.string(), fc.constantFrom('x'.repeat(40), 'é'.repeat(30))) }),
      fc.record({ k: fc.constant('b' as const), v: fc.uint8Array({ maxLength: 70 }) }),
      // A u32 placeholder patched after a few more ops, like a section length.
      fc.record({ k: fc.constant('p' as const), v: fc.nat(0xffff_ffff) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), fc.integer({ min: 8, max: 64 }), (ops, size) => {
        const out = Buffer.alloc(8_192);
        const spilling = new ByteWriter(size, (bytes, offset) => {
          out.set(bytes, offset);
        });
        const growing = new ByteWriter(4);
        const pending: { at: number; v: number }[] = [];
        for (const [i, o] of ops.entries()) {
          for (const w of [growing, spilling]) {
            if (o.k === 'u8') w.u8(o.v);
            else if (o.k === 'u') w.varuint(o.v);
            else if (o.k === 's') w.string(o.v);
            else if (o.k === 'b') w.bytes(o.v);
            else w.u32(0);
          }
          if (o.k === 'p') pending.push({ at: growing.length - 4, v: o.v });
          if (i % 5 === 4) for (const { at, v } of pending.splice(0)) [growing, spilling].forEach((w) => w.patchU32(at, v));
        }
        for (const { at, v } of pending) [growing, spilling].forEach((w) => w.patchU32(at, v));
        const expected = growing.finish();
        expect(spilling.close()).toBe(expected.length);
        expect(out.subarray(0, expected.length).equals(expected)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('uses one byte for small numbers and 8 for 2^53 - 1', () => {
    const w = new ByteWriter();
    w.varuint(127);
    expect(w.length).toBe(1);
    w.varuint(Number.MAX_SAFE_INTEGER);
    expect(w.length).toBe(9);
    w.varint(-1);
    expect(w.length).toBe(10);
  });

  it('throws SnapshotError on truncated input and over-long varints', () => {
    expect(() => new ByteReader(Uint8Array.of(0x80)).varuint()).toThrow(SnapshotError);
    expect(() => new ByteReader(Uint8Array.of(5, 97)).string()).toThrow(SnapshotError);
    expect(() => new ByteReader(new Uint8Array(9).fill(0xff)).varuint()).toThrow(/longer than 8 bytes/);
    expect(() => new ByteReader(Uint8Array.of(1, 2)).u32()).toThrow(SnapshotError);
  });
});
