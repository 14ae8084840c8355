import { describe, expect, it } from 'vitest';
import { LeaseKeeper, type LeaseGrant } from '../../../src/core/node/lease-keeper.js';

const bounds = { maxDrift: 0.01, graceMs: 1_000, retryMs: 2_000 };
const grant = (name: string, token: number, renewedIndex: number, ttlMs = 10_000): LeaseGrant => ({ name, token, renewedIndex, ttlMs });

describe('the leader’s lease timers', () => {
  it('times a grant from when it first sees it, for the ttl stretched by the drift bound plus the grace', () => {
    const k = new LeaseKeeper(bounds);
    const leases = [grant('a', 1, 5)];
    // First seen at 500 (say, right after this member became leader): due at 500 + 10,100 + 1,000.
    expect(k.due(500, 1, () => leases)).toEqual([]);
    expect(k.due(11_599, 1, () => leases)).toEqual([]);
    expect(k.due(11_600, 1, () => leases)).toEqual([{ name: 'a', token: 1, renewedIndex: 5 }]);
    // Returned once; again only after retryMs if the expiry did not take effect.
    expect(k.due(12_000, 1, () => leases)).toEqual([]);
    expect(k.due(13_600, 1, () => leases)).toEqual([{ name: 'a', token: 1, renewedIndex: 5 }]);
  });

  it('restarts the timer of a renewed lease, keeps the others, and drops released ones', () => {
    const k = new LeaseKeeper(bounds);
    k.due(0, 1, () => [grant('a', 1, 5), grant('b', 2, 6)]);
    // At 5 s, a is renewed (new renewal index) and b stays as it was.
    k.due(5_000, 2, () => [grant('a', 1, 9), grant('b', 2, 6)]);
    expect(k.due(11_100, 2, () => [])).toEqual([{ name: 'b', token: 2, renewedIndex: 6 }]);
    // b's expiry applied: its timer goes.
    expect(k.due(11_200, 3, () => [grant('a', 1, 9)])).toEqual([]);
    expect(k.due(16_100, 3, () => [])).toEqual([{ name: 'a', token: 1, renewedIndex: 9 }]);
    // Released (or expired): no timer left.
    expect(k.due(16_200, 4, () => [])).toEqual([]);
    expect(k.size).toBe(0);
  });

  it('reads the leases only when their version changed', () => {
    const k = new LeaseKeeper(bounds);
    let reads = 0;
    const leases = (): LeaseGrant[] => (reads++, [grant('a', 1, 1)]);
    for (let t = 0; t < 100; t++) k.due(t, 7, leases);
    expect(reads).toBe(1);
    k.due(100, 8, leases);
    expect(reads).toBe(2);
  });

  it('starts afresh after a reset: a new leadership honours every grant for its whole ttl again', () => {
    const k = new LeaseKeeper(bounds);
    k.due(0, 1, () => [grant('a', 1, 1)]);
    k.reset();
    expect(k.due(11_100, 1, () => [grant('a', 1, 1)])).toEqual([]);
    expect(k.due(22_200, 1, () => [grant('a', 1, 1)])).toHaveLength(1);
  });

  it('returns at most `limit` expiries per call and the rest at the next', () => {
    const k = new LeaseKeeper(bounds);
    const leases = Array.from({ length: 5 }, (_, i) => grant(`l${i}`, i + 1, i + 1, 1));
    k.due(0, 1, () => leases);
    expect(k.due(2_000, 1, () => leases, 3)).toHaveLength(3);
    expect(k.due(2_001, 1, () => leases, 3).map((e) => e.name)).toEqual(['l3', 'l4']);
  });
});
