import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IMAGE_DUTY, MAX_SNAPSHOT_STRETCH, snapshotDue, snapshotProgressAfter } from '../../../src/core/node/snapshots/snapshot-policy.js';

describe('snapshotDue', () => {
  it('takes the first snapshot after `every` entries, whatever their size', () => {
    expect(snapshotDue({ entries: 9_999, logBytes: 1e9, lastSnapshotBytes: 0, stretch: 1 }, 10_000, 0)).toBe(false);
    expect(snapshotDue({ entries: 10_000, logBytes: 1, lastSnapshotBytes: 0, stretch: 1 }, 10_000, 0)).toBe(true);
  });

  it('waits for as many log bytes as the last snapshot holds: a 27.7 MB state is not rewritten every 3 MB', () => {
    expect(snapshotDue({ entries: 10_000, logBytes: 3e6, lastSnapshotBytes: 27.7e6, stretch: 1 }, 10_000, 0)).toBe(false);
    expect(snapshotDue({ entries: 95_000, logBytes: 27.7e6, lastSnapshotBytes: 27.7e6, stretch: 1 }, 10_000, 0)).toBe(true);
  });

  it('bounds snapshot work by the log written: over any run, serialized bytes ≤ log bytes + the last state (property)', () => {
    // A state that grows by each entry's bytes (distinct keys): the worst case for a count-only rule.
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 3_000 }), fc.double({ min: 1, max: MAX_SNAPSHOT_STRETCH, noNaN: true }), (every, sizes, stretch) => {
        let state = 0;
        let since = { entries: 0, logBytes: 0 };
        let last = 0;
        let serialized = 0;
        let written = 0;
        for (const size of sizes) {
          state += size;
          written += size;
          since = { entries: since.entries + 1, logBytes: since.logBytes + size };
          if (snapshotDue({ ...since, lastSnapshotBytes: last, stretch }, every, 0)) {
            serialized += state;
            last = state;
            since = { entries: 0, logBytes: 0 };
          }
        }
        return serialized <= (1 + 1 / stretch) * written + state;
      }),
    );
  });

  it('takes a cheap image once the member has spent IMAGE_DUTY times its work on other things, before the log is as large', () => {
    // A 1.1 MB state whose last image took 25 ms of steps, ended at t = 1,000 ms; 600 entries of 320 B since.
    const p = { entries: 600, logBytes: 600 * 320, lastSnapshotBytes: 1.1e6, stretch: 1, lastImage: { endedAt: 1_000, workMs: 25 } };
    expect(snapshotDue(p, 500, 1_000 + 25 * IMAGE_DUTY - 1)).toBe(false);
    expect(snapshotDue(p, 500, 1_000 + 25 * IMAGE_DUTY)).toBe(true);
    // Never before `every` entries, however long ago.
    expect(snapshotDue({ ...p, entries: 499 }, 500, 1e9)).toBe(false);
    // Without an image of its own yet (a member just started), the byte rule alone.
    expect(snapshotDue({ ...p, lastImage: undefined }, 500, 1e9)).toBe(false);
  });

  it('bounds image work by the time rule to about 1/IMAGE_DUTY of the time (property)', () => {
    // Entries arrive every `gapMs`; an image of a fixed state takes `workMs` and ends when it is taken.
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.double({ min: 0.01, max: 10, noNaN: true }), fc.double({ min: 0.1, max: 500, noNaN: true }), (every, gapMs, workMs) => {
        let progress = snapshotProgressAfter(1e12, 0, { endedAt: 0, workMs });
        let now = 0;
        let work = 0;
        for (let i = 0; i < 5_000; i++) {
          now += gapMs;
          progress = { ...progress, entries: progress.entries + 1, logBytes: progress.logBytes + 100 };
          if (!snapshotDue(progress, every, now)) continue;
          now += workMs;
          work += workMs;
          progress = snapshotProgressAfter(1e12, 0, { endedAt: now, workMs });
        }
        // The first image is free of the rule's wait; after it, each waited IMAGE_DUTY times its work.
        return work <= workMs + now / (IMAGE_DUTY + 1) + 1e-6;
      }),
    );
  });

  it('stretches both thresholds by the member\'s own factor, so members reach them apart', () => {
    const early = snapshotProgressAfter(1e6, 0);
    const late = snapshotProgressAfter(1e6, 0.8);
    expect(early.stretch).toBe(1);
    expect(late.stretch).toBeCloseTo(1.4);
    const at = (p: typeof early, entries: number) => snapshotDue({ ...p, entries, logBytes: entries * 100 }, 10_000, 0);
    // The byte rule binds here (1 MB of state, 100 bytes per entry): due at 10,000 entries unstretched, 14,000 stretched.
    expect([at(early, 10_000), at(late, 10_000)]).toEqual([true, false]);
    expect([at(early, 13_999), at(late, 13_999), at(late, 14_000)]).toEqual([true, false, true]);
  });

  it('never stretches beyond MAX_SNAPSHOT_STRETCH', () => {
    fc.assert(fc.property(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (r) => {
      const { stretch } = snapshotProgressAfter(0, r);
      return stretch >= 1 && stretch <= MAX_SNAPSHOT_STRETCH;
    }));
  });
});
