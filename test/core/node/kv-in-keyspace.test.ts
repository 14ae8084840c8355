/**
 * fleet's KV as a view of the etcd keyspace (issue 56; src/core/fleet/kv-location.ts): a member
 * keeps its KV in the registry until the cluster version says data format 5, then the apply of
 * that version moves the user's keys into the keyspace, on every member at the same index. From
 * then on a `kv.put` is an etcd put (the same key, revision and version an etcd client sees), an
 * etcd write is what `kv get` reads, and the `fleet.` namespaces stay the registry's.
 */
import { describe, expect, it } from 'vitest';
import { KV_IN_KEYSPACE, type ChangeEvent, type Command } from '../../../src/core/fleet/index.js';
import type { MemberState } from '../../../src/core/node/state/member-state.js';
import { Log, member, written } from './member-log.js';

const etcdValue = (m: MemberState, key: string) => {
  const kv = m.etcd.store.range({ key: Buffer.from(key) }).kvs[0];
  return kv === undefined ? undefined : Buffer.from(kv.value).toString();
};

describe("fleet's KV in the keyspace", () => {
  it('stays in the registry until the cluster version says format 5, then moves on every member at once', async () => {
    const members = [await member(), await member()];
    const log = new Log(members);
    log.registry({ type: 'kv.put', ns: '', key: 'config/mode', value: 'blue' });
    log.registry({ type: 'kv.put', ns: 'app1', key: 'owner', value: 'alice' });
    const v4 = log.clusterVersion(4, null);
    for (const m of members) {
      expect(etcdValue(m, 'config/mode')).toBeUndefined();
      expect(m.sm.kvGet('config/mode')?.value).toBe('blue');
    }

    const last = log.registry({ type: 'kv.put', ns: '', key: 'config/mode', value: 'green' }) as { value: { revision: number } };
    log.clusterVersion(5, v4);
    for (const m of members) {
      // Moved at one revision, each key keeping its version (the count of its writes).
      expect(m.sm.kvGet('config/mode')).toMatchObject({ value: 'green', version: 2, modRevision: m.etcd.store.revision });
      // Past every revision the registry answered (the sim's read-your-writes check once saw one go back).
      expect(m.etcd.store.revision).toBeGreaterThan(last.value.revision);
      expect(etcdValue(m, 'config/mode')).toBe('green');
      expect(etcdValue(m, 'app1/owner')).toBe('alice');
      expect(m.sm.kvGet('owner', 'app1')).toMatchObject({ ns: 'app1', key: 'owner', value: 'alice', version: 1 });
      // The member's own settings stay the registry's: no etcd client can change them.
      expect(etcdValue(m, 'fleet.system/cluster-version')).toBeUndefined();
      expect(m.sm.kvGet(KV_IN_KEYSPACE.key, KV_IN_KEYSPACE.ns)?.value).toBe('1');
    }
    expect(members[0]!.etcd.store.revision).toBe(members[1]!.etcd.store.revision);
  });

  it('is one store: a kv.put is an etcd put and an etcd put is what kv get reads, revisions included', async () => {
    const m = await member();
    const log = new Log([m]);
    log.clusterVersion(5, null);
    const put = log.registry({ type: 'kv.put', ns: '', key: 'k', value: 'from fleet' }) as { value: { revision: number; kv: { modRevision: number } } };
    expect(put.value.revision).toBe(m.etcd.store.revision);
    expect(m.etcd.store.range({ key: Buffer.from('k') }).kvs[0]).toMatchObject({ modRevision: put.value.revision, version: 1 });

    log.etcdPut('k', 'from etcd');
    expect(m.sm.kvGet('k')).toMatchObject({ value: 'from etcd', version: 2, modRevision: m.etcd.store.revision });
    // --expect-revision is the mod revision, whoever wrote last.
    const stale = log.registry({ type: 'kv.cas', ns: '', key: 'k', expectRevision: put.value.revision, value: 'x' }) as { ok: boolean; code?: string };
    expect(stale).toMatchObject({ ok: false, code: 'CAS_FAILED' });
    const fresh = log.registry({ type: 'kv.cas', ns: '', key: 'k', expectRevision: m.etcd.store.revision, value: 'y' }) as { ok: boolean };
    expect(fresh.ok).toBe(true);
    expect(etcdValue(m, 'k')).toBe('y');

    expect((log.registry({ type: 'kv.delete', ns: '', key: 'k' }) as { value: { deleted: boolean } }).value.deleted).toBe(true);
    expect(etcdValue(m, 'k')).toBeUndefined();
    const before = m.etcd.store.revision;
    expect((log.registry({ type: 'kv.delete', ns: '', key: 'k' }) as { value: { deleted: boolean; revision: number } }).value).toEqual({ deleted: false, revision: before });
    expect(m.etcd.store.revision).toBe(before);
  });

  it('lists a namespace as the keys under its prefix, in pages', async () => {
    const m = await member();
    const log = new Log([m]);
    log.clusterVersion(5, null);
    for (const k of ['a', 'b', 'c']) log.registry({ type: 'kv.put', ns: 'app1', key: `x/${k}`, value: k });
    log.etcdPut('app1/x/d', 'd');
    log.etcdPut('app10/x/e', 'not app1');
    const first = m.sm.kvList('x/', undefined, 2, 'app1');
    expect(first.items.map((e) => e.key)).toEqual(['x/a', 'x/b']);
    expect(first.next).toBe('x/b');
    const second = m.sm.kvList('x/', first.next, 2, 'app1');
    expect(second.items.map((e) => [e.ns, e.key, e.value])).toEqual([['app1', 'x/c', 'c'], ['app1', 'x/d', 'd']]);
    // Five etcd keys, and the registry's own two: the cluster version and the mark that the KV moved.
    expect(m.sm.counts().kvKeys).toBe(7);
  });

  it('tells etcd watchers of a write that came through the registry', async () => {
    const m = await member();
    const log = new Log([m]);
    log.clusterVersion(5, null);
    let heard = 0;
    m.keyspaceWatchers.watch(new Uint8Array([0]), new Uint8Array([0]), () => heard++);
    log.registry({ type: 'kv.put', ns: '', key: 'watched', value: '1' });
    expect(heard).toBe(1);
    log.registry({ type: 'shard.register', id: 's1', address: '10.0.0.1:1', region: 'r', zone: 'z', capacity: 1 } as Command);
    expect(heard).toBe(1);
  });

  it('survives an image: a restored member reads the keys from its keyspace and keeps writing there', async () => {
    const m = await member();
    const log = new Log([m]);
    log.registry({ type: 'kv.put', ns: '', key: 'before', value: 'moved' });
    log.clusterVersion(5, null);
    log.registry({ type: 'kv.put', ns: '', key: 'after', value: 'written' });
    const restored = await member(written(m.beginImage()));
    expect(restored.sm.kvGet('before')?.value).toBe('moved');
    expect(restored.sm.kvGet('after')?.value).toBe('written');
    const later = new Log([restored]);
    later.index = log.index;
    later.registry({ type: 'kv.put', ns: '', key: 'later', value: 'too' });
    expect(etcdValue(restored, 'later')).toBe('too');
  });

  it('is refused whole while the keyspace is over its space quota, and moves at the next version written', async () => {
    const m = await member();
    const log = new Log([m]);
    log.registry({ type: 'kv.put', ns: '', key: 'kept', value: 'in the registry' });
    log.etcdAlarm('activate');
    const revision = m.etcd.store.revision;
    const v5 = log.clusterVersion(5, null);
    expect(m.etcd.store.revision).toBe(revision);
    expect(etcdValue(m, 'kept')).toBeUndefined();
    expect(m.sm.kvGet('kept')?.value).toBe('in the registry');
    expect(m.sm.kvGet(KV_IN_KEYSPACE.key, KV_IN_KEYSPACE.ns)).toBeUndefined();

    log.etcdAlarm('deactivate');
    log.registry({ type: 'kv.cas', ns: 'fleet.system', key: 'cluster-version', expected: v5, value: JSON.stringify({ version: '1.0.1', dataFormat: 5 }) });
    expect(etcdValue(m, 'kept')).toBe('in the registry');
    expect(m.sm.kvGet('kept')?.value).toBe('in the registry');
  });

  it('tells fleet watch of every change of the keyspace, an etcd client’s too, under the namespace watched, one batch per entry', async () => {
    const m = await member();
    const log = new Log([m]);
    log.clusterVersion(6, null);
    const heard = (ns: string, registry: 'kv' | 'leases' = 'kv') => {
      const batches: { index: number; events: ChangeEvent[] }[] = [];
      m.changes.watch(log.index + 1, { registry, also: registry === 'kv' ? ['leases'] : [], ns, prefix: '' }, { batch: (b) => batches.push({ index: b.index, events: [...b.events] }), reset() {} });
      return batches;
    };
    const all = heard('');
    const app1 = heard('app1');
    log.registry({ type: 'kv.put', ns: 'app1', key: 'owner', value: 'alice' });
    log.etcdPut('app1/team', 'infra');
    log.etcdPut('elsewhere', 'x');
    log.etcd({ type: 'txn', txn: { success: [{ deleteRange: { key: Buffer.from('app1/owner') } }] } });
    log.registry({ type: 'kv.put', ns: 'fleet.system', key: 'autopilot', value: '{}' });
    expect(app1.flatMap((b) => b.events.map((e) => [e.ns, e.key, e.type, e.old, e.new]))).toEqual([
      ['app1', 'owner', 'put', null, 'alice'],
      ['app1', 'team', 'put', null, 'infra'],
      ['app1', 'owner', 'delete', 'alice', null],
    ]);
    expect(all.flatMap((b) => b.events.map((e) => e.key))).toEqual(['app1/owner', 'app1/team', 'elsewhere', 'app1/owner']);
    // A lease acquire changes the registry's view and two keys of the keyspace: one entry, one batch.
    const before = all.length;
    log.registry({ type: 'lease.acquire', name: 'L', holder: 'w1', ttlMs: 1_000 });
    expect(all.slice(before).map((b) => b.events.map((e) => `${e.registry}:${e.key}`))).toEqual([['leases:L', 'kv:/fleet/lease-grants/L', 'kv:/fleet/leases/L']]);
  });

  it('tells a fleet watch that spans the move each change once: the move itself changes no key', async () => {
    const m = await member();
    const log = new Log([m]);
    const batches: { index: number; events: ChangeEvent[] }[] = [];
    m.changes.watch(1, { registry: 'kv', ns: '', prefix: '' }, { batch: (b) => batches.push({ index: b.index, events: [...b.events] }), reset() {} });
    log.registry({ type: 'kv.put', key: 'a', value: '1' });
    const version = log.clusterVersion(4, null);
    log.clusterVersion(5, version);
    log.registry({ type: 'kv.put', key: 'b', value: '2' });
    expect(batches.flatMap((b) => b.events.map((e) => [e.key, e.new]))).toEqual([
      ['a', '1'],
      ['b', '2'],
    ]);
  });

  it('writes UTF-8 keys and values as their bytes, and refuses a put while the space alarm is raised', async () => {
    const m = await member();
    const log = new Log([m]);
    log.clusterVersion(5, null);
    expect(log.registry({ type: 'kv.put', ns: 'team', key: 'naïve', value: 'café ☕' })).toMatchObject({ ok: true });
    expect(m.etcd.store.range({ key: Buffer.from('team/naïve') }).kvs.map((kv) => Buffer.from(kv.value).toString('utf8'))).toEqual(['café ☕']);
    expect(m.sm.kvGet('naïve', 'team')?.value).toBe('café ☕');
    log.etcdAlarm('activate');
    const revision = m.etcd.store.revision;
    expect(JSON.stringify(log.registry({ type: 'kv.put', ns: '', key: 'k', value: 'v' }))).toMatch(/database space exceeded/);
    expect(m.etcd.store.revision).toBe(revision);
    expect(m.sm.kvGet('k')).toBeUndefined();
  });
});
