/**
 * `node start --no-etcd-api` (issue 36): the member serves fleet's own API and no etcd API;
 * etcdctl gets UNIMPLEMENTED with a message naming the flag, not grpc's bare "unknown method".
 * Every process is started here and stopped by pid in afterAll.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireEtcd } from '../../bench/etcd/cluster.js';
import { TestCluster } from './cluster.js';
import { runEtcdctl } from './etcdctl.js';

const etcd = requireEtcd();
let fleet: TestCluster | undefined;

function etcdctl(endpoint: string, args: readonly string[]): Promise<{ code: number; out: string }> {
  return runEtcdctl(etcd.etcdctl, [`--endpoints=${endpoint}`, '--dial-timeout=2s', '--command-timeout=5s', ...args]);
}

describe('a member started with --no-etcd-api', () => {
  beforeAll(async () => {
    fleet = await TestCluster.start({ size: 1, extraArgs: ['--no-etcd-api'] });
  }, 60_000);

  afterAll(async () => {
    await fleet?.destroy();
  });

  it('refuses every etcd call with UNIMPLEMENTED naming the flag, and serves its own API', async () => {
    const ep = `127.0.0.1:${fleet!.members[0]!.port}`;
    for (const args of [['put', 'k', 'v'], ['get', 'k'], ['lease', 'grant', '10'], ['member', 'list'], ['endpoint', 'status']]) {
      const r = await etcdctl(ep, args);
      expect(r.code, `etcdctl ${args.join(' ')}: ${r.out}`).not.toBe(0);
      expect(r.out).toMatch(/Unimplemented.*etcd v3 API is turned off on this member: it was started with --no-etcd-api/);
    }
    const watch = await etcdctl(ep, ['watch', 'k']);
    expect(watch.out).toMatch(/--no-etcd-api/);
    await fleet!.client().kvPut('own', 'api');
    expect((await fleet!.client().kvGet('own'))?.value).toBe('api');
  }, 60_000);
});
