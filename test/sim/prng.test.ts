import { describe, expect, it } from 'vitest';
import { Prng } from './prng.js';
import { drawClockJumps, drawMembership, drawRealPlan, formatRealFaults, parseRealFaults, REAL_FAULT_KINDS, type RealPlan } from './real/plan.js';

describe('Prng', () => {
  it('replays the same sequence from the same seed', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const xs = Array.from({ length: 100 }, () => a.nextU32());
    expect(Array.from({ length: 100 }, () => b.nextU32())).toEqual(xs);
  });

  it('gives nearby seeds unrelated sequences', () => {
    const a = Array.from({ length: 8 }, (_, i) => new Prng(i).nextU32());
    expect(new Set(a).size).toBe(8);
  });

  it('keeps int(n) in [0, n) and spreads it evenly', () => {
    const prng = new Prng(7);
    const counts = new Array<number>(6).fill(0);
    let outside = 0;
    for (let i = 0; i < 60_000; i++) {
      const x = prng.int(6);
      if (!(x >= 0 && x < 6 && Number.isInteger(x))) outside++;
      else counts[x] = (counts[x] ?? 0) + 1;
    }
    expect(outside).toBe(0);
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
  });

  it('keeps between() inclusive and chance() at its extremes free of draws', () => {
    const prng = new Prng(9);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(prng.between(3, 5));
    expect([...seen].sort()).toEqual([3, 4, 5]);
    const before = new Prng(1);
    const after = new Prng(1);
    expect(before.chance(0)).toBe(false);
    expect(before.chance(1)).toBe(true);
    expect(before.nextU32()).toBe(after.nextU32());
  });

  it('forks independent but reproducible streams', () => {
    const root1 = new Prng(5);
    const root2 = new Prng(5);
    const child1 = root1.fork();
    const child2 = root2.fork();
    expect(child1.nextU32()).toBe(child2.nextU32());
    expect(root1.nextU32()).toBe(root2.nextU32());
  });

  it('accepts seeds beyond 2^32 and rejects invalid ones', () => {
    expect(new Prng(2 ** 40).nextU32()).not.toBe(new Prng(0).nextU32());
    expect(() => new Prng(-1)).toThrow(RangeError);
    expect(() => new Prng(1.5)).toThrow(RangeError);
  });
});

describe('fault plans (swarm testing)', () => {
  it('parses and formats fault sets', () => {
    expect(formatRealFaults(parseRealFaults('all'))).toBe('all');
    expect(formatRealFaults(parseRealFaults('none'))).toBe('none');
    expect(formatRealFaults(parseRealFaults('crash,drop'))).toBe('drop,crash');
    expect(() => parseRealFaults('drop,meteor')).toThrow(/unknown fault 'meteor'/);
  });

  it('draws a plan from the seed alone', () => {
    const faults = parseRealFaults('all');
    expect(drawRealPlan(new Prng(3), faults, true)).toEqual(drawRealPlan(new Prng(3), faults, true));
  });

  it('switches each fault off on some seeds and on at others', () => {
    const plans = Array.from({ length: 200 }, (_, seed) => drawRealPlan(new Prng(seed), new Set(REAL_FAULT_KINDS), false));
    const rates = (p: RealPlan): Record<string, number> => ({ drop: p.link.drop, dup: p.link.dup, partition: p.partition, crash: p.crash, stall: p.stall, transfer: p.transfer, snapshot: p.snapshot });
    for (const key of ['drop', 'dup', 'partition', 'crash', 'stall', 'transfer', 'snapshot']) {
      expect(plans.some((p) => rates(p)[key] === 0)).toBe(true);
      expect(plans.some((p) => (rates(p)[key] ?? 0) > 0)).toBe(true);
    }
    const membership = Array.from({ length: 200 }, (_, seed) => drawMembership(new Prng(seed), new Set(REAL_FAULT_KINDS)).membership);
    expect(membership.some((m) => m === 0) && membership.some((m) => m > 0)).toBe(true);
  });

  it('draws no fault that was not enabled', () => {
    for (let seed = 0; seed < 50; seed++) {
      const plan = drawRealPlan(new Prng(seed), parseRealFaults('none'), false);
      const l = plan.link;
      expect([l.drop, l.dup, l.clog, plan.partition, plan.crash, plan.stall, plan.transfer, plan.snapshot]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
      expect(l.delayMax).toBe(2);
      expect(drawMembership(new Prng(seed), new Set()).membership).toBe(0);
      expect(drawClockJumps(new Prng(seed), new Set()).clockJump).toBe(0);
    }
  });
});
