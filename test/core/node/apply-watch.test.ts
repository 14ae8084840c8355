import { describe, expect, it } from 'vitest';
import { ApplyWatch } from '../../../src/core/node/health/apply-watch.js';

describe('ApplyWatch', () => {
  it('times a stall from when the applied index fell behind and stopped moving', () => {
    const w = new ApplyWatch();
    w.observe(10, 10, 0);
    expect(w.stalledMs(5_000)).toBe(0);
    // Behind from t=1000 on, without moving.
    w.observe(12, 10, 1_000);
    w.observe(15, 10, 2_000);
    expect(w.stalledMs(4_500)).toBe(3_500);
  });

  it('restarts the clock whenever the applied index moves, and stops it once caught up', () => {
    const w = new ApplyWatch();
    w.observe(20, 10, 0);
    w.observe(30, 15, 2_000);
    expect(w.stalledMs(2_500)).toBe(500);
    w.observe(30, 30, 3_000);
    expect(w.stalledMs(9_000)).toBe(0);
  });

  it('does not count an idle spell before the commit index moved ahead', () => {
    const w = new ApplyWatch();
    w.observe(5, 5, 0);
    w.observe(6, 5, 60_000);
    expect(w.stalledMs(60_100)).toBe(100);
  });

  it('bounds a stall by three election timeouts, at least 3 s', () => {
    expect(ApplyWatch.stuckAfterMs(1_000)).toBe(3_000);
    expect(ApplyWatch.stuckAfterMs(200)).toBe(3_000);
    expect(ApplyWatch.stuckAfterMs(5_000)).toBe(15_000);
  });
});
