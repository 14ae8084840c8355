/**
 * The chaos drill's schedule (pure): reproducible from its seed, one member away at a time on the
 * main track, clock skews on their own track within bounds, everything inside the run; and the
 * refusals of a plan that cannot hold one fault or would cost the quorum.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chaosSchedule, checkChaosPlan, MIN_CHAOS_MS, NEMESES, parseNemeses, type ChaosFault } from '../../../src/ops/drill/scenarios/chaos-schedule.js';

const members = ['n1', 'n2', 'n3'];
const all = [...NEMESES];

function overlapping(track: readonly ChaosFault[]): boolean {
  return track.some((f, i) => i > 0 && f.atMs < track[i - 1]!.atMs + track[i - 1]!.forMs);
}

describe('chaosSchedule', () => {
  it('is the same for the same seed and differs for another', () => {
    const plan = { seed: 42, durationMs: 60_000, nemeses: all, members };
    expect(chaosSchedule(plan)).toEqual(chaosSchedule(plan));
    expect(chaosSchedule({ ...plan, seed: 43 })).not.toEqual(chaosSchedule(plan));
  });

  it('keeps one member away at a time, skews one clock at a time by 1–30 s, and ends every fault inside the run', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: MIN_CHAOS_MS, max: 600_000 }), fc.subarray(all, { minLength: 1 }), (seed, durationMs, nemeses) => {
        const faults = chaosSchedule({ seed, durationMs, nemeses, members });
        const main = faults.filter((f) => f.nemesis !== 'clock');
        const clock = faults.filter((f) => f.nemesis === 'clock');
        expect(overlapping(main)).toBe(false);
        expect(overlapping(clock)).toBe(false);
        for (const f of faults) {
          expect(nemeses).toContain(f.nemesis);
          expect(f.atMs + f.forMs).toBeLessThanOrEqual(durationMs);
          expect(['leader', ...members]).toContain(f.target);
        }
        for (const f of clock) expect(Math.abs(f.clockOffsetMs!)).toBeGreaterThanOrEqual(1_000);
        for (const f of clock) expect(Math.abs(f.clockOffsetMs!)).toBeLessThanOrEqual(30_000);
      }),
      { numRuns: 300 },
    );
  });

  it('mixes every nemesis asked for over a long run', () => {
    const faults = chaosSchedule({ seed: 7, durationMs: 300_000, nemeses: all, members });
    expect(new Set(faults.map((f) => f.nemesis))).toEqual(new Set(all));
  });
});

describe('the refusals', () => {
  it('reads --nemesis, refusing an unknown or repeated one', () => {
    expect(parseNemeses('kill, partition')).toEqual(['kill', 'partition']);
    expect(() => parseNemeses('kill,flood')).toThrow(/--nemesis: unknown "flood"; choose from kill, pause, partition, clock, disk-stall/);
    expect(() => parseNemeses('kill,kill')).toThrow(/twice/);
    expect(() => parseNemeses('')).toThrow(/at least one/);
  });

  it('refuses a duration too short for one fault, and a member taken away from fewer than three', () => {
    expect(() => checkChaosPlan({ seed: 1, durationMs: MIN_CHAOS_MS - 1, nemeses: all, members })).toThrow(/too short for one fault/);
    expect(() => checkChaosPlan({ seed: 1, durationMs: 60_000, nemeses: ['kill'], members: ['n1', 'n2'] })).toThrow(/needs at least 3 members: with 2, one member away leaves no quorum/);
    expect(() => checkChaosPlan({ seed: 1, durationMs: 60_000, nemeses: ['clock'], members: ['n1'] })).not.toThrow();
  });
});
