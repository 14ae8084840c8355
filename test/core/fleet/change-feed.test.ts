import { describe, expect, it } from 'vitest';
import { ChangeFeed, DEFAULT_FEED_LIMITS, WatchCompacted, type ChangeBatch, type ChangeEvent, type KeyspaceHistory, type WatchFilter } from '../../../src/core/fleet/index.js';
import { MvccStore } from '../../../src/core/etcd-store/mvcc.js';
import { KeyspaceWatchHub } from '../../../src/core/etcd-store/watch-hub.js';
import { prefixEnd } from '../../../src/common/etcd-keys.js';
import { Harness } from './harness.js';

const KV: WatchFilter = { registry: 'kv', ns: '', prefix: '' };

function kvEvent(index: number, key: string, value: string | null, old: string | null = null, ns = ''): ChangeEvent {
  return { index, registry: 'kv', type: value === null ? 'delete' : 'put', ns, key, old, new: value };
}

/** A watcher that records what it is given. */
function recorder() {
  const batches: ChangeBatch[] = [];
  const resets: number[] = [];
  return { batches, resets, listener: { batch: (b: ChangeBatch) => batches.push(b), reset: (oldest: number) => resets.push(oldest) } };
}

/** A state machine that reports to a feed. */
function machine(feed = new ChangeFeed()) {
  const h = new Harness();
  h.sm.changes = feed;
  return { h, feed };
}

describe('change events from the state machine', () => {
  it('reports a KV put, overwrite and delete with old and new values', () => {
    const { h, feed } = machine();
    const r = recorder();
    feed.watch(1, KV, r.listener);
    h.ok({ type: 'kv.put', key: 'a', value: '1' });
    h.ok({ type: 'kv.put', key: 'a', value: '2' });
    h.ok({ type: 'kv.delete', key: 'a' });
    expect(r.batches.flatMap((b) => b.events)).toEqual([kvEvent(1, 'a', '1'), kvEvent(2, 'a', '2', '1'), kvEvent(3, 'a', null, '2')]);
  });

  it('reports nothing for a refused write or a delete of an absent key, but a put of the same value is a change', () => {
    const { h, feed } = machine();
    h.ok({ type: 'kv.put', key: 'a', value: '1' });
    h.err({ type: 'kv.cas', key: 'a', expected: 'nope', value: '2' }, 'CAS_FAILED');
    h.ok({ type: 'kv.delete', key: 'missing' });
    h.ok({ type: 'kv.put', key: 'a', value: '1' });
    const r = recorder();
    feed.watch(1, KV, r.listener);
    expect(r.batches.map((b) => b.index)).toEqual([1, 4]);
  });

  it('reports each cluster a forced shard removal unbinds, and the shard itself', () => {
    const { h, feed } = machine();
    h.ok({ type: 'shard.register', id: 's1', address: 'h:1', region: 'r', zone: 'z', capacity: 10 });
    h.ok({ type: 'cluster.contact', cluster: 'c1', shard: 's1' });
    h.ok({ type: 'cluster.contact', cluster: 'c2', shard: 's1' });
    h.ok({ type: 'shard.remove', id: 's1', force: true });
    const clusters = recorder();
    feed.watch(4, { registry: 'clusters', ns: '', prefix: '' }, clusters.listener);
    expect(clusters.batches).toHaveLength(1);
    expect(clusters.batches[0]!.events.map((e) => [e.type, e.key, (e.old as { shard: string }).shard, (e.new as { shard: string | null }).shard])).toEqual([
      ['shard.remove', 'c1', 's1', null],
      ['shard.remove', 'c2', 's1', null],
    ]);
    const shards = recorder();
    feed.watch(1, { registry: 'shards', ns: '', prefix: '' }, shards.listener);
    expect(shards.batches.map((b) => [b.index, b.events[0]!.type, b.events[0]!.new === null])).toEqual([
      [1, 'shard.register', false],
      [4, 'shard.remove', true],
    ]);
  });

  it('reports a lease expiry proposed by the leader', () => {
    const { h, feed } = machine();
    const { lease } = h.ok({ type: 'lease.acquire', name: 'L', holder: 'me', ttlMs: 1000 });
    h.ok({ type: 'lease.expire', name: 'L', token: lease.token, renewedIndex: lease.renewedIndex });
    const r = recorder();
    feed.watch(1, { registry: 'leases', ns: '', prefix: '' }, r.listener);
    expect(r.batches.map((b) => b.events[0]!.type)).toEqual(['lease.acquire', 'lease.expire']);
    expect((r.batches[1]!.events[0]!.new as { expired: boolean }).expired).toBe(true);
  });

  it('computes nothing without a feed attached', () => {
    const h = new Harness();
    expect(h.sm.changes).toBeUndefined();
    h.ok({ type: 'kv.put', key: 'a', value: '1' });
  });
});

