/**
 * The keyspace's invariants, each broken on purpose: a store written behind the replica's back,
 * an image view whose history was cut without `keep`, an auth change counted twice, and merged
 * permissions that overlap.
 */
import { describe, expect, it } from 'vitest';
import { EtcdAuthStore } from '../../../src/core/etcd-store/auth-store.js';
import { MvccStore, StoreImageView, type Lease } from '../../../src/core/etcd-store/mvcc.js';
import { SortedMap } from '../../../src/core/fleet/sorted-map.js';
import { covers, mergeIntervals } from '../../../src/core/etcd-store/permissions.js';
import { EtcdReplica, type EtcdRequest } from '../../../src/core/etcd-store/replica.js';
import { expectInvariant } from './expect-invariant.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const put = (key: string): EtcdRequest => ({ at: 0, op: { type: 'txn', txn: { success: [{ put: { key: b(key), value: b('v') } }] } } });

describe('EtcdReplica', () => {
  it('changes its store only in apply and restore', () => {
    const replica = new EtcdReplica();
    expect(replica.apply(put('a'))).toMatchObject({ ok: true, revision: 2 });
    // The planted bug: a write through the reference handed out for reads.
    replica.store.put({ key: b('b'), value: b('v') });
    expectInvariant(() => replica.apply(put('c')), 'replica-changes-only-in-apply');
  });

  it('takes the store a restore installs as settled', () => {
    const source = new EtcdReplica();
    source.apply(put('a'));
    source.apply(put('b'));
    const replica = new EtcdReplica();
    replica.restore(source.snapshot());
    expect(replica.apply(put('c'))).toMatchObject({ ok: true, revision: 4 });
    replica.restore(undefined);
    expect(replica.apply(put('d'))).toMatchObject({ ok: true, revision: 2 });
  });
});

describe('StoreImageView', () => {
  const rec = (mod: number) => ({ mod, create: mod, version: 1, value: 'v', lease: 0, deleted: false });
  /** A frozen index of one key `a` with records at these revisions. */
  const indexOf = (...mods: number[]) => {
    const m = new SortedMap<ReturnType<typeof rec>[]>();
    m.set('a', mods.map(rec));
    return m.freeze();
  };
  const histories = (view: StoreImageView) => [...view.histories()].map(([k, h]) => [k, h.map((r) => r.mod)]);

  it('answers a key’s history as of its revision', () => {
    const view = new StoreImageView(5, 0, indexOf(3, 7), new SortedMap<Lease>().freeze(), []);
    expect(histories(view)).toEqual([['a', [3]]]);
  });

  it('refuses a history cut in place past its revision', () => {
    // The planted bug: compaction to 7 cut key a's record of revision 3 in the history the view holds.
    const view = new StoreImageView(5, 0, indexOf(7), new SortedMap<Lease>().freeze(), []);
    expectInvariant(() => histories(view), 'image-view-history-as-of-revision');
  });

  it('keeps a history compaction cuts, through the store', () => {
    const store = new MvccStore(1);
    store.put({ key: b('a'), value: b('1') });
    store.put({ key: b('a'), value: b('2') });
    const view = store.beginImage();
    store.put({ key: b('a'), value: b('3') });
    store.compact(store.revision);
    expect(histories(view)).toEqual([['a', [2, 3]]]);
  });
});

describe('EtcdAuthStore', () => {
  it('moves its revision by one per change', () => {
    const auth = new EtcdAuthStore();
    auth.apply({ kind: 'role-add', name: 'r1' });
    expect(auth.revision).toBe(2);
    // The planted bug: a change counted twice.
    const bump = (EtcdAuthStore.prototype as unknown as { bump(): void }).bump;
    (auth as unknown as { bump(): void }).bump = function (this: EtcdAuthStore) {
      bump.call(this);
      bump.call(this);
    };
    expectInvariant(() => auth.apply({ kind: 'role-add', name: 'r2' }), 'auth-revision-one-per-change');
  });

  it('restores no image below the first revision', () => {
    expectInvariant(() => EtcdAuthStore.restore({ enabled: false, revision: 0, users: [], roles: [] }), 'auth-revision-one-per-change');
  });
});

describe('permissions', () => {
  it('judges a range against sorted, disjoint, non-adjacent intervals', () => {
    const merged = mergeIntervals([
      { start: 'c', end: 'e' },
      { start: 'a', end: 'c' },
      { start: 'x', end: undefined },
    ]);
    expect(merged).toEqual([
      { start: 'a', end: 'e' },
      { start: 'x', end: undefined },
    ]);
    expect(covers(merged, 'b', 'd')).toBe(true);
    expect(covers(merged, '0', '')).toBe(false);
  });

  it('refuses intervals that overlap, as mergeIntervals never answers', () => {
    // The planted bug: unmerged intervals, [a, c) and [b, e): a range over both is judged by one alone.
    const unmerged = [
      { start: 'a', end: 'c' },
      { start: 'b', end: 'e' },
    ];
    expectInvariant(() => covers(unmerged, 'a', 'b'), 'permissions-merged-disjoint');
  });
});
