import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LIMITS, type ClusterView, type FleetStateMachine, type ListClustersOptions } from '../../../src/core/fleet/index.js';
import { Harness, T0 } from './harness.js';

/** Follows `next` cursors to the end; returns every page's names. */
function allPages(sm: FleetStateMachine, opts: ListClustersOptions): string[][] {
  const pages: string[][] = [];
  let after: string | undefined;
  for (let guard = 0; guard < 10_000; guard++) {
    const page = sm.listClusters({ ...opts, after });
    pages.push(page.items.map((c: ClusterView) => c.name));
    if (page.next === undefined) return pages;
    after = page.next;
  }
  throw new Error('pagination does not end');
}

function fleet(): Harness {
  const h = new Harness();
  h.shard('s1');
  h.shard('s2');
  for (const [i, name] of ['c05', 'c01', 'c09', 'c03', 'c07', 'c02', 'c08', 'c04', 'c06'].entries()) {
    h.time = T0 + i * 1_000;
    h.contact(name, i % 2 === 0 ? 's1' : 's2');
  }
  h.ok({ type: 'cluster.unbind', cluster: 'c09' });
  return h;
}

describe('listClusters', () => {
  it('pages through all clusters in name order; the last page has no cursor', () => {
    const h = fleet();
    expect(allPages(h.sm, { limit: 4 })).toEqual([
      ['c01', 'c02', 'c03', 'c04'],
      ['c05', 'c06', 'c07', 'c08'],
      ['c09'],
    ]);
    expect(allPages(h.sm, { limit: 3 })).toHaveLength(3);
    expect(h.sm.listClusters({ limit: 9 }).next).toBeUndefined();
  });

  it('filters by shard through its index, and lists unbound clusters', () => {
    const h = fleet();
    expect(allPages(h.sm, { shard: 's1', limit: 2 })).toEqual([['c05', 'c06'], ['c07', 'c08']]);
    expect(allPages(h.sm, { shard: 's2', limit: 10 })).toEqual([['c01', 'c02', 'c03', 'c04']]);
    expect(h.sm.listClusters({ unbound: true }).items).toEqual([{ name: 'c09', shard: null, generation: 2, boundAtIndex: h.index, lastSeen: T0 + 2_000 }]);
    expect(h.sm.listClusters({ shard: 'nope' })).toEqual({ items: [] });
  });

  it('filters stale clusters against the reader time or the registry clock', () => {
    const h = fleet();
    // lastSeen runs T0 .. T0+8s; the registry clock is T0+8s.
    expect(h.sm.listClusters({ staleSinceMs: 5_500 }).items.map((c) => c.name)).toEqual(['c01', 'c05', 'c09']);
    expect(h.sm.listClusters({ staleSinceMs: 5_500, now: T0 + 100_000 }).items).toHaveLength(9);
    expect(allPages(h.sm, { staleSinceMs: 5_500, shard: 's1', limit: 1 })).toEqual([['c05']]);
  });

  it('refuses contradictory or out-of-range options', () => {
    const h = fleet();
    expect(() => h.sm.listClusters({ shard: 's1', unbound: true })).toThrow(RangeError);
    expect(() => h.sm.listClusters({ limit: 0 })).toThrow(RangeError);
    expect(() => h.sm.listClusters({ limit: LIMITS.maxPageSize + 1 })).toThrow(RangeError);
  });

  it('returns every cluster exactly once across pages, whatever the page size (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,6}$/), { maxLength: 60 }), fc.integer({ min: 1, max: 7 }), (names, limit) => {
        const h = new Harness();
        h.shard('s1', 1_000);
        h.shard('s2', 1_000);
        names.forEach((name, i) => h.contact(name, i % 3 === 0 ? 's1' : 's2'));
        const sorted = [...names].sort();
        expect(allPages(h.sm, { limit }).flat()).toEqual(sorted);
        expect(allPages(h.sm, { shard: 's1', limit }).flat()).toEqual(sorted.filter((n) => names.indexOf(n) % 3 === 0));
      }),
      { numRuns: 50 },
    );
  });

  it('stops a sparse filtered page after a bounded scan, with a cursor to go on', () => {
    const h = new Harness();
    const n = LIMITS.maxScanPerPage + 1_000;
    h.shard('s1', n);
    for (let i = 0; i < n; i++) h.run({ type: 'cluster.contact', cluster: `c${String(i).padStart(6, '0')}`, shard: 's1' });
    expect(h.sm.counts().clusters).toBe(n);
    // Only the last cluster is fresh; everything else is stale.
    h.advance(10_000);
    h.ok({ type: 'cluster.heartbeat', cluster: `c${String(n - 1).padStart(6, '0')}` });
    const fresh = h.sm.listClusters({ staleSinceMs: -1, limit: 1 });
    expect(fresh.items).toHaveLength(1);
    const stale = h.sm.listClusters({ staleSinceMs: 5_000, after: 'c000000', limit: 5 });
    expect(stale.items).toHaveLength(5);
    // A filter nothing matches: short pages, each with a cursor, until the end.
    let after: string | undefined;
    let pages = 0;
    do {
      const page = h.sm.listClusters({ staleSinceMs: 5_000, now: T0 - 1, after, limit: 10 });
      expect(page.items).toEqual([]);
      after = page.next;
      pages++;
    } while (after !== undefined);
    expect(pages).toBe(2);
  });
});

describe('other reads', () => {
  it('lists shards by id with bound counts, and counts the registry', () => {
    const h = fleet();
    expect(h.sm.listShards().map((s) => [s.id, s.boundClusters])).toEqual([
      ['s1', 4],
      ['s2', 4],
    ]);
    expect(h.sm.counts()).toMatchObject({ appliedIndex: h.index, clock: T0 + 8_000, shards: 2, clusters: 9, boundClusters: 8, unboundClusters: 1 });
    expect(h.sm.getCluster('nope')).toBeUndefined();
    expect(h.sm.getShard('nope')).toBeUndefined();
  });

  it('hands out copies: changing an answer does not change the registry', () => {
    const h = fleet();
    const c = h.sm.getCluster('c01') as { shard: string | null };
    c.shard = 'hacked';
    expect(h.sm.getCluster('c01')!.shard).toBe('s2');
    const shard = h.sm.getShard('s1') as { capacity: number };
    shard.capacity = 0;
    expect(h.sm.getShard('s1')!.capacity).toBe(100);
  });
});
