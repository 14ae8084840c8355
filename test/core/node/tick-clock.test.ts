import { describe, expect, it } from 'vitest';
import { TickClock } from '../../../src/core/node/tick-clock.js';

describe('TickClock', () => {
  it('runs one tick per period when the timer fires on time', () => {
    const c = new TickClock(10, 1_000, 10, 100);
    expect([c.due(1_005), c.due(1_010), c.due(1_020), c.due(1_030)]).toEqual([0, 1, 1, 1]);
  });

  it('counts the periods a late timer missed, so late firings do not add up', () => {
    const c = new TickClock(10, 0, 10, 100);
    // A loaded loop fires every 15 ms: after 150 ms of real time, 15 ticks have run (not 10).
    let ran = 0;
    for (let t = 15; t <= 150; t += 15) ran += c.due(t);
    expect(ran).toBe(15);
  });

  it('spreads a backlog over callbacks and forgets what is owed beyond the cap', () => {
    const c = new TickClock(10, 0, 10, 100);
    // Stopped for 3 s: 300 periods missed, 100 owed, 10 per callback.
    expect(c.due(3_000)).toBe(10);
    let owed = 0;
    for (let i = 0; i < 9; i++) owed += c.due(3_000);
    expect(owed).toBe(90);
    expect(c.due(3_000)).toBe(0);
    expect(c.due(3_010)).toBe(1);
  });

  it('counts a firing a rounding error early as on time', () => {
    const c = new TickClock(10, 0, 10, 100);
    expect(c.due(10 - 1e-9)).toBe(1);
  });
});
