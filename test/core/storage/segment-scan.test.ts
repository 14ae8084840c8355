import { describe, expect, it } from 'vitest';
import { PayloadSlab, RecordEncoder } from '../../../src/core/storage/record-codec.js';
import { scanSegment } from '../../../src/core/storage/segment-scan.js';

const HEADER = { seq: 1, firstIndex: 1, prevTerm: 0, reset: false, hardState: { term: 1, vote: '', commit: 0 } };

/** A segment image built the way the writer builds one: a header, then writes that each start with a mark. */
function image(writes: number): { buf: Buffer; writeStarts: number[] } {
  const encoder = new RecordEncoder();
  encoder.header(HEADER);
  const writeStarts: number[] = [];
  let index = 1;
  for (let w = 0; w < writes; w++) {
    writeStarts.push(encoder.length);
    encoder.mark(encoder.length); // every earlier write was fsynced before this one
    for (let k = 0; k < 3; k++) encoder.entry({ term: 1, index: index++, type: 'normal', data: new Uint8Array(50).fill(w) });
  }
  return { buf: Buffer.from(encoder.view()), writeStarts };
}

describe('segment scan', () => {
  it('reads a clean segment and treats trailing zeros as free space', () => {
    const { buf } = image(4);
    const scan = scanSegment(Buffer.concat([buf, Buffer.alloc(1 << 20)]));
    expect(scan.damage).toBeUndefined();
    expect(scan.end).toBe(buf.length);
    expect(scan.records.filter((r) => r.kind === 'entry')).toHaveLength(12);
  });

  it('calls damage in the last write a possible tear, and damage that a later mark covers durable', () => {
    const { buf, writeStarts } = image(4);
    const inLast = Buffer.from(buf);
    inLast[(writeStarts[3] ?? 0) + 40] ^= 1;
    expect(scanSegment(inLast).damage).toMatchObject({ durable: false, reason: 'checksum mismatch' });

    const inSecond = Buffer.from(buf);
    inSecond[(writeStarts[1] ?? 0) + 40] ^= 1;
    expect(scanSegment(inSecond).damage).toMatchObject({ durable: true });
  });

  it('finds the proving mark past a corrupted length field, and past zeroed pages', () => {
    const { buf, writeStarts } = image(3);
    const badLength = Buffer.from(buf);
    badLength.writeUInt32LE(0x00ff_ffff, (writeStarts[0] ?? 0) + 24 + 4);
    expect(scanSegment(badLength).damage).toMatchObject({ durable: true });

    const zeroed = Buffer.from(buf);
    zeroed.fill(0, writeStarts[0], (writeStarts[1] ?? 0) - 8);
    expect(scanSegment(zeroed).damage).toMatchObject({ durable: true, reason: expect.stringMatching(/non-zero bytes/) });
  });

  it('keeps no payload for entries a snapshot covers, and still checks their records', () => {
    const { buf, writeStarts } = image(4);
    const scan = scanSegment(buf, new PayloadSlab(7));
    const entries = scan.records.flatMap((r) => (r.kind === 'entry' ? [r.entry] : []));
    expect(entries.map((e) => [e.index, e.term, e.data.length])).toEqual([
      ...[1, 2, 3, 4, 5, 6, 7].map((i) => [i, 1, 0]),
      ...[8, 9, 10, 11, 12].map((i) => [i, 1, 50]),
    ]);
    expect(entries[7]?.data.every((b) => b === 2)).toBe(true);
    // A flipped byte in a covered entry is found as before: the checksum is still verified.
    const damaged = Buffer.from(buf);
    damaged[(writeStarts[0] ?? 0) + 40] ^= 1;
    expect(scanSegment(damaged, new PayloadSlab(7)).damage).toMatchObject({ durable: true, reason: 'checksum mismatch' });
  });

  it('requires the header first and only first', () => {
    const encoder = new RecordEncoder();
    encoder.entry({ term: 1, index: 1, type: 'noop', data: new Uint8Array(0) });
    expect(scanSegment(Buffer.from(encoder.view())).damage?.reason).toMatch(/does not start with a header/);
    const twice = new RecordEncoder();
    twice.header(HEADER);
    twice.header(HEADER);
    expect(scanSegment(Buffer.from(twice.view())).damage).toMatchObject({ offset: 64, reason: expect.stringMatching(/in the middle/) });
  });
});
