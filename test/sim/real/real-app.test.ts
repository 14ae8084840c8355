/**
 * The simulator's second state machine (`--app`, sim-app.ts): every member hosts it beside the
 * registry in one log. Seeded runs with network and disk faults pass on 3 and 5 members, with
 * many state checks and snapshots among them; and a member whose copy is not deterministic is
 * caught (by its own divergence check, or by the hashes of states at one index).
 */
import { describe, expect, it } from 'vitest';
import { REAL_FAULT_KINDS } from './plan.js';
import { runRealSeed } from './run.js';

const faults = new Set(REAL_FAULT_KINDS);

describe('real-node simulator with a second state machine', () => {
  for (const nodes of [3, 5]) {
    it(`passes seeded runs with network and disk faults on ${nodes} members`, async () => {
      for (const seed of [1, 2, 3, 4, 5, 6]) {
        const r = await runRealSeed({ seed, nodes, steps: 150, faults, diskFaults: true, app: true });
        expect(r.failure, `seed ${seed}: ${JSON.stringify(r.failure)}`).toBeUndefined();
      }
    }, 120_000);
  }

  it('catches a member whose copy is not deterministic', async () => {
    const r = await runRealSeed({ seed: 1, nodes: 3, steps: 100, faults: new Set(), diskFaults: false, app: true, appQuirkyMember: 'n2' });
    expect(r.failure?.property).toBe('state-machine-safety');
    expect(r.failure?.message).toMatch(/n2.*(differs from the leader's at index|differs from)/);
  }, 60_000);
});
