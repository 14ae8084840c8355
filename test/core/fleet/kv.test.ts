import { describe, expect, it } from 'vitest';
import { FULL_REGISTRY, LIMITS } from '../../../src/common/registry/registry-limits.js';
import { Harness } from './harness.js';

describe('kv', () => {
  it('keeps a global revision and per-key create/mod revisions and versions', () => {
    const h = new Harness();
    expect(h.ok({ type: 'kv.put', key: 'a', value: '1' })).toEqual({ revision: 1, kv: { ns: '', key: 'a', createRevision: 1, modRevision: 1, version: 1 } });
    h.ok({ type: 'kv.put', key: 'b', value: '1' });
    expect(h.ok({ type: 'kv.put', key: 'a', value: '2' })).toEqual({ revision: 3, kv: { ns: '', key: 'a', createRevision: 1, modRevision: 3, version: 2 } });
    expect(h.sm.kvGet('a')).toEqual({ ns: '', key: 'a', value: '2', createRevision: 1, modRevision: 3, version: 2 });
    expect(h.ok({ type: 'kv.delete', key: 'a' })).toEqual({ deleted: true, revision: 4 });
    expect(h.ok({ type: 'kv.delete', key: 'a' })).toEqual({ deleted: false, revision: 4 });
    // Re-created: a new life with a new create revision.
    expect(h.ok({ type: 'kv.put', key: 'a', value: '3' }).kv).toEqual({ ns: '', key: 'a', createRevision: 5, modRevision: 5, version: 1 });
    expect(h.sm.counts().kvRevision).toBe(5);
  });

  it('separates namespaces', () => {
    const h = new Harness();
    h.ok({ type: 'kv.put', key: 'k', value: 'default' });
    h.ok({ type: 'kv.put', key: 'k', value: 'team', ns: 'team-a' });
    expect(h.sm.kvGet('k')!.value).toBe('default');
    expect(h.sm.kvGet('k', 'team-a')!.value).toBe('team');
    expect(h.sm.kvGet('k', 'team-b')).toBeUndefined();
  });

  it('compare-and-set: null means absent; a mismatch reports the current value and revision', () => {
    const h = new Harness();
    expect(h.ok({ type: 'kv.cas', key: 'x', expected: null, value: 'v1' }).revision).toBe(1);
    const absent = h.err({ type: 'kv.cas', key: 'x', expected: null, value: 'v2' }, 'CAS_FAILED');
    expect(absent.details).toEqual({ ns: '', key: 'x', current: 'v1', modRevision: 1 });
    const stale = h.err({ type: 'kv.cas', key: 'x', expected: 'v0', value: 'v2' }, 'CAS_FAILED');
    expect(stale.details).toMatchObject({ current: 'v1', modRevision: 1 });
    expect(h.ok({ type: 'kv.cas', key: 'x', expected: 'v1', value: 'v2' }).kv).toMatchObject({ version: 2, modRevision: 2 });
    expect(h.err({ type: 'kv.cas', key: 'y', expected: 'v1', value: 'v2' }, 'CAS_FAILED').details).toMatchObject({ current: null, modRevision: null });
    h.err({ type: 'kv.cas', key: 'y', value: 'v2' }, 'INVALID_ARGUMENT');
    expect(h.sm.counts().kvRevision).toBe(2);
  });

  it('compare-and-set on the mod revision: 0 means absent; a mismatch names the current revision; with a value both must match', () => {
    const h = new Harness();
    const created = h.ok({ type: 'kv.cas', key: 'r', expectRevision: 0, value: 'v1' });
    expect(created.kv).toMatchObject({ modRevision: 1, version: 1 });
    const exists = h.err({ type: 'kv.cas', key: 'r', expectRevision: 0, value: 'v2' }, 'CAS_FAILED');
    expect(exists.message).toBe('kv key "r" exists (revision 1)');
    expect(exists.details).toEqual({ ns: '', key: 'r', current: 'v1', modRevision: 1 });
    h.ok({ type: 'kv.put', key: 'other', value: 'x' });
    // The value is compared only if given: any value at revision 1 will do.
    expect(h.ok({ type: 'kv.cas', key: 'r', expectRevision: 1, value: 'v2' }).kv).toMatchObject({ modRevision: 3, version: 2 });
    const stale = h.err({ type: 'kv.cas', key: 'r', expectRevision: 1, value: 'v3' }, 'CAS_FAILED');
    expect(stale.message).toBe('kv key "r" is at revision 3, not 1');
    expect(stale.details).toMatchObject({ current: 'v2', modRevision: 3 });
    // Both given: the revision matches but the value does not, so nothing is written.
    expect(h.err({ type: 'kv.cas', key: 'r', expectRevision: 3, expected: 'v1', value: 'v3' }, 'CAS_FAILED').message).toBe('kv key "r" holds another value');
    expect(h.ok({ type: 'kv.cas', key: 'r', expectRevision: 3, expected: 'v2', value: 'v3' }).revision).toBe(4);
    expect(h.err({ type: 'kv.cas', key: 'gone', expectRevision: 4, value: 'x' }, 'CAS_FAILED').details).toMatchObject({ current: null, modRevision: null });
    h.err({ type: 'kv.cas', key: 'r', expectRevision: -1, value: 'x' }, 'INVALID_ARGUMENT');
    h.err({ type: 'kv.cas', key: 'r', expectRevision: 1.5, value: 'x' }, 'INVALID_ARGUMENT');
    expect(h.sm.counts().kvRevision).toBe(4);
  });

  it('validates keys and values (strings, at most 1 MiB)', () => {
    const h = new Harness();
    h.err({ type: 'kv.put', key: '', value: 'x' }, 'INVALID_ARGUMENT');
    h.err({ type: 'kv.put', key: 'a\u0000b', value: 'x' }, 'INVALID_ARGUMENT');
    h.err({ type: 'kv.put', key: 'a', value: 42 }, 'INVALID_ARGUMENT');
    h.err({ type: 'kv.put', key: 'a', value: 'x', ns: 'bad ns' }, 'INVALID_ARGUMENT');
    h.err({ type: 'kv.put', key: 'a', value: 'x'.repeat(1024 * 1024 + 1) }, 'INVALID_ARGUMENT');
    // 1 MiB exactly is fine; multi-byte characters count as their UTF-8 size.
    h.ok({ type: 'kv.put', key: 'a', value: 'x'.repeat(1024 * 1024) });
    h.err({ type: 'kv.put', key: 'b', value: 'é'.repeat(512 * 1024 + 1) }, 'INVALID_ARGUMENT');
    h.ok({ type: 'kv.put', key: 'b', value: '' });
  });

  it('lists by prefix in key order, in pages', () => {
    const h = new Harness();
    for (const key of ['app/b', 'app/a', 'app/c', 'apq', 'ap', 'zzz']) h.ok({ type: 'kv.put', key, value: key });
    h.ok({ type: 'kv.put', key: 'app/x', value: 'other ns', ns: 'n2' });
    const first = h.sm.kvList('app/', undefined, 2);
    expect(first.items.map((e) => e.key)).toEqual(['app/a', 'app/b']);
    expect(first.next).toBe('app/b');
    const second = h.sm.kvList('app/', first.next, 2);
    expect(second.items.map((e) => e.key)).toEqual(['app/c']);
    expect(second.next).toBeUndefined();
    expect(h.sm.kvList('ap').items.map((e) => e.key)).toEqual(['ap', 'app/a', 'app/b', 'app/c', 'apq']);
    expect(h.sm.kvList('ap', 'ap').items.map((e) => e.key)).toEqual(['app/a', 'app/b', 'app/c', 'apq']);
    expect(h.sm.kvList('', undefined, 100, 'n2').items).toEqual([{ ns: 'n2', key: 'app/x', value: 'other ns', createRevision: 7, modRevision: 7, version: 1 }]);
    expect(h.sm.kvList('app/', 'a').items).toHaveLength(3);
  });
});

