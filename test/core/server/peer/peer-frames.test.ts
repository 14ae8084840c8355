import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { frame, FrameReader, MAX_FRAME_BYTES } from '../../../../src/core/server/peer/peer-frames.js';

/** `bytes` cut at `cuts` (positions, any order, repeats allowed). */
function chunksOf(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const c of [...at, bytes.length]) {
    chunks.push(bytes.subarray(from, c));
    from = c;
  }
  return chunks;
}

describe('peer frames', () => {
  it('gives back every batch, in order, however the stream is cut', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 40 }), (batches, cuts) => {
        const reader = new FrameReader();
        const read = chunksOf(Buffer.concat(batches.map(frame)), cuts).flatMap((c) => reader.push(c));
        expect(read.map((b) => Buffer.from(b).toString('hex'))).toEqual(batches.map((b) => Buffer.from(b).toString('hex')));
        expect(reader.midFrame).toBe(false);
      }),
    );
  });

  it('says a stream that ended inside a frame was cut short', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.nat(), (batch, cut) => {
        const bytes = frame(batch);
        const reader = new FrameReader();
        expect(reader.push(bytes.subarray(0, 1 + (cut % (bytes.length - 1))))).toEqual([]);
        expect(reader.midFrame).toBe(true);
      }),
    );
  });

  it('refuses a frame over the limit from its length alone, before its bytes come, and gives the frames before it', () => {
    const reader = new FrameReader();
    const head = Buffer.alloc(4);
    head.writeUInt32BE(MAX_FRAME_BYTES + 1, 0);
    expect(reader.push(Buffer.concat([frame(new Uint8Array([1, 2])), head.subarray(0, 2)])).map((b) => [...b])).toEqual([[1, 2]]);
    expect(reader.tooLarge).toBeUndefined();
    expect(reader.push(head.subarray(2))).toEqual([]);
    expect(reader.tooLarge).toMatch(/^a peer frame of 67108865 bytes, over the 67108864-byte limit$/);
    expect(reader.push(frame(new Uint8Array(3)))).toEqual([]);
    const small = new FrameReader(10);
    small.push(frame(new Uint8Array(11)));
    expect(small.tooLarge).toMatch(/11 bytes, over the 10-byte limit/);
  });

  it('reads a frame of exactly the limit, and an empty one', () => {
    const reader = new FrameReader(16);
    expect(reader.push(Buffer.concat([frame(new Uint8Array(16).fill(7)), frame(new Uint8Array(0))])).map((b) => b.length)).toEqual([16, 0]);
  });
});
