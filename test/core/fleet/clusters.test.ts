import { describe, expect, it } from 'vitest';
import { Harness, T0 } from './harness.js';

function twoShards(capacity = 10): Harness {
  const h = new Harness();
  h.shard('s1', capacity);
  h.shard('s2', capacity);
  return h;
}

describe('cluster.contact: first contact wins', () => {
  it('binds an unknown cluster at generation 1 and the entry index', () => {
    const h = twoShards();
    const v = h.ok({ type: 'cluster.contact', cluster: 'c1', shard: 's1' });
    expect(v).toEqual({ created: true, bound: true, cluster: { name: 'c1', shard: 's1', generation: 1, boundAtIndex: h.index, lastSeen: T0 } });
    expect(h.sm.getShard('s1')!.boundClusters).toBe(1);
  });

  it('treats the same shard again as a no-op that refreshes lastSeen', () => {
    const h = twoShards();
    h.contact('c1', 's1');
    const boundAt = h.index;
    h.advance(1_000);
    const v = h.ok({ type: 'cluster.contact', cluster: 'c1', shard: 's1' });
    expect(v).toEqual({ created: false, bound: false, cluster: { name: 'c1', shard: 's1', generation: 1, boundAtIndex: boundAt, lastSeen: T0 + 1_000 } });
  });

  it('refuses another shard with ALREADY_BOUND naming the current shard', () => {
    const h = twoShards();
    h.contact('c1', 's1');
    const r = h.err({ type: 'cluster.contact', cluster: 'c1', shard: 's2' }, 'ALREADY_BOUND');
    expect(r.details).toEqual({ cluster: 'c1', currentShard: 's1', generation: 1 });
    expect(r.message).toContain('"s1"');
    expect(r.index).toBe(h.index);
    expect(h.sm.getCluster('c1')!.shard).toBe('s1');
  });

  it('needs the shard to exist', () => {
    const h = twoShards();
    expect(h.err({ type: 'cluster.contact', cluster: 'c1', shard: 's9' }, 'NOT_FOUND').details).toEqual({ shard: 's9' });
    expect(h.sm.getCluster('c1')).toBeUndefined();
  });

  it('does not bind new clusters to a draining, cordoned or full shard (no force on contact)', () => {
    const h = twoShards(1);
    h.contact('c1', 's1');
    expect(h.err({ type: 'cluster.contact', cluster: 'c2', shard: 's1' }, 'FAILED_PRECONDITION').details).toMatchObject({ capacity: 1, boundClusters: 1 });
    h.ok({ type: 'shard.setState', id: 's2', state: 'cordoned' });
    expect(h.err({ type: 'cluster.contact', cluster: 'c2', shard: 's2' }, 'FAILED_PRECONDITION').details).toMatchObject({ state: 'cordoned' });
    // A cluster already bound there keeps contacting it.
    h.ok({ type: 'shard.setState', id: 's1', state: 'draining' });
    h.ok({ type: 'cluster.contact', cluster: 'c1', shard: 's1' });
  });
});

