/**
 * The audit log against real members: each kind of change is recorded with the token's name
 * and the client's user@host, no token value or KV value appears in it, and it survives a
 * restart of every member from their snapshots.
 */
import { Metadata, credentials, type Client } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/client/index.js';
import { etcdIdOf, loadEtcdDefinitions } from '../../src/core/server/etcd-api/etcd-wire.js';
import { loadFleetProto } from '../../src/proto/index.js';
import { cliSandbox } from './cli-helpers.js';
import { TestCluster } from './cluster.js';
import { runCli, waitFor } from './processes.js';

const CLIENT_TOKEN = 'c1ient-t0ken-value-0123456789abcdef';
const ADMIN_TOKEN = 'adm1n-t0ken-value-fedcba9876543210';
const KV_SECRET = 'db-password-hunter2';

let cluster: TestCluster | undefined;
let dirs: { cleanup: () => void }[] = [];
afterEach(async () => {
  await cluster?.destroy();
  cluster = undefined;
  for (const d of dirs) d.cleanup();
  dirs = [];
});

describe('fleet audit', () => {
  it('records every kind of change with who made it, never a token or a KV value, across a restart from snapshots', async () => {
    cluster = await TestCluster.start({ snapshotEvery: 5, token: CLIENT_TOKEN, adminToken: ADMIN_TOKEN, tokenNames: { token: 'app-writer', adminToken: 'ops-team' } });
    const app = cluster.client({ token: CLIENT_TOKEN, actor: 'alice@build-01' });
    const ops = cluster.client({ token: ADMIN_TOKEN, actor: 'bob@ops-laptop' });

    await app.kvPut('db/password', KV_SECRET);
    await app.registerShard({ id: 's1', address: '10.0.0.1:443', region: 'eu', zone: 'eu-1a', capacity: 10 });
    await app.contact('c1', 's1');
    await ops.addMember('n4', '127.0.0.1:1', { learner: true });
    await ops.removeMember('n4');
    await ops.setAutopilot({ autoPromoteLearners: true });
    await ops.takeSnapshot();
    await ops.transferLeader();
    await cluster.waitForLeader();

    const sandbox = cliSandbox();
    dirs.push(sandbox);
    const audit = async (...args: string[]): Promise<AuditEntry[]> => {
      const r = await runCli(['audit', '--json', '--endpoints', cluster!.endpoints.join(','), '--token', ADMIN_TOKEN, ...args], sandbox.env);
      expect(r.code, r.stderr + r.stdout).toBe(0);
      for (const secret of [CLIENT_TOKEN, ADMIN_TOKEN, KV_SECRET]) expect(r.stdout).not.toContain(secret);
      return (JSON.parse(r.stdout) as { entries: AuditEntry[] }).entries;
    };

    const before = await waitFor('the transfer in the audit log', async () => {
      const entries = await audit();
      return entries.some((e) => e.op === 'leader.transfer') ? entries : undefined;
    });
    const ops_ = before.map((e) => [e.op, e.who, e.client, e.outcome]);
    expect(ops_).toEqual([
      ['kv.put', 'app-writer', 'alice@build-01', 'ok'],
      ['shard.register', 'app-writer', 'alice@build-01', 'ok'],
      ['cluster.contact', 'app-writer', 'alice@build-01', 'ok'],
      ['members.add', 'ops-team', 'bob@ops-laptop', 'ok'],
      ['members.remove', 'ops-team', 'bob@ops-laptop', 'ok'],
      ['autopilot.set', 'ops-team', 'bob@ops-laptop', 'ok'],
      ['snapshot.take', 'ops-team', 'bob@ops-laptop', 'ok'],
      ['leader.transfer', 'ops-team', 'bob@ops-laptop', 'requested'],
    ]);
    expect(before[0]!.args).toEqual({ key: 'db/password', ns: '', value: `<${KV_SECRET.length} bytes>` });
    expect(before[3]!.args).toEqual({ id: 'n4', address: '127.0.0.1:1', learner: true });
    // Leader time, in order, and recent.
    expect(before.every((e, i) => i === 0 || e.time >= before[i - 1]!.time)).toBe(true);
    expect(Math.abs(before[0]!.time - Date.now())).toBeLessThan(120_000);
    expect((await audit('--who', 'app-writer')).map((e) => e.op)).toEqual(['kv.put', 'shard.register', 'cluster.contact']);
    expect(await audit('--since', '1s', '--who', 'nobody')).toEqual([]);

    // Every member restarts from its snapshot (taken every 5 entries) and its log: the audit log is part of the state.
    for (const m of cluster.members) await cluster.kill(m.id, 'SIGTERM');
    for (const m of cluster.members) cluster.restart(m.id);
    await cluster.waitForLeader();
    const after = await audit();
    expect(after.slice(0, before.length)).toEqual(before);
  }, 180_000);

  it('needs the admin token to read the log', async () => {
    cluster = await TestCluster.start({ token: CLIENT_TOKEN, adminToken: ADMIN_TOKEN, tokenNames: { token: 'app-writer', adminToken: 'ops-team' } });
    const sandbox = cliSandbox();
    dirs.push(sandbox);
    const r = await runCli(['audit', '--endpoints', cluster.endpoints.join(','), '--token', CLIENT_TOKEN], sandbox.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/admin/);
  }, 120_000);

  it('records admin effects on whichever member they land: a snapshot and a drill on a follower, etcd MoveLeader and Compact (issue 62)', async () => {
    cluster = await TestCluster.start({ extraArgs: ['--enable-drills'], token: CLIENT_TOKEN, adminToken: ADMIN_TOKEN, tokenNames: { token: 'app-writer', adminToken: 'ops-team' } });
    const leader = await cluster.waitForLeader();
    const follower = cluster.members.find((m) => m.id !== leader)!;
    const at = (id: string) => `127.0.0.1:${cluster!.member(id).port}`;
    const md = new Metadata();
    md.set('authorization', `Bearer ${ADMIN_TOKEN}`);
    md.set('fleet-actor', 'bob@ops-laptop');
    type Raw = Client & Record<string, (req: object, md: Metadata, cb: (e: Error | null, res?: unknown) => void) => void>;
    const call = (Service: unknown, address: string, method: string, req: object): Promise<unknown> => {
      const client = new (Service as new (a: string, c: ReturnType<typeof credentials.createInsecure>) => Raw)(address, credentials.createInsecure());
      return new Promise((resolve, reject) => client[method]!(req, md, (e, res) => (client.close(), e ? reject(e) : resolve(res))));
    };
    const fleet = loadFleetProto().fleet.v1;
    const etcd = loadEtcdDefinitions();

    await call(fleet.Admin, at(follower.id), 'TakeSnapshot', {});
    await call(fleet.Drills, at(follower.id), 'Drill', { kind: 'DRILL_KIND_HEAL' });
    // A Compact reaching a follower is forwarded to the leader, which compacts and records it.
    await call(etcd.KV, at(follower.id), 'Put', { key: Buffer.from('k'), value: Buffer.from('v') });
    await call(etcd.KV, at(follower.id), 'Put', { key: Buffer.from('k'), value: Buffer.from('w') });
    await call(etcd.KV, at(follower.id), 'Compact', { revision: '2' });
    // etcdctl move-leader sends it to the leader.
    await call(etcd.Maintenance, at(leader), 'MoveLeader', { targetID: etcdIdOf(follower.id) });
    await cluster.waitForLeader();

    const sandbox = cliSandbox();
    dirs.push(sandbox);
    const admin = await waitFor('the admin effects in the audit log', async () => {
      const r = await runCli(['audit', '--json', '--endpoints', cluster!.endpoints.join(','), '--token', ADMIN_TOKEN], sandbox.env);
      if (r.code !== 0) return undefined;
      const entries = (JSON.parse(r.stdout) as { entries: AuditEntry[] }).entries.filter((e) => e.who === 'ops-team');
      return entries.length >= 4 ? entries : undefined;
    });
    expect(admin.map((e) => [e.op, e.client, e.outcome, e.args])).toEqual([
      ['snapshot.take', 'bob@ops-laptop', 'ok', { member: follower.id }],
      ['drill.fault', 'bob@ops-laptop', 'injected', expect.objectContaining({ member: follower.id, kind: 'DRILL_KIND_HEAL' })],
      ['etcd.compact', 'bob@ops-laptop', 'ok', { revision: 2 }],
      ['leader.transfer', 'bob@ops-laptop', 'requested', { to: follower.id, api: 'etcd' }],
    ]);
  }, 180_000);
});
