import { describe, expect, it } from 'vitest';
import { Harness, T0 } from './harness.js';

describe('shard.register', () => {
  it('records the shard with leader time and no heartbeat yet', () => {
    const h = new Harness();
    const v = h.ok({ type: 'shard.register', id: 's1', address: 'shard-1.example:7000', region: 'eu-west-1', zone: 'eu-west-1b', capacity: 10, labels: { tier: 'gold', az: 'b' } });
    expect(v.created).toBe(true);
    expect(v.shard).toEqual({
      id: 's1',
      address: 'shard-1.example:7000',
      region: 'eu-west-1',
      zone: 'eu-west-1b',
      state: 'active',
      capacity: 10,
      labels: { az: 'b', tier: 'gold' },
      registeredAt: T0,
      lastHeartbeat: null,
      boundClusters: 0,
    });
    expect(Object.keys(h.sm.getShard('s1')!.labels)).toEqual(['az', 'tier']);
  });

  it('accepts an identical re-registration as a no-op and refuses a different one', () => {
    const h = new Harness();
    h.shard('s1', 5);
    const again = h.ok({ type: 'shard.register', id: 's1', address: '10.0.0.1:7000', region: 'us-east-1', zone: 'us-east-1a', capacity: 5 });
    expect(again.created).toBe(false);
    const r = h.err({ type: 'shard.register', id: 's1', address: '10.0.0.1:7000', region: 'us-east-1', zone: 'us-east-1a', capacity: 6 }, 'FAILED_PRECONDITION');
    expect(r.message).toMatch(/shard\.update/);
  });

  it('refuses a second shard behind the same address', () => {
    const h = new Harness();
    h.shard('s1');
    const r = h.err({ type: 'shard.register', id: 's2', address: '10.0.0.1:7000', region: 'r', zone: 'z', capacity: 1 }, 'FAILED_PRECONDITION');
    expect(r.details).toMatchObject({ shard: 's1' });
  });

  it.each([
    [{ address: 'no-port' }, /host:port/],
    [{ address: 'host:0' }, /host:port/],
    [{ address: 'host:65536' }, /host:port/],
    [{ address: '[::1:7000' }, /host:port/],
    [{ capacity: -1 }, /capacity/],
    [{ capacity: 1.5 }, /capacity/],
    [{ id: '' }, /'id'/],
    [{ id: 'has space' }, /'id'/],
    [{ region: '' }, /'region'/],
    [{ labels: { 'bad key': 'x' } }, /label key/],
    [{ labels: { k: 'line\nbreak' } }, /label/],
    [{ force: true }, /unknown field 'force'/],
  ])('refuses bad input %j', (patch, message) => {
    const h = new Harness();
    const op = { type: 'shard.register', id: 's1', address: 'h:1', region: 'r', zone: 'z', capacity: 1, ...patch };
    expect(h.err(op, 'INVALID_ARGUMENT').message).toMatch(message);
    expect(h.sm.listShards()).toEqual([]);
  });

  it('accepts IPv4, hostnames and bracketed IPv6 addresses', () => {
    const h = new Harness();
    for (const [i, address] of ['192.168.1.10:1', 'a-b.c.example.com:65535', '[2001:db8::1]:7000'].entries()) {
      h.ok({ type: 'shard.register', id: `s${i}`, address, region: 'r', zone: 'z', capacity: 0 });
    }
    expect(h.sm.listShards().map((s) => s.address)).toEqual(['192.168.1.10:1', 'a-b.c.example.com:65535', '[2001:db8::1]:7000']);
  });
});

