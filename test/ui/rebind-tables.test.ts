import { describe, expect, it } from 'vitest';
import type { ApplyReport, BatchEvent, CheckReport, VerifyReport } from '../../src/ops/rebind/index.js';
import { palette } from '../../src/ui/colors.js';
import { batchLine, progressBar } from '../../src/ui/rebind-progress.js';
import { renderApply, renderCheck, renderRebindOne, renderVerify } from '../../src/ui/rebind-tables.js';

const plain = palette(false);
const event: BatchEvent = { batch: 3, batches: 10, moved: 300, done: 4_200, total: 10_000, skipped: 0, elapsedMs: 1_000, movesPerSecond: 3_100, etaMs: 1_900 };

describe('apply progress', () => {
  it('draws a bar with moves, rate and ETA that fits the terminal', () => {
    const bar = progressBar(event, 80);
    // 42% of the 31 columns left for the bar.
    expect(bar).toBe('[#############------------------] 4,200/10,000 moves · 3,100 moves/s · ETA 1.9s');
    expect(bar.length).toBeLessThanOrEqual(80);
    expect(progressBar({ ...event, done: 10_000, etaMs: 0 }, 80)).toMatch(/^\[#+\] 10,000\/10,000 moves/);
  });

  it('writes one line per batch off a terminal', () => {
    expect(batchLine({ ...event, skipped: 2 })).toBe('batch 3/10: 300 moved, 4,200/10,000 in place, 3,100 moves/s, 2 skipped');
  });
});

describe('rebind tables', () => {
  it("says '1 batch' and '1 move', not '1 batches'", () => {
    const report = { planId: 'p', state: 'completed', total: 1, inPlaceBefore: 0, applied: 1, skippedCount: 0, skipped: [], batches: 1, elapsedMs: 0, movesPerSecond: 0, rollbackFile: null, index: 7 } as unknown as ApplyReport;
    expect(renderApply(report, plain)).toBe('plan p: applied 1 move in 1 batch; 1 of 1 in place');
    expect(renderApply({ ...report, applied: 2, total: 2, batches: 2 }, plain)).toBe('plan p: applied 2 moves in 2 batches; 2 of 2 in place');
  });

  it('prints a single move with its generation', () => {
    expect(renderRebindOne({ cluster: 'c1', from: 's1', to: 's2', generation: 3, index: 99, changed: true }, plain)).toBe('c1: s1 → s2 (generation 3, index 99)');
  });

  it('prints the before/after table and the problems of a check', () => {
    const report: CheckReport = {
      planId: 'p1', total: 3, pending: 2, inPlace: 0, conflicting: 1, missing: 0, drift: null, problemCount: 1, ok: false,
      problems: [{ kind: 'conflict', moveIndex: 2, cluster: 'c3', message: 'moves[2] (cluster "c3"): is on "s9", neither on "s1" (from) nor on "s2" (to)' }],
      shards: [
        { id: 's1', state: 'draining', capacity: 10, planned: 3, now: 3, out: 2, in: 0, after: 1 },
        { id: 's2', state: 'active', capacity: 1, planned: 0, now: 0, out: 0, in: 2, after: 2 },
      ],
    };
    const lines = renderCheck(report, plain).split('\n');
    expect(lines[0]).toBe('plan p1: 3 moves · 2 to apply · 0 in place · 1 conflicting');
    expect(lines[2]).toMatch(/^SHARD\s+STATE\s+CAPACITY\s+AT PLAN\s+NOW\s+OUT\s+IN\s+AFTER$/);
    expect(lines[3]).toMatch(/^s1\s+draining\s+10\s+3\s+3\s+-2\s+0\s+1$/);
    expect(lines[4]).toMatch(/^s2\s+active\s+1\s+0\s+0\s+0\s+\+2\s+2$/);
    expect(lines.slice(6)).toEqual(['1 problem:', '  ✗ moves[2] (cluster "c3"): is on "s9", neither on "s1" (from) nor on "s2" (to)']);
  });

  it('lists the moves a verify did not find in place', () => {
    const report: VerifyReport = { planId: 'p1', total: 2, inPlace: 0, notYet: 1, conflicting: 1, verified: false, unverified: [
      { moveIndex: 0, cluster: 'c1', from: 's1', to: 's2', status: 'pending', actual: 's1' },
      { moveIndex: 1, cluster: 'c2', from: 's1', to: 's2', status: 'missing', actual: undefined },
    ] };
    const lines = renderVerify(report, plain).split('\n');
    expect(lines[0]).toBe('plan p1: 0 of 2 moves in place · 1 not yet · 1 conflicting');
    expect(lines[3]).toMatch(/^\s*0\s+c1\s+s1\s+s2\s+not yet\s+s1$/);
    expect(lines[4]).toMatch(/^\s*1\s+c2\s+s1\s+s2\s+missing\s+\(no such cluster\)$/);
  });
});
