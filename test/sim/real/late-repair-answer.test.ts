/**
 * Seed 8356 of 3 members with an application state machine (found in a 10,000-seed batch): n3
 * restarts twice with a damaged log, two repairs with two numbers; after the leader saw the second
 * through, a late answer of the first reached it. The leader took it for a new repair, cut n3's
 * match to 0 and ignored every later answer of n3, which, repaired, no longer marked them: n3 was
 * never sent another entry and the cluster did not converge. The seed must pass.
 */
import { describe, expect, it } from 'vitest';
import { REAL_FAULT_KINDS } from './plan.js';
import { runRealBatch } from './pool.js';
import { replayRealCommand, type RealRunResult } from './run.js';

describe('a late answer of a superseded repair', () => {
  it('seed 8356 (3 members, an app state machine, disk faults) converges and keeps every property', async () => {
    const results: RealRunResult[] = [];
    await runRealBatch({ seedStart: 8356, seeds: 1, nodes: 3, steps: 200, faults: new Set(REAL_FAULT_KINDS), diskFaults: true, app: true, workers: 1 }, (r) => results.push(r));
    expect(results).toHaveLength(1);
    expect(results[0]!.failure?.message).toBeUndefined();
    expect(results[0]!.linearizable).toBe('yes');
    // Not vacuous: the seed still sees more than one repair through.
    expect(results[0]!.injected.disk.repairs).toBeGreaterThanOrEqual(2);
    // Its replay line names the application state machine (it once left `--app` out).
    expect(replayRealCommand(results[0]!)).toMatch(/--seed-start 8356 .*--disk-faults --app$/);
  }, 120_000);
});
