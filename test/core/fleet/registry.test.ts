import { describe, expect, it } from 'vitest';
import { Harness, T0 } from './harness.js';

function withProvider(): Harness {
  const h = new Harness();
  h.shard('s1');
  h.shard('s2');
  h.ok({ type: 'provider.add', name: 'aws', kind: 'cloud', regions: ['us-east-1', 'eu-west-1'], endpoint: 'https://aws.example.com' });
  return h;
}

describe('domains', () => {
  it('assigns, reassigns (reporting the previous shard) and unassigns', () => {
    const h = withProvider();
    expect(h.ok({ type: 'domain.assign', key: 'zone', value: 'us-east-1a', shard: 's1' })).toEqual({
      domain: { key: 'zone', value: 'us-east-1a', shard: 's1', assignedAtIndex: h.index },
      previousShard: null,
    });
    expect(h.ok({ type: 'domain.assign', key: 'zone', value: 'us-east-1a', shard: 's2' }).previousShard).toBe('s1');
    h.ok({ type: 'domain.assign', key: 'rack', value: 'r-1', shard: 's1' });
    h.ok({ type: 'domain.assign', key: 'rack.x', value: 'r-1', shard: 's1' });
    expect(h.sm.listDomains().map((d) => `${d.key}=${d.value}`)).toEqual(['rack=r-1', 'rack.x=r-1', 'zone=us-east-1a']);
    expect(h.sm.listDomains('s2').map((d) => d.key)).toEqual(['zone']);
    expect(h.ok({ type: 'domain.unassign', key: 'zone', value: 'us-east-1a' })).toEqual({ key: 'zone', value: 'us-east-1a', shard: 's2' });
    h.err({ type: 'domain.unassign', key: 'zone', value: 'us-east-1a' }, 'NOT_FOUND');
  });

  it('needs an existing shard and well-formed names', () => {
    const h = withProvider();
    h.err({ type: 'domain.assign', key: 'zone', value: 'a', shard: 's9' }, 'NOT_FOUND');
    h.err({ type: 'domain.assign', key: 'zo=ne', value: 'a', shard: 's1' }, 'INVALID_ARGUMENT');
    h.err({ type: 'domain.assign', key: 'zone', value: '', shard: 's1' }, 'INVALID_ARGUMENT');
  });
});

describe('quotas', () => {
  it('sets slices that add up to at most the total', () => {
    const h = withProvider();
    const v = h.ok({ type: 'quota.set', provider: 'aws', region: 'us-east-1', total: 100, slices: { s2: 60, s1: 40 } });
    expect(v).toEqual({ created: true, quota: { provider: 'aws', region: 'us-east-1', total: 100, allocated: 100, slices: { s1: 40, s2: 60 } } });
    expect(h.ok({ type: 'quota.set', provider: 'aws', region: 'us-east-1', total: 50, slices: {} }).created).toBe(false);
    expect(h.sm.listQuotas()).toEqual([{ provider: 'aws', region: 'us-east-1', total: 50, allocated: 0, slices: {} }]);
  });

  it('refuses slices beyond the total, negative or fractional amounts', () => {
    const h = withProvider();
    expect(h.err({ type: 'quota.set', provider: 'aws', region: 'us-east-1', total: 10, slices: { s1: 6, s2: 5 } }, 'INVALID_ARGUMENT').message).toMatch(
      /add up to 11, more than the total 10/,
    );
    h.err({ type: 'quota.set', provider: 'aws', region: 'us-east-1', total: 10, slices: { s1: -1 } }, 'INVALID_ARGUMENT');
    h.err({ type: 'quota.set', provider: 'aws', region: 'us-east-1', total: 10, slices: { s1: 0.5 } }, 'INVALID_ARGUMENT');
    expect(h.sm.listQuotas()).toEqual([]);
  });

  it('needs a known provider, one of its regions and known shards', () => {
    const h = withProvider();
    h.err({ type: 'quota.set', provider: 'gcp', region: 'us-east-1', total: 1, slices: {} }, 'NOT_FOUND');
    h.err({ type: 'quota.set', provider: 'aws', region: 'ap-south-1', total: 1, slices: {} }, 'FAILED_PRECONDITION');
    expect(h.err({ type: 'quota.set', provider: 'aws', region: 'us-east-1', total: 1, slices: { s9: 1 } }, 'NOT_FOUND').details).toEqual({ shard: 's9' });
  });

  it('removes a quota', () => {
    const h = withProvider();
    h.ok({ type: 'quota.set', provider: 'aws', region: 'us-east-1', total: 1, slices: {} });
    expect(h.ok({ type: 'quota.remove', provider: 'aws', region: 'us-east-1' })).toEqual({ provider: 'aws', region: 'us-east-1' });
    h.err({ type: 'quota.remove', provider: 'aws', region: 'us-east-1' }, 'NOT_FOUND');
  });
});

