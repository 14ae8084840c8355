/**
 * The etcd Watch service over a member's keyspace, driven in-process: every watcher gets each
 * event of its range once, in order, and a write visits only the watchers of the keys it wrote
 * (with 10,000 single-key watchers open, every write used to visit all of them).
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { MvccStore } from '../../../../src/core/etcd-store/mvcc.js';
import { KeyspaceWatchHub } from '../../../../src/core/etcd-store/watch-hub.js';
import { MAX_WATCHERS_PER_STREAM, createEtcdWatchService } from '../../../../src/core/server/etcd-api/etcd-watch-service.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

interface Sent {
  header?: { revision: string };
  fragment?: boolean;
  watchId: string;
  created?: boolean;
  canceled?: boolean;
  compactRevision?: string;
  events?: { type: string; kv: { key: Buffer | Uint8Array; modRevision: string } }[];
}

/** A member with a real keyspace, and one Watch stream on it. */
function harness(progressNotifyMs?: number) {
  let store = new MvccStore(1);
  const hub = new KeyspaceWatchHub(() => store);
  const node = {
    id: 'n1',
    etcdStore: () => store,
    keyspaceWatchers: () => hub,
    leadership: () => ({ term: 2, leader: 'n1' }),
  };
  const service = createEtcdWatchService(node, { auth: {}, clusterId: () => 'c1', progressNotifyMs });
  const sent: Sent[] = [];
  /** How many more messages the stream's buffer takes before write answers false (a client that reads: always). */
  let room = Infinity;
  const call = Object.assign(new EventEmitter(), {
    writable: true,
    destroyed: false,
    metadata: { get: () => [] },
    getPath: () => '/etcdserverpb.Watch/Watch',
    write: (m: Sent) => {
      sent.push(m);
      return --room > 0;
    },
    end: () => undefined,
  });
  (service.Watch as (c: unknown) => void)(call);
  const applied = (): void => hub.applied();
  return {
    sent,
    hub,
    get store() {
      return store;
    },
    replaceStore(next: MvccStore) {
      store = next;
      applied();
    },
    watch(key: string, rangeEnd = '', startRevision = 0, opts: { progressNotify?: boolean; fragment?: boolean } = {}): void {
      call.emit('data', { createRequest: { key: b(key), rangeEnd: b(rangeEnd), startRevision: String(startRevision), progressNotify: opts.progressNotify ?? false, filters: [], prevKv: false, watchId: '0', fragment: opts.fragment ?? false } });
    },
    /** The client ends the stream. */
    close(): void {
      call.emit('close');
    },
    /** The client stops reading: the stream's buffer takes `n` more messages, then write answers false. */
    pause(n: number): void {
      room = n;
    },
    /** The client read everything: the buffer is empty again ('drain'). */
    drain(): void {
      room = Infinity;
      call.emit('drain');
    },
    progress(): void {
      call.emit('data', { progressRequest: {} });
    },
    /** The client half-closes its sending side (grpc-js's 'end'), as every gateway watch does. */
    halfClose(): void {
      call.emit('end');
    },
    put(key: string, value = 'v'): number {
      const r = store.put({ key: b(key), value: b(value) });
      applied();
      return r.revision;
    },
    del(key: string): number {
      const r = store.deleteRange({ key: b(key) });
      applied();
      return r.revision;
    },
    /** Events per watch id, as `key@revision`. */
    events(): Map<string, string[]> {
      const out = new Map<string, string[]>();
      for (const m of sent) {
        for (const e of m.events ?? []) {
          const list = out.get(m.watchId) ?? [];
          list.push(`${e.type === 'DELETE' ? '-' : ''}${Buffer.from(e.kv.key).toString('latin1')}@${e.kv.modRevision}`);
          out.set(m.watchId, list);
        }
      }
      return out;
    },
  };
}

