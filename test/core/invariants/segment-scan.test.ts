/**
 * A segment scan's records are exactly the valid records before its end: each decoded record
 * moves the scan on within the image. The planted bug is a decoder that answers a record which
 * ends where it starts (the scan would loop, or count a record twice).
 */
import { describe, expect, it, vi } from 'vitest';
import { RecordEncoder } from '../../../src/core/storage/record-codec.js';
import { scanSegment } from '../../../src/core/storage/segment-scan.js';
import { expectInvariant } from './expect-invariant.js';

/** Records the planted decoder leaves where they start (once: unchecked, the scan would not end). */
const planted = vi.hoisted(() => ({ stuck: 0 }));

vi.mock('../../../src/core/storage/record-codec.js', async (importActual) => {
  const actual = await importActual<typeof import('../../../src/core/storage/record-codec.js')>();
  return {
    ...actual,
    decodeRecord: (...args: Parameters<typeof actual.decodeRecord>) => {
      const decoded = actual.decodeRecord(...args);
      return planted.stuck > 0 && decoded.ok && planted.stuck-- > 0 ? { ...decoded, next: args[1] } : decoded;
    },
  };
});

/** A segment image: a header and a hard state. */
function image(): Buffer {
  const enc = new RecordEncoder(1024);
  enc.header({ seq: 1, firstIndex: 1, prevTerm: 0, reset: true, hardState: { term: 1, vote: '', commit: 0 } });
  enc.hardState({ term: 1, vote: 'n1', commit: 0 });
  return Buffer.from(enc.view());
}

describe('scanSegment', () => {
  it('moves on by every record it decodes', () => {
    planted.stuck = 0;
    const scan = scanSegment(image());
    expect(scan.records.map((r) => r.kind)).toEqual(['header', 'hard-state']);
    expect(scan.end).toBe(image().length);
  });

  it('refuses a record that ends where it starts', () => {
    planted.stuck = 1;
    expectInvariant(() => scanSegment(image()), 'segment-scan-records-before-end');
  });
});
