/**
 * The etcd API's member flags, on a real member: `--etcd-watch-progress-notify-interval 200ms`
 * (etcd's --experimental-watch-progress-notify-interval): a raw gRPC Watch stream whose watcher
 * asked for them hears the member's revision with no events while nothing is written, and a
 * watcher that did not ask hears nothing; `--etcd-auto-compaction-retention 2s` (etcd's
 * --auto-compaction-*): the history older than that is compacted without anyone asking, and
 * etcdctl reading an old revision is told so. The member is started here and stopped by pid in
 * afterAll.
 */
import { credentials, type Client, type ClientDuplexStream } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEtcdDefinitions } from '../../src/core/server/etcd-api/etcd-wire.js';
import { requireEtcd } from '../../bench/etcd/cluster.js';
import { TestCluster } from './cluster.js';
import { runEtcdctl } from './etcdctl.js';
import { waitFor } from './processes.js';

const etcd = requireEtcd();

let fleet: TestCluster | undefined;

interface Response {
  watchId: string;
  created: boolean;
  header: { revision: string };
  events: unknown[];
}

describe('the etcd API’s member flags', () => {
  beforeAll(async () => {
    fleet = await TestCluster.start({ size: 1, extraArgs: ['--etcd-watch-progress-notify-interval', '200ms', '--etcd-auto-compaction-retention', '2s'] });
  }, 60_000);

  afterAll(async () => {
    await fleet?.destroy();
  });

  it('tells a quiet watcher that asked the member’s revision, at the interval the member was given', async () => {
    await fleet!.waitForLeader();
    const Watch = loadEtcdDefinitions().Watch as unknown as new (a: string, c: ReturnType<typeof credentials.createInsecure>) => Client & { Watch(): ClientDuplexStream<object, Response> };
    const client = new Watch(`127.0.0.1:${fleet!.members[0]!.port}`, credentials.createInsecure());
    const stream = client.Watch();
    const got: Response[] = [];
    stream.on('data', (r: Response) => got.push(r));
    stream.on('error', () => undefined);
    try {
      stream.write({ createRequest: { key: Buffer.from('asked'), progressNotify: true, watchId: '1' } });
      stream.write({ createRequest: { key: Buffer.from('not-asked'), watchId: '2' } });
      const progress = () => got.filter((r) => !r.created && r.events.length === 0);
      await waitFor('three progress notifications', () => (progress().length >= 3 ? true : undefined), 10_000);
      expect(new Set(progress().map((r) => r.watchId))).toEqual(new Set(['1']));
      expect(Number(progress()[0]!.header.revision)).toBeGreaterThan(0);
    } finally {
      stream.cancel();
      client.close();
    }
  }, 30_000);

  it('compacts the history older than the retention by itself', async () => {
    await fleet!.waitForLeader();
    const ep = `--endpoints=127.0.0.1:${fleet!.members[0]!.port}`;
    const put = await runEtcdctl(etcd.etcdctl, [ep, 'put', 'old', 'v1', '-w', 'json']);
    const oldRevision = JSON.parse(put.out).header.revision as number;
    await runEtcdctl(etcd.etcdctl, [ep, 'put', 'old', 'v2']);
    const compacted = await waitFor('the old revision compacted', async () => {
      const r = await runEtcdctl(etcd.etcdctl, [ep, 'get', 'old', `--rev=${oldRevision}`]);
      return /required revision has been compacted/.test(r.out) ? r : undefined;
    }, 20_000);
    expect(compacted.code).not.toBe(0);
    expect((await runEtcdctl(etcd.etcdctl, [ep, 'get', 'old', '--print-value-only'])).out.trim()).toBe('v2');
  }, 30_000);
});
