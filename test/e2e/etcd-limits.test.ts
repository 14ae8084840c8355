/**
 * The etcd API's limits against a real member (issue 56): a request etcd would let through by its
 * per-list count, but whose work is out of proportion, is refused with etcd's error before it is
 * proposed, and the cluster keeps its leader. Before: a 0.53 MB Txn of 131,072 nested operations
 * became a 6.5 MB log entry and forced an election.
 */
import { credentials, status, type Client } from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEtcdDefinitions } from '../../src/core/server/etcd-api/etcd-wire.js';
import { TestCluster } from './cluster.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await TestCluster.start();
}, 60_000);
afterAll(async () => cluster?.destroy());

type Answer = { code: number; details: string } | Record<string, unknown>;
type KvClient = Client & Record<string, (req: object, cb: (err: { code: number; details: string } | null, res?: Record<string, unknown>) => void) => void>;

function rssBytes(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
}

function kvCall(client: KvClient, method: string, req: object): Promise<Answer> {
  return new Promise((resolve) => client[method]!(req, (err, res) => resolve(err ? { code: err.code, details: err.details } : res!)));
}

/**
 * A tree of txns `depth` deep, each holding two nested txns: 2^depth empty txns at the bottom,
 * every list within etcd's 128, and nested no deeper than protobuf's decoder allows (100).
 */
function nestedTxn(depth: number): object {
  let txn: object = {};
  for (let i = 0; i < depth; i++) txn = { success: [{ requestTxn: txn }, { requestTxn: txn }] };
  return txn;
}

describe('the etcd API', () => {
  it('refuses a Txn of 131,072 nested operations with etcd\'s error, before it is proposed: no election, no growth', async () => {
    const admin = cluster.client();
    const before = (await admin.statusAll()).flatMap((s) => (s.ok ? [s.status] : []));
    const leader = before.find((s) => s.role === 'leader')!;
    const member = cluster.member(leader.id);
    const KV = loadEtcdDefinitions().KV as unknown as new (address: string, creds: ReturnType<typeof credentials.createInsecure>) => KvClient;
    const kv = new KV(`127.0.0.1:${member.port}`, credentials.createInsecure());
    try {
      const rssBefore = rssBytes(member.child!.pid!);
      const txn = nestedTxn(17);
      for (let i = 0; i < 3; i++) {
        expect(await kvCall(kv, 'Txn', txn)).toEqual({ code: status.INVALID_ARGUMENT, details: 'etcdserver: too many operations in txn request' });
      }
      const grown = rssBytes(member.child!.pid!) - rssBefore;
      // Counted on its bytes, the tree (about 1 MB) is never decoded into its 262,142 objects.
      expect(grown, `the leader's RSS grew by ${Math.round(grown / 2 ** 20)} MB`).toBeLessThan(32 << 20);
      // Nothing was written, and the leader still leads its term.
      const put = (await kvCall(kv, 'Put', { key: Buffer.from('after'), value: Buffer.from('ok') })) as { header: { revision: string } };
      expect(Number(put.header.revision)).toBe(2);
      const after = (await admin.statusAll()).flatMap((s) => (s.ok ? [s.status] : []));
      expect(after.find((s) => s.role === 'leader')).toMatchObject({ id: leader.id, term: leader.term });
    } finally {
      kv.close();
    }
  }, 120_000);

  it('refuses a lease TTL past a day with etcd\'s error (etcd takes up to 9e9 s: a lease that outlives every client)', async () => {
    const Lease = loadEtcdDefinitions().Lease as unknown as new (address: string, creds: ReturnType<typeof credentials.createInsecure>) => KvClient;
    const lease = new Lease(cluster.endpoints[0]!, credentials.createInsecure());
    try {
      expect(await kvCall(lease, 'LeaseGrant', { TTL: 86_401 })).toEqual({ code: status.OUT_OF_RANGE, details: 'etcdserver: too large lease TTL' });
      expect(await kvCall(lease, 'LeaseGrant', { TTL: 86_400 })).toMatchObject({ TTL: '86400', error: '' });
    } finally {
      lease.close();
    }
  }, 60_000);
});
