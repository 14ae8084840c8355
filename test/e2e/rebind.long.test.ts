import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetClient } from '../../src/client/index.js';
import { TestCluster } from './cluster.js';
import { cliSandbox, json, type ErrorDoc } from './cli-helpers.js';
import { runCli, spawnCli, tempDir, waitFor } from './processes.js';

interface Binding { shard: string | null; generation: number }
interface Move { cluster: string; from: string; to: string }

const CLUSTERS = 10_000;
const SHARDS = ['s1', 's2', 's3', 's4'];
const name = (i: number) => `c-${String(i).padStart(5, '0')}`;

let cluster: TestCluster;
let client: FleetClient;
let endpoints: string[];
const sandbox = cliSandbox();
const dir = tempDir('fleet-rebind-e2e-');

/** The CLI against the test cluster, with a private config dir. */
function fleet(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCli([...args, '--endpoints', endpoints.join(',')], sandbox.env, 90_000);
}
function fleetJson<T>(args: string[], code = 0): Promise<T> {
  return json<T>([...args, '--endpoints', endpoints.join(',')], sandbox.env, code);
}

async function bindings(): Promise<Map<string, Binding>> {
  const out = new Map<string, Binding>();
  let after: string | undefined;
  do {
    const page = await client.listClusters({ limit: 10_000, ...(after === undefined ? {} : { after }) });
    for (const c of page.items) out.set(c.name, { shard: c.shard, generation: c.generation });
    after = page.next;
  } while (after !== undefined);
  return out;
}

async function planMoves(file: string): Promise<Move[]> {
  const { readPlanFile } = await import('../../src/ops/rebind/index.js');
  return [...(await readPlanFile(file)).moves];
}

beforeAll(async () => {
  cluster = await TestCluster.start({ size: 3 });
  endpoints = cluster.endpoints;
  client = cluster.client();
  for (const id of SHARDS) await client.registerShard({ id, address: `10.0.0.${id.slice(1)}:443`, region: 'eu', zone: 'eu-1a', capacity: 5_000 });
  // Many contacts in flight on the client's one session stream: loading takes seconds, not minutes.
  for (let start = 0; start < CLUSTERS; start += 1_000) {
    await Promise.all(Array.from({ length: 1_000 }, (_, k) => client.contact(name(start + k), SHARDS[(start + k) % 4]!)));
  }
}, 90_000);

afterAll(async () => {
  await cluster?.destroy();
  sandbox.cleanup();
  dir.cleanup();
});

