import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CliError } from '../../../src/common/errors.js';
import { applyPlan, checkPlan, cutBatches, ensureRollbackFile, readPlanFile, rollbackOf, verifyPlan, writePlanFile, type ApplyOptions, type RebindPlan } from '../../../src/ops/rebind/index.js';
import { tempDir } from '../../e2e/processes.js';
import type { CoreRegistry } from './core-registry.js';
import { NOW, boundCounts, plan, registryWith } from './fixtures.js';

const base: ApplyOptions = { batchSize: 10, onConflict: 'stop', startedBy: 'tester@host', reportEveryMs: 0 };

async function drainS1(): Promise<{ r: CoreRegistry; p: RebindPlan }> {
  const r = registryWith({ s1: { capacity: 100, bound: 45 }, s2: { capacity: 100, bound: 10 }, s3: { capacity: 100, bound: 0 } });
  return { r, p: await plan(r, { kind: 'drain', shards: ['s1'] }) };
}

const dirs: { cleanup: () => void }[] = [];
afterEach(() => dirs.splice(0).forEach((d) => d.cleanup()));

describe('plan check', () => {
  it('passes a fresh plan and shows each shard before and after', async () => {
    const { r, p } = await drainS1();
    const { report } = await checkPlan(r, p);
    expect(report).toMatchObject({ ok: true, total: 45, pending: 45, inPlace: 0, conflicting: 0, drift: null, problemCount: 0 });
    expect(report.shards).toEqual([
      { id: 's1', state: 'active', capacity: 100, planned: 45, now: 45, out: 45, in: 0, after: 0 },
      { id: 's2', state: 'active', capacity: 100, planned: 10, now: 10, out: 0, in: 18, after: 28 },
      { id: 's3', state: 'active', capacity: 100, planned: 0, now: 0, out: 0, in: 27, after: 27 },
    ]);
  });

  it('reports a cluster moved elsewhere, drift on the drained shard, an unknown shard and a full target', async () => {
    const { r, p } = await drainS1();
    r.shard('s4', 100);
    await r.rebind('c-000003', 's1', 's4');
    r.contact('late-arrival', 's1');
    r.run({ type: 'shard.update', id: 's3', capacity: 20 });
    const edited: RebindPlan = { ...p, moves: [...p.moves, { cluster: 'c-000050', from: 's2', to: 'nowhere' }] };
    const { report } = await checkPlan(r, edited);
    expect(report.ok).toBe(false);
    const messages = report.problems.map((x) => x.message);
    expect(messages).toContain(`moves[3] (cluster "c-000003"): is on "s4", neither on "s1" (from) nor on "${p.moves[3]!.to}" (to)`);
    expect(messages).toContain('moves[45] (cluster "c-000050"): shard "nowhere" is not registered');
    const intoS3 = p.moves.filter((m, i) => m.to === 's3' && i !== 3).length;
    expect(messages).toContain(`target shard "s3" would hold ${intoS3} clusters after the plan, over its capacity of 20`);
    // One cluster left s1 and another arrived: the same count, not the same clusters.
    expect(report.drift?.message).toMatch(/^the bindings of s1 changed since the plan was made at index \d+ \(other than by this plan\): the same number of clusters, but not the same ones$/);
    expect(report.problems.map((x) => x.kind).sort()).toEqual(['capacity', 'conflict', 'drift', 'unknown-shard']);
  });

  it('accepts a non-active target only with force', async () => {
    const { r, p } = await drainS1();
    r.run({ type: 'shard.setState', id: 's3', state: 'cordoned' });
    expect((await checkPlan(r, p)).report.problems.map((x) => x.message)).toEqual(['target shard "s3" is cordoned and takes no new clusters (27 moves go to it)']);
    expect((await checkPlan(r, p, { force: true })).report.ok).toBe(true);
  });
});

