/**
 * Observe streams on the member's keyspace watch hub (watch-hub.ts): a write costs the elections
 * it touched, read once however many streams observe them. Before, 2,000 Observe streams on a
 * name with 500 keys each sorted the 500 keys at every write.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { MvccStore } from '../../../../src/core/etcd-store/mvcc.js';
import { KeyspaceWatchHub } from '../../../../src/core/etcd-store/watch-hub.js';
import { createEtcdLockServices } from '../../../../src/core/server/etcd-api/etcd-lock-service.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

function member() {
  const store = new MvccStore(1);
  const hub = new KeyspaceWatchHub(() => store);
  return {
    node: {
      etcdStore: () => store,
      keyspaceWatchers: () => hub,
      readEtcd: async <T>(_l: boolean, q: (s: MvccStore) => T) => ({ value: q(store), index: 1 }),
    },
    store,
    hub,
    put(key: string, value = 'v'): void {
      store.put({ key: b(key), value: b(value) });
      hub.applied();
    },
  };
}

describe('Observe', () => {
  it('2,000 streams on a name with 500 keys: a write elsewhere reads nothing, a write under it reads the election once', async () => {
    const m = member();
    for (let i = 0; i < 500; i++) m.put(`jobs/${(1000 + i).toString(16)}`, `candidate ${i}`);
    const { election } = createEtcdLockServices(m.node, { auth: {}, header: (revision) => ({ clusterId: '1', memberId: '1', revision: String(revision), raftTerm: '1' }), invoke: async () => ({}) });
    const sent: unknown[][] = [];
    const calls: EventEmitter[] = [];
    for (let i = 0; i < 2000; i++) {
      const out: unknown[] = [];
      sent.push(out);
      const call = Object.assign(new EventEmitter(), { request: { name: b('jobs') }, metadata: { get: () => [] }, getPath: () => '/v3electionpb.Election/Observe', writable: true, destroyed: false, write: (msg: unknown) => (out.push(msg), true) });
      (election.Observe as (c: unknown) => void)(call);
      calls.push(call);
    }
    await new Promise((r) => setImmediate(r));
    expect(sent.every((s) => s.length === 1), 'each stream is sent the leader first').toBe(true);
    const ranges = vi.spyOn(m.store, 'range');
    m.put('unrelated/key');
    expect(ranges).not.toHaveBeenCalled();
    m.put('jobs/3e8', 'the leader proclaims');
    expect(ranges).toHaveBeenCalledTimes(1);
    expect(sent.every((s) => s.length === 2), 'and each the new value').toBe(true);
    expect(m.hub.size).toBe(2000);
    calls[0]!.emit('close');
    expect(m.hub.size, 'a stream closed leaves the hub').toBe(1999);
  });
});
