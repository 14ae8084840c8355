/**
 * First seen as seed 2074 of 5 members with disk faults (in a 10,000-seed batch): n4 stops on an
 * fsync EIO, and its next process meets another while its storage opens (the WAL writer's first
 * fsync). The leader's commit push (issue 58) moved the seeds; seed 375 meets the disk failing
 * while a restarted member's storage opens.
 * The storage refuses the start with a StorageFailedError, which wraps the EIO; the simulator
 * knew only a bare EIO there and counted the refusal as a crash of the run. In production the
 * process exits with one line and is restarted: the seed must pass, having stopped that member.
 */
import { describe, expect, it } from 'vitest';
import { REAL_FAULT_KINDS } from './plan.js';
import { runRealBatch } from './pool.js';
import type { RealRunResult } from './run.js';

describe('a disk that fails while a member opens its storage', () => {
  it('seed 375 (5 members, disk faults) stops that process, restarts it later and keeps every property', async () => {
    const results: RealRunResult[] = [];
    await runRealBatch({ seedStart: 375, seeds: 1, nodes: 5, steps: 200, faults: new Set(REAL_FAULT_KINDS), diskFaults: true, workers: 1 }, (r) => results.push(r));
    expect(results).toHaveLength(1);
    expect(results[0]!.failure?.message).toBeUndefined();
    expect(results[0]!.linearizable).toBe('yes');
    // Not vacuous: the storage fails as it opens, and that process stops.
    expect(results[0]!.injected.openStops).toBeGreaterThanOrEqual(1);
  }, 120_000);
});