describe('cluster.rebind: compare-and-set on the current shard', () => {
  it('moves the cluster and bumps its generation', () => {
    const h = twoShards();
    h.contact('c1', 's1');
    const v = h.ok({ type: 'cluster.rebind', cluster: 'c1', from: 's1', to: 's2' });
    expect(v).toEqual({ from: 's1', cluster: { name: 'c1', shard: 's2', generation: 2, boundAtIndex: h.index, lastSeen: T0 } });
    expect(h.sm.listShards().map((s) => s.boundClusters)).toEqual([0, 1]);
  });

  it('fails with CAS_FAILED and the actual shard when `from` is stale', () => {
    const h = twoShards();
    h.shard('s3');
    h.contact('c1', 's2');
    const r = h.err({ type: 'cluster.rebind', cluster: 'c1', from: 's1', to: 's3' }, 'CAS_FAILED');
    expect(r.details).toEqual({ cluster: 'c1', expectedShard: 's1', actualShard: 's2', generation: 1 });
    expect(h.sm.getCluster('c1')!.shard).toBe('s2');
  });

  it('takes from: null for an unbound cluster', () => {
    const h = twoShards();
    h.contact('c1', 's1');
    h.ok({ type: 'cluster.unbind', cluster: 'c1' });
    h.err({ type: 'cluster.rebind', cluster: 'c1', from: 's1', to: 's2' }, 'CAS_FAILED');
    expect(h.ok({ type: 'cluster.rebind', cluster: 'c1', from: null, to: 's2' }).cluster).toMatchObject({ shard: 's2', generation: 3 });
  });

  it.each(['draining', 'cordoned'] as const)('refuses a %s target unless forced', (state) => {
    const h = twoShards();
    h.contact('c1', 's1');
    h.ok({ type: 'shard.setState', id: 's2', state });
    expect(h.err({ type: 'cluster.rebind', cluster: 'c1', from: 's1', to: 's2' }, 'FAILED_PRECONDITION').details).toEqual({ shard: 's2', state });
    h.ok({ type: 'cluster.rebind', cluster: 'c1', from: 's1', to: 's2', force: true });
    expect(h.sm.getCluster('c1')!.shard).toBe('s2');
  });

  it('refuses a full target unless forced', () => {
    const h = twoShards(1);
    h.contact('c1', 's1');
    h.contact('c2', 's2');
    h.err({ type: 'cluster.rebind', cluster: 'c1', from: 's1', to: 's2' }, 'FAILED_PRECONDITION');
    h.ok({ type: 'cluster.rebind', cluster: 'c1', from: 's1', to: 's2', force: true });
    expect(h.sm.getShard('s2')!.boundClusters).toBe(2);
  });

  it('refuses unknown clusters and shards, and from = to', () => {
    const h = twoShards();
    h.contact('c1', 's1');
    h.err({ type: 'cluster.rebind', cluster: 'nope', from: 's1', to: 's2' }, 'NOT_FOUND');
    h.err({ type: 'cluster.rebind', cluster: 'c1', from: 's1', to: 's9' }, 'NOT_FOUND');
    h.err({ type: 'cluster.rebind', cluster: 'c1', from: 's1', to: 's1' }, 'INVALID_ARGUMENT');
    h.err({ type: 'cluster.rebind', cluster: 'c1', to: 's2' }, 'INVALID_ARGUMENT');
  });
});

describe('cluster.rebindBatch: all or none', () => {
  function fleet(): Harness {
    const h = twoShards(3);
    h.shard('s3', 3);
    for (const c of ['a', 'b', 'c']) h.contact(c, 's1');
    h.contact('d', 's2');
    return h;
  }

  it('applies every move at one index', () => {
    const h = fleet();
    const v = h.ok({ type: 'cluster.rebindBatch', planId: 'p1', moves: [{ cluster: 'a', from: 's1', to: 's2' }, { cluster: 'b', from: 's1', to: 's3' }] });
    expect(v).toEqual({ moved: 2, planId: 'p1' });
    expect(h.sm.getCluster('a')).toMatchObject({ shard: 's2', generation: 2, boundAtIndex: h.index });
    expect(h.sm.getCluster('b')).toMatchObject({ shard: 's3', generation: 2, boundAtIndex: h.index });
  });

  it('changes nothing when a later move fails, and names the first failing move', () => {
    const h = fleet();
    const before = h.sm.snapshot();
    const r = h.err(
      { type: 'cluster.rebindBatch', moves: [{ cluster: 'a', from: 's1', to: 's2' }, { cluster: 'd', from: 's1', to: 's3' }, { cluster: 'zz', from: 's1', to: 's3' }] },
      'CAS_FAILED',
    );
    expect(r.details).toMatchObject({ moveIndex: 1, cluster: 'd', actualShard: 's2' });
    expect(r.message).toMatch(/^moves\[1\] \(cluster "d"\)/);
    expect(h.sm.getCluster('a')!.shard).toBe('s1');
    // Only the applied index moved.
    const after = withoutAppliedIndex(h.sm.snapshot());
    expect(after).toEqual(withoutAppliedIndex(before));
  });

  it('checks capacity after the whole batch', () => {
    const h = fleet();
    // s2 holds d and has room for 2 more: a third incoming move overflows it.
    const moves = [
      { cluster: 'a', from: 's1', to: 's2' },
      { cluster: 'b', from: 's1', to: 's2' },
      { cluster: 'c', from: 's1', to: 's2' },
    ];
    const r = h.err({ type: 'cluster.rebindBatch', moves }, 'FAILED_PRECONDITION');
    expect(r.details).toMatchObject({ moveIndex: 0, shard: 's2', capacity: 3, boundClusters: 1, incoming: 3 });
    expect(h.sm.getShard('s2')!.boundClusters).toBe(1);
    // Moving d out in the same batch makes room.
    h.ok({ type: 'cluster.rebindBatch', moves: [...moves, { cluster: 'd', from: 's2', to: 's3' }] });
    expect(h.sm.getShard('s2')!.boundClusters).toBe(3);
  });

  it('overrides states and capacity with force, but never the compare-and-set', () => {
    const h = fleet();
    h.ok({ type: 'shard.setState', id: 's3', state: 'cordoned' });
    const moves = [{ cluster: 'a', from: 's1', to: 's3' }];
    h.err({ type: 'cluster.rebindBatch', moves }, 'FAILED_PRECONDITION');
    h.ok({ type: 'cluster.rebindBatch', moves, force: true });
    h.err({ type: 'cluster.rebindBatch', moves, force: true }, 'CAS_FAILED');
  });

  it('refuses empty batches, a cluster moved twice and unknown targets', () => {
    const h = fleet();
    h.err({ type: 'cluster.rebindBatch', moves: [] }, 'INVALID_ARGUMENT');
    const twice = h.err({ type: 'cluster.rebindBatch', moves: [{ cluster: 'a', from: 's1', to: 's2' }, { cluster: 'a', from: 's2', to: 's3' }] }, 'INVALID_ARGUMENT');
    expect(twice.message).toMatch(/moves\[1\].*second time/);
    expect(h.err({ type: 'cluster.rebindBatch', moves: [{ cluster: 'a', from: 's1', to: 's9' }] }, 'NOT_FOUND').details).toMatchObject({ moveIndex: 0, shard: 's9' });
  });
});

