/**
 * Keep-alives held on a follower never starve the writes it forwards (issue 56): each etcd
 * LeaseKeepAlive stream on a follower was relayed to the leader as a stream of its own, on the
 * connection the follower's forwarded writes use, which carries at most 1,000 streams at once;
 * 1,100 keep-alive streams left every forwarded Put waiting for its deadline.
 */
import { credentials, Metadata, type Client, type ClientDuplexStream } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEtcdDefinitions } from '../../src/core/server/etcd-api/etcd-wire.js';
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
type MaintenanceClient = Client & { Status: Unary };

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

  it("are answered by the leader's lessor without a log entry: 100 keep-alives, through a follower and on the leader, move the log by none", async () => {
    const leaderId = await cluster.waitForLeader();
    const defs = loadEtcdDefinitions();
    const at = (id: string) => `127.0.0.1:${cluster.members.find((m) => m.id === id)!.port}`;
    const followerId = cluster.members.find((m) => m.id !== leaderId)!.id;
    const opts = { 'grpc.use_local_subchannel_pool': 1 };
    const maintenance = new defs.Maintenance(at(leaderId), credentials.createInsecure(), opts) as MaintenanceClient;
    const leases = [leaderId, followerId].map((id) => new defs.Lease(at(id), credentials.createInsecure(), opts) as LeaseClient);
    const raftIndex = async (): Promise<number> => Number(((await unary(maintenance.Status, maintenance, {})) as Record<string, string>).raftIndex);
    try {
      const granted = (await unary(leases[0]!.LeaseGrant, leases[0]!, { TTL: 60 })) as Record<string, string>;
      const before = await raftIndex();
      for (const lease of leases) {
        const s = lease.LeaseKeepAlive();
        const answers: { TTL: string }[] = [];
        s.on('data', (a: { TTL: string }) => answers.push(a));
        s.on('error', () => undefined);
        for (let i = 0; i < 50; i++) {
          s.write({ ID: granted.ID });
          await waitFor(`keep-alive ${i} answered`, () => (answers.length > i ? true : undefined), 15_000);
        }
        s.end();
        expect(answers.every((a) => a.TTL === '60')).toBe(true);
      }
      // Room for the odd entry the cluster writes of itself (a membership or version note), not one per keep-alive.
      expect((await raftIndex()) - before).toBeLessThan(5);
    } finally {
      for (const c of [...leases, maintenance]) c.close();
    }
  }, 120_000);
});
