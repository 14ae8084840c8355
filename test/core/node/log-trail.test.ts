import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LogTrail } from '../../../src/core/node/snapshots/log-trail.js';
import type { SnapshotMeta } from '../../../src/core/raft/index.js';

const conf = { voters: ['n1'], learners: [] };
const at = (index: number): SnapshotMeta => ({ index, term: 1, conf });

/** A log whose every entry carries `entryBytes` of payload, starting after `start`. */
function logOf(start: number, entryBytes = 10) {
  return { start: at(start), bytesBetween: (after: number, upTo: number) => Math.max(0, upTo - Math.max(after, start)) * entryBytes };
}

describe('LogTrail', () => {
  it('keeps the log from the oldest point within the entry limit behind the newest snapshot', () => {
    const trail = new LogTrail({ entries: 100, bytes: 1 << 20 });
    // The first snapshot after a start: nothing older to drop, the whole log is within the limit.
    expect(trail.compactTo(at(50), logOf(0)).index).toBe(0);
    expect(trail.compactTo(at(110), logOf(0)).index).toBe(50);
    expect(trail.compactTo(at(170), logOf(50)).index).toBe(110);
    // A snapshot far past the others: none within the limit but itself.
    expect(trail.compactTo(at(400), logOf(110)).index).toBe(400);
  });

  it('keeps no more payload than the byte limit', () => {
    const trail = new LogTrail({ entries: 5_000, bytes: 1_000 });
    expect(trail.compactTo(at(60), logOf(0, 10)).index).toBe(0);
    // 120 entries of 10 bytes since the start: over the limit; 60 since the snapshot at 60: within.
    expect(trail.compactTo(at(120), logOf(0, 10)).index).toBe(60);
    // Entries of 100 bytes: even one snapshot's worth behind is over.
    expect(trail.compactTo(at(180), logOf(60, 100)).index).toBe(180);
  });

  it('with no trail, compacts to each snapshot taken (as before the trail)', () => {
    const trail = new LogTrail({ entries: 0, bytes: 0 });
    expect(trail.compactTo(at(10), logOf(0)).index).toBe(10);
    expect(trail.compactTo(at(20), logOf(10)).index).toBe(20);
  });

  it("after a leader's snapshot, forgets the snapshots taken before it", () => {
    const trail = new LogTrail({ entries: 1_000, bytes: 1 << 20 });
    trail.compactTo(at(100), logOf(0));
    trail.reset();
    // The log now starts at the installed snapshot (500); 100 is behind it and never a point.
    expect(trail.compactTo(at(600), logOf(500)).index).toBe(500);
  });

  it('always answers a real snapshot or the log start, never past the snapshot taken, within the limits when it can', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 5_000 }), fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 30 }), (entries, bytes, gaps) => {
        const trail = new LogTrail({ entries, bytes });
        let start = 0;
        let taken = 0;
        const points = new Set([0]);
        for (const gap of gaps) {
          taken += gap;
          points.add(taken);
          const keep = trail.compactTo(at(taken), logOf(start, 7)).index;
          expect(points.has(keep)).toBe(true);
          expect(keep).toBeGreaterThanOrEqual(start);
          expect(keep).toBeLessThanOrEqual(taken);
          if (keep < taken) {
            expect(taken - keep).toBeLessThanOrEqual(entries);
            expect((taken - keep) * 7).toBeLessThanOrEqual(bytes);
          }
          start = keep;
        }
      }),
    );
  });
});
