/**
 * Roles against real members (issue 42): a read-only token runs status, top, get, list and watch
 * and is refused everything that writes; a registry writer is refused prune, forced removal, plan
 * progress and membership; each refusal is PERMISSION_DENIED naming the role it needs, exit 1,
 * and writes nothing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliSandbox } from './cli-helpers.js';
import { TestCluster } from './cluster.js';
import { CLI_BIN, runCli, stopChild, tempDir, waitFor } from './processes.js';

const WRITER = 'e2e-writer-token';
const ADMIN = 'e2e-admin-token';
const READER = 'e2e-read-token';

let cluster: TestCluster;
let watcher: ChildProcess | undefined;
const sandbox = cliSandbox();
const dir = tempDir('fleet-roles-');

beforeAll(async () => {
  cluster = await TestCluster.start({ size: 3, token: WRITER, adminToken: ADMIN, readToken: READER, tokenNames: { token: 'ci', readToken: 'dashboards' } });
  const admin = cluster.client();
  await admin.registerShard({ id: 's1', address: '10.0.0.1:1', region: 'r', zone: 'z', capacity: 10 });
  await admin.registerShard({ id: 's2', address: '10.0.0.2:1', region: 'r', zone: 'z', capacity: 10 });
  await admin.contact('c1', 's1');
  await admin.kvPut('k', 'v');
}, 90_000);

afterAll(async () => {
  if (watcher) await stopChild(watcher, 'SIGKILL');
  await cluster?.destroy();
  sandbox.cleanup();
  dir.cleanup();
});

/** The CLI against the cluster with `token`. */
function fleet(token: string, args: string[]) {
  return runCli([...args, '--endpoints', cluster.endpoints.join(','), '--token', token], sandbox.env);
}