describe('ChangeFeed', () => {
  it('filters by namespace and prefix', () => {
    const feed = new ChangeFeed();
    feed.record(1, [kvEvent(1, 'app/x', '1'), kvEvent(1, 'other', '1')]);
    feed.record(2, [kvEvent(2, 'app/y', '1', null, 'ns2')]);
    const r = recorder();
    feed.watch(1, { registry: 'kv', ns: '', prefix: 'app/' }, r.listener);
    expect(r.batches).toEqual([{ index: 1, events: [kvEvent(1, 'app/x', '1')] }]);
  });

  it('delivers the backlog from the index asked, then live batches, each once and in order', () => {
    const feed = new ChangeFeed();
    for (let i = 1; i <= 5; i++) feed.record(i, [kvEvent(i, `k${i}`, 'v')]);
    const r = recorder();
    feed.watch(3, KV, r.listener);
    for (let i = 6; i <= 7; i++) feed.record(i, [kvEvent(i, `k${i}`, 'v')]);
    expect(r.batches.map((b) => b.index)).toEqual([3, 4, 5, 6, 7]);
  });

  it('holds back live batches below a future start (a member behind the index asked)', () => {
    const feed = new ChangeFeed();
    const r = recorder();
    feed.watch(10, KV, r.listener);
    for (let i = 1; i <= 11; i++) feed.record(i, [kvEvent(i, 'k', String(i))]);
    expect(r.batches.map((b) => b.index)).toEqual([10, 11]);
  });

  it('drops whole entries beyond its event bound and refuses a watch from before them, naming the oldest index', () => {
    const feed = new ChangeFeed({ maxEvents: 4, maxBytes: 1 << 30 });
    for (let i = 1; i <= 5; i++) feed.record(i, [kvEvent(i, 'a', 'v'), kvEvent(i, 'b', 'v')]);
    expect(feed.size).toBe(4);
    expect(feed.oldestIndex).toBe(4);
    expect(() => feed.watch(3, KV, recorder().listener)).toThrow(WatchCompacted);
    try {
      feed.watch(2, KV, recorder().listener);
    } catch (err) {
      expect((err as WatchCompacted).oldest).toBe(4);
      expect((err as Error).message).toMatch(/index 2 has been compacted: the oldest index this member still has is 4/);
    }
    const r = recorder();
    feed.watch(4, KV, r.listener);
    expect(r.batches.map((b) => b.index)).toEqual([4, 5]);
  });

  it('keeps within its byte bound (large values go first)', () => {
    const feed = new ChangeFeed({ maxEvents: 1000, maxBytes: 10_000 });
    for (let i = 1; i <= 10; i++) feed.record(i, [kvEvent(i, 'k', 'x'.repeat(3000))]);
    expect(feed.size).toBeLessThanOrEqual(3);
    expect(feed.oldestIndex).toBe(11 - feed.size);
  });

  it('keeps its order across many evictions (the ring compacts its front)', () => {
    const feed = new ChangeFeed({ maxEvents: 100, maxBytes: 1 << 30 });
    for (let i = 1; i <= 5000; i++) feed.record(i, [kvEvent(i, 'k', 'v')]);
    const r = recorder();
    feed.watch(4950, KV, r.listener);
    expect(r.batches.map((b) => b.index)).toEqual(Array.from({ length: 51 }, (_, i) => 4950 + i));
    expect(feed.oldestIndex).toBe(4901);
  });

  it('tells watchers and detaches them when restarted at a snapshot', () => {
    const feed = new ChangeFeed();
    feed.record(1, [kvEvent(1, 'k', 'v')]);
    const r = recorder();
    feed.watch(1, KV, r.listener);
    feed.reset(100);
    feed.record(100, [kvEvent(100, 'k', 'w')]);
    expect(r.resets).toEqual([100]);
    expect(r.batches.map((b) => b.index)).toEqual([1]);
    expect(feed.watchers).toBe(0);
    expect(feed.oldestIndex).toBe(100);
    expect(() => feed.watch(99, KV, recorder().listener)).toThrow(/oldest index this member still has is 100/);
  });

  it('stops delivering to a detached watcher', () => {
    const feed = new ChangeFeed();
    const r = recorder();
    const detach = feed.watch(1, KV, r.listener);
    feed.record(1, [kvEvent(1, 'k', 'v')]);
    detach();
    feed.record(2, [kvEvent(2, 'k', 'w')]);
    expect(r.batches.map((b) => b.index)).toEqual([1]);
  });
});

