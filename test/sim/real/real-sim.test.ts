/**
 * The real-node simulator in `npm test`: a modest number of seeds of production FleetNodes on
 * 3 and 5 members, every fault on and the disk failing (npm run sim runs many
 * more). Each run checks safety after every event and step, converges once healed, and passes
 * the linearizability check of its KV history. A failing seed prints the command that replays it.
 */
import { describe, expect, it } from 'vitest';
import { REAL_FAULT_KINDS } from './plan.js';
import { runRealBatch } from './pool.js';
import { formatInjected, realSummaryLine, replayRealCommand, type RealRunResult } from './run.js';

const SEEDS = { 3: 16, 5: 8 } as const;

async function runSize(nodes: 3 | 5): Promise<RealRunResult[]> {
  const results: RealRunResult[] = [];
  const options = { seedStart: 1, seeds: SEEDS[nodes], nodes, steps: 200, faults: new Set(REAL_FAULT_KINDS), diskFaults: true, workers: 2 };
  await runRealBatch(options, (r) => results.push(r));
  return results;
}

function failures(results: readonly RealRunResult[]): string[] {
  return results.filter((r) => r.failure !== undefined).map((r) => `${realSummaryLine(r)}\n  ${r.failure?.message}\n  replay: ${replayRealCommand(r)}`);
}

describe('simulator with real FleetNodes, disk faults on', () => {
  for (const nodes of [3, 5] as const) {
    it(`keeps every property over ${SEEDS[nodes]} seeds on ${nodes} members`, async () => {
      const results = await runSize(nodes);
      expect(results).toHaveLength(SEEDS[nodes]);
      expect(failures(results)).toEqual([]);
      expect(results.every((r) => r.linearizable === 'yes')).toBe(true);
      // Not vacuous: leaders were elected, clients were served, faults of each kind were injected.
      const sum = (f: (r: RealRunResult) => number): number => results.reduce((n, r) => n + f(r), 0);
      expect(sum((r) => r.leaders)).toBeGreaterThan(SEEDS[nodes]);
      expect(sum((r) => r.ops.ok)).toBeGreaterThan(SEEDS[nodes] * 100);
      expect(sum((r) => r.reads.linearizable + r.reads.minIndex + r.reads.stale)).toBeGreaterThan(SEEDS[nodes] * 30);
      expect(sum((r) => r.injected.crashes)).toBeGreaterThan(0);
      expect(sum((r) => r.injected.partitions)).toBeGreaterThan(0);
      expect(sum((r) => r.injected.disk.slowFsyncs)).toBeGreaterThan(0);
      expect(sum((r) => r.injected.disk.unsyncedLost)).toBeGreaterThan(0);
      // Wall clocks jumped, and leases changed hands often enough for the one-holder check to bite.
      expect(sum((r) => r.injected.clockJumps)).toBeGreaterThan(0);
      // Members were added, promoted and removed through the leader, and not all refused.
      expect(sum((r) => r.injected.membershipApplied)).toBeGreaterThan(0);
      expect(sum((r) => r.leases.handovers)).toBeGreaterThan(SEEDS[nodes]);
      console.log(`${nodes} members: ${results.map((r) => `seed ${r.seed}: ${formatInjected(r.injected)}`).join('\n')}`);
    }, 120_000);
  }
});

/**
 * Seeds that once failed, each with the bug it found (BENCHMARKS.md, "The real storage under the
 * simulator"): they replay clean since the fix, and would fail again without it.
 */
const ONCE_FAILED = [
  { nodes: 5, seed: 4195, bug: 'a stalled member acknowledged entries a newer leader had overwritten before they reached its disk' },
  { nodes: 3, seed: 5780, bug: 'a repairing member committed its superseded entries on a heartbeat' },
  { nodes: 3, seed: 4945, bug: 'the reaper cut a retired WAL segment before its rename was durable; the power cycle brought it back damaged' },
  { nodes: 3, seed: 43265, bug: "an fsync's EIO injected before the heal stopped its member after it, and the harness never started it again" },
] as const;

describe('seeds that once failed', () => {
  for (const { nodes, seed, bug } of ONCE_FAILED) {
    it(`seed ${seed} on ${nodes} members (${bug}) passes`, async () => {
      const results: RealRunResult[] = [];
      await runRealBatch({ seedStart: seed, seeds: 1, nodes, steps: 200, faults: new Set(REAL_FAULT_KINDS), diskFaults: true, workers: 1 }, (r) => results.push(r));
      expect(failures(results)).toEqual([]);
    }, 60_000);
  }
});
