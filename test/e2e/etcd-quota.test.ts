/**
 * The etcd keyspace's space quota (issue 56), driven by etcdctl: a write that would take the store
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
