/**
 * Read and retry control from the CLI against a real cluster: `--request-id` makes a re-run of
 * a write apply nothing and say so, `kv cas --expect-revision` compares the mod revision, and
 * every registry read takes `--consistency` and names the member and index that served it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster } from './cluster.js';
import { cliSandbox, json, ok, type ErrorDoc } from './cli-helpers.js';
import { runCli } from './processes.js';

let cluster: TestCluster;
const sandbox = cliSandbox();
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  cluster = await TestCluster.start();
  env = { ...sandbox.env, FLEET_ENDPOINTS: cluster.endpoints.join(',') };
}, 60_000);
afterAll(async () => {
  await cluster?.destroy();
  sandbox.cleanup();
});

type KvWritten = { index: number; revision: number; alreadyApplied?: boolean };

describe('--request-id: a re-run of a write is applied at most once', () => {
  it('kv put: the re-run does not bring the old value back and says it was already applied', async () => {
    const first = await json<KvWritten>(['kv', 'put', 'retry/k', 'v1', '--request-id', 'put-k-1'], env);
    expect(first.alreadyApplied).toBeUndefined();
    await ok(['kv', 'put', 'retry/k', 'v2'], env);
    const again = await json<KvWritten>(['kv', 'put', 'retry/k', 'v1', '--request-id', 'put-k-1'], env);
    expect(again).toMatchObject({ alreadyApplied: true, index: first.index, revision: first.revision });
    expect(await ok(['kv', 'get', 'retry/k'], env)).toBe('v2\n');
    // The human line says so too, with the index the write was applied at.
    const human = await ok(['kv', 'put', 'retry/k', 'v1', '--request-id', 'put-k-1'], env);
    expect(human).toBe(`already applied at index ${first.index}, nothing changed now: put retry/k (revision ${first.revision})\n`);
    expect(await ok(['kv', 'get', 'retry/k'], env)).toBe('v2\n');
    // Without an ID the same command is a new write.
    await ok(['kv', 'put', 'retry/k', 'v1'], env);
    expect(await ok(['kv', 'get', 'retry/k'], env)).toBe('v1\n');
  }, 120_000);

  it('shards add and leases acquire: the re-run after an undo does not redo', async () => {
    const shard = ['shards', 'add', 'retry-s', '--address', '10.0.0.9:443', '--region', 'eu', '--zone', 'eu-1a', '--capacity', '5', '--request-id', 'add-retry-s'];
    const added = await json<{ created: boolean; index: number }>(shard, env);
    expect(added.created).toBe(true);
    await ok(['shards', 'remove', 'retry-s'], env);
    expect(await json<{ created: boolean; index: number; alreadyApplied: boolean }>(shard, env)).toMatchObject({ created: true, index: added.index, alreadyApplied: true });
    expect((await json<{ shards: { id: string }[] }>(['shards', 'list'], env)).shards.map((s) => s.id)).not.toContain('retry-s');

    const acquire = ['leases', 'acquire', 'retry-L', '--holder', 'a', '--ttl', '1m', '--request-id', 'acq-1'];
    const { lease, index } = await json<{ lease: { token: number }; index: number }>(acquire, env);
    await ok(['leases', 'release', 'retry-L', '--holder', 'a', '--fencing-token', String(lease.token)], env);
    expect(await json<{ lease: { token: number }; alreadyApplied: boolean }>(acquire, env)).toMatchObject({ lease: { token: lease.token }, index, alreadyApplied: true });
    const leases = (await json<{ leases: { name: string; holder: string; expired: boolean }[] }>(['leases', 'list'], env)).leases;
    expect(leases.filter((l) => l.name === 'retry-L' && !l.expired)).toEqual([]);
  }, 120_000);

  it('answers a refused first run with its refusal, and refuses an ID reused for another kind of write', async () => {
    await ok(['kv', 'put', 'retry/c', 'now'], env);
    const refused = await json<ErrorDoc>(['kv', 'cas', 'retry/c', 'x', '--expect', 'before', '--request-id', 'cas-1'], env, 4);
    expect(refused.error.details).not.toHaveProperty('alreadyApplied');
    await ok(['kv', 'put', 'retry/c', 'before'], env);
    // The registry answers the first run's refusal; it does not compare again.
    const again = await runCli(['kv', 'cas', 'retry/c', 'x', '--expect', 'before', '--request-id', 'cas-1'], env);
    expect(again.code).toBe(4);
    expect(again.stderr).toMatch(/^error: compare-and-set failed: retry\/c is "now" \(revision \d+\) \(the first answer to this request id\)/);
    expect(await ok(['kv', 'get', 'retry/c'], env)).toBe('before\n');
    // An ID whose first write succeeded, reused for another kind of write: refused, nothing applied.
    await ok(['kv', 'put', 'retry/d', 'x', '--request-id', 'reuse-1'], env);
    const other = await json<ErrorDoc>(['shards', 'add', 'retry-t', '--address', '10.0.0.8:443', '--region', 'eu', '--zone', 'eu-1a', '--capacity', '1', '--request-id', 'reuse-1'], env, 4);
    expect(other.error.message).toMatch(/already used by another write .*nothing was applied: use a new request id/);
    expect((await json<{ shards: { id: string }[] }>(['shards', 'list'], env)).shards.map((s) => s.id)).not.toContain('retry-t');
    const bad = await runCli(['kv', 'put', 'k', 'v', '--request-id', 'has space'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--request-id.*expected up to 200 letters/);
    expect((await runCli(['kv', 'del', '--prefix', 'retry/', '--request-id', 'x', '--yes'], env)).code).toBe(2);
  }, 120_000);
});

describe('kv cas --expect-revision', () => {
  it('compares the mod revision; 0 creates only if absent; a mismatch exits 4 naming the current revision', async () => {
    const created = await json<{ kv: { modRevision: number } }>(['kv', 'cas', 'rev/a', 'v1', '--expect-revision', '0'], env);
    const at = created.kv.modRevision;
    const exists = await runCli(['kv', 'cas', 'rev/a', 'v2', '--expect-revision', '0'], env);
    expect(exists.code).toBe(4);
    expect(exists.stderr).toBe(`error: compare-and-set failed: rev/a is "v1" (revision ${at})\n`);
    await ok(['kv', 'put', 'rev/other', 'x'], env);
    const moved = await json<{ kv: { modRevision: number } }>(['kv', 'cas', 'rev/a', 'v2', '--expect-revision', String(at)], env);
    const stale = await json<ErrorDoc>(['kv', 'cas', 'rev/a', 'v3', '--expect-revision', String(at)], env, 4);
    expect(stale.error).toMatchObject({ code: 'CAS_FAILED', exitCode: 4, details: { currentValue: 'v2', currentRevision: moved.kv.modRevision } });
    // With --expect as well, both must match.
    expect((await runCli(['kv', 'cas', 'rev/a', 'v3', '--expect-revision', String(moved.kv.modRevision), '--expect', 'v1'], env)).code).toBe(4);
    await ok(['kv', 'cas', 'rev/a', 'v3', '--expect-revision', String(moved.kv.modRevision), '--expect', 'v2'], env);
    expect(await ok(['kv', 'get', 'rev/a'], env)).toBe('v3\n');
    expect((await runCli(['kv', 'cas', 'rev/a', 'v4', '--expect-revision', '1', '--absent'], env)).code).toBe(2);
    expect((await runCli(['kv', 'cas', 'rev/a', 'v4', '--expect-revision', '-1'], env)).code).toBe(2);
  }, 120_000);
});

describe('--consistency on every registry read', () => {
  it('serves lists and lookups on the member reached, and names it and its applied index', async () => {
    await ok(['shards', 'add', 'read-s', '--address', '10.0.0.7:443', '--region', 'eu', '--zone', 'eu-1a', '--capacity', '5'], env);
    await ok(['clusters', 'bind', 'read-c', '--shard', 'read-s'], env);
    await ok(['domains', 'assign', 'rack=r1', '--shard', 'read-s'], env);
    await ok(['providers', 'add', 'read-p', '--kind', 'aws', '--region', 'eu', '--endpoint', 'https://p.example'], env);
    await ok(['quotas', 'set', 'read-p', 'eu', '--total', '3'], env);
    const last = await json<{ index: number }>(['kv', 'put', 'read/k', 'v'], env);
    const leader = await cluster.waitForLeader();
    const follower = cluster.members.find((m) => m.id !== leader)!;
    const there = ['--endpoints', `127.0.0.1:${follower.port}`, '--consistency', `min-index:${last.index}`];
    type Served = { servedBy: string; appliedIndex: number };
    // Each read, and what it must list (the fields differ by command).
    const reads: [string[], (doc: Record<string, unknown>) => unknown[], string][] = [
      [['shards', 'list'], (d) => (d.shards as { id: string }[]).map((s) => s.id), 'read-s'],
      [['clusters', 'list'], (d) => (d.clusters as { name: string }[]).map((c) => c.name), 'read-c'],
      [['clusters', 'show', 'read-c'], (d) => [d.shard], 'read-s'],
      [['domains', 'list'], (d) => (d.domains as { shard: string }[]).map((x) => x.shard), 'read-s'],
      [['providers', 'list'], (d) => (d.providers as { name: string }[]).map((p) => p.name), 'read-p'],
      [['quotas', 'list'], (d) => (d.quotas as { provider: string }[]).map((q) => q.provider), 'read-p'],
      [['leases', 'list'], (d) => [Array.isArray(d.leases) ? 'an array' : d.leases], 'an array'],
      [['kv', 'list', '--prefix', 'read/'], (d) => (d.entries as { key: string }[]).map((e) => e.key), 'read/k'],
    ];
    for (const [args, listed, wanted] of reads) {
      const doc = await json<Served & Record<string, unknown>>([...args, ...there], env);
      expect({ args, servedBy: doc.servedBy, listed: listed(doc) }).toEqual({ args, servedBy: follower.id, listed: expect.arrayContaining([wanted]) });
      expect(doc.appliedIndex).toBeGreaterThanOrEqual(last.index);
    }
    // Linearizable (the default) is served through the leader.
    expect((await json<Served>(['quotas', 'list', '--endpoints', `127.0.0.1:${follower.port}`], env)).servedBy).toBe(leader);
    const bad = await runCli(['leases', 'list', '--consistency', 'eventually'], env);
    expect(bad.code).toBe(2);
  }, 180_000);

  it('kv del --prefix answers the index it committed at', async () => {
    await ok(['kv', 'put', 'gone/a', '1'], env);
    await ok(['kv', 'put', 'gone/b', '2'], env);
    const r = await json<{ deleted: number; index: number }>(['kv', 'del', '--prefix', 'gone/', '--yes'], env);
    expect(r.deleted).toBe(2);
    const leaderView = await json<{ modRevision: number; appliedIndex: number }>(['kv', 'get', 'read/k'], env);
    expect(r.index).toBeGreaterThan(0);
    expect(leaderView.appliedIndex).toBeGreaterThanOrEqual(r.index);
  }, 60_000);
});