// The registry's own KV limits: what bounds fleet's KV while it lives in the registry (a cluster
// not yet at data format 5, and the fleet.* namespaces always). Once moved, the keyspace's quota
// bounds it (test/e2e/limits-table.test.ts, etcd-space-quota). These ran on a real member in
// limits-caps.long before the move.
describe('kv limits in the registry', () => {
  it(`refuses the key past ${LIMITS.maxKvKeys}, changing nothing`, () => {
    const h = new Harness();
    for (let i = 0; i < LIMITS.maxKvKeys; i++) h.ok({ type: 'kv.put', key: `k${i}`, value: 'v' });
    expect(h.err({ type: 'kv.put', key: 'one-more', value: 'v' }, 'FAILED_PRECONDITION').message).toBe(FULL_REGISTRY.kvKeys);
    // An existing key may still change.
    h.ok({ type: 'kv.put', key: 'k0', value: 'w' });
    expect(h.sm.counts().kvKeys).toBe(LIMITS.maxKvKeys);
  });

  it(`refuses the value that would take all values past ${LIMITS.maxKvTotalBytes} bytes`, () => {
    const h = new Harness();
    const value = 'x'.repeat(LIMITS.maxKvValueBytes);
    const fit = Math.floor(LIMITS.maxKvTotalBytes / value.length);
    for (let i = 0; i < fit; i++) h.ok({ type: 'kv.put', key: `b${i}`, value });
    expect(h.err({ type: 'kv.put', key: 'over', value }, 'FAILED_PRECONDITION').message).toBe(FULL_REGISTRY.kvBytes);
    expect(h.sm.kvGet('over')).toBeUndefined();
  });
});
