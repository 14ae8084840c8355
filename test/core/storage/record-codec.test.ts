import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Entry, HardState } from '../../../src/core/raft/types.js';
import { RECORD_ALIGN, RecordEncoder, decodeRecord, entryRecordBytes, type WalRecord } from '../../../src/core/storage/record-codec.js';
import { scanSegment } from '../../../src/core/storage/segment-scan.js';

const safe = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const entryArb: fc.Arbitrary<Entry> = fc.record({
  term: safe,
  index: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  type: fc.constantFrom('normal' as const, 'conf-change' as const, 'noop' as const),
  data: fc.uint8Array({ maxLength: 600 }),
});
const hardStateArb: fc.Arbitrary<HardState> = fc.record({ term: safe, vote: fc.string({ maxLength: 40 }), commit: safe });
const recordArb: fc.Arbitrary<WalRecord> = fc.oneof(
  entryArb.map((entry): WalRecord => ({ kind: 'entry', entry })),
  hardStateArb.map((hardState): WalRecord => ({ kind: 'hard-state', hardState })),
  safe.map((syncedOffset): WalRecord => ({ kind: 'mark', syncedOffset })),
);

function encode(encoder: RecordEncoder, r: WalRecord): void {
  if (r.kind === 'entry') encoder.entry(r.entry);
  else if (r.kind === 'hard-state') encoder.hardState(r.hardState);
  else if (r.kind === 'mark') encoder.mark(r.syncedOffset);
  else encoder.header(r.header);
}

describe('record codec', () => {
  it('decodes whatever it encodes, 8-aligned, through a reused arena', () => {
    const encoder = new RecordEncoder(64); // small, so growth is exercised
    fc.assert(
      fc.property(fc.array(recordArb, { maxLength: 40 }), (records) => {
        encoder.consume(encoder.length);
        const header = { seq: 1, firstIndex: 1, prevTerm: 0, reset: false, hardState: { term: 0, vote: '', commit: 0 } };
        encoder.header(header);
        for (const r of records) encode(encoder, r);
        expect(encoder.length % RECORD_ALIGN).toBe(0);
        const scan = scanSegment(Buffer.from(encoder.view()));
        expect(scan.damage).toBeUndefined();
        expect(scan.end).toBe(encoder.length);
        expect(scan.records).toEqual([{ kind: 'header', header }, ...records]);
      }),
      { numRuns: 300 },
    );
  });

  it('sizes entry records exactly', () => {
    for (const n of [0, 1, 5, 6, 7, 300, 4096]) {
      const encoder = new RecordEncoder();
      encoder.entry({ term: 1, index: 1, type: 'normal', data: new Uint8Array(n) });
      expect(encoder.length).toBe(entryRecordBytes(n));
    }
  });

  it('keeps what was encoded after the consumed prefix', () => {
    const encoder = new RecordEncoder(64);
    encoder.hardState({ term: 1, vote: 'a', commit: 1 });
    const first = encoder.length;
    encoder.hardState({ term: 2, vote: 'b', commit: 2 });
    encoder.consume(first);
    const decoded = decodeRecord(Buffer.from(encoder.view()), 0);
    expect(decoded).toMatchObject({ ok: true, record: { kind: 'hard-state', hardState: { term: 2, vote: 'b', commit: 2 } } });
  });

  it('detects any single flipped byte in a record', () => {
    const encoder = new RecordEncoder();
    encoder.entry({ term: 3, index: 9, type: 'conf-change', data: Uint8Array.from([1, 2, 3, 4, 5]) });
    const image = Buffer.from(encoder.view());
    const covered = 8 + image.readUInt32LE(4);
    for (let at = 0; at < covered; at++) {
      for (const bit of [0x01, 0x80, 0xff]) {
        const copy = Buffer.from(image);
        copy[at] = (copy[at] ?? 0) ^ bit;
        expect(decodeRecord(copy, 0).ok).toBe(false);
      }
    }
  });
});
