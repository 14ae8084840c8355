/**
 * etcd's Maintenance on fleet's members, driven by etcdctl: HashKV equal on every member at one
 * revision, Hash (through the JSON gateway: etcdctl has no command for it) covering auth too, Defragment, and the keyspace's space quota (issues 56, 58). A write that would take the store
 * past `--etcd-quota-backend-bytes` raises the replicated NOSPACE alarm and is refused with etcd's
 * "database space exceeded"; every member then refuses what grows the store and keeps serving
 * reads, deletes and compaction, until `etcdctl alarm disarm`. Before, the keyspace grew without
 * a bound, and its history was kept for ever unless auto-compaction was set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireEtcd } from '../../bench/etcd/cluster.js';
import { TestCluster } from './cluster.js';
import { runEtcdctl } from './etcdctl.js';
import { waitFor } from './processes.js';

const { etcdctl } = requireEtcd();
let cluster: TestCluster;
beforeAll(async () => {
  cluster = await TestCluster.start({ extraArgs: ['--etcd-quota-backend-bytes', String(1024 * 1024)] });
  await cluster.waitForLeader();
}, 60_000);
afterAll(async () => cluster?.destroy());

/** etcdctl against every member, or against `only`. */
const ctl = (args: readonly string[], only?: string) => runEtcdctl(etcdctl, [`--endpoints=${only ?? cluster.endpoints.join(',')}`, ...args]);

describe('hashkv and defrag', () => {
  it('hashes the keyspace alike on every member, and differently once it changes', async () => {
    for (let i = 0; i < 20; i++) expect((await ctl(['put', `h/${i}`, `v${i}`])).code).toBe(0);
    const hashes = async (): Promise<{ revision: number; hashes: Set<number> }> => {
      // Each member answers at its own applied revision: ask until all stand at one.
      const r = await ctl(['endpoint', 'hashkv', '--cluster', '-w', 'json']);
      expect(r.code, r.out).toBe(0);
      const rows = JSON.parse(r.out) as { HashKV: { header: { revision: number }; hash: number } }[];
      expect(rows).toHaveLength(3);
      const revisions = new Set(rows.map((x) => x.HashKV.header.revision));
      return { revision: revisions.size === 1 ? [...revisions][0]! : -1, hashes: new Set(rows.map((x) => x.HashKV.hash)) };
    };
    const first = await waitFor('three members at one revision', async () => { const h = await hashes(); return h.revision > 0 ? h : undefined; }, 10_000);
    expect(first.hashes.size, 'one hash on every member').toBe(1);
    await ctl(['put', 'h/0', 'changed']);
    const second = await waitFor('three members at one revision', async () => { const h = await hashes(); return h.revision > first.revision ? h : undefined; }, 10_000);
    expect(second.hashes.size).toBe(1);
    expect([...second.hashes][0]).not.toBe([...first.hashes][0]);
    const defrag = await ctl(['defrag', '--cluster']);
    expect(defrag.code, defrag.out).toBe(0);
    expect(defrag.out).toMatch(/Finished defragmenting etcd member/);
  }, 60_000);
});

describe('hash', () => {
  /** Maintenance.Hash of every member, through the JSON gateway on its client port, once all stand at one revision. */
  const hashes = (): Promise<Set<number>> =>
    waitFor('three members at one revision', async () => {
      const rows = await Promise.all(
        cluster.endpoints.map(async (endpoint) => {
          const r = await fetch(`http://${endpoint}/v3/maintenance/hash`, { method: 'POST', body: '{}' });
          expect(r.status).toBe(200);
          return (await r.json()) as { header: { revision: string }; hash: number };
        }),
      );
      return new Set(rows.map((r) => r.header.revision)).size === 1 ? new Set(rows.map((r) => r.hash)) : undefined;
    }, 10_000);

  it('is one hash on every member, moved by a put and by an auth change that HashKV does not see', async () => {
    expect((await ctl(['put', 'hash/a', '1'])).code).toBe(0);
    const first = await hashes();
    expect(first.size, 'one hash on every member').toBe(1);
    const kvBefore = (await ctl(['endpoint', 'hashkv', '-w', 'json'], cluster.endpoints[0])).out;
    const role = await ctl(['role', 'add', 'hash-test-role']);
    expect(role.code, role.out).toBe(0);
    const second = await waitFor('the role applied everywhere', async () => {
      const h = await hashes();
      return h.size === 1 && !h.has([...first][0]!) ? h : undefined;
    }, 10_000);
    expect(second.size).toBe(1);
    const kvAfter = (await ctl(['endpoint', 'hashkv', '-w', 'json'], cluster.endpoints[0])).out;
    expect(JSON.parse(kvAfter)[0].HashKV.hash, 'HashKV covers the keys alone').toBe(JSON.parse(kvBefore)[0].HashKV.hash);
  }, 60_000);
});

describe('the space quota', () => {
  it('raises NOSPACE past the quota, refuses growth on every member, serves reads, deletes and compaction, and lifts on disarm', async () => {
    const value = 'v'.repeat(32 * 1024);
    let refused = '';
    for (let i = 0; i < 64 && refused === ''; i++) {
      const r = await ctl(['put', `big/${i}`, value]);
      if (r.code !== 0) refused = r.out;
    }
    expect(refused, 'about 32 puts of 32 KiB fill a 1 MiB quota').toContain('etcdserver: mvcc: database space exceeded');
    expect((await ctl(['alarm', 'list'])).out).toMatch(/memberID:\d+ alarm:NOSPACE/);
    // Every member refuses, the followers by the replicated alarm.
    for (const endpoint of cluster.endpoints) {
      const put = await ctl(['put', 'small', 'x'], endpoint);
      expect(put.out, endpoint).toContain('database space exceeded');
      expect((await ctl(['get', 'big/0', '--print-value-only'], endpoint)).out.trim()).toBe(value);
    }
    expect((await ctl(['endpoint', 'status', '-w', 'json'])).out).toContain('alarm:NOSPACE');
    const del = await ctl(['del', 'big/', '--prefix', '-w', 'json']);
    expect(del.code, del.out).toBe(0);
    const revision = Number(/"revision":(\d+)/.exec(del.out)![1]);
    expect((await ctl(['compaction', String(revision)])).out).toContain(`compacted revision ${revision}`);
    expect((await ctl(['put', 'small', 'x'])).out, 'still refused while the alarm is up').toContain('database space exceeded');
    expect((await ctl(['alarm', 'disarm'])).code).toBe(0);
    await waitFor('the alarm cleared', async () => ((await ctl(['alarm', 'list'])).out.trim() === '' ? true : undefined), 10_000);
    const put = await ctl(['put', 'small', 'x']);
    expect(put.out.trim()).toBe('OK');
  }, 120_000);
});
