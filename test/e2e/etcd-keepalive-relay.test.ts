/**
 * Keep-alives held on a follower never starve the writes it forwards (issue 56): each etcd
 * LeaseKeepAlive stream on a follower was relayed to the leader as a stream of its own, on the
 * connection the follower's forwarded writes use, which carries at most 1,000 streams at once;
 * 1,100 keep-alive streams left every forwarded Put waiting for its deadline.
 */
import { credentials, Metadata, type Client, type ClientDuplexStream } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEtcdDefinitions } from '../../src/core/server/etcd-wire.js';
import { TestCluster } from './cluster.js';
import { waitFor } from './processes.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await TestCluster.start();
}, 60_000);
afterAll(async () => cluster?.destroy());

type Unary = (req: object, md: object, opts: { deadline: number }, cb: (err: { code: number; details: string } | null, res?: Record<string, string>) => void) => void;
type LeaseClient = Client & { LeaseGrant: Unary; LeaseKeepAlive(): ClientDuplexStream<{ ID: string }, { ID: string; TTL: string }> };
type KvClient = Client & { Put: Unary };

const unary = (fn: Unary, client: Client, req: object, ms = 15_000): Promise<Record<string, string> | { error: string }> =>
  new Promise((resolve) => fn.call(client, req, new Metadata(), { deadline: Date.now() + ms }, (err, res) => resolve(err ? { error: `${err.code} ${err.details}` } : res!)));

describe('keep-alives relayed by a follower', () => {
  it('leave room for the writes it forwards: 1,100 keep-alive streams, and a Put through the follower still answers', async () => {
    const leader = await cluster.waitForLeader();
    const follower = cluster.members.find((m) => m.id !== leader)!;
    const address = `127.0.0.1:${follower.port}`;
    const defs = loadEtcdDefinitions();
    // Two connections to the follower, each within its 1,000 streams a connection.
    const leases = [0, 1].map(() => new defs.Lease(address, credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }) as LeaseClient);
    const kv = new defs.KV(address, credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }) as KvClient;
    const granted = await unary(leases[0]!.LeaseGrant, leases[0]!, { TTL: 60 });
    expect(granted).toHaveProperty('ID');
    const id = (granted as Record<string, string>).ID!;
    const streams: ClientDuplexStream<{ ID: string }, { ID: string; TTL: string }>[] = [];
    let answered = 0;
    try {
      for (let i = 0; i < 1_100; i++) {
        const client = leases[i % 2]!;
        const s = client.LeaseKeepAlive();
        s.on('data', () => answered++);
        s.on('error', () => undefined);
        s.write({ ID: id });
        streams.push(s);
      }
      await waitFor('every keep-alive answered', () => (answered >= 1_100 ? true : undefined), 60_000);
      const put = await unary(kv.Put, kv, { key: Buffer.from('after-keepalives'), value: Buffer.from('ok') });
      expect(put, 'a Put forwarded by the follower').toHaveProperty('header');
    } finally {
      for (const s of streams) s.cancel();
      for (const c of [...leases, kv]) c.close();
    }
  }, 120_000);
});