describe('providers', () => {
  it('adds idempotently, refuses a conflicting definition, lists by name', () => {
    const h = withProvider();
    expect(h.ok({ type: 'provider.add', name: 'aws', kind: 'cloud', regions: ['us-east-1', 'eu-west-1'], endpoint: 'https://aws.example.com' }).created).toBe(false);
    h.err({ type: 'provider.add', name: 'aws', kind: 'cloud', regions: ['us-east-1'], endpoint: 'https://aws.example.com' }, 'FAILED_PRECONDITION');
    h.ok({ type: 'provider.add', name: 'azure', kind: 'cloud', regions: ['westeurope'], endpoint: 'azure.example:443' });
    expect(h.sm.listProviders().map((p) => p.name)).toEqual(['aws', 'azure']);
  });

  it('refuses bad definitions', () => {
    const h = new Harness();
    h.err({ type: 'provider.add', name: 'p', kind: 'cloud', regions: [], endpoint: 'x' }, 'INVALID_ARGUMENT');
    h.err({ type: 'provider.add', name: 'p', kind: 'cloud', regions: ['a', 'a'], endpoint: 'x' }, 'INVALID_ARGUMENT');
    h.err({ type: 'provider.add', name: 'p', kind: 'cloud', regions: ['a'], endpoint: 'has space' }, 'INVALID_ARGUMENT');
    h.err({ type: 'provider.add', name: 'p', kind: '', regions: ['a'], endpoint: 'x' }, 'INVALID_ARGUMENT');
  });

  it('refuses to remove a provider that quotas refer to', () => {
    const h = withProvider();
    h.ok({ type: 'quota.set', provider: 'aws', region: 'us-east-1', total: 1, slices: {} });
    expect(h.err({ type: 'provider.remove', name: 'aws' }, 'FAILED_PRECONDITION').details).toEqual({ provider: 'aws', quotaRegions: ['us-east-1'] });
    h.ok({ type: 'quota.remove', provider: 'aws', region: 'us-east-1' });
    h.ok({ type: 'provider.remove', name: 'aws' });
    h.err({ type: 'provider.remove', name: 'aws' }, 'NOT_FOUND');
  });
});

describe('plan.progress', () => {
  it('keeps the latest report per plan, most recent first', () => {
    const h = new Harness();
    h.ok({ type: 'plan.progress', planId: 'p1', startedBy: 'alice', done: 0, total: 10, state: 'running' });
    h.advance(1_000);
    h.ok({ type: 'plan.progress', planId: 'p2', startedBy: 'bob', done: 1, total: 2, state: 'running' });
    h.advance(1_000);
    const v = h.ok({ type: 'plan.progress', planId: 'p1', startedBy: 'alice', done: 10, total: 10, state: 'completed' });
    expect(v.plan).toEqual({ planId: 'p1', startedBy: 'alice', done: 10, total: 10, state: 'completed', startedAt: T0, updatedAt: T0 + 2_000, updatedAtIndex: h.index });
    expect(h.sm.plans().map((p) => p.planId)).toEqual(['p1', 'p2']);
  });

  it('refuses done > total and unknown states', () => {
    const h = new Harness();
    h.err({ type: 'plan.progress', planId: 'p1', startedBy: 'a', done: 3, total: 2, state: 'running' }, 'INVALID_ARGUMENT');
    h.err({ type: 'plan.progress', planId: 'p1', startedBy: 'a', done: 0, total: 2, state: 'exploded' }, 'INVALID_ARGUMENT');
  });
});
