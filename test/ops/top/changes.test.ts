import { describe, expect, it } from 'vitest';
import { FleetClientError } from '../../../src/client/errors.js';
import { ChangeFollower } from '../../../src/ops/top/change-follower.js';
import { coalesce, describeChange, type ChangeLine } from '../../../src/ops/top/changes.js';
import type { NewEvent } from '../../../src/ops/top/events.js';
import { FakeClock, FakeWatch, change, flush, shard } from './fakes.js';

const one = (e: Parameters<typeof describeChange>[0]): string | undefined => describeChange(e)?.one;
const cluster = (name: string, s: string | null, lastSeen = 0) => ({ name, shard: s, generation: 1, boundAtIndex: 5, lastSeen });
const lease = (holder: string, token: number) => ({ name: 'L', holder, token, ttlMs: 10_000, acquiredAt: 0, expiresAt: 10_000, expired: false });

describe('describeChange', () => {
  it('says what an operator changed in each registry', () => {
    expect(one(change('shards', 'shard.setState', 's2', shard('s2'), shard('s2', { state: 'draining' })))).toBe('shard s2 drained (was active)');
    expect(one(change('shards', 'shard.setState', 's2', shard('s2', { state: 'draining' }), shard('s2', { state: 'cordoned' })))).toBe('shard s2 cordoned (was draining)');
    expect(one(change('shards', 'shard.register', 's4', null, shard('s4')))).toBe('shard s4 registered in eu/eu-1a');
    expect(one(change('shards', 'shard.update', 's1', shard('s1'), shard('s1', { capacity: 200 })))).toBe('shard s1 capacity 100 → 200');
    expect(one(change('shards', 'shard.remove', 's1', shard('s1'), null))).toBe('shard s1 removed');
    expect(one(change('clusters', 'cluster.rebind', 'c-17', cluster('c-17', 's1'), cluster('c-17', 's2')))).toBe('cluster c-17 rebound s1 → s2');
    expect(one(change('clusters', 'cluster.contact', 'c-18', null, cluster('c-18', 's1')))).toBe('cluster c-18 bound to s1');
    expect(one(change('clusters', 'cluster.unbind', 'c-19', cluster('c-19', 's1'), cluster('c-19', null)))).toBe('cluster c-19 unbound from s1');
    expect(one(change('clusters', 'cluster.prune', 'c-20', cluster('c-20', 's1'), null))).toBe('cluster c-20 pruned');
    expect(one(change('leases', 'lease.acquire', 'L', null, lease('X', 7)))).toBe('lease L acquired by X (token 7)');
    expect(one(change('leases', 'lease.expire', 'L', lease('X', 7), { ...lease('X', 7), expired: true }))).toBe('lease L expired (held by X)');
    expect(one(change('leases', 'lease.release', 'L', lease('X', 7), null))).toBe('lease L released by X');
    expect(one(change('quotas', 'quota.set', 'aws/eu-west-1', null, { provider: 'aws', region: 'eu-west-1', total: 100, allocated: 0, slices: {} }))).toBe('quota aws/eu-west-1 set to 100');
    expect(one(change('domains', 'domain.assign', 'zone=eu-1a', null, { key: 'zone', value: 'eu-1a', shard: 's1', assignedAtIndex: 3 }))).toBe('domain zone=eu-1a assigned to s1');
    expect(one(change('providers', 'provider.add', 'aws', null, { name: 'aws', kind: 'cloud', regions: [], endpoint: '' }))).toBe('provider aws added');
    expect(one({ ...change('kv', 'put', 'flag', null, 'on'), ns: 'app1' })).toBe('key app1:flag put');
  });

  it('drops the data plane’s heartbeats: they are not an operator’s decisions', () => {
    expect(describeChange(change('shards', 'shard.heartbeat', 's1', shard('s1'), shard('s1', { lastHeartbeat: 5 })))).toBeNull();
    expect(describeChange(change('clusters', 'cluster.heartbeat', 'c1', cluster('c1', 's1'), cluster('c1', 's1', 9)))).toBeNull();
    expect(describeChange(change('clusters', 'cluster.contact', 'c1', cluster('c1', 's1'), cluster('c1', 's1', 9)))).toBeNull();
    expect(describeChange(change('leases', 'lease.renew', 'L', lease('X', 7), lease('X', 7)))).toBeNull();
  });
});

