/**
 * The simulator in `npm test`: many seeds of the real Raft core under every fault, on 3- and
 * 5-node clusters. Each run checks the safety properties after every step, then heals the
 * cluster and requires convergence (liveness), then checks the client history for
 * linearizability. A failing seed prints the command that replays it.
 */
import { describe, expect, it } from 'vitest';
import { FAULT_KINDS } from './faults.js';
import { runBatch } from './pool.js';
import { replayCommand, summaryLine, type RunResult } from './run.js';

// The real-node simulator (test/sim/real) is the one that runs production code, on the real
// storage; this model host keeps checking the Raft core alone, so it takes half the seeds it
// did to keep the suite within its 15 minutes (`npm run sim` runs as many as wanted).
const SEEDS_PER_SIZE = 50;
const STEPS = 5000;

async function runSize(nodes: number): Promise<RunResult[]> {
  const results: RunResult[] = [];
  await runBatch({ seedStart: 1, seeds: SEEDS_PER_SIZE, nodes, steps: STEPS, faults: new Set(FAULT_KINDS), workers: 2 }, (r) => results.push(r));
  return results;
}

function failures(results: readonly RunResult[]): string[] {
  return results.filter((r) => r.failure !== undefined).map((r) => `${summaryLine(r)}\n  ${r.failure?.message}\n  replay: ${replayCommand(r)}`);
}

describe(`simulator: ${SEEDS_PER_SIZE} seeds × ${STEPS} steps per cluster size, all faults`, () => {
  for (const nodes of [3, 5]) {
    it(`keeps every safety and liveness property on ${nodes} nodes`, async () => {
      const results = await runSize(nodes);
      expect(results).toHaveLength(SEEDS_PER_SIZE);
      expect(failures(results)).toEqual([]);
      // Not vacuous: the runs elected leaders, committed entries, installed snapshots and served clients.
      const sum = (f: (r: RunResult) => number): number => results.reduce((n, r) => n + f(r), 0);
      expect(sum((r) => r.leaders)).toBeGreaterThan(SEEDS_PER_SIZE * 5);
      expect(sum((r) => r.snapshotsInstalled)).toBeGreaterThan(SEEDS_PER_SIZE);
      expect(sum((r) => r.ops.ok)).toBeGreaterThan(SEEDS_PER_SIZE * 100);
      expect(results.every((r) => r.linearizable === 'yes')).toBe(true);
    }, 240_000);
  }
});
