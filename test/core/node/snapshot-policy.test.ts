import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { snapshotDue } from '../../../src/core/node/snapshot-policy.js';

describe('snapshotDue', () => {
  it('takes the first snapshot after `every` entries, whatever their size', () => {
    expect(snapshotDue({ entries: 9_999, logBytes: 1e9, lastSnapshotBytes: 0 }, 10_000)).toBe(false);
    expect(snapshotDue({ entries: 10_000, logBytes: 1, lastSnapshotBytes: 0 }, 10_000)).toBe(true);
  });

  it('waits for as many log bytes as the last snapshot holds: a 27.7 MB state is not rewritten every 3 MB', () => {
    expect(snapshotDue({ entries: 10_000, logBytes: 3e6, lastSnapshotBytes: 27.7e6 }, 10_000)).toBe(false);
    expect(snapshotDue({ entries: 95_000, logBytes: 27.7e6, lastSnapshotBytes: 27.7e6 }, 10_000)).toBe(true);
  });

  it('bounds snapshot work by the log written: over any run, serialized bytes ≤ log bytes + the last state (property)', () => {
    // A state that grows by each entry's bytes (distinct keys): the worst case for a count-only rule.
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 3_000 }), (every, sizes) => {
        let state = 0;
        let since = { entries: 0, logBytes: 0 };
        let last = 0;
        let serialized = 0;
        let written = 0;
        for (const size of sizes) {
          state += size;
          written += size;
          since = { entries: since.entries + 1, logBytes: since.logBytes + size };
          if (snapshotDue({ ...since, lastSnapshotBytes: last }, every)) {
            serialized += state;
            last = state;
            since = { entries: 0, logBytes: 0 };
          }
        }
        return serialized <= 2 * written + state;
      }),
    );
  });
});