describe('coalesce', () => {
  const rebind = (i: number, from = 's1', to = 's2'): ChangeLine => describeChange(change('clusters', 'cluster.rebind', `c-${i}`, cluster(`c-${i}`, from), cluster(`c-${i}`, to)))!;

  it('folds a 500-cluster rebind into one line, apart from other kinds of change', () => {
    const pending = Array.from({ length: 500 }, (_, i) => ({ at: 1_000 + i, line: rebind(i) }));
    pending.splice(10, 0, { at: 1_005, line: describeChange(change('shards', 'shard.setState', 's1', shard('s1'), shard('s1', { state: 'draining' })))! });
    pending.push({ at: 1_600, line: rebind(900, 's3', 's2') });
    expect(coalesce(pending)).toEqual<NewEvent[]>([
      { at: 1_000, kind: 'change', text: '500 clusters rebound s1 → s2' },
      { at: 1_005, kind: 'change', text: 'shard s1 drained (was active)' },
      { at: 1_600, kind: 'change', text: 'cluster c-900 rebound s3 → s2' },
    ]);
  });

  it('gives nothing for nothing', () => {
    expect(coalesce([])).toEqual([]);
  });
});

describe('ChangeFollower', () => {
  const rebindEvent = (i: number, index: number) => change('clusters', 'cluster.rebind', `c-${i}`, cluster(`c-${i}`, 's1'), cluster(`c-${i}`, 's2'), index);

  function setup() {
    const clock = new FakeClock();
    const watch = new FakeWatch();
    const emitted: NewEvent[] = [];
    const follower = new ChangeFollower({ open: watch.open, registries: ['shards', 'clusters'], clock, emit: (e) => emitted.push(...e) });
    return { clock, watch, emitted, follower };
  }

  it('opens one watch on the registries from now, and flushes a burst once a second as one line', async () => {
    const { clock, watch, emitted, follower } = setup();
    follower.start();
    await flush();
    expect(watch.opens).toHaveLength(1);
    expect(watch.opens[0]).toMatchObject({ registries: ['shards', 'clusters'] });
    expect(watch.opens[0]!.fromIndex).toBeUndefined();
    for (let i = 0; i < 300; i++) watch.push(rebindEvent(i, 10 + i));
    await clock.advance(500);
    expect(emitted).toEqual([]);
    for (let i = 300; i < 500; i++) watch.push(rebindEvent(i, 10 + i));
    await clock.advance(500);
    expect(emitted.map((e) => e.text)).toEqual(['500 clusters rebound s1 → s2']);
    watch.push(rebindEvent(999, 700));
    await clock.advance(1_000);
    expect(emitted.map((e) => e.text)).toEqual(['500 clusters rebound s1 → s2', 'cluster c-999 rebound s1 → s2']);
    await follower.stop();
  });

  it('compacted on every member: one event says changes were missed, and the watch starts again from now', async () => {
    const { clock, watch, emitted, follower } = setup();
    follower.start();
    watch.fail(new FleetClientError('precondition', 'index 12 has been compacted on every member', { details: { requestedIndex: 12, oldestIndex: 40 } }));
    await clock.advance(10);
    expect(emitted.map((e) => [e.kind, e.text])).toEqual([['change-gap', 'registry changes missed (indexes 12–39): compacted on every member; following again from now']]);
    expect(watch.opens).toHaveLength(2);
    expect(watch.opens[1]!.fromIndex).toBeUndefined();
    watch.push(rebindEvent(1, 41));
    await clock.advance(1_000);
    expect(emitted.at(-1)?.text).toBe('cluster c-1 rebound s1 → s2');
    await follower.stop();
  });

  it('a member that refuses the watch: one note, and nothing more is tried', async () => {
    const { clock, watch, emitted, follower } = setup();
    follower.start();
    watch.fail(new FleetClientError('invalid', 'registry: got "shards,clusters", want one of kv, shards'));
    await clock.advance(5_000);
    expect(emitted.map((e) => [e.kind, e.text])).toEqual([['change-gap', 'registry changes not shown: the members do not serve a watch of the registries (older than this fleet?)']]);
    expect(watch.opens).toHaveLength(1);
    await follower.stop();
  });

  it('stop ends the watch and flushes what was pending', async () => {
    const { watch, emitted, follower } = setup();
    follower.start();
    watch.push(rebindEvent(1, 5));
    await flush();
    await follower.stop();
    expect(emitted.map((e) => e.text)).toEqual(['cluster c-1 rebound s1 → s2']);
    expect(watch.opens[0]!.signal?.aborted).toBe(true);
  });
});
