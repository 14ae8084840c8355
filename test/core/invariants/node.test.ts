/**
 * The node's invariants, each broken on purpose: a lease keeper fed a lease it cannot time, a
 * space watch made to arm a second retry. (Autopilot's is in autopilot-runner.test.ts: it needs
 * a planted decision module.)
 */
import { describe, expect, it } from 'vitest';
import { LeaseKeeper, type LeaseGrant } from '../../../src/core/node/lease-keeper.js';
import type { NodeRuntime, Timer } from '../../../src/core/node/runtime.js';
import { SpaceWatch } from '../../../src/core/node/health/space-watch.js';
import { expectInvariant } from './expect-invariant.js';

const bounds = { maxDrift: 0.01, graceMs: 1_000, retryMs: 2_000 };
const grant = (name: string, ttlMs = 10_000): LeaseGrant => ({ name, token: 1, renewedIndex: 1, ttlMs });

describe('LeaseKeeper', () => {
  it('times a lease for at least its ttl: a bound that would cut it short is refused', () => {
    expect(() => new LeaseKeeper(bounds)).not.toThrow();
    expectInvariant(() => new LeaseKeeper({ ...bounds, graceMs: -5_000 }), 'lease-deadline-after-ttl');
    expectInvariant(() => new LeaseKeeper({ ...bounds, maxDrift: -0.5 }), 'lease-deadline-after-ttl');
  });

  it('times a lease for at least its ttl: a grant whose deadline cannot be computed is refused', () => {
    const k = new LeaseKeeper(bounds);
    // A NaN deadline compares false with every time: the lease would be due at once.
    expectInvariant(() => k.due(0, 1, () => [grant('a', Number.NaN)]), 'lease-deadline-after-ttl');
  });

  it('keeps one timer per live lease: a lease listed twice is refused', () => {
    const k = new LeaseKeeper(bounds);
    expect(k.due(0, 1, () => [grant('a'), grant('b')])).toEqual([]);
    expectInvariant(() => k.due(0, 2, () => [grant('a'), grant('a', 20_000)]), 'lease-timer-per-live-lease');
  });
});

describe('SpaceWatch', () => {
  it('arms at most one retry at a time', () => {
    const armed: number[] = [];
    const rt = {
      monoNow: () => 0,
      setTimeout: (_fn: () => void, ms: number): Timer => (armed.push(ms), { clear: () => undefined }),
    } as unknown as NodeRuntime;
    const watch = new SpaceWatch(rt, async () => false, { full: () => undefined, stillFull: () => undefined, freed: () => undefined });
    watch.refused(new Error('ENOSPC'));
    expect(armed).toEqual([100]);
    // The planted bug: a second arming while the first retry is still armed.
    expectInvariant(() => (watch as unknown as { arm(): void }).arm(), 'space-watch-one-retry');
    expect(armed).toHaveLength(1);
  });

  it('arms no retry once stopped', () => {
    const rt = { monoNow: () => 0, setTimeout: (): Timer => ({ clear: () => undefined }) } as unknown as NodeRuntime;
    const watch = new SpaceWatch(rt, async () => false, { full: () => undefined, stillFull: () => undefined, freed: () => undefined });
    watch.refused(new Error('ENOSPC'));
    watch.stop();
    expectInvariant(() => (watch as unknown as { arm(): void }).arm(), 'space-watch-one-retry');
  });
});