describe('the etcd Watch service', () => {
  it('keeps sending events after the client half-closes its side, as etcd does (it used to end the stream)', () => {
    const h = harness();
    h.watch('a');
    h.halfClose();
    const r = h.put('a');
    expect(h.events().get('0')).toEqual([`a@${r}`]);
    h.close();
    h.put('a', 'after close');
    expect(h.events().get('0')).toEqual([`a@${r}`]);
  });

  it('writes nothing more while the client does not read, then sends the history a page at a time as it drains, every event once and in order', () => {
    const h = harness();
    const mb = 'x'.repeat(1024 * 1024);
    const revs = Array.from({ length: 30 }, (_, i) => h.put(`big/${i % 3}`, mb + i));
    // 40 watchers of the whole history, on a stream whose client reads nothing.
    h.pause(2);
    for (let i = 0; i < 40; i++) h.watch('big/', 'big0', 1);
    const bytesSent = (): number => h.sent.reduce((n, m) => n + (m.events ?? []).length, 0);
    // One page (about 1 MB of values: two events) was written before the buffer filled; nothing since.
    expect(bytesSent()).toBeLessThanOrEqual(2);
    const live = h.put('big/0', 'live');
    expect(bytesSent(), 'a write while the stream is full is not sent either').toBeLessThanOrEqual(2);
    h.progress();
    expect(h.sent.filter((m) => m.watchId === '-1' && !m.created), 'a progress request waits until every watcher is caught up').toEqual([]);
    for (let i = 0; i < 2000 && h.events().get('39')?.length !== 31; i++) {
      h.pause(3);
      h.drain();
    }
    h.drain();
    const expected = [...revs.map((r, i) => `big/${i % 3}@${r}`), `big/0@${live}`];
    for (let i = 0; i < 40; i++) expect(h.events().get(String(i)), `watcher ${i}`).toEqual(expected);
    expect(h.sent.filter((m) => m.watchId === '-1' && !m.created)).toHaveLength(1);
  });

  it('refuses a watcher past the limit of one stream, and goes on serving the others', () => {
    const h = harness();
    for (let i = 0; i < MAX_WATCHERS_PER_STREAM + 1; i++) h.watch(`k${i}`);
    const refused = h.sent.filter((m) => m.canceled);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ watchId: '-1', created: true });
    const r = h.put('k0');
    expect(h.events().get('0')).toEqual([`k0@${r}`]);
  });

  it('sends each watcher the events of its key or range once and in order, however long a watcher went untouched', () => {
    const h = harness();
    h.watch('a'); // 0
    h.watch('b'); // 1
    h.watch('k', 'l'); // 2: prefix k
    h.watch('\0', '\0'); // 3: everything
    const r1 = h.put('a');
    const others = Array.from({ length: 20 }, (_, i) => h.put(`k${i}`));
    const r2 = h.put('a', 'v2');
    const r3 = h.del('a');
    const r4 = h.put('b');
    const ev = h.events();
    expect(ev.get('0')).toEqual([`a@${r1}`, `a@${r2}`, `-a@${r3}`]);
    expect(ev.get('1')).toEqual([`b@${r4}`]);
    expect(ev.get('2')).toEqual(others.map((r, i) => `k${i}@${r}`));
    expect(ev.get('3')).toEqual([`a@${r1}`, ...others.map((r, i) => `k${i}@${r}`), `a@${r2}`, `-a@${r3}`, `b@${r4}`]);
  });

  it('a write visits only the watchers of the keys it wrote: 10,000 single-key watchers, one history scan per write', () => {
    const h = harness();
    for (let i = 0; i < 10_000; i++) h.watch(`key/${i}`);
    const events = vi.spyOn(h.store, 'events');
    const newest = vi.spyOn(h.store, 'newestRevisionEvents');
    for (let i = 0; i < 50; i++) h.put(`key/${i * 7}`);
    expect(events.mock.calls.length + newest.mock.calls.length).toBeLessThanOrEqual(2 * 50);
    const ev = h.events();
    expect(ev.size).toBe(50);
    expect(ev.get('7')).toEqual([`key/7@${h.store.revision - 49 + 1}`]);
  });

  it('a prefix watcher kept up to date reads only the keys each write touched, not its whole range (a growing range cost every write its size)', () => {
    const h = harness();
    h.watch('watch/', 'watch0');
    for (let i = 0; i < 2_000; i++) h.put(`watch/${i}`);
    const scans = vi.spyOn(h.store, 'events');
    const revisions: number[] = [];
    for (let i = 0; i < 20; i++) revisions.push(h.put(`watch/new/${i}`));
    // Every write's event, in order, with no scan of the 2,000 keys already in the range.
    expect(scans).not.toHaveBeenCalled();
    expect(h.events().get('0')!.slice(-20)).toEqual(revisions.map((r, i) => `watch/new/${i}@${r}`));
  });

  it('a watcher from a past revision gets the history first, then goes on live', () => {
    const h = harness();
    const r1 = h.put('x');
    h.put('y');
    const r3 = h.put('x', 'v2');
    h.watch('x', '', r1);
    const r4 = h.put('x', 'v3');
    expect(h.events().get('0')).toEqual([`x@${r1}`, `x@${r3}`, `x@${r4}`]);
  });

  it('sends progress notifications to the watchers that asked, each tick they were sent no event', () => {
    vi.useFakeTimers();
    try {
      const h = harness(1_000);
      h.watch('quiet', '', 0, { progressNotify: true }); // 0
      h.watch('busy', '', 0, { progressNotify: true }); // 1
      h.watch('plain'); // 2: never asked
      const progress = () => h.sent.filter((m) => m.events === undefined && m.created !== true).map((m) => `${m.watchId}@${m.header!.revision}`);
      vi.advanceTimersByTime(1_000);
      expect(progress()).toEqual(['0@1', '1@1']);
      const r = h.put('busy');
      vi.advanceTimersByTime(1_000);
      // `busy` was sent its event this tick, so only `quiet` hears the revision; next tick both do.
      expect(progress()).toEqual(['0@1', '1@1', `0@${r}`]);
      vi.advanceTimersByTime(1_000);
      expect(progress()).toEqual(['0@1', '1@1', `0@${r}`, `0@${r}`, `1@${r}`]);
      h.close();
      vi.advanceTimersByTime(5_000);
      expect(progress()).toHaveLength(5);
    } finally {
      vi.useRealTimers();
    }
  });

  it('marks all but the last response of a large batch as fragments when the watcher allows it', () => {
    const h = harness();
    for (let i = 0; i < 2_500; i++) h.store.put({ key: b(`f/${i}`), value: b('v') });
    h.watch('f/', 'f0', 1, { fragment: true }); // 0
    h.watch('f/', 'f0', 1); // 1
    const batches = (id: string) => h.sent.filter((m) => m.watchId === id && m.events !== undefined).map((m) => [m.events!.length, m.fragment === true]);
    expect(batches('0')).toEqual([[1000, true], [1000, true], [500, false]]);
    expect(batches('1')).toEqual([[1000, false], [1000, false], [500, false]]);
  });

  it('after a snapshot installed past its history, every watcher is told it was compacted', () => {
    const h = harness();
    h.watch('a');
    h.watch('b');
    h.put('a');
    const next = new MvccStore(1);
    for (let i = 0; i < 5; i++) next.put({ key: b('a'), value: b(String(i)) });
    next.compact(next.revision);
    h.replaceStore(next);
    const cancelled = h.sent.filter((m) => m.canceled === true);
    expect(cancelled.map((m) => [m.watchId, m.compactRevision])).toEqual([
      ['0', String(next.revision)],
      ['1', String(next.revision)],
    ]);
  });
});
