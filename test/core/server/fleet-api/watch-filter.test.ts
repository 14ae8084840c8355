import { describe, expect, it } from 'vitest';
import { filterBatch } from '../../../../src/core/fleet/change-feed.js';
import type { ChangeEvent, WatchRegistry } from '../../../../src/core/fleet/index.js';
import { watchFilterFromWire } from '../../../../src/core/server/fleet-api/watch-stream.js';

const req = (registry: string, ns = '') => ({ fromIndex: 0, registry, ns, prefix: '' });
const event = (registry: WatchRegistry, key: string, ns = ''): ChangeEvent => ({ index: 7, registry, type: registry === 'kv' ? 'put' : `${registry}.x`, ns, key, old: null, new: 1 });

describe('watchFilterFromWire', () => {
  it('takes several registries, comma-separated, and the stream carries exactly those', () => {
    const filter = watchFilterFromWire(req('shards,clusters,leases'));
    const batch = { index: 7, events: [event('shards', 's1'), event('kv', 'k'), event('clusters', 'c1'), event('quotas', 'aws/eu'), event('leases', 'L')] };
    expect(filterBatch(filter, batch)?.events.map((e) => e.registry)).toEqual(['shards', 'clusters', 'leases']);
  });

  it('one registry as before; kv keeps its namespace with others', () => {
    expect(watchFilterFromWire(req(''))).toEqual({ registry: 'kv', ns: '', prefix: '' });
    expect(watchFilterFromWire(req('shards'))).toEqual({ registry: 'shards', ns: '', prefix: '' });
    const filter = watchFilterFromWire(req('shards,kv', 'app1'));
    const batch = { index: 7, events: [event('kv', 'a', 'app1'), event('kv', 'b', 'other'), event('shards', 's1')] };
    expect(filterBatch(filter, batch)?.events.map((e) => e.key)).toEqual(['a', 's1']);
  });

  it('refuses an unknown registry in the list, naming the field', () => {
    expect(() => watchFilterFromWire(req('shards,plans'))).toThrow(/^registry: got "shards,plans", want one of/);
    expect(() => watchFilterFromWire(req('shards,clusters', 'app1'))).toThrow(/^ns: only the kv registry/);
  });
});
