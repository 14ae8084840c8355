/** A real-node seed is a bug report: the same seed replays the same run, on any thread. */
import { describe, expect, it } from 'vitest';
import { REAL_FAULT_KINDS } from './plan.js';
import { runRealBatch } from './pool.js';
import { runRealSeed, type RealRunResult } from './run.js';

const faults = new Set(REAL_FAULT_KINDS);

describe('real-node simulator determinism', () => {
  it('gives the same trace digest and result for the same seed', async () => {
    const options = { seed: 5, nodes: 5, steps: 120, faults, diskFaults: true };
    const first = await runRealSeed(options);
    const second = await runRealSeed(options);
    expect(second.digest).toBe(first.digest);
    expect(second).toEqual(first);
  }, 60_000);

  it('replays the same run with the storage model as well', async () => {
    const options = { seed: 7, nodes: 3, steps: 60, faults, diskFaults: true, storage: 'model' as const };
    const first = await runRealSeed(options);
    expect((await runRealSeed(options)).digest).toBe(first.digest);
    expect(first.storage).toBe('model');
  }, 60_000);

  it('gives different runs for different seeds', async () => {
    const digests: string[] = [];
    for (const seed of [1, 2, 3]) digests.push((await runRealSeed({ seed, nodes: 3, steps: 50, faults, diskFaults: true })).digest);
    expect(new Set(digests).size).toBe(3);
  }, 60_000);

  it('gives the same results on worker threads, in seed order', async () => {
    const threaded: RealRunResult[] = [];
    await runRealBatch({ seedStart: 11, seeds: 2, nodes: 3, steps: 60, faults, diskFaults: true, workers: 2 }, (r) => threaded.push(r));
    const here = [];
    for (const seed of [11, 12]) here.push(await runRealSeed({ seed, nodes: 3, steps: 60, faults, diskFaults: true }));
    expect(threaded).toEqual(here);
  }, 60_000);
});
