/**
 * The member's keyspace watch hub (watch-hub.ts): a change calls the watchers whose key, prefix
 * or range it wrote, each once, with the first revision it may not have heard of; every watcher
 * when the keys written are not known.
 */
import { describe, expect, it } from 'vitest';
import { MvccStore } from '../../../src/core/etcd-store/mvcc.js';
import { KeyspaceWatchHub } from '../../../src/core/etcd-store/watch-hub.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

function keyspace() {
  let store = new MvccStore(1);
  const hub = new KeyspaceWatchHub(() => store);
  const calls: [string, number][] = [];
  return {
    hub,
    calls,
    /** Registers a watcher named `name` on etcd's range `key`..`rangeEnd`. */
    watch: (name: string, key: string, rangeEnd = '') => hub.watch(b(key), b(rangeEnd), (from) => calls.push([name, from])),
    put(...keys: string[]): void {
      store.txn({ success: keys.map((k) => ({ put: { key: b(k), value: b('v') } })) });
      hub.applied();
    },
    /** Two revisions applied before the hub hears of them: which keys were written is not known. */
    putTwiceQuietly(a: string, c: string): void {
      store.put({ key: b(a), value: b('v') });
      store.put({ key: b(c), value: b('v') });
      hub.applied();
    },
    replace(next: MvccStore): void {
      store = next;
      hub.applied();
    },
    names: () => calls.splice(0).map(([name]) => name).sort(),
  };
}

describe('keyspace watch hub', () => {
  it('calls the watchers of a key, a prefix and a range a write touched, each once', () => {
    const k = keyspace();
    k.watch('a', 'a');
    k.watch('a again', 'a');
    k.watch('b', 'b');
    k.watch('prefix p/', 'p/', 'p0');
    k.watch('range p/..p1', 'p/', 'p1');
    k.watch('from q', 'q', '\0');
    k.watch('every key', '\0', '\0');
    k.put('a');
    expect(k.names()).toEqual(['a', 'a again', 'every key']);
    k.put('p/x', 'a', 'p/y');
    expect(k.names()).toEqual(['a', 'a again', 'every key', 'prefix p/', 'range p/..p1']);
    k.put('p0');
    expect(k.names(), 'p0 is past the prefix p/ and inside the range').toEqual(['every key', 'range p/..p1']);
    k.put('zz');
    expect(k.names()).toEqual(['every key', 'from q']);
  });

  it('tells a watcher the revision it may not have heard of: the newest, or every one since the last call when unknown', () => {
    const k = keyspace();
    k.put('x');
    k.watch('w', 'w');
    k.put('w');
    expect(k.calls.splice(0), 'an empty store is at revision 1: x made 2, w 3').toEqual([['w', 3]]);
    k.put('y');
    k.putTwiceQuietly('y', 'z');
    expect(k.calls.splice(0), 'revisions 5 and 6 came together: it hears from 5 on').toEqual([['w', 5]]);
    k.replace(new MvccStore(1));
    expect(k.calls.splice(0), 'a store replaced (here by an empty one) calls everyone, from past its revision').toEqual([['w', 2]]);
  });

  it('forgets a removed watcher, once, and the index entries it alone held', () => {
    const k = keyspace();
    const offA = k.watch('a', 'a');
    const offP = k.watch('p', 'p/', 'p0');
    const offR = k.watch('r', 'p/', 'p1');
    k.watch('p twin', 'p/', 'p0');
    expect(k.hub.size).toBe(4);
    offA();
    offA();
    offP();
    offR();
    expect(k.hub.size).toBe(1);
    k.put('a', 'p/1', 'p0');
    expect(k.names()).toEqual(['p twin']);
  });

  it('a listener may remove another while the hub calls them: the removed one was collected and still called this time only', () => {
    const k = keyspace();
    let offSecond = (): void => undefined;
    k.hub.watch(b('k'), b(''), () => offSecond());
    offSecond = k.watch('second', 'k');
    k.put('k');
    expect(k.names()).toEqual(['second']);
    k.put('k');
    expect(k.names()).toEqual([]);
  });

  it('a write visits the watchers it matches, not every watcher: 10,000 single keys and 1,000 prefixes of three lengths', () => {
    const k = keyspace();
    for (let i = 0; i < 10_000; i++) k.watch(`key ${i}`, `k/${i}`);
    for (let i = 0; i < 1_000; i++) k.watch(`prefix ${i}`, `e${i % 3}/`, `e${i % 3}0`);
    k.put('k/42');
    expect(k.names()).toEqual(['key 42']);
    k.put('e1/candidate');
    expect(k.calls.length).toBe(333);
  });

  it('a watcher that throws neither stops the change nor keeps it from the others, and is reported', () => {
    const store = new MvccStore(1);
    const failures: unknown[] = [];
    const hub = new KeyspaceWatchHub(() => store, (err) => failures.push(err));
    const heard: string[] = [];
    hub.watch(b('k'), b(''), () => heard.push('before'));
    hub.watch(b('k'), b(''), () => {
      throw new Error('a closed stream');
    });
    hub.watch(b('k'), b(''), () => heard.push('after'));
    store.put({ key: b('k'), value: b('v') });
    expect(() => hub.applied()).not.toThrow();
    expect(heard).toEqual(['before', 'after']);
    expect(failures.map(String)).toEqual(['Error: a closed stream']);
    // It stays registered: the next change is tried on it again, and told to the others again.
    store.put({ key: b('k'), value: b('w') });
    hub.applied();
    expect(heard).toEqual(['before', 'after', 'before', 'after']);
    expect(failures).toHaveLength(2);
  });
});
