/**
 * etcd watch progress notifications from a real member started with
 * `--etcd-watch-progress-notify-interval 200ms` (etcd's --experimental-watch-progress-notify-interval):
 * a raw gRPC Watch stream whose watcher asked for them hears the member's revision with no
 * events while nothing is written, and a watcher that did not ask hears nothing. The member is
 * started here and stopped by pid in afterAll.
 */
import { credentials, type Client, type ClientDuplexStream } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEtcdDefinitions } from '../../src/core/server/etcd-wire.js';
import { TestCluster } from './cluster.js';
import { waitFor } from './processes.js';

let fleet: TestCluster | undefined;

interface Response {
  watchId: string;
  created: boolean;
  header: { revision: string };
  events: unknown[];
}

describe('etcd watch progress notifications', () => {
  beforeAll(async () => {
    fleet = await TestCluster.start({ size: 1, extraArgs: ['--etcd-watch-progress-notify-interval', '200ms'] });
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
});