describe('keyspace changes read from the store history', () => {
  const b = (s: string): Uint8Array => new Uint8Array(Buffer.from(s));
  /** A store whose history the feed refers to, counting the feed's reads of it. */
  function keyspaceFeed(limits = DEFAULT_FEED_LIMITS) {
    const store = new MvccStore();
    const hub = new KeyspaceWatchHub(() => store);
    const reads: { prefix: string; from: number }[] = [];
    const history: KeyspaceHistory = {
      get compactRevision() {
        return store.compactRevision;
      },
      events: (prefix, from) => {
        reads.push({ prefix, from });
        const key = prefix === '' ? new Uint8Array([0]) : b(prefix);
        return store.events(key, prefix === '' ? new Uint8Array([0]) : new Uint8Array(prefixEnd(Buffer.from(key))), from);
      },
      watch: (prefix, listener) => hub.watch(b(prefix), prefixEnd(Buffer.from(prefix)), listener),
    };
    const feed = new ChangeFeed(limits, history);
    /** An entry at `index` that puts `key` (one revision), recorded as the member records it: the hub told first. */
    const put = (index: number, key: string, value: string): void => {
      const from = store.revision + 1;
      store.put({ key: b(key), value: b(value) });
      hub.applied();
      feed.record(index, [], { from, to: store.revision });
    };
    return { store, feed, reads, put };
  }
  const keyspaceEvent = (index: number, key: string, value: string, old: string | null = null, ns = ''): ChangeEvent => ({ ...kvEvent(index, key, value, old, ns), inKeyspace: true });

  it('records a write nobody watches without reading its events', () => {
    const { feed, reads, put } = keyspaceFeed();
    for (let i = 1; i <= 100; i++) put(i, `k${i}`, 'v');
    expect(reads).toEqual([]);
    expect(feed.size).toBe(100);
  });

  it('reads the history only for the live watchers whose namespace an entry wrote', () => {
    const { feed, reads, put } = keyspaceFeed();
    const watchers = Array.from({ length: 100 }, (_, i) => {
      const r = recorder();
      feed.watch(1, { registry: 'kv', ns: `app${i}`, prefix: '' }, r.listener);
      return r;
    });
    put(1, 'app7/a', '1');
    put(2, 'elsewhere', '2');
    expect(reads.map((r) => r.prefix)).toEqual(['app7/']);
    expect(watchers.map((w) => w.batches.length).filter((n) => n > 0)).toEqual([1]);
  });

  it('hands a live watcher the events of its namespace only, as fleet kv names them', () => {
    const { feed, put } = keyspaceFeed();
    const app = recorder();
    feed.watch(1, { registry: 'kv', ns: 'app', prefix: '' }, app.listener);
    put(1, 'app/a', '1');
    put(2, 'other/b', '2');
    put(3, 'app/a', '3');
    expect(app.batches).toEqual([
      { index: 1, events: [{ ...keyspaceEvent(1, 'a', '1'), ns: 'app' }] },
      { index: 3, events: [{ ...keyspaceEvent(3, 'a', '3', '1'), ns: 'app' }] },
    ]);
  });

  it('gives a resuming watcher each entry as its own batch, from one read of the history', () => {
    const { feed, reads, put } = keyspaceFeed();
    put(1, 'a', '1');
    feed.record(2, [kvEvent(2, 'fleet-only', 'x')]);
    put(3, 'b', '2');
    put(4, 'a', '3');
    const r = recorder();
    feed.watch(2, KV, r.listener);
    expect(r.batches).toEqual([
      { index: 2, events: [kvEvent(2, 'fleet-only', 'x')] },
      { index: 3, events: [keyspaceEvent(3, 'b', '2')] },
      { index: 4, events: [keyspaceEvent(4, 'a', '3', '1')] },
    ]);
    expect(reads).toEqual([{ prefix: '', from: 2 }]);
  });

  it('counts a revision against the ring as one event', () => {
    const { feed, put } = keyspaceFeed({ maxEvents: 3, maxBytes: 1 << 30 });
    for (let i = 1; i <= 5; i++) put(i, `k${i}`, 'v');
    expect(feed.size).toBe(3);
    expect(feed.oldestIndex).toBe(3);
  });

  it('moves its oldest index past the entries whose revisions were compacted', () => {
    const { store, feed, put } = keyspaceFeed();
    put(1, 'a', '1');
    put(2, 'a', '2');
    feed.record(3, [kvEvent(3, 'fleet-only', 'x')]);
    put(4, 'a', '3');
    store.compact(3);
    expect(feed.oldestIndex).toBe(3);
    expect(() => feed.watch(2, KV, recorder().listener)).toThrow(WatchCompacted);
    const r = recorder();
    feed.watch(3, KV, r.listener);
    expect(r.batches.map((x) => x.index)).toEqual([3, 4]);
  });
});