/** Expects the command to be refused: exit 1, one error line naming the role it needs and the role held (after a safety gate's warnings, if any). */
async function refused(token: string, args: string[], needed: RegExp): Promise<void> {
  const r = await fleet(token, args);
  const lines = r.stderr.trim().split('\n');
  expect(r.code, `fleet ${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(1);
  expect(lines.filter((l) => !l.startsWith('warning: ')), r.stderr).toHaveLength(1);
  expect(lines.at(-1)).toMatch(/^error: .*PERMISSION_DENIED|^error: /);
  expect(lines.at(-1)).toMatch(needed);
}

describe('a read-only token', () => {
  it('runs status, top, get and list', async () => {
    const ok = async (args: string[]) => {
      const r = await fleet(READER, args);
      expect(r.code, `fleet ${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(0);
      return r.stdout;
    };
    expect(JSON.parse(await ok(['status', '--json']))).toMatchObject({ health: { state: 'healthy' } });
    expect(JSON.parse(await ok(['top', '--once', '--json']))).toMatchObject({ header: { quorum: { available: true } } });
    expect(JSON.parse(await ok(['kv', 'get', 'k', '--json']))).toMatchObject({ value: 'v' });
    expect(await ok(['kv', 'list', '--json'])).toContain('"k"');
    expect(JSON.parse(await ok(['clusters', 'show', 'c1', '--json']))).toMatchObject({ shard: 's1' });
    expect(await ok(['clusters', 'list', '--json'])).toContain('c1');
    expect(await ok(['shards', 'list', '--json'])).toContain('s2');
    expect(await ok(['members', 'list', '--json'])).toContain('n3');
  }, 120_000);

  it('watches changes', async () => {
    const child = spawn(process.execPath, [CLI_BIN, 'watch', '--json', '--from-index', '1', '--endpoints', cluster.endpoints.join(','), '--token', READER], {
      env: { ...process.env, NO_COLOR: '1', ...sandbox.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    watcher = child;
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    await cluster.client().kvPut('watched', 'w1');
    await waitFor(`the watch to show the change\n${out}\n${err}`, () => (/"key":"watched"/.test(out) ? true : undefined), 30_000);
    expect(out).toMatch(/"key":"k"/);
    await stopChild(child, 'SIGKILL');
    watcher = undefined;
  }, 60_000);

  it('is refused everything that writes, with PERMISSION_DENIED naming the role needed', async () => {
    const writer = /needs the writer role; the token presented \(dashboards\) has the read role/;
    const admin = /needs the admin role; the token presented \(dashboards\) has the read role/;
    await refused(READER, ['kv', 'put', 'k', 'evil'], writer);
    await refused(READER, ['kv', 'del', 'k'], writer);
    await refused(READER, ['shards', 'add', 's9', '--address', '10.0.0.9:1', '--region', 'r', '--zone', 'z', '--capacity', '1'], writer);
    await refused(READER, ['clusters', 'bind', 'c9', '--shard', 's1'], writer);
    await refused(READER, ['clusters', 'prune', '--stale', '1ms', '--yes'], admin);
    await refused(READER, ['members', 'remove', 'n3', '--force'], admin);
    await refused(READER, ['snapshot', 'save', join(dir.path, 'read.snap')], admin);
    await refused(READER, ['audit'], admin);
    const client = cluster.client({ token: READER });
    await expect(client.kvPut('k', 'evil')).rejects.toMatchObject({ kind: 'permission-denied' });
    await expect(client.transferLeader()).rejects.toMatchObject({ kind: 'permission-denied' });
    expect((await cluster.client().kvGet('k'))?.value).toBe('v');
    expect(await cluster.client().getShard('s9')).toBeUndefined();
  }, 120_000);
});

describe('a registry writer', () => {
  it('writes, and is refused prune, forced removal, plan progress and membership', async () => {
    const put = await fleet(WRITER, ['kv', 'put', 'w', 'by-writer']);
    expect(put.code, put.stderr).toBe(0);
    const admin = /needs the admin role; the token presented \(ci\) has the writer role: use the admin token/;
    await refused(WRITER, ['clusters', 'prune', '--stale', '1ms', '--yes'], new RegExp(`cluster\\.prune ${admin.source}`));
    await refused(WRITER, ['shards', 'remove', 's1', '--force', '--yes'], new RegExp(`shard\\.remove with force ${admin.source}`));
    const plan = join(dir.path, 'drain-s1.yaml');
    const generated = await fleet(ADMIN, ['rebind', 'plan', 'generate', '--drain', 's1', '-o', plan]);
    expect(generated.code, generated.stderr).toBe(0);
    await refused(WRITER, ['rebind', 'plan', 'apply', plan, '--yes'], new RegExp(`plan\\.progress ${admin.source}`));
    // A follower, so that the removal asks for no leader transfer first.
    const { leaderId } = await cluster.client().listMembers();
    const follower = ['n1', 'n2', 'n3'].find((id) => id !== leaderId)!;
    await refused(WRITER, ['members', 'remove', follower, '--force'], new RegExp(`Admin\\.RemoveMember ${admin.source}`));
    await refused(WRITER, ['leader', 'transfer', '--to', follower], new RegExp(`Admin\\.TransferLeader ${admin.source}`));
    const client = cluster.client({ token: WRITER });
    await expect(client.addMember('n9', '127.0.0.1:1', { learner: true })).rejects.toMatchObject({ kind: 'permission-denied' });
    await expect(client.promoteMember(follower)).rejects.toMatchObject({ kind: 'permission-denied', message: expect.stringMatching(/Admin\.PromoteMember needs the admin role/) });
    await expect(client.reportPlanProgress({ planId: 'evil-plan', startedBy: 'alice@ops-1', done: 5, total: 10, state: 'running' })).rejects.toMatchObject({
      kind: 'permission-denied',
    });
    // Nothing was changed: the cluster is still bound, the shard there, no plan shown, three members.
    const root = cluster.client();
    expect(await root.getCluster('c1')).toMatchObject({ shard: 's1' });
    expect(await root.getShard('s1')).toBeDefined();
    expect(await root.listPlans()).toEqual([]);
    expect((await root.listMembers()).members).toHaveLength(3);
    // The admin token may: the same prune goes through.
    const pruned = await fleet(ADMIN, ['clusters', 'prune', '--stale', '1h', '--yes', '--json']);
    expect(pruned.code, pruned.stderr).toBe(0);
  }, 120_000);
});
