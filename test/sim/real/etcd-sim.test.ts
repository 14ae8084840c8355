/**
 * The etcd keyspace in the real-node simulator (`npm run sim -- --etcd`), in `npm test`: a few
 * seeds on 3 and 5 members with every fault on and the disk failing, each passing the keyspace's
 * checkers (etcd-checkers.ts) beside the registry's; and each of those checkers catching its
 * planted bug (etcd-bugs.ts). `npm run test:long` runs many more seeds (scripts/long-checks.mjs).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ETCD_BUGS, plantEtcdBug, type EtcdBug } from './etcd-bugs.js';
import { REAL_FAULT_KINDS } from './plan.js';
import { runRealBatch } from './pool.js';
import { realSummaryLine, replayRealCommand, runRealSeed, type RealRunResult } from './run.js';

const SEEDS = { 3: 6, 5: 3 } as const;
const faults = new Set(REAL_FAULT_KINDS);

function failures(results: readonly RealRunResult[]): string[] {
  return results.filter((r) => r.failure !== undefined).map((r) => `${realSummaryLine(r)}\n  ${r.failure?.message}\n  replay: ${replayRealCommand(r)}`);
}

describe('simulator with the etcd keyspace in the workload', () => {
  for (const nodes of [3, 5] as const) {
    it(`keeps every property over ${SEEDS[nodes]} seeds on ${nodes} members`, async () => {
      const results: RealRunResult[] = [];
      await runRealBatch({ seedStart: 1, seeds: SEEDS[nodes], nodes, steps: 200, faults, diskFaults: true, etcd: true, workers: 2 }, (r) => results.push(r));
      expect(failures(results)).toEqual([]);
      expect(results.every((r) => r.linearizable === 'yes' && r.etcd?.linearizable === 'yes')).toBe(true);
      // Not vacuous: every kind of operation was answered, leases were revoked and expired, watchers reconnected.
      const sum = (f: (s: NonNullable<RealRunResult['etcd']>['stats']) => number): number => results.reduce((n, r) => n + (r.etcd === undefined ? 0 : f(r.etcd.stats)), 0);
      expect(sum((s) => s.ok)).toBeGreaterThan(SEEDS[nodes] * 50);
      expect(sum((s) => s.txns.succeeded)).toBeGreaterThan(0);
      expect(sum((s) => s.txns.failed)).toBeGreaterThan(0);
      expect(sum((s) => s.reads.linearizable)).toBeGreaterThan(0);
      expect(sum((s) => s.reads.serializable)).toBeGreaterThan(0);
      expect(sum((s) => s.leases.revoked)).toBeGreaterThan(0);
      expect(sum((s) => s.leases.keptAlive)).toBeGreaterThan(0);
      expect(sum((s) => s.leases.expired)).toBeGreaterThan(0);
      expect(sum((s) => s.watch.events)).toBeGreaterThan(SEEDS[nodes] * 50);
      expect(sum((s) => s.watch.reconnects)).toBeGreaterThan(SEEDS[nodes]);
      expect(sum((s) => s.watch.blocked)).toBeGreaterThan(0);
      // Seeds at data format 5 keep fleet's KV in the keyspace, and the registry clients' registers with it.
      expect(results.some((r) => r.kvInKeyspace)).toBe(true);
    }, 120_000);
  }
});

/** Room past the first seed each planted bug was caught at (all at seed 1 or 2 when written). */
const MAX_SEEDS = 6;

describe('each etcd checker catches its planted bug', () => {
  let undo: (() => void) | undefined;
  afterEach(() => {
    undo?.();
    undo = undefined;
  });
  for (const [bug, { what, caughtAs }] of Object.entries(ETCD_BUGS) as [EtcdBug, (typeof ETCD_BUGS)[EtcdBug]][]) {
    it(`${bug} (${what}) is caught as ${caughtAs}`, async () => {
      undo = plantEtcdBug(bug);
      let found: RealRunResult | undefined;
      for (let seed = 1; seed <= MAX_SEEDS && found === undefined; seed++) {
        const r = await runRealSeed({ seed, nodes: 3, steps: 200, faults, diskFaults: true, etcd: true });
        if (r.failure !== undefined) found = r;
      }
      expect(found, `no failure in ${MAX_SEEDS} seeds`).toBeDefined();
      expect(found?.failure?.property, found?.failure?.message).toBe(caughtAs);
      console.log(`${bug}: seed ${found?.seed} — ${found?.failure?.message.split('\n')[0]}`);
    }, 120_000);
  }
});