describe('a keyspace span recorded after the history moved on', () => {
  it('hands a live watcher the events of the entry own revisions only', () => {
    const store = new MvccStore();
    const all = new Uint8Array([0]);
    // A hub that names every watcher before each entry, as one told of several revisions at once does.
    const touched = new Set<() => void>();
    const touchAll = (): void => touched.forEach((l) => l());
    const feed = new ChangeFeed(DEFAULT_FEED_LIMITS, { compactRevision: 0, events: (_prefix, from) => store.events(all, all, from), watch: (_p, l) => (touched.add(l), () => void touched.delete(l)) });
    const r = recorder();
    feed.watch(1, KV, r.listener);
    store.put({ key: new Uint8Array(Buffer.from('a')), value: new Uint8Array(Buffer.from('1')) });
    store.put({ key: new Uint8Array(Buffer.from('b')), value: new Uint8Array(Buffer.from('2')) });
    touchAll();
    feed.record(1, [], { from: 1, to: 1 });
    touchAll();
    feed.record(2, [], { from: 2, to: 2 });
    expect(r.batches.map((b) => [b.index, b.events.map((e) => e.key)])).toEqual([
      [1, ['a']],
      [2, ['b']],
    ]);
  });
});

describe('a feed restarted on a history of its own', () => {
  it('trims what the new history compacted, below the old one’s compaction too', () => {
    const b = (s: string): Uint8Array => new Uint8Array(Buffer.from(s));
    const all = new Uint8Array([0]);
    let store = new MvccStore();
    const feed = new ChangeFeed(DEFAULT_FEED_LIMITS, {
      get compactRevision() {
        return store.compactRevision;
      },
      events: (_prefix, from) => store.events(all, all, from),
      watch: () => () => undefined,
    });
    const put = (index: number, key: string): void => {
      const from = store.revision + 1;
      store.put({ key: b(key), value: b('v') });
      feed.record(index, [], { from, to: store.revision });
    };
    for (let i = 1; i <= 6; i++) put(i, `k${i}`);
    store.compact(6);
    expect(feed.oldestIndex).toBe(6);
    // A snapshot installed: a store of its own, compacted less far than the old one was.
    store = new MvccStore();
    feed.reset(20);
    put(20, 'a');
    put(21, 'b');
    store.compact(2);
    expect(feed.oldestIndex).toBe(21);
    const r = recorder();
    feed.watch(21, KV, r.listener);
    expect(r.batches.map((x) => x.index)).toEqual([21]);
  });
});