describe('shard.update / setState / heartbeat', () => {
  it('changes only the given fields', () => {
    const h = new Harness();
    h.shard('s1', 5, { labels: { a: '1' } });
    const v = h.ok({ type: 'shard.update', id: 's1', capacity: 7, labels: { b: '2' } });
    expect(v.shard).toMatchObject({ capacity: 7, labels: { b: '2' }, address: '10.0.0.1:7000', zone: 'us-east-1a' });
    h.err({ type: 'shard.update', id: 's1' }, 'INVALID_ARGUMENT');
    h.err({ type: 'shard.update', id: 'nope', capacity: 1 }, 'NOT_FOUND');
  });

  it('moves between states and reports the previous one', () => {
    const h = new Harness();
    h.shard('s1');
    expect(h.ok({ type: 'shard.setState', id: 's1', state: 'draining' })).toMatchObject({ previousState: 'active', shard: { state: 'draining' } });
    expect(h.ok({ type: 'shard.setState', id: 's1', state: 'cordoned' }).previousState).toBe('draining');
    h.err({ type: 'shard.setState', id: 's1', state: 'offline' }, 'INVALID_ARGUMENT');
    h.err({ type: 'shard.setState', id: 'nope', state: 'active' }, 'NOT_FOUND');
  });

  it('stamps heartbeats with leader time', () => {
    const h = new Harness();
    h.shard('s1');
    h.advance(5_000);
    expect(h.ok({ type: 'shard.heartbeat', id: 's1' })).toEqual({ id: 's1', lastHeartbeat: T0 + 5_000 });
    expect(h.sm.getShard('s1')!.lastHeartbeat).toBe(T0 + 5_000);
    h.err({ type: 'shard.heartbeat', id: 'nope' }, 'NOT_FOUND');
  });

  it('never lets the registry clock go back when a new leader stamps an earlier time', () => {
    const h = new Harness();
    h.shard('s1');
    h.ok({ type: 'shard.heartbeat', id: 's1' }, { time: T0 + 10_000 });
    expect(h.ok({ type: 'shard.heartbeat', id: 's1' }, { time: T0 + 1_000 }).lastHeartbeat).toBe(T0 + 10_000);
    expect(h.sm.clock).toBe(T0 + 10_000);
  });
});

describe('shard.remove', () => {
  it('is refused while clusters are bound', () => {
    const h = new Harness();
    h.shard('s1');
    h.contact('c1', 's1');
    const r = h.err({ type: 'shard.remove', id: 's1' }, 'FAILED_PRECONDITION');
    expect(r.details).toEqual({ shard: 's1', boundClusters: 1 });
    expect(r.message).toMatch(/pass --force/);
    expect(h.sm.getShard('s1')).toBeDefined();
  });

  it('with force unbinds the clusters and drops domains and quota slices', () => {
    const h = new Harness();
    h.shard('s1');
    h.shard('s2');
    h.contact('c1', 's1');
    h.contact('c2', 's1');
    h.contact('c3', 's2');
    h.ok({ type: 'domain.assign', key: 'zone', value: 'a', shard: 's1' });
    h.ok({ type: 'provider.add', name: 'aws', kind: 'cloud', regions: ['r1'], endpoint: 'https://aws.example' });
    h.ok({ type: 'quota.set', provider: 'aws', region: 'r1', total: 10, slices: { s1: 4, s2: 3 } });
    const v = h.ok({ type: 'shard.remove', id: 's1', force: true });
    expect(v).toEqual({ id: 's1', unboundClusters: 2, unassignedDomains: 1, droppedQuotaSlices: 1 });
    expect(h.sm.getCluster('c1')).toMatchObject({ shard: null, generation: 2, boundAtIndex: h.index });
    expect(h.sm.getCluster('c3')!.shard).toBe('s2');
    expect(h.sm.listQuotas()[0]).toMatchObject({ allocated: 3, slices: { s2: 3 } });
    expect(h.sm.listDomains()).toEqual([]);
    expect(h.sm.listClusters({ unbound: true }).items.map((c) => c.name)).toEqual(['c1', 'c2']);
    // Unbound again, first contact wins again.
    h.contact('c1', 's2');
    expect(h.sm.getCluster('c1')).toMatchObject({ shard: 's2', generation: 3 });
  });

  it('removes an empty shard and refuses an unknown one', () => {
    const h = new Harness();
    h.shard('s1');
    h.ok({ type: 'shard.remove', id: 's1' });
    expect(h.sm.getShard('s1')).toBeUndefined();
    h.err({ type: 'shard.remove', id: 's1' }, 'NOT_FOUND');
  });
});