describe('cluster.unbind / heartbeat / prune', () => {
  it('unbinds, and unbinding twice is a no-op', () => {
    const h = twoShards();
    h.contact('c1', 's1');
    expect(h.ok({ type: 'cluster.unbind', cluster: 'c1' })).toMatchObject({ previousShard: 's1', cluster: { shard: null, generation: 2 } });
    expect(h.ok({ type: 'cluster.unbind', cluster: 'c1' })).toMatchObject({ previousShard: null, cluster: { shard: null, generation: 2 } });
    expect(h.sm.counts()).toMatchObject({ clusters: 1, boundClusters: 0, unboundClusters: 1 });
    h.err({ type: 'cluster.unbind', cluster: 'nope' }, 'NOT_FOUND');
  });

  it('records heartbeats at leader time', () => {
    const h = twoShards();
    h.contact('c1', 's1');
    h.advance(42);
    expect(h.ok({ type: 'cluster.heartbeat', cluster: 'c1' })).toEqual({ cluster: 'c1', lastSeen: T0 + 42 });
    h.err({ type: 'cluster.heartbeat', cluster: 'nope' }, 'NOT_FOUND');
  });

  it('prunes clusters not seen since the cutoff, bound or not', () => {
    const h = twoShards();
    h.contact('old', 's1');
    h.contact('unbound-old', 's2');
    h.ok({ type: 'cluster.unbind', cluster: 'unbound-old' });
    h.advance(60_000);
    h.contact('fresh', 's1');
    h.advance(1_000);
    expect(h.ok({ type: 'cluster.prune', notSeenSinceMs: 30_000 })).toEqual({ pruned: 2 });
    expect(h.sm.listClusters().items.map((c) => c.name)).toEqual(['fresh']);
    expect(h.sm.counts()).toMatchObject({ clusters: 1, boundClusters: 1, unboundClusters: 0 });
    expect(h.sm.getShard('s1')!.boundClusters).toBe(1);
    // The cutoff is exclusive: last seen exactly at it stays.
    expect(h.ok({ type: 'cluster.prune', notSeenSinceMs: 1_000 })).toEqual({ pruned: 0 });
  });
});

/** Snapshot bytes with the meta section's applied index blanked, to compare states across a refused entry. */
function withoutAppliedIndex(bytes: Uint8Array): number[] {
  // Section 1 starts at byte 1: tag, u32 length, then appliedIndex as a varint.
  const copy = Array.from(bytes);
  let i = 6;
  while (copy[i]! >= 0x80) copy[i++] = 0;
  copy[i] = 0;
  return copy;
}
