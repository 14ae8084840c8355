/**
 * Seed 3741 of 3 members with an application state machine (found in a 10,000-seed batch): n2's
 * WAL and its hard state copy are both damaged at one restart, whose open rewrites the copy from
 * the WAL's older term and records the lost vote in REPAIRING, then stops on an EIO; the next open
 * finds the copy intact and the repair still on. The node keeps the vote lost (REPAIRING says so);
 * the simulator's durability check did not, and reported the term that went back with the damage
 * as acknowledged-before-durable. The seed must pass, every property checked.
 */
import { describe, expect, it } from 'vitest';
import { REAL_FAULT_KINDS } from './plan.js';
import { runRealBatch } from './pool.js';
import type { RealRunResult } from './run.js';

describe('a vote lost at one open and still lost at the next', () => {
  it('seed 3741 (3 members, an app state machine, disk faults) keeps every property', async () => {
    const results: RealRunResult[] = [];
    await runRealBatch({ seedStart: 3741, seeds: 1, nodes: 3, steps: 200, faults: new Set(REAL_FAULT_KINDS), diskFaults: true, app: true, workers: 1 }, (r) => results.push(r));
    expect(results).toHaveLength(1);
    expect(results[0]!.failure?.message).toBeUndefined();
    expect(results[0]!.linearizable).toBe('yes');
    // Not vacuous: the seed still damages both copies of n2's hard state.
    expect(results[0]!.injected.disk.hardStateCopyDamage ?? 0).toBeGreaterThan(0);
  }, 120_000);
});
