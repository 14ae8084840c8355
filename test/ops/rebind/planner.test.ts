import { describe, expect, it } from 'vitest';
import { CliError } from '../../../src/common/errors.js';
import { globFilter, type RebindPlan } from '../../../src/ops/rebind/index.js';
import { boundCounts, plan, registryWith } from './fixtures.js';

function perTarget(p: RebindPlan): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of p.moves) out[m.to] = (out[m.to] ?? 0) + 1;
  return out;
}

function after(before: Record<string, number>, p: RebindPlan): Record<string, number> {
  const out = { ...before };
  for (const m of p.moves) {
    out[m.from]!--;
    out[m.to]!++;
  }
  return out;
}

describe('plan generate --drain', () => {
  it('moves every cluster off the shard exactly once, filling the least utilised targets first', async () => {
    const r = registryWith({ s1: { capacity: 1000, bound: 500 }, s2: { capacity: 1000, bound: 100 }, s3: { capacity: 1000, bound: 300 }, s4: { capacity: 1000, bound: 0 } });
    const p = await plan(r, { kind: 'drain', shards: ['s1'] });
    expect(p.moves).toHaveLength(500);
    expect(new Set(p.moves.map((m) => m.cluster)).size).toBe(500);
    expect(p.moves.every((m) => m.from === 's1')).toBe(true);
    // 900 clusters over three equal targets: 300 each.
    expect(perTarget(p)).toEqual({ s2: 200, s4: 300 });
    expect(p.strategy).toEqual({ kind: 'drain', shards: ['s1'], targets: ['s2', 's3', 's4'] });
    expect(p.source).toMatchObject({ shards: ['s1'], clusters: 500, bound: { s1: 500, s2: 100, s3: 300, s4: 0 } });
    expect(p.source.appliedIndex).toBeGreaterThan(0);
    expect(p.id).toBe('drain-s1-20250102T030405Z');
  });

  it('balances by utilisation when capacities differ, and never fills a target beyond capacity', async () => {
    const r = registryWith({ s1: { capacity: 400, bound: 400 }, big: { capacity: 900, bound: 0 }, small: { capacity: 100, bound: 0 } });
    const p = await plan(r, { kind: 'drain', shards: ['s1'] });
    expect(perTarget(p)).toEqual({ big: 360, small: 40 });
  });

  it('refuses (exit 4) when the targets lack room, naming how much is missing', async () => {
    const r = registryWith({ s1: { capacity: 100, bound: 50 }, s2: { capacity: 40, bound: 10 } });
    const err = await plan(r, { kind: 'drain', shards: ['s1'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(4);
    expect((err as CliError).message).toBe('the targets (s2) have room for 30 more clusters, but 50 are to move off s1');
  });

  it('uses only the named targets, and refuses an inactive or unknown one', async () => {
    const r = registryWith({ s1: { capacity: 100, bound: 10 }, s2: { capacity: 100, bound: 0 }, s3: { capacity: 100, bound: 0 }, s4: { capacity: 100, bound: 0, state: 'cordoned' } });
    expect(perTarget(await plan(r, { kind: 'drain', shards: ['s1'], targets: ['s3'] }))).toEqual({ s3: 10 });
    await expect(plan(r, { kind: 'drain', shards: ['s1'], targets: ['s4'] })).rejects.toThrow('target shard "s4" is cordoned and takes no new clusters');
    await expect(plan(r, { kind: 'drain', shards: ['nope'] })).rejects.toThrow('drained shard "nope" is not registered');
    // The cordoned shard is not a default target either.
    expect(Object.keys(perTarget(await plan(r, { kind: 'drain', shards: ['s1'] }))).sort()).toEqual(['s2', 's3']);
  });

  it('moves only the selected clusters, but pins the digest to every binding of the shard', async () => {
    const r = registryWith({ s1: { capacity: 100, bound: 20 }, s2: { capacity: 100, bound: 0 } });
    const p = await plan(r, { kind: 'drain', shards: ['s1'] }, { filter: globFilter('c-00000[0-4]') });
    expect(p.moves.map((m) => m.cluster)).toEqual(['c-000000', 'c-000001', 'c-000002', 'c-000003', 'c-000004']);
    expect(p.source.clusters).toBe(20);
  });
});

describe('plan generate --rebalance', () => {
  it('reaches every shard\'s capacity share with the fewest moves: only over-share shards give, only under-share ones take', async () => {
    const r = registryWith({ a: { capacity: 100, bound: 90 }, b: { capacity: 100, bound: 30 }, c: { capacity: 200, bound: 40 }, d: { capacity: 100, bound: 0 } });
    const before = await boundCounts(r);
    const p = await plan(r, { kind: 'rebalance' });
    // 160 clusters over capacity 500: shares a 32, b 32, c 64, d 32.
    expect(after(before, p)).toEqual({ a: 32, b: 32, c: 64, d: 32 });
    // The minimum: the sum of the surpluses (a gives 58), none more.
    expect(p.moves).toHaveLength(58);
    expect(new Set(p.moves.map((m) => m.from))).toEqual(new Set(['a']));
    expect(p.source.shards).toEqual(['a']);
  });

  it('caps the moves with --max-moves, relieving the fullest shard first', async () => {
    const r = registryWith({ a: { capacity: 100, bound: 80 }, b: { capacity: 100, bound: 60 }, c: { capacity: 100, bound: 10 } });
    const p = await plan(r, { kind: 'rebalance', maxMoves: 25 });
    expect(p.moves).toHaveLength(25);
    const from = p.moves.reduce<Record<string, number>>((o, m) => ({ ...o, [m.from]: (o[m.from] ?? 0) + 1 }), {});
    // Shares are 50 each: a (80) gives 20 until it is as full as b (60), then they alternate from a (ties by id).
    expect(from).toEqual({ a: 23, b: 2 });
    expect(perTarget(p)).toEqual({ c: 25 });
  });

  it('plans nothing for a balanced fleet, and refuses inactive shards in --shards', async () => {
    const r = registryWith({ a: { capacity: 100, bound: 50 }, b: { capacity: 200, bound: 100 }, c: { capacity: 100, bound: 5, state: 'draining' } });
    expect((await plan(r, { kind: 'rebalance' })).moves).toEqual([]);
    await expect(plan(r, { kind: 'rebalance', shards: ['a', 'c'] })).rejects.toThrow('shard "c" is draining: a rebalance only spreads clusters over active shards');
  });

  it('gives the same plan for the same state, whatever the page size', async () => {
    const shape = { a: { capacity: 300, bound: 250 }, b: { capacity: 300, bound: 20 }, c: { capacity: 150, bound: 100 }, d: { capacity: 300, bound: 0 } };
    const p1 = await plan(registryWith(shape), { kind: 'rebalance' });
    const p2 = await plan(registryWith(shape), { kind: 'rebalance' }, { pageSize: 7 });
    expect(p2).toEqual(p1);
    const d1 = await plan(registryWith(shape), { kind: 'drain', shards: ['a'] });
    const d2 = await plan(registryWith(shape), { kind: 'drain', shards: ['a'] }, { pageSize: 3 });
    expect(d2).toEqual(d1);
  });
});
