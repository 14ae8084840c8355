/**
 * The loop watch (loop-watch.ts): each second's longest event-loop delay is kept for a minute,
 * a delay past the bound is logged at most once a minute with the longest named step of that
 * second, and, with the real monitor, a step that blocks the loop is seen.
 */
import { describe, expect, it } from 'vitest';
import { LoopWatch } from '../../../src/core/node/health/loop-watch.js';
import { systemRuntime, type LoopDelayMonitor } from '../../../src/core/node/runtime.js';

function fakeWatch(heldBoundMs = 333, startUpMs?: number) {
  let now = 0;
  const delays: number[] = [];
  const warnings: { obj: Record<string, unknown>; msg: string }[] = [];
  const observed: number[] = [];
  const infos: string[] = [];
  const logger = { info: (_obj: object, msg: string) => void infos.push(msg), debug: () => undefined, error: () => undefined, warn: (obj: object, msg: string) => void warnings.push({ obj: obj as Record<string, unknown>, msg }) };
  const watch = new LoopWatch({ rt: { monoNow: () => now }, logger, heldBoundMs, startUpMs, observe: (s) => observed.push(s) });
  const monitor: LoopDelayMonitor = { takeMaxMs: () => delays.shift() ?? 0, stop: () => undefined };
  watch.watch(monitor);
  return {
    watch, warnings, observed, infos,
    /** One second passes with `delayMs` the longest delay, and `steps` run (name, ms). */
    second(delayMs: number, steps: [string, number][] = []): void {
      for (const [name, ms] of steps) watch.step(name, () => void (now += ms));
      now += 1000;
      delays.push(delayMs);
      watch.sample();
    },
  };
}

describe('the loop watch', () => {
  it('keeps the longest delay of the last minute and hands each second to the metrics', () => {
    const w = fakeWatch();
    w.second(12);
    w.second(250);
    w.second(3);
    expect(w.watch.maxLastMinuteMs()).toBe(250);
    expect(w.observed).toEqual([0.012, 0.25, 0.003]);
    for (let i = 0; i < 59; i++) w.second(1);
    expect(w.watch.maxLastMinuteMs(), 'the 250 ms second is over a minute old').toBe(3);
    for (let i = 0; i < 1; i++) w.second(1);
    expect(w.watch.maxLastMinuteMs()).toBe(1);
    expect(w.warnings).toEqual([]);
  });

  it('logs a held loop with the longest step of its second, at most once a minute', () => {
    const w = fakeWatch(333);
    w.second(730, [['apply', 20], ['snapshot: image slice', 700], ['raft step', 1]]);
    expect(w.warnings).toHaveLength(1);
    expect(w.warnings[0]!.obj).toMatchObject({ heldMs: 730, boundMs: 333, step: 'snapshot: image slice', stepMs: 700 });
    expect(w.warnings[0]!.msg).toMatch(/^event loop held 730 ms, more than a third of the election timeout \(333 ms\).*the longest step was snapshot: image slice \(700 ms\)/);
    for (let i = 0; i < 30; i++) w.second(900);
    expect(w.warnings, 'once a minute at most').toHaveLength(1);
    for (let i = 0; i < 40; i++) w.second(5);
    w.second(500);
    expect(w.warnings).toHaveLength(2);
    expect(w.warnings[1]!.msg).toMatch(/no step of the member took long/);
  });

  it('does not hold the start-up seconds against the member, but says them in the log', () => {
    const w = fakeWatch(167, 3_000);
    w.second(351, [['tick', 10]]);
    w.second(187);
    expect(w.watch.maxLastMinuteMs(), 'a first start compiles as it goes').toBe(0);
    w.second(20);
    expect(w.watch.maxLastMinuteMs(), 'three seconds on, it counts').toBe(20);
    expect(w.warnings).toEqual([]);
    expect(w.infos).toHaveLength(2);
    expect(w.infos[0]).toMatch(/^event loop held 351 ms while the member was starting/);
    expect(w.observed, 'the metric still has every second').toEqual([0.351, 0.187, 0.02]);
    w.second(400);
    expect(w.watch.maxLastMinuteMs()).toBe(400);
    expect(w.warnings).toHaveLength(1);
  });

  it('sees a step that holds the real event loop', async () => {
    const monitor = systemRuntime.monitorLoopDelay!();
    try {
      await new Promise((r) => setTimeout(r, 50));
      monitor.takeMaxMs();
      const until = performance.now() + 150;
      while (performance.now() < until) {
        // holds the loop
      }
      await new Promise((r) => setTimeout(r, 30));
      expect(monitor.takeMaxMs()).toBeGreaterThanOrEqual(100);
    } finally {
      monitor.stop();
    }
  });
});
