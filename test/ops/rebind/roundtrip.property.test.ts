import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../../src/common/errors.js';
import { applyPlan, rollbackOf, verifyPlan, type DrainRequest, type RebalanceRequest } from '../../../src/ops/rebind/index.js';
import { NOW, plan, registryWith } from './fixtures.js';

const shardsArb = fc
  .array(fc.record({ capacity: fc.integer({ min: 1, max: 60 }), fill: fc.double({ min: 0, max: 1, noNaN: true }) }), { minLength: 2, maxLength: 5 })
  .map((specs) => Object.fromEntries(specs.map((s, i) => [`s${i + 1}`, { capacity: s.capacity, bound: Math.floor(s.capacity * s.fill) }])));

const requestArb = (shardCount: number): fc.Arbitrary<DrainRequest | RebalanceRequest> =>
  fc.oneof(
    fc.integer({ min: 1, max: shardCount }).map((i): DrainRequest => ({ kind: 'drain', shards: [`s${i}`] })),
    fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }).map((maxMoves): RebalanceRequest => ({ kind: 'rebalance', ...(maxMoves === undefined ? {} : { maxMoves }) })),
  );

const caseArb = shardsArb.chain((shards) => fc.record({ shards: fc.constant(shards), request: requestArb(Object.keys(shards).length), batchSize: fc.integer({ min: 1, max: 25 }) }));

describe('generated plans (property)', () => {
  it('applied, move each cluster at most once to an intended shard within capacity; rolled back, restore the original bindings', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ shards, request, batchSize }) => {
        const r = registryWith(shards);
        const original = r.bindings();
        const generations = new Map([...original.keys()].map((name) => [name, r.sm.getCluster(name)!.generation]));
        let p;
        try {
          p = await plan(r, request);
        } catch (err) {
          // The only refusal a valid state allows: a drain whose targets lack room.
          expect(err).toBeInstanceOf(CliError);
          expect((err as CliError).message).toMatch(/have room for|no active shard/);
          return;
        }
        const opts = { batchSize, onConflict: 'stop' as const, startedBy: 'prop@test', reportEveryMs: 0 };
        await applyPlan(r, p, opts);
        const moved = new Map(p.moves.map((m) => [m.cluster, m]));
        const now = r.bindings();
        for (const [name, shard] of original) {
          const move = moved.get(name);
          expect(now.get(name)).toBe(move === undefined ? shard : move.to);
          expect(r.sm.getCluster(name)!.generation).toBe(generations.get(name)! + (move === undefined ? 0 : 1));
        }
        for (const s of await r.listShards()) if (p.moves.some((m) => m.to === s.id)) expect(s.boundClusters).toBeLessThanOrEqual(s.capacity);
        expect((await verifyPlan(r, p)).verified).toBe(true);
        await applyPlan(r, rollbackOf(p, 'prop@test', NOW), opts);
        expect(r.bindings()).toEqual(original);
      }),
      { numRuns: 100 },
    );
  }, 120_000);
});
