import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster } from './cluster.js';
import { cliSandbox, json, ok, type ErrorDoc } from './cli-helpers.js';
import { freePort, runCli, spawnCli, stopChild, tempDir, waitFor } from './processes.js';

let cluster: TestCluster;
const sandbox = cliSandbox();
const env = sandbox.env;

beforeAll(async () => {
  cluster = await TestCluster.start({ token: 'client-secret', adminToken: 'admin-secret' });
  writeFileSync(join(sandbox.dir, 'client.token'), 'client-secret\n', { mode: 0o600 });
  writeFileSync(join(sandbox.dir, 'admin.token'), 'admin-secret\n', { mode: 0o600 });
  const add = ['context', 'add', 'reg', '--endpoints', cluster.endpoints.join(','), '--token-file', join(sandbox.dir, 'client.token'), '--admin-token-file', join(sandbox.dir, 'admin.token')];
  await ok(add, env);
}, 60_000);
afterAll(async () => {
  await cluster?.destroy();
  sandbox.cleanup();
});

interface Shard { id: string; state: string; capacity: number; boundClusters: number; labels: Record<string, string> }
interface Cluster { name: string; shard: string | null; generation: number }

describe('registry commands against a real cluster (through a context with tokens)', () => {
  it('refuses calls without the token', async () => {
    // Endpoints of no saved context carry no context's token (those of the current context carry its own).
    const r = await runCli(['shards', 'list', '--endpoints', cluster.endpoints.join(',')], { ...env, FLEET_CONFIG_DIR: sandbox.dir + '/none' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: .*token/);
  });

  it('round-trips shards', async () => {
    const added = await json<{ shard: Shard; created: boolean; index: number }>(['shards', 'add', 's1', '--address', '10.0.0.1:443', '--region', 'eu', '--zone', 'eu-1a', '--capacity', '100', '--label', 'tier=gold'], env);
    expect(added).toMatchObject({ created: true, shard: { id: 's1', state: 'active', labels: { tier: 'gold' } } });
    expect(added.index).toBeGreaterThan(0);
    await ok(['shards', 'add', 's2', '--address', '10.0.0.2:443', '--region', 'eu', '--zone', 'eu-1b', '--capacity', '10'], env);
    const updated = await json<{ shard: Shard; index: number }>(['shards', 'update', 's2', '--capacity', '20'], env);
    expect(updated.shard.capacity).toBe(20);
    expect((await json<{ shard: Shard; previousState: string }>(['shards', 'drain', 's2'], env)).previousState).toBe('active');
    expect((await json<{ shard: Shard }>(['shards', 'cordon', 's2'], env)).shard.state).toBe('cordoned');
    expect((await json<{ shard: Shard }>(['shards', 'activate', 's2'], env)).shard.state).toBe('active');
    const list = await json<{ shards: Shard[]; servedBy: string; appliedIndex: number }>(['shards', 'list'], env);
    expect(list.shards.map((s) => [s.id, s.capacity])).toEqual([['s1', 100], ['s2', 20]]);
    // Linearizable by default: served through the leader, at or after the last write.
    expect(list.servedBy).toBe(await cluster.waitForLeader());
    expect(list.appliedIndex).toBeGreaterThanOrEqual(updated.index);
    const table = await ok(['shards', 'list'], env);
    expect(table.split('\n')[0]).toMatch(/^ID\s+ADDRESS\s+REGION\s+ZONE\s+STATE/);
  }, 120_000);

  it('binds clusters, first contact wins, and ALREADY_BOUND exits 4 naming the current shard', async () => {
    const bound = await json<{ cluster: Cluster; bound: boolean }>(['clusters', 'bind', 'c1', '--shard', 's1'], env);
    expect(bound).toMatchObject({ bound: true, cluster: { name: 'c1', shard: 's1', generation: 1 } });
    expect((await json<{ bound: boolean }>(['clusters', 'bind', 'c1', '--shard', 's1'], env)).bound).toBe(false);
    const human = await runCli(['clusters', 'bind', 'c1', '--shard', 's2'], env);
    expect(human.code).toBe(4);
    expect(human.stderr.trimEnd().split('\n')).toEqual(['error: cluster "c1" is already bound to shard "s1"; rebind it explicitly to move it']);
    const doc = await json<ErrorDoc>(['clusters', 'bind', 'c1', '--shard', 's2'], env, 4);
    expect(doc.error).toMatchObject({ code: 'ALREADY_BOUND', exitCode: 4, details: { currentShard: 's1' } });
    expect((await json<Cluster>(['clusters', 'show', 'c1'], env)).shard).toBe('s1');
    const unknown = await json<ErrorDoc>(['clusters', 'show', 'nope'], env, 9);
    expect(unknown.error).toMatchObject({ code: 'NOT_FOUND', exitCode: 9 });
    expect((await json<{ previousShard: string }>(['clusters', 'unbind', 'c1'], env)).previousShard).toBe('s1');
    expect((await json<{ pruned: number }>(['clusters', 'prune', '--stale', '1d', '--yes'], env)).pruned).toBe(0);
  }, 120_000);

  it('lists clusters page by page with filters and a cursor', async () => {
    const client = cluster.client({ token: 'client-secret' });
    for (let i = 0; i < 30; i++) await client.contact(`p${String(i).padStart(3, '0')}`, i % 2 === 0 ? 's1' : 's2');
    const all = await json<{ clusters: Cluster[]; next: null }>(['clusters', 'list', '--page-size', '7'], env);
    expect(all.clusters).toHaveLength(31);
    expect(all.next).toBeNull();
    const first = await json<{ clusters: Cluster[]; next: string }>(['clusters', 'list', '--shard', 's1', '--limit', '10'], env);
    expect(first.clusters).toHaveLength(10);
    expect(first.clusters.every((c) => c.shard === 's1')).toBe(true);
    const rest = await json<{ clusters: Cluster[]; next: null }>(['clusters', 'list', '--shard', 's1', '--after', first.next], env);
    expect(rest.clusters.map((c) => c.name)).toEqual(['p020', 'p022', 'p024', 'p026', 'p028']);
    expect((await json<{ clusters: Cluster[] }>(['clusters', 'list', '--unbound'], env)).clusters.map((c) => c.name)).toEqual(['c1']);
    const human = await runCli(['clusters', 'list', '--limit', '3'], env);
    expect(human.stdout.trimEnd().split('\n')).toHaveLength(4);
    expect(human.stderr).toMatch(/more after p001: add --after p001/);
  }, 120_000);

  it('round-trips domains, providers, quotas and leases', async () => {
    expect((await json<{ domain: { shard: string } }>(['domains', 'assign', 'zone=eu-1a', '--shard', 's1'], env)).domain.shard).toBe('s1');
    expect((await json<{ domains: { key: string; value: string }[] }>(['domains', 'list'], env)).domains).toEqual([expect.objectContaining({ key: 'zone', value: 'eu-1a', shard: 's1' })]);
    expect((await json<{ shard: string }>(['domains', 'unassign', 'zone=eu-1a'], env)).shard).toBe('s1');
    await ok(['providers', 'add', 'aws', '--kind', 'aws', '--region', 'eu', '--endpoint', 'https://aws.example'], env);
    expect((await json<{ providers: { name: string }[] }>(['providers', 'list'], env)).providers.map((p) => p.name)).toEqual(['aws']);
    const quota = await json<{ quota: { allocated: number } }>(['quotas', 'set', 'aws', 'eu', '--total', '10', '--slice', 's1=4', '--slice', 's2=3'], env);
    expect(quota.quota.allocated).toBe(7);
    expect((await json<{ quotas: unknown[] }>(['quotas', 'list'], env)).quotas).toHaveLength(1);
    const lease = await json<{ lease: { token: number } }>(['leases', 'acquire', 'L', '--holder', 'me', '--ttl', '30s'], env);
    expect((await runCli(['leases', 'acquire', 'L', '--holder', 'you', '--ttl', '30s'], env)).code).toBe(4);
    expect((await json<{ leases: { holder: string }[] }>(['leases', 'list'], env)).leases[0]!.holder).toBe('me');
    await ok(['leases', 'release', 'L', '--holder', 'me', '--fencing-token', String(lease.lease.token)], env);
  }, 120_000);

  it('lists a lease as expired on an idle cluster: the leader expires it without any write (issue 17)', async () => {
    await ok(['leases', 'acquire', 'idle', '--holder', 'me', '--ttl', '1s'], env);
    // The leader's timer: 1 s x 1.01 plus one election timeout; nothing is written meanwhile.
    const expired = await waitFor(
      'the idle lease listed as expired',
      async () => (await json<{ leases: { name: string; expired: boolean; remainingMs: number }[] }>(['leases', 'list'], env)).leases.find((l) => l.name === 'idle' && l.expired),
      20_000,
      250,
    );
    expect(expired.remainingMs).toBe(0);
    expect((await json<{ lease: { holder: string } }>(['leases', 'acquire', 'idle', '--holder', 'you', '--ttl', '1s'], env)).lease.holder).toBe('you');
  }, 60_000);

  it('renews a lease for its holder only, keeping its fencing token', async () => {
    const { lease } = await json<{ lease: { token: number } }>(['leases', 'acquire', 'R', '--holder', 'me', '--ttl', '30s'], env);
    const token = String(lease.token);
    const renewed = await json<{ lease: { token: number; ttlMs: number; holder: string }; index: number }>(['leases', 'renew', 'R', '--holder', 'me', '--fencing-token', token, '--ttl', '1m'], env);
    expect(renewed.lease).toMatchObject({ token: lease.token, ttlMs: 60_000, holder: 'me' });
    expect(renewed.index).toBeGreaterThan(0);
    // Without --ttl the lease keeps the TTL it has.
    expect(await ok(['leases', 'renew', 'R', '--holder', 'me', '--fencing-token', token], env)).toMatch(new RegExp(`^renewed R for me: token ${token}, expires in 1m00s`));
    expect((await json<ErrorDoc>(['leases', 'renew', 'R', '--holder', 'you', '--fencing-token', token], env, 4)).error.exitCode).toBe(4);
    expect((await runCli(['leases', 'renew', 'R', '--holder', 'me', '--fencing-token', String(lease.token + 1)], env)).code).toBe(4);
    const usage = await runCli(['leases', 'renew', 'R', '--holder', 'me'], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/fencing-token/);
    await ok(['leases', 'release', 'R', '--holder', 'me', '--fencing-token', token], env);
  }, 120_000);

  it('removes a quota, after which its provider can go', async () => {
    await ok(['providers', 'add', 'gcp', '--kind', 'gcp', '--region', 'us', '--endpoint', 'https://gcp.example'], env);
    await ok(['quotas', 'set', 'gcp', 'us', '--total', '5', '--slice', 's1=5'], env);
    expect((await runCli(['providers', 'remove', 'gcp'], env)).code).not.toBe(0);
    const removed = await json<{ provider: string; region: string; index: number }>(['quotas', 'remove', 'gcp', 'us'], env);
    expect(removed).toMatchObject({ provider: 'gcp', region: 'us' });
    expect((await json<{ quotas: { provider: string }[] }>(['quotas', 'list'], env)).quotas.map((q) => q.provider)).not.toContain('gcp');
    const again = await runCli(['quotas', 'remove', 'gcp', 'us'], env);
    // The quota named does not exist (any more): not found, exit 9, like a missing key.
    expect(again.code).toBe(9);
    expect(again.stderr).toMatch(/^error: .*gcp\/us/);
    await ok(['providers', 'remove', 'gcp'], env);
  }, 120_000);

  it('round-trips kv, with compare-and-set conflicts exiting 4', async () => {
    await ok(['kv', 'put', 'cfg/a', 'one'], env);
    expect(await ok(['kv', 'get', 'cfg/a'], env)).toBe('one\n');
    expect((await json<{ value: string; version: number }>(['kv', 'get', 'cfg/a'], env)).version).toBe(1);
    const conflict = await json<ErrorDoc>(['kv', 'cas', 'cfg/a', 'two', '--expect', 'zero'], env, 4);
    expect(conflict.error).toMatchObject({ code: 'CAS_FAILED', exitCode: 4, details: { currentValue: 'one' } });
    await ok(['kv', 'cas', 'cfg/a', 'two', '--expect', 'one'], env);
    await ok(['kv', 'cas', 'cfg/b', 'new', '--absent'], env);
    const list = await json<{ entries: { key: string; value: string }[]; next: null }>(['kv', 'list', '--prefix', 'cfg/'], env);
    expect(list.entries.map((e) => [e.key, e.value])).toEqual([['cfg/a', 'two'], ['cfg/b', 'new']]);
    expect((await json<{ deleted: boolean }>(['kv', 'del', 'cfg/b'], env)).deleted).toBe(true);
    // Not found has its own exit code, so a script tells an unset key from a failed read.
    const missing = await runCli(['kv', 'get', 'cfg/b'], env);
    expect([missing.code, missing.stderr.trim()]).toEqual([9, 'error: no key "cfg/b"']);
  }, 120_000);

  it('serves a read at the consistency asked, on the member it names, and says which member at which index', async () => {
    const put = await json<{ index: number }>(['kv', 'put', 'cfg/fresh', 'v1'], env);
    const leader = await cluster.waitForLeader();
    const follower = cluster.members.find((m) => m.id !== leader)!;
    const at = ['--endpoints', `127.0.0.1:${follower.port}`];
    type Served = { value: string; servedBy: string; appliedIndex: number };
    // Linearizable (the default) goes through the leader, wherever the CLI first connects.
    const lin = await json<Served>(['kv', 'get', 'cfg/fresh', '--context', 'reg', ...at], env);
    expect(lin).toMatchObject({ value: 'v1', servedBy: leader });
    expect(lin.appliedIndex).toBeGreaterThanOrEqual(put.index);
    // The others are served by the member reached: read your write there with the write's index.
    const ryw = await json<Served>(['kv', 'get', 'cfg/fresh', '--consistency', `min-index:${put.index}`, '--context', 'reg', ...at], env);
    expect(ryw).toMatchObject({ value: 'v1', servedBy: follower.id });
    expect(ryw.appliedIndex).toBeGreaterThanOrEqual(put.index);
    expect(await json<Served>(['kv', 'get', 'cfg/fresh', '--consistency', 'serializable', '--context', 'reg', ...at], env)).toMatchObject({ servedBy: follower.id });
    expect(await json<Served>(['kv', 'get', 'cfg/fresh', '--consistency', 'max-staleness:10s', '--context', 'reg', ...at], env)).toMatchObject({ servedBy: follower.id });
    // An index no member has applied within the deadline: said so, with its own exit code (8), not "unreachable" (3).
    const ahead = put.index + 100_000;
    const notYet = await runCli(['kv', 'get', 'cfg/fresh', '--consistency', `min-index:${ahead}`, '--timeout', '1s', '--context', 'reg', ...at], env);
    expect(notYet.code, notYet.stderr).toBe(8);
    expect(notYet.stderr).toMatch(new RegExp(`index ${ahead} is not applied yet: the most any member has applied is \\d+ \\(commit index \\d+\\)`));
    const bad = await runCli(['kv', 'get', 'cfg/fresh', '--consistency', 'eventually'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--consistency.*expected linearizable, serializable, min-index:N or max-staleness:DURATION, got 'eventually'/);
    // The snapshot test below counts the keys.
    await ok(['kv', 'del', 'cfg/fresh'], env);
  }, 120_000);

  it('saves, inspects and restores a snapshot; a member started on the restore serves the data', async () => {
    const work = tempDir('fleet-snap-');
    let restored: ReturnType<typeof spawnCli> | undefined;
    try {
      const file = join(work.path, 'backup.snap');
      // By default a backup holds everything committed when it was asked for, not the newest snapshot on disk.
      const onDisk = await runCli(['snapshot', 'save', join(work.path, 'old.snap'), '--on-disk', '--json'], env);
      await ok(['kv', 'put', 'cfg/just-before', 'the backup'], env);
      const committed = Math.max(...(await json<{ members: { commitIndex: number | null }[] }>(['status'], env)).members.map((m) => m.commitIndex ?? 0));
      const saved = await json<{ index: number; term: number; bytes: number }>(['snapshot', 'save', file], env);
      expect(saved.index).toBeGreaterThanOrEqual(committed);
      const inspected = await json<{ index: number; counts: { shards: number; clusters: number; kvKeys: number } }>(['snapshot', 'inspect', file], env);
      expect(inspected.index).toBe(saved.index);
      // Two keys of this test's (in the etcd keyspace), and in fleet.system the cluster version the
      // leader recorded soon after the cluster formed and the marks that the KV and the leases
      // moved to the keyspace (the lease keys under /fleet/ are counted as leases, not KV).
      expect(inspected.counts).toMatchObject({ shards: 2, clusters: 31, kvKeys: 5 });
      if (onDisk.code === 0) expect((JSON.parse(onDisk.stdout) as { index: number }).index).toBeLessThan(saved.index);
      const port = await freePort();
      const dataDir = join(work.path, 'r1');
      const r = await json<{ startCommand: string }>(['snapshot', 'restore', file, '--data-dir', dataDir, '--id', 'r1', '--listen', `127.0.0.1:${port}`], env);
      expect(r.startCommand).toBe(`fleet node start --id r1 --data-dir ${dataDir} --listen 127.0.0.1:${port} --peers r1=127.0.0.1:${port}`);
      restored = spawnCli(r.startCommand.split(' ').slice(1));
      const there = { ...sandbox.env, FLEET_CONTEXT: '', FLEET_ENDPOINTS: `127.0.0.1:${port}` };
      // One member leads and answers, but can lose nothing: status calls that degraded (exit 7).
      await waitFor('the restored member to lead', async () => ((await runCli(['status', '--json', '--timeout', '1s'], there)).code === 7 ? true : undefined), 30_000, 200);
      expect(await ok(['kv', 'get', 'cfg/a'], there)).toBe('two\n');
      expect(await ok(['kv', 'get', 'cfg/just-before'], there)).toBe('the backup\n');
      expect((await json<Cluster>(['clusters', 'show', 'p001'], there)).shard).toBe('s2');
      // A data dir with data in it is never overwritten: the safety gate refuses it (exit 4), even forced.
      expect((await runCli(['snapshot', 'restore', file, '--data-dir', dataDir, '--id', 'r1', '--force'], env)).code).toBe(4);
    } finally {
      if (restored) await stopChild(restored.child, 'SIGKILL');
      work.cleanup();
    }
  }, 120_000);
});
