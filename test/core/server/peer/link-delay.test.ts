import { describe, expect, it } from 'vitest';
import { LinkDelays, type LinkDelayRuntime } from '../../../../src/core/server/peer/link-delay.js';

/** Simulated time: timers fire in due order when the test advances the clock. */
function simRuntime(randoms: number[] = []) {
  let now = 0;
  const timers: { at: number; fn: () => void; seq: number }[] = [];
  let seq = 0;
  const rt: LinkDelayRuntime & { advance(ms: number): void } = {
    now: () => now,
    setTimeout: (fn, ms) => {
      const t = { at: now + ms, fn, seq: seq++ };
      timers.push(t);
      return t;
    },
    clearTimeout: (t) => void timers.splice(timers.indexOf(t as (typeof timers)[number]), 1),
    random: () => randoms.shift() ?? 0,
    advance(ms) {
      const until = now + ms;
      for (;;) {
        timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
        const next = timers[0];
        if (next === undefined || next.at > until) break;
        timers.shift();
        now = next.at;
        next.fn();
      }
      now = until;
    },
  };
  return rt;
}

describe('LinkDelays (the WAN drill hook)', () => {
  it('sends at once to a peer without a delay, and after the delay plus jitter to one with', () => {
    const rt = simRuntime([0.5]);
    const links = new LinkDelays(rt);
    links.set(new Map([['n2', { delayMs: 40, jitterMs: 10, loss: 0 }]]));
    const sent: string[] = [];
    expect(links.schedule('n3', () => sent.push('n3'))).toBe(false);
    expect(links.schedule('n2', () => sent.push('n2'))).toBe(true);
    rt.advance(44);
    expect(sent).toEqual([]);
    rt.advance(1);
    expect(sent).toEqual(['n2']);
  });

  it('keeps the order of sends to a peer whatever the jitter draws, even after the delay ends', () => {
    // The first send draws the most jitter; the second the least: it must still leave second.
    const rt = simRuntime([0.9, 0]);
    const links = new LinkDelays(rt);
    links.set(new Map([['n2', { delayMs: 40, jitterMs: 100, loss: 0 }]]));
    const sent: number[] = [];
    links.schedule('n2', () => sent.push(1));
    links.schedule('n2', () => sent.push(2));
    links.clear();
    // Delays over, but two sends still wait: a new one queues behind them instead of overtaking.
    expect(links.schedule('n2', () => sent.push(3))).toBe(true);
    rt.advance(200);
    expect(sent).toEqual([1, 2, 3]);
    expect(links.schedule('n2', () => sent.push(4))).toBe(false);
  });

  it('drops the fraction of messages its loss rate draws, and nothing once cleared', () => {
    const rt = simRuntime([0.05, 0.5, 0.05]);
    const links = new LinkDelays(rt);
    links.set(new Map([['n2', { delayMs: 0, jitterMs: 0, loss: 0.1 }]]));
    expect([links.drops('n2'), links.drops('n2'), links.drops('n3')]).toEqual([true, false, false]);
    links.clear();
    expect(links.drops('n2')).toBe(false);
  });

  it('drops what is queued when the member stops', () => {
    const rt = simRuntime();
    const links = new LinkDelays(rt);
    links.set(new Map([['n2', { delayMs: 40, jitterMs: 0, loss: 0 }]]));
    const sent: number[] = [];
    links.schedule('n2', () => sent.push(1));
    links.close();
    rt.advance(100);
    expect(sent).toEqual([]);
  });
});