describe('plan apply', () => {
  it('applies every move in atomic batches, reports progress, and a second run changes nothing', async () => {
    const { r, p } = await drainS1();
    const events: number[] = [];
    const report = await applyPlan(r, p, { ...base, onBatch: (e) => events.push(e.done) });
    expect(report).toMatchObject({ state: 'completed', applied: 45, batches: 5, inPlaceBefore: 0, skipped: [] });
    expect(r.writes).toBe(5);
    expect(events).toEqual([10, 20, 30, 40, 45]);
    expect(await boundCounts(r)).toEqual({ s1: 0, s2: 28, s3: 27 });
    expect(await r.listPlans()).toEqual([expect.objectContaining({ planId: p.id, startedBy: 'tester@host', done: 45, total: 45, state: 'completed' })]);
    const index = r.index;
    const again = await applyPlan(r, p, { ...base, beforeFirstMove: async () => expect.fail('no rollback is written when nothing is pending') });
    expect(again).toMatchObject({ state: 'unchanged', applied: 0, inPlaceBefore: 45 });
    expect(r.index).toBe(index);
    expect((await verifyPlan(r, p)).verified).toBe(true);
  });

  it('changes nothing and succeeds when a completed plan is re-run after unrelated bindings on its shards changed', async () => {
    const { r, p } = await drainS1();
    await applyPlan(r, p, base);
    // Unrelated traffic on the plan's shards afterwards: a new cluster lands on s1, another leaves s2.
    r.contact('late-arrival', 's1');
    await r.rebind('c-000050', 's2', 's3');
    const index = r.index;
    const again = await applyPlan(r, p, base);
    expect(again).toMatchObject({ state: 'unchanged', applied: 0, inPlaceBefore: 45 });
    expect(r.index).toBe(index);
  });

  it('stops after the batch in flight when interrupted, and a re-run continues without moving anything twice', async () => {
    const { r, p } = await drainS1();
    const stop = new AbortController();
    const first = await applyPlan(r, p, { ...base, signal: stop.signal, onBatch: (e) => e.batch === 2 && stop.abort() });
    expect(first).toMatchObject({ state: 'paused', applied: 20, batches: 2 });
    expect((await r.listPlans())[0]).toMatchObject({ state: 'paused', done: 20 });
    const v = await verifyPlan(r, p);
    expect(v).toMatchObject({ inPlace: 20, notYet: 25, conflicting: 0, verified: false });
    const second = await applyPlan(r, p, base);
    expect(second).toMatchObject({ state: 'completed', applied: 25, inPlaceBefore: 20 });
    // Moved exactly once: generation 1 at first contact, 2 after the one rebind.
    for (const m of p.moves) expect((await r.getCluster(m.cluster))).toMatchObject({ shard: m.to, generation: 2 });
  });

  it('refuses an out-of-date plan before moving anything (exit 4), unless told to skip the conflicts', async () => {
    const { r, p } = await drainS1();
    await r.rebind('c-000007', 's1', 's2');
    await r.rebind('c-000008', 's1', 's3');
    const swapped = p.moves[7]!.to === 's2' ? 'c-000008' : 'c-000007';
    const err = (await applyPlan(r, p, base).catch((e: unknown) => e)) as CliError;
    expect(err).toBeInstanceOf(CliError);
    expect(err).toMatchObject({ exitCode: 4, code: 'PLAN_OUT_OF_DATE' });
    expect(err.message).toContain(`(cluster "${swapped}")`);
    expect(r.writes).toBe(0);
    const report = await applyPlan(r, p, { ...base, onConflict: 'skip' });
    expect(report.state).toBe('completed');
    expect(report.skipped.map((s) => s.cluster)).toEqual([swapped]);
    expect(report.skippedCount).toBe(1);
    expect(report.inPlaceBefore).toBe(1);
  });

  it('detects a conflicting move made while it runs: stop exits 4 naming it; skip applies the rest', async () => {
    for (const onConflict of ['stop', 'skip'] as const) {
      const { r, p } = await drainS1();
      r.shard('s9', 100);
      const victim = p.moves[25]!;
      r.beforeBatch = (moves) => {
        if (moves.some((m) => m.cluster === victim.cluster) && r.sm.getCluster(victim.cluster)!.shard === 's1') void r.rebind(victim.cluster, 's1', 's9');
      };
      const run = applyPlan(r, p, { ...base, onConflict });
      if (onConflict === 'stop') {
        const err = (await run.catch((e: unknown) => e)) as CliError;
        expect(err).toMatchObject({ exitCode: 4, code: 'CONFLICT', details: { moveIndex: 25, cluster: victim.cluster, currentShard: 's9', done: 20 } });
        expect(err.message).toBe(`conflict after 20 of 45 moves: moves[25] (cluster "${victim.cluster}"): was moved to "s9" by someone else meanwhile, neither "s1" nor "${victim.to}"`);
        expect((await r.listPlans())[0]!.state).toBe('failed');
      } else {
        const report = await run;
        expect(report.skipped).toEqual([expect.objectContaining({ kind: 'conflict', moveIndex: 25, cluster: victim.cluster })]);
        expect(report.applied).toBe(44);
        expect((await verifyPlan(r, p)).conflicting).toBe(1);
      }
    }
  });

  it('counts a move someone else already made as in place, not as a conflict', async () => {
    const { r, p } = await drainS1();
    const twin = p.moves[12]!;
    r.beforeBatch = (moves) => {
      if (moves.some((m) => m.cluster === twin.cluster) && r.sm.getCluster(twin.cluster)!.shard === 's1') void r.rebind(twin.cluster, 's1', twin.to);
    };
    const report = await applyPlan(r, p, base);
    expect(report).toMatchObject({ state: 'completed', applied: 44, skipped: [] });
    expect((await verifyPlan(r, p)).verified).toBe(true);
  });

  it('keeps to --rate', async () => {
    const { r, p } = await drainS1();
    let t = 0;
    const sleeps: number[] = [];
    await applyPlan(r, p, { ...base, rate: 20, clock: () => t, sleep: async (ms) => { sleeps.push(ms); t += ms; } });
    // 10 moves per batch at 20 moves/s: each batch after the first waits until its 0.5 s slot.
    expect(sleeps).toEqual([500, 500, 500, 500]);
  });

  it('leaves a rollback plan that restores the original bindings', async () => {
    const { r, p } = await drainS1();
    const original = r.bindings();
    const dir = tempDir('fleet-rebind-');
    dirs.push(dir);
    const file = join(dir.path, 'drain.yaml');
    await writePlanFile(file, p);
    const report = await applyPlan(r, p, { ...base, beforeFirstMove: () => ensureRollbackFile(file, p, 'tester@host', NOW) });
    expect(report.rollbackFile).toBe(join(dir.path, 'drain.rollback.yaml'));
    const rollback = await readPlanFile(report.rollbackFile!);
    expect(rollback).toEqual(rollbackOf(p, 'tester@host', NOW));
    // The rollback is pinned to the state the plan left: it checks clean now.
    expect((await checkPlan(r, rollback)).report.ok).toBe(true);
    await applyPlan(r, rollback, base);
    expect(r.bindings()).toEqual(original);
  });

  it('keeps an earlier run\'s rollback and refuses to overwrite another plan\'s', async () => {
    const { p } = await drainS1();
    const dir = tempDir('fleet-rebind-');
    dirs.push(dir);
    const file = join(dir.path, 'p.json');
    const path = await ensureRollbackFile(file, p, 'a@h', NOW);
    expect(path).toBe(join(dir.path, 'p.rollback.json'));
    const text = readFileSync(path, 'utf8');
    await ensureRollbackFile(file, p, 'b@h', new Date(0));
    expect(readFileSync(path, 'utf8')).toBe(text);
    await expect(ensureRollbackFile(file, { ...p, id: 'other-plan' }, 'a@h', NOW)).rejects.toThrow(`${path} already exists and is the rollback of plan "${p.id}", not the rollback of "other-plan"; refusing to overwrite it`);
    writeFileSync(path, 'not: [a plan');
    await expect(ensureRollbackFile(file, p, 'a@h', NOW)).rejects.toThrow('already exists and is not a valid plan');
    expect(existsSync(path)).toBe(true);
  });
});

describe('cutting pending moves into batches', () => {
  const states = (n: number) => Array.from({ length: n }, (_, i) => ({ index: i, move: { cluster: `c-${i}`, from: 's1', to: 's2' }, status: 'pending' as const, actual: 's1' }));

  it('cuts by --batch-size alone when the registry takes any batch', () => {
    expect(cutBatches(states(7), 3).map((b) => b.length)).toEqual([3, 3, 1]);
  });

  it('cuts each batch further to what one write takes (etcd: one transaction)', () => {
    expect(cutBatches(states(10), 4, (moves) => Math.min(moves.length, 3)).map((b) => b.length)).toEqual([3, 3, 3, 1]);
    expect(cutBatches(states(2), 5, () => 0).map((b) => b.length)).toEqual([1, 1]);
  });
});
