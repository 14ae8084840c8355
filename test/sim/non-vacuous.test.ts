/**
 * The checkers can fail: with a deliberately broken core (UnsafeTestingOptions) on every
 * node, the simulator must report a safety violation within a bounded number of seeds.
 * `--unsafe` runs use a hostile fault mix (see drawFaultPlan): leaders killed or cut off
 * while they hold uncommitted entries, so later leaders meet old-term entries (Figure 8),
 * and elections that overlap.
 */
import { describe, expect, it } from 'vitest';
import type { UnsafeTestingOptions } from '../../src/core/raft/types.js';
import { FAULT_KINDS } from './faults.js';
import { runSeed, type RunResult } from './run.js';
import type { Property } from './violation.js';

const MAX_SEEDS = 200;
const STEPS = 5000;
const SAFETY: ReadonlySet<Property | 'crash'> = new Set<Property>([
  'election-safety',
  'log-matching',
  'leader-completeness',
  'state-machine-safety',
  'committed-durable',
  'linearizability',
]);

/** The first seed whose run reports a safety violation (liveness failures of a broken core do not count). */
function firstViolation(nodes: number, unsafe: UnsafeTestingOptions): RunResult | undefined {
  for (let seed = 1; seed <= MAX_SEEDS; seed++) {
    const r = runSeed({ seed, nodes, steps: STEPS, faults: new Set(FAULT_KINDS), unsafe });
    if (r.failure !== undefined && SAFETY.has(r.failure.property)) return r;
  }
  return undefined;
}

describe('non-vacuity: a broken host is caught by the history check', () => {
  it('flags reads served from a local replica without ReadIndex as not linearizable', () => {
    let found: RunResult | undefined;
    for (let seed = 1; seed <= 20 && found === undefined; seed++) {
      const r = runSeed({ seed, nodes: 3, steps: 2000, faults: new Set(FAULT_KINDS), staleReads: true });
      if (r.failure !== undefined) found = r;
    }
    expect(found?.failure?.property).toBe('linearizability');
    expect(found?.failure?.counterexample?.length).toBeGreaterThan(0);
  }, 60_000);

  it('flags a host that acknowledges asynchronous writes before they are durable', () => {
    let found: RunResult | undefined;
    for (let seed = 1; seed <= MAX_SEEDS && found === undefined; seed++) {
      const r = runSeed({ seed, nodes: 3, steps: STEPS, faults: new Set(FAULT_KINDS), ackBeforeDurable: true });
      if (r.failure !== undefined && SAFETY.has(r.failure.property)) found = r;
    }
    expect(found, `no violation in ${MAX_SEEDS} seeds`).toBeDefined();
    console.log(`ack-before-durable: seed ${found?.seed} — ${found?.failure?.message}`);
  }, 120_000);
});

describe('non-vacuity: a broken core is caught', () => {
  const cases: readonly [string, UnsafeTestingOptions, readonly Property[]][] = [
    ['commit-previous-term', { commitPreviousTermByCount: true }, ['leader-completeness', 'state-machine-safety', 'committed-durable', 'linearizability', 'log-matching']],
    ['vote-twice', { voteTwicePerTerm: true }, ['election-safety', 'log-matching']],
  ];
  for (const [name, unsafe, expected] of cases) {
    for (const nodes of [3, 5]) {
      it(`--unsafe ${name} on ${nodes} nodes fails within ${MAX_SEEDS} seeds`, () => {
        const found = firstViolation(nodes, unsafe);
        expect(found, `no violation in ${MAX_SEEDS} seeds`).toBeDefined();
        expect(expected).toContain(found?.failure?.property);
        console.log(`--unsafe ${name}, ${nodes} nodes: seed ${found?.seed} — ${found?.failure?.message}`);
      }, 120_000);
    }
  }
});
