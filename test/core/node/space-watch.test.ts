import { describe, expect, it } from 'vitest';
import type { NodeRuntime } from '../../../src/core/node/runtime.js';
import { SpaceWatch } from '../../../src/core/node/health/space-watch.js';

/** A runtime whose clock moves only when a timer is fired by hand; it records every delay asked for. */
function manualRuntime() {
  let now = 0;
  const timers = new Map<number, { fn: () => void; at: number }>();
  const delays: number[] = [];
  let next = 1;
  const rt: NodeRuntime = {
    wallNow: () => now,
    monoNow: () => now,
    setTimeout: (fn, ms) => {
      delays.push(ms);
      const id = next++;
      timers.set(id, { fn, at: now + ms });
      return { clear: () => void timers.delete(id) };
    },
    setInterval: () => {
      throw new Error('unused');
    },
    setImmediate: (fn) => fn(),
    randomInt: () => 0,
    rssBytes: () => 0,
    random: () => 0,
  };
  /** Fires the one armed timer (moving the clock to it) and lets the retry it starts finish. */
  const fire = async () => {
    const [id, t] = [...timers.entries()][0] ?? [];
    if (!t || id === undefined) throw new Error('no timer armed');
    timers.delete(id);
    now = t.at;
    t.fn();
    await new Promise((r) => setImmediate(r));
  };
  return { rt, delays, fire, armed: () => timers.size };
}

describe('SpaceWatch', () => {
  it('retries on a doubling back-off through the runtime, capped, and reports the spell once it ends', async () => {
    const { rt, delays, fire, armed } = manualRuntime();
    let space = false;
    const events: string[] = [];
    const watch = new SpaceWatch(rt, () => Promise.resolve(space), {
      full: (err) => events.push(`full: ${err.message}`),
      stillFull: () => events.push('still full'),
      freed: (ms) => events.push(`freed after ${ms} ms`),
    });
    watch.refused(new Error('ENOSPC'));
    watch.refused(new Error('ENOSPC again'));
    expect(watch.outOfSpace).toBe(true);
    for (let i = 0; i < 6; i++) await fire();
    expect(delays).toEqual([100, 200, 400, 800, 1600, 2000, 2000]);
    expect(armed()).toBe(1);
    space = true;
    await fire();
    expect(watch.outOfSpace).toBe(false);
    expect(armed()).toBe(0);
    expect(events).toEqual(['full: ENOSPC', ...Array(6).fill('still full'), 'freed after 7100 ms']);
    // A new spell starts over from the first delay.
    watch.refused(new Error('ENOSPC'));
    expect(delays[delays.length - 1]).toBe(100);
  });

  it('arms nothing once stopped', async () => {
    const { rt, armed } = manualRuntime();
    const watch = new SpaceWatch(rt, () => Promise.resolve(false), { full() {}, stillFull() {}, freed() {} });
    watch.refused(new Error('ENOSPC'));
    watch.stop();
    expect(armed()).toBe(0);
    watch.refused(new Error('ENOSPC'));
    expect(armed()).toBe(0);
  });
});
