/**
 * The listeners of writes under a prefix (etcd-prefix-listeners.ts), and the Observe streams on
 * them: a write costs the elections it touched, read once however many streams observe them.
 * Before, 2,000 Observe streams on a name with 500 keys each sorted the 500 keys at every write.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { MvccStore } from '../../../../src/core/etcd-store/mvcc.js';
import { createEtcdLockServices } from '../../../../src/core/server/etcd-api/etcd-lock-service.js';
import { EtcdPrefixListeners } from '../../../../src/core/server/etcd-api/etcd-prefix-listeners.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

function member() {
  let store = new MvccStore(1);
  const listeners = new Set<() => void>();
  const applied = (): void => [...listeners].forEach((l) => l());
  return {
    node: {
      etcdStore: () => store,
      onEtcdApplied: (l: () => void) => (listeners.add(l), () => void listeners.delete(l)),
      readEtcd: async <T>(_l: boolean, q: (s: MvccStore) => T) => ({ value: q(store), index: 1 }),
    },
    get store() {
      return store;
    },
    put(key: string, value = 'v'): void {
      store.put({ key: b(key), value: b(value) });
      applied();
    },
    /** Two revisions applied before the listeners hear of them: which keys were written is not known. */
    putTwiceQuietly(a: string, c: string): void {
      store.put({ key: b(a), value: b('v') });
      store.put({ key: b(c), value: b('v') });
      applied();
    },
    replace(next: MvccStore): void {
      store = next;
      applied();
    },
    subscribers: () => listeners.size,
  };
}

describe('prefix listeners', () => {
  it('call the listeners of the prefixes a write touched, and all of them when the keys written are not known', () => {
    const m = member();
    const l = new EtcdPrefixListeners(m.node);
    const calls: string[] = [];
    l.on(b('election-a/'), () => calls.push('a'));
    l.on(b('election-b/'), () => calls.push('b'));
    const offB = l.on(b('election-b/'), () => calls.push('b2'));
    m.put('elsewhere');
    expect(calls).toEqual([]);
    m.put('election-a/1');
    expect(calls).toEqual(['a']);
    m.put('election-b/x');
    expect(calls).toEqual(['a', 'b', 'b2']);
    offB();
    m.putTwiceQuietly('x', 'y');
    expect(calls).toEqual(['a', 'b', 'b2', 'a', 'b']);
    expect(m.subscribers()).toBe(1);
    l.close();
    expect(m.subscribers()).toBe(0);
  });
});

describe('Observe', () => {
  it('2,000 streams on a name with 500 keys: a write elsewhere reads nothing, a write under it reads the election once', async () => {
    const m = member();
    for (let i = 0; i < 500; i++) m.put(`jobs/${(1000 + i).toString(16)}`, `candidate ${i}`);
    const { election } = createEtcdLockServices(m.node, { auth: {}, header: (revision) => ({ clusterId: '1', memberId: '1', revision: String(revision), raftTerm: '1' }), invoke: async () => ({}) });
    const sent: unknown[][] = [];
    for (let i = 0; i < 2000; i++) {
      const out: unknown[] = [];
      sent.push(out);
      const call = Object.assign(new EventEmitter(), { request: { name: b('jobs') }, metadata: { get: () => [] }, getPath: () => '/v3electionpb.Election/Observe', writable: true, destroyed: false, write: (msg: unknown) => (out.push(msg), true) });
      (election.Observe as (c: unknown) => void)(call);
    }
    await new Promise((r) => setImmediate(r));
    expect(sent.every((s) => s.length === 1), 'each stream is sent the leader first').toBe(true);
    const ranges = vi.spyOn(m.store, 'range');
    m.put('unrelated/key');
    expect(ranges).not.toHaveBeenCalled();
    m.put('jobs/3e8', 'the leader proclaims');
    expect(ranges).toHaveBeenCalledTimes(1);
    expect(sent.every((s) => s.length === 2), 'and each the new value').toBe(true);
  });
});
