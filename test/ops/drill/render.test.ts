import { describe, expect, it } from 'vitest';
import type { DrillReport, RoundReport, Violation } from '../../../src/ops/drill/index.js';
import { palette } from '../../../src/ui/colors.js';
import { renderDrillReport, renderProgress, renderViolations } from '../../../src/ui/drill/drill-report.js';
import { fastOptions } from './fakes.js';

const plain = palette(false);

function round(overrides: Partial<RoundReport> = {}): RoundReport {
  return {
    round: 1,
    target: 'n1',
    killed: 'n1',
    faultAtMs: 1_000,
    oldLeader: 'n1',
    newLeader: 'n2',
    newLeaderMs: 312,
    unavailableMs: 845,
    unavailableTotalMs: 845,
    windows: [{ fromMs: 990, toMs: 1_835, unrecovered: false }],
    catchupMs: 1_200,
    ops: 5_230,
    opsPerSec: 400,
    acknowledged: 2_011,
    failed: 130,
    indeterminate: 3,
    lost: 0,
    duplicated: 0,
    linearizable: true,
    checks: [{ name: 'new-leader', ok: true, detail: 'n2 leads term 3', severity: 'slo' }],
    extra: {},
    ...overrides,
  };
}

function report(overrides: Partial<DrillReport> = {}): DrillReport {
  const rounds = overrides.rounds ?? [round()];
  return {
    drill: 'kill-leader',
    verdict: 'pass',
    reason: '1 round: nothing lost',
    startedAt: '2025-01-01T00:00:00.000Z',
    elapsedMs: 10_000,
    options: fastOptions(),
    injector: 'local',
    rounds,
    summary: { unavailableMs: { median: 845, max: 845 }, newLeaderMs: { median: 312, max: 312 }, catchupMs: { median: 1_200, max: 1_200 } },
    linearizable: true,
    violations: [],
    aborted: null,
    historyEvents: 10_460,
    ...overrides,
  };
}

function violation(kind: Violation['kind'], events: number): Violation {
  const e = { process: 1, type: 'ok' as const, f: 'write' as const, key: 'r1-k00', value: 'v', time: 2_312_345_678 };
  return { kind, round: 1, key: 'r1-k00', message: `${kind} with ${events} events`, counterexample: Array.from({ length: events }, () => e) };
}

describe('the side workloads in the terminal report', () => {
  it('gives each its check in a line, and an anomaly in words with the operations that show it', () => {
    const lock = { name: 'lock' as const, check: { name: 'lock', ok: true, detail: '2 locks, 57 grants, 0 overlapping holders, tokens increasing', severity: 'safety' as const }, ops: 120, acknowledged: 57, failed: 60, indeterminate: 3 };
    const appendOp = { client: 2, f: 'append', key: 'r1/list-0', input: '1.2.7', output: null, outcome: 'ok' as const, startNs: 1.2e9, endNs: 1.25e9 };
    const list = {
      name: 'list-append' as const,
      check: { name: 'list-append', ok: false, detail: 'append 1.2.7 to r1/list-0 was acknowledged at 1250 ms but is not in the final list', severity: 'safety' as const },
      ops: 300, acknowledged: 200, failed: 0, indeterminate: 0,
      anomaly: { summary: 'append 1.2.7 to r1/list-0 was acknowledged at 1250 ms but is not in the final list', ops: [appendOp] },
    };
    const text = renderDrillReport(report({ rounds: [round({ sideWorkloads: [list, lock] })] }), plain);
    expect(text).toContain('workloads beside the registers:');
    expect(text).toContain('round 1: lock ok — 2 locks, 57 grants, 0 overlapping holders, tokens increasing');
    expect(text).toContain('round 1: list-append FAILED — append 1.2.7');
    expect(text).toMatch(/\+1\.200s…\+1\.250s {2}c2 {2}ok {3}append r1\/list-0 "1\.2\.7" → null/);
  });
});

describe('the drill report', () => {
  it('shows a row per round, the summary and the verdict last', () => {
    const text = renderDrillReport(report({ rounds: [round({ compareFailed: 57 })] }), plain);
    // Columns are named in words: CAS CONFLICTS counts the compare-and-sets that found another value.
    const header = text.split('\n').find((l) => l.startsWith('ROUND'))!;
    expect(header.split(/\s{2,}/)).toEqual(['ROUND', 'TARGET', 'LEADER', 'NEW LEADER', 'UNAVAILABLE', 'CATCH-UP', 'OPS', 'ACKED', 'CAS CONFLICTS', 'FAILED', 'UNKNOWN', 'LOST', 'DUP', 'LINEARIZABLE']);
    expect(text).toMatch(/2011 +57 +130/);
    expect(text).toContain('n1 → n2');
    expect(text).toContain('845ms');
    expect(text).toContain('summary: unavailable median 845ms, max 845ms; new leader median 312ms, max 312ms; catch-up median 1.2s, max 1.2s');
    expect(text.trim().split('\n').at(-1)).toBe('verdict: PASS — 1 round: nothing lost');
  });

  it('lists failed checks and, per kind of violation, the smallest counterexample', () => {
    const r = round({ lost: 2, linearizable: false, checks: [{ name: 'slo-unavailable', ok: false, detail: 'longest 6000 ms', severity: 'slo' }] });
    const text = renderDrillReport(report({ rounds: [r], verdict: 'unsafe', reason: 'safety violation', violations: [violation('lost', 6), violation('lost', 4), violation('not-linearizable', 8)] }), plain);
    expect(text).toContain('round 1: slo-unavailable — longest 6000 ms');
    expect(text).toContain('violations: 3 (lost 2, not-linearizable 1)');
    expect(text).toContain('lost with 4 events');
    expect(text).not.toContain('lost with 6 events');
    expect(text).toContain('+2.312346s  p1    ok     write  r1-k00  "v"');
    expect(text).toContain('1 more in the JSON report');
    expect(text).toContain('verdict: UNSAFE');
  });

  it('explains an abort without rounds', () => {
    const text = renderDrillReport(report({ rounds: [], verdict: 'aborted', reason: 'aborted in round 1: reachable — no answer from 127.0.0.1:3', aborted: { round: 1, check: 'reachable', message: 'x' } }), plain);
    expect(text).not.toContain('ROUND');
    expect(text).toContain('verdict: ABORTED — aborted in round 1: reachable');
  });

  it('renders nothing for no violations, and a one-line progress', () => {
    expect(renderViolations([], plain)).toEqual([]);
    expect(renderProgress('kill-leader', { round: 2, rounds: 3, phase: 'observe', leader: 'n2', opsPerSec: 410, acknowledged: 900, compareFailed: 30, failed: 12, indeterminate: 1 })).toBe(
      'kill-leader round 2/3 · observe · 410 ops/s · leader n2 · acked 900 · cas conflicts 30 · failed 12 · unknown 1',
    );
  });
});
