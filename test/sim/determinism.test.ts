/** A seed is the bug report: the same seed must replay the same run, event for event. */
import { describe, expect, it } from 'vitest';
import { FAULT_KINDS } from './faults.js';
import { runBatch } from './pool.js';
import { runSeed, type RunResult } from './run.js';

describe('determinism', () => {
  it('gives the same trace digest and summary for the same seed', () => {
    const options = { seed: 7, nodes: 5, steps: 1500, faults: new Set(FAULT_KINDS) };
    const first = runSeed(options);
    const second = runSeed(options);
    expect(second.digest).toBe(first.digest);
    expect(second).toEqual(first);
  });

  it('gives different runs for different seeds', () => {
    const faults = new Set(FAULT_KINDS);
    const digests = [1, 2, 3].map((seed) => runSeed({ seed, nodes: 3, steps: 500, faults }).digest);
    expect(new Set(digests).size).toBe(3);
  });

  it('gives the same results on worker threads, in seed order', async () => {
    const faults = new Set(FAULT_KINDS);
    const threaded: RunResult[] = [];
    await runBatch({ seedStart: 11, seeds: 3, nodes: 3, steps: 300, faults, workers: 2 }, (r) => threaded.push(r));
    expect(threaded).toEqual([11, 12, 13].map((seed) => runSeed({ seed, nodes: 3, steps: 300, faults })));
  }, 60_000);

  it('replays a broken core\'s failure identically', () => {
    const options = { seed: 1, nodes: 3, steps: 2000, faults: new Set(FAULT_KINDS), unsafe: { voteTwicePerTerm: true } };
    const first = runSeed(options);
    expect(first.failure).toBeDefined();
    expect(runSeed(options)).toEqual(first);
  });
});
