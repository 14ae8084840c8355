/**
 * Refuse before you decode (issue 42): a tokenless call is refused from its metadata, before its
 * message is read. Before, grpc-js decoded up to 64 MiB first: eight tokenless 60 MB values took a
 * follower's RSS past 1 GB, and one tokenless 8 MB rebind batch stalled the leader into an election.
 * The RPCs that need no token at all (gRPC health, reflection, etcd's Authenticate and MemberList)
 * are refused by their size (request-limits.ts, issue 56): eight 60 MB health Checks took a leader
 * to 2.73 GB and into an election.
 */
import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFleetProto } from '../../src/proto/index.js';
import { TestCluster } from './cluster.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await TestCluster.start({ token: 'client-token-0123456789', adminToken: 'admin-token-0123456789', metrics: true });
}, 60_000);
afterAll(async () => cluster?.destroy());

function rssBytes(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
}

/** One tokenless unary Write of `request` to `address`; resolves with the status it failed with. */
function tokenlessWrite(address: string, request: object): Promise<grpc.ServiceError | null> {
  const Fleet = loadFleetProto().fleet.v1.Fleet;
  const client = new Fleet(address, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': 128 << 20 }) as unknown as grpc.Client & { write: (r: object, cb: (err: grpc.ServiceError | null) => void) => void };
  return new Promise((resolve) => client.write(request, (err) => (client.close(), resolve(err))));
}

/** A call of `path` whose request is `bytes` (not parsed: the limit refuses it by its length prefix); resolves with its status. */
function rawCall(address: string, path: string, bytes: Buffer, stream: boolean): Promise<grpc.StatusObject> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': 128 << 20 });
  const identity = (b: Buffer): Buffer => b;
  return new Promise((resolve) => {
    if (!stream) {
      client.makeUnaryRequest(path, identity, identity, bytes, (err) => (client.close(), resolve(err ?? { code: grpc.status.OK, details: '', metadata: new grpc.Metadata() })));
      return;
    }
    const call = client.makeBidiStreamRequest(path, identity, identity);
    call.on('data', () => undefined);
    call.on('error', () => undefined);
    call.on('status', (s: grpc.StatusObject) => (client.close(), resolve(s)));
    call.write(bytes);
    call.end();
  });
}

describe('an RPC that needs no token', () => {
  it('is refused by its size before its message is read: 60 MB health Checks, Authenticates, MemberLists and reflection queries grow no leader', async () => {
    const admin = cluster.client();
    const before = (await admin.statusAll()).flatMap((s) => (s.ok ? [s.status] : []));
    const leader = before.find((s) => s.role === 'leader')!;
    const address = `127.0.0.1:${cluster.member(leader.id).port}`;
    const pid = cluster.member(leader.id).child!.pid!;
    const rssBefore = rssBytes(pid);

    const big = Buffer.alloc(60 << 20, 0x41);
    const open = [
      ['/grpc.health.v1.Health/Check', false],
      ['/etcdserverpb.Auth/Authenticate', false],
      ['/etcdserverpb.Cluster/MemberList', false],
      ['/grpc.reflection.v1.ServerReflection/ServerReflectionInfo', true],
    ] as const;
    for (let round = 0; round < 2; round++) {
      for (const [path, stream] of open) {
        const s = await rawCall(address, path, big, stream);
        expect(s.code, `${path}: ${s.details}`).toBe(grpc.status.RESOURCE_EXHAUSTED);
        expect(s.details.length, 'the refusal does not echo the request').toBeLessThan(200);
      }
    }
    const grown = rssBytes(pid) - rssBefore;
    expect(grown, `the leader's RSS grew by ${Math.round(grown / 2 ** 20)} MB`).toBeLessThan(48 << 20);

    // A request of ordinary size still works, and an unknown service's name is not echoed.
    const Health = loadFleetProto().grpc.health.v1.Health;
    const health = new Health(address, grpc.credentials.createInsecure());
    const check = (service: string) => new Promise<{ code: number; details: string; status?: string }>((resolve) => health.Check({ service }, (err, res) => resolve(err ? { code: err.code, details: err.details } : { code: 0, details: '', status: res?.status })));
    expect(await check('')).toMatchObject({ code: grpc.status.OK, status: 'SERVING' });
    const unknown = await check('x'.repeat(3000));
    health.close();
    expect(unknown).toEqual({ code: grpc.status.NOT_FOUND, details: 'unknown service' });

    const after = (await admin.statusAll()).flatMap((s) => (s.ok ? [s.status] : []));
    expect(after.find((s) => s.role === 'leader')).toMatchObject({ id: leader.id, term: leader.term });
    const metrics = await (await fetch(`http://127.0.0.1:${cluster.member(leader.id).metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/fleet_requests_too_large_total\{method="\/grpc.health.v1.Health\/Check"\} 2/);
  }, 120_000);
});

describe('a tokenless call', () => {
  it('is refused before its message is read: 60 MB values grow no follower, an 8 MB rebind batch stalls no leader', async () => {
    const admin = cluster.client();
    const before = (await admin.statusAll()).flatMap((s) => (s.ok ? [s.status] : []));
    const leader = before.find((s) => s.role === 'leader')!;
    const follower = cluster.members.find((m) => m.id !== leader.id)!;
    const pid = follower.child!.pid!;
    const rssBefore = rssBytes(pid);

    const big = { clientId: 'x', seq: 1, firstIncomplete: 1, kvPut: { key: 'k', value: 'v'.repeat(60 << 20), ns: '' } };
    for (let i = 0; i < 4; i++) {
      const err = await tokenlessWrite(`127.0.0.1:${follower.port}`, big);
      expect(err?.code, err?.message).toBe(grpc.status.UNAUTHENTICATED);
    }
    const grown = rssBytes(pid) - rssBefore;
    expect(grown, `the follower's RSS grew by ${Math.round(grown / 2 ** 20)} MB`).toBeLessThan(16 << 20);

    const moves = Array.from({ length: 200_000 }, (_, i) => ({ cluster: `cluster-${i.toString().padStart(7, '0')}`, from: 's1', to: 's2' }));
    const leaderPort = cluster.member(leader.id).port;
    const err = await tokenlessWrite(`127.0.0.1:${leaderPort}`, { clientId: 'x', seq: 2, firstIncomplete: 1, clusterRebindBatch: { moves, force: false } });
    expect(err?.code, err?.message).toBe(grpc.status.UNAUTHENTICATED);
    // Still the same leader in the same term: nothing stalled it.
    await admin.kvPut('after', 'ok');
    const after = (await admin.statusAll()).flatMap((s) => (s.ok ? [s.status] : []));
    expect(after.find((s) => s.role === 'leader')).toMatchObject({ id: leader.id, term: leader.term });
  }, 120_000);
});