describe('fleet rebind against a real 3-member cluster with 10,000 clusters on 4 shards', () => {
  it('moves one cluster with a compare-and-set, and a stale --from exits 4 naming the actual shard', async () => {
    const moved = await fleetJson<{ from: string; to: string; generation: number; changed: boolean }>(['rebind', name(3), '--to', 's3']);
    expect(moved).toMatchObject({ from: 's4', to: 's3', generation: 2, changed: true });
    const stale = await fleet(['rebind', name(3), '--to', 's2', '--from', 's4']);
    expect(stale.code).toBe(4);
    expect(stale.stderr.trim()).toBe(`error: cluster "${name(3)}" is on "s3", not on "s4" (to move it from there: fleet rebind ${name(3)} --to s2 --from s3)`);
    const back = await fleet(['rebind', name(3), '--to', 's4']);
    expect(back.stdout.trim()).toBe(`${name(3)}: s3 → s4 (generation 3, index ${/index (\d+)/.exec(back.stdout)![1]})`);
  });

  it('drains a shard through a plan, survives the leader being killed mid-apply, resumes, verifies and rolls back', async () => {
    await client.setShardState('s1', 'draining');
    const original = await bindings();
    expect(original.size).toBe(CLUSTERS);
    const plan = join(dir.path, 'drain-s1.yaml');
    const generated = await fleetJson<{ planId: string; moves: number }>(['rebind', 'plan', 'generate', '--drain', 's1', '-o', plan]);
    expect(generated.moves).toBe(2_500);

    // A throttled apply (about 10 s), visible in fleet status while it runs; then the leader dies under it.
    const apply = spawnCli(['rebind', 'plan', 'apply', plan, '--batch-size', '50', '--rate', '250', '--yes', '--endpoints', endpoints.join(',')], sandbox.env);
    const exited = new Promise<number>((resolve) => apply.child.once('exit', (code) => resolve(code ?? 128)));
    await waitFor('five batches applied', () => /batch 5\/50:/.test(apply.output()) || undefined, 30_000);
    const status = await fleetJson<{ plans: { planId: string; state: string; done: number; total: number; startedBy: string }[] }>(['status']);
    expect(status.plans).toEqual([expect.objectContaining({ planId: generated.planId, state: 'running', total: 2_500, startedBy: expect.stringMatching(/.@./) })]);
    expect(existsSync(join(dir.path, 'drain-s1.rollback.yaml'))).toBe(true);
    const leader = await cluster.waitForLeader();
    await cluster.kill(leader);
    const code = await exited;
    // Either the apply rode out the election, or it stopped with the cluster unreachable: both resume.
    expect([0, 3], apply.output()).toContain(code);
    cluster.restart(leader);
    await cluster.waitForLeader();

    const rerun = await fleetJson<{ state: string; inPlaceBefore: number; applied: number }>(['rebind', 'plan', 'apply', plan, '--yes']);
    expect(['completed', 'unchanged']).toContain(rerun.state);
    expect(rerun.inPlaceBefore).toBeGreaterThan(0);
    expect(rerun.inPlaceBefore + rerun.applied).toBe(2_500);
    expect(await fleetJson<{ verified: boolean; inPlace: number }>(['rebind', 'plan', 'verify', plan])).toMatchObject({ verified: true, inPlace: 2_500 });

    // Every cluster is on exactly the shard intended, none lost, each moved cluster moved exactly once.
    const moves = new Map((await planMoves(plan)).map((m) => [m.cluster, m]));
    const after = await bindings();
    expect(after.size).toBe(CLUSTERS);
    for (const [c, was] of original) {
      const move = moves.get(c);
      expect(after.get(c), c).toEqual(move === undefined ? was : { shard: move.to, generation: was.generation + 1 });
    }
    expect(new Set([...after.values()].map((b) => b.shard))).toEqual(new Set(['s2', 's3', 's4']));

    // The rollback plan puts every cluster back (onto the draining shard, hence --force).
    const rollback = join(dir.path, 'drain-s1.rollback.yaml');
    expect((await fleetJson<{ state: string; applied: number }>(['rebind', 'plan', 'apply', rollback, '--yes', '--force', '--batch-size', '500'])).applied).toBe(2_500);
    const restored = await bindings();
    for (const [c, was] of original) expect(restored.get(c)!.shard, c).toBe(was.shard);
  }, 120_000);

  it('detects a conflicting rebind made while a plan applies: stop exits 4 naming it, check and verify report it, skip applies the rest', async () => {
    await client.setShardState('s1', 'active');
    const plan = join(dir.path, 'drain-s2.json');
    const generated = await fleetJson<{ moves: number }>(['rebind', 'plan', 'generate', '--drain', 's2', '--to', 's3,s4', '--select', 'c-00[0-3]*', '-o', plan]);
    const onS2 = [...(await bindings())].filter(([c, b]) => b.shard === 's2' && /^c-00[0-3]/.test(c)).length;
    expect(generated.moves).toBe(onS2);
    const last = (await planMoves(plan)).at(-1)!;
    const apply = spawnCli(['rebind', 'plan', 'apply', plan, '--batch-size', '5', '--rate', '25', '--yes', '--json', '--endpoints', endpoints.join(',')], sandbox.env);
    const exited = new Promise<number>((resolve) => apply.child.once('exit', (code) => resolve(code ?? 128)));
    await waitFor('the first batch', () => /batch 1\/\d+:/.test(apply.output()) || undefined, 30_000);
    // Another operator's move, through its own client, while the apply runs.
    await client.rebind(last.cluster, 's2', 's1');
    expect(await exited).toBe(4);
    const doc = JSON.parse(apply.output().slice(apply.output().indexOf('{'))) as ErrorDoc;
    expect(doc.error).toMatchObject({ code: 'CONFLICT', exitCode: 4, details: { cluster: last.cluster, currentShard: 's1', moveIndex: onS2 - 1 } });
    expect(doc.error.message).toMatch(new RegExp(`moves\\[${onS2 - 1}\\] \\(cluster "${last.cluster}"\\): was moved to "s1" by someone else meanwhile`));

    const check = await fleet(['rebind', 'plan', 'check', plan]);
    expect(check.code).toBe(4);
    expect(check.stdout).toContain(`moves[${onS2 - 1}] (cluster "${last.cluster}"): is on "s1", neither on "s2" (from) nor on "${last.to}" (to)`);
    const verify = await fleetJson<{ verified: boolean; conflicting: number }>(['rebind', 'plan', 'verify', plan], 4);
    expect(verify).toMatchObject({ verified: false, conflicting: 1 });

    const skipped = await fleetJson<{ state: string; skipped: { cluster: string }[] }>(['rebind', 'plan', 'apply', plan, '--yes', '--on-conflict', 'skip']);
    expect(skipped.state).toBe('completed');
    expect(skipped.skipped.map((s) => s.cluster)).toEqual([last.cluster]);
    expect((await client.getCluster(last.cluster))!.shard).toBe('s1');
  }, 90_000);

  it('gives up within --timeout when the cluster loses quorum mid-apply, and the plan resumes once it is back', async () => {
    const plan = join(dir.path, 'drain-s4.json');
    await fleetJson(['rebind', 'plan', 'generate', '--drain', 's4', '--to', 's1,s2', '--select', 'c-000[0-4]*', '-o', plan]);
    const apply = spawnCli(['rebind', 'plan', 'apply', plan, '--batch-size', '5', '--rate', '25', '--yes', '--timeout', '2s', '--endpoints', endpoints.join(',')], sandbox.env);
    const exited = new Promise<number>((resolve) => apply.child.once('exit', (code) => resolve(code ?? 128)));
    await waitFor('the first batch', () => /batch 1\/\d+:/.test(apply.output()) || undefined, 30_000);
    const leader = await cluster.waitForLeader();
    const gone = cluster.members.filter((m) => m.id !== leader).map((m) => m.id);
    for (const id of gone) await cluster.kill(id);
    const lostAt = performance.now();
    const code = await exited;
    const gaveUpAfterMs = performance.now() - lostAt;
    expect(code, apply.output()).toBe(3);
    // A request's deadline is --timeout (2 s), retries included; before, it was raised to 30 s at least, and apply took 60-100 s to give up.
    expect(gaveUpAfterMs).toBeLessThan(15_000);
    for (const id of gone) cluster.restart(id);
    await cluster.waitForLeader();
    const resumed = await fleetJson<{ state: string; inPlaceBefore: number }>(['rebind', 'plan', 'apply', plan, '--yes']);
    expect(resumed.state).toBe('completed');
    expect(resumed.inPlaceBefore).toBeGreaterThan(0);
    expect(await fleetJson<{ verified: boolean }>(['rebind', 'plan', 'verify', plan])).toMatchObject({ verified: true });
  }, 90_000);
});
