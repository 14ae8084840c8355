import { describe, expect, it } from 'vitest';
import { ETCD_LEASE_DRIFT, EtcdLeaseClock, LEASE_MAX_DRIFT } from '../../../src/core/node/lease-clock.js';

/** Two clocks the test sets by hand. */
function clocks(wall: number, mono: number) {
  const c = { wall, mono };
  return { c, rt: { wallNow: () => c.wall, monoNow: () => c.mono } };
}

describe('EtcdLeaseClock', () => {
  it('within a term, runs from the wall clock at the term’s start by the monotonic clock', () => {
    const { c, rt } = clocks(50_000, 10);
    const clock = new EtcdLeaseClock(rt);
    expect(clock.now(2)).toBe(50_000);
    c.mono += 1_500;
    c.wall += 1_500;
    expect(clock.now(2)).toBe(51_500);
  });

  it('ignores a step of the wall clock until the next term', () => {
    const { c, rt } = clocks(50_000, 10);
    const clock = new EtcdLeaseClock(rt);
    clock.now(2);
    c.mono += 100;
    c.wall -= 60_000; // an NTP correction backwards
    expect(clock.now(2)).toBe(50_100);
    c.wall += 3_600_000; // and forwards
    expect(clock.now(2)).toBe(50_100);
    // A new term starts again from the wall clock as it is now.
    expect(clock.now(3)).toBe(c.wall);
    c.mono += 40;
    expect(clock.now(3)).toBe(c.wall + 40);
  });

  it('fixes when the leader began to look at leases at the first call of each term', () => {
    const { c, rt } = clocks(7_000, 0);
    const clock = new EtcdLeaseClock(rt);
    c.mono += 200;
    expect(clock.look(4)).toEqual({ now: 7_000, since: 7_000 });
    c.mono += 5_000;
    expect(clock.look(4)).toEqual({ now: 12_000, since: 7_000 });
    c.wall = 90_000;
    expect(clock.look(5)).toEqual({ now: 90_000, since: 90_000 });
  });

  it('never says the leader began to look after the time it gives with it, on a first look too', () => {
    // A monotonic clock that moves at every reading, as performance.now() does.
    let mono = 0;
    const clock = new EtcdLeaseClock({ wallNow: () => 1_000, monoNow: () => (mono += 0.25) });
    for (const term of [1, 2, 3]) {
      const first = clock.look(term);
      expect(first.since).toBeLessThanOrEqual(first.now);
      expect(clock.look(term).since).toBe(first.since);
    }
  });

  it('stretches an etcd lease by both clocks’ drift', () => {
    expect(LEASE_MAX_DRIFT).toBe(0.01);
    expect(ETCD_LEASE_DRIFT).toBeCloseTo(2 * LEASE_MAX_DRIFT);
  });
});
