import { describe, expect, it } from 'vitest';
import { latencyByPhase, MAX_POINTS_PER_ROUND, operationsOf, reportFigures, roundLatency, roundPlots, samplePoints } from '../../../src/ops/drill/report/report-data.js';
import { roundMarks } from '../../../src/ops/drill/report/timeline.js';
import type { HistoryEvent } from '../../../src/ops/history/index.js';
import { history, report, round } from '../../ui/drill/fixtures.js';

const ev = (process: number, type: HistoryEvent['type'], f: HistoryEvent['f'], key: string, time: number): HistoryEvent => ({ process, type, f, key, value: f === 'cas' ? [null, 'v'] : null, time });

describe('operationsOf', () => {
  it('pairs invokes with completions by process, and ends an operation never completed as indeterminate with the history', () => {
    const ops = operationsOf([ev(0, 'invoke', 'write', 'r1-k0', 1e6), ev(1, 'invoke', 'read', 'r2-k1', 2e6), ev(0, 'fail', 'write', 'r1-k0', 3e6), ev(2, 'invoke', 'cas', 'r1-k1', 4e6), ev(1, 'ok', 'read', 'r2-k1', 9e6)]);
    expect(ops).toEqual([
      { round: 1, f: 'write', startNs: 1e6, endNs: 3e6, outcome: 'failed' },
      { round: 2, f: 'read', startNs: 2e6, endNs: 9e6, outcome: 'ok' },
      { round: 1, f: 'cas', startNs: 4e6, endNs: 9e6, outcome: 'indeterminate' },
    ]);
  });
});

describe('a cas that found another value', () => {
  it('is its own outcome, apart from failures: the cluster answered it', () => {
    const mismatch = { ...ev(0, 'fail', 'cas', 'r1-k0', 3e6), error: 'compare-failed' };
    const ops = operationsOf([ev(0, 'invoke', 'cas', 'r1-k0', 1e6), mismatch, ev(1, 'invoke', 'cas', 'r1-k1', 4e6), ev(1, 'fail', 'cas', 'r1-k1', 5e6)]);
    expect(ops.map((o) => o.outcome)).toEqual(['compare-failed', 'failed']);
  });
});

describe('latencyByPhase', () => {
  it('gives nearest-rank p50, p90, p99 and max of the answered operations per kind, before, during and after the fault', () => {
    const op = (f: 'read' | 'write', startS: number, ms: number, outcome: 'ok' | 'failed' = 'ok') => ({ round: 1, f, startNs: startS * 1e9, endNs: startS * 1e9 + ms * 1e6, outcome });
    const ops = [op('read', 1, 2), op('read', 1.5, 4), op('read', 2, 100, 'failed'), op('write', 5, 300), op('write', 9, 3), op('read', 11, 1)];
    const l = latencyByPhase(ops, { fromS: 4, toS: 10 });
    const get = (phase: string, f: string) => l.find((x) => x.phase === phase && x.f === f);
    expect(get('before', 'read')).toEqual({ phase: 'before', f: 'read', count: 2, p50: 2, p90: 4, p99: 4, max: 4 });
    expect(get('during', 'write')).toEqual({ phase: 'during', f: 'write', count: 2, p50: 3, p90: 300, p99: 300, max: 300 });
    expect(get('after', 'read')).toMatchObject({ count: 1, p50: 1 });
    expect(get('after', 'cas')).toEqual({ phase: 'after', f: 'cas', count: 0, p50: null, p90: null, p99: null, max: null });
  });
});

describe('samplePoints', () => {
  it('keeps every operation of a round within the budget', () => {
    const ops = operationsOf(history(report(1), 500));
    expect(samplePoints(ops, 0, 14e9)).toHaveLength(ops.length);
  });

  it('over the budget, keeps every failed and indeterminate operation and the slowest, and stays within the budget', () => {
    const ops = operationsOf(history(report(1), 20_000));
    const kept = samplePoints(ops, 0, 14e9);
    expect(ops.length).toBeGreaterThan(MAX_POINTS_PER_ROUND * 5);
    expect(kept.length).toBeLessThanOrEqual(MAX_POINTS_PER_ROUND);
    const notOk = ops.filter((o) => o.outcome !== 'ok');
    expect(notOk.length).toBeGreaterThan(0);
    for (const o of notOk) expect(kept).toContain(o);
    const slowestOk = ops.filter((o) => o.outcome === 'ok').reduce((a, b) => (b.endNs - b.startNs > a.endNs - a.startNs ? b : a));
    expect(kept).toContain(slowestOk);
  });
});

describe('roundPlots', () => {
  it('puts each operation in its round, counts outcomes, and shades the fault until its repair', () => {
    const r = report(2);
    const h = history(r, 2_000);
    const plots = roundPlots(r, h);
    expect(plots.map((p) => p.round)).toEqual([1, 2]);
    const total = plots.reduce((n, p) => n + p.total, 0);
    expect(total).toBe(h.length / 2);
    const [p2] = plots.slice(1);
    expect(p2!.fromS).toBe(20);
    expect(p2!.toS).toBe(34);
    expect(p2!.points.every((pt) => pt.t >= 20 && pt.t <= 34)).toBe(true);
    expect(p2!.faultWindow).toEqual({ fromS: 23, toS: 33 });
    expect(p2!.unavailable).toEqual([{ fromS: 22.99, toS: 23.835 }]);
    expect(p2!.counts.failed + p2!.counts.indeterminate).toBeGreaterThan(0);
    expect(p2!.marks.map((m) => [m.label, m.t])).toEqual([['kill n2', 23], ['n3 leads', 23.312], ['restart n2', 33], ['n2 caught up', 34.2]]);
    // Throughput: the completions, per second, add back up to the operations.
    const slice = (p2!.toS - p2!.fromS) / 120;
    const completions = p2!.throughput.reduce((n, t) => n + t.perSec * slice, 0);
    expect(Math.abs(completions - p2!.total) / p2!.total).toBeLessThan(0.02);
  });

  it('falls back to the operations\' span and the fault time for a report of an older version', () => {
    const r = report(1, { rounds: [round(1, { startMs: undefined, endMs: undefined, marks: undefined })] });
    const [p] = roundPlots(r, history(report(1), 500));
    expect(p!.fromS).toBe(0);
    expect(p!.toS).toBeGreaterThan(13);
    expect(p!.marks).toEqual([{ atMs: 3_000, kind: 'fault', label: 'fault n1', t: 3 }]);
    expect(p!.faultWindow).toEqual({ fromS: 3, toS: p!.toS });
  });

  it("gives each round's latency table as roundLatency does from the history: one computation for the page and the JSON report", () => {
    const r = report(2);
    const h = history(r, 2_000);
    const plots = roundPlots(r, h);
    expect(r.rounds.map((x) => roundLatency(x, h))).toEqual(plots.map((p) => p.latency));
    // A round's own events suffice: the drill has only those when it writes the round's report.
    const second = h.filter((e) => e.key.startsWith('r2-'));
    expect(roundLatency(r.rounds[1]!, second)).toEqual(plots[1]!.latency);
    expect(plots[1]!.latency.find((l) => l.phase === 'during' && l.f === 'write')!.p90).not.toBeNull();
  });

  it('gives the same figures for the same inputs', () => {
    const r = report(2);
    const h = history(r, 3_000);
    expect(reportFigures(r, roundPlots(r, h))).toEqual(reportFigures(JSON.parse(JSON.stringify(r)), roundPlots(r, JSON.parse(JSON.stringify(h)))));
  });
});

describe('roundMarks', () => {
  const outcome = { target: 'n1', killed: 'n1', newLeader: 'n2', newLeaderMs: 300, expectNewLeader: true, catchupMs: 1_000, checks: [], violations: [], extra: {} };

  it('marks a kill, the new leader, the restart and the catch-up, in time order', () => {
    const marks = roundMarks('kill-leader', { ...outcome, disturbances: [{ atNs: 5e9, hitsLeader: true }, { atNs: 9e9, hitsLeader: false }] });
    expect(marks).toEqual([
      { atMs: 5_000, kind: 'fault', label: 'kill n1' },
      { atMs: 5_300, kind: 'new-leader', label: 'n2 leads' },
      { atMs: 9_000, kind: 'repair', label: 'restart n1' },
      { atMs: 10_000, kind: 'caught-up', label: 'n1 caught up' },
    ]);
  });

  it('marks every member of a rolling restart as a fault of its own', () => {
    const marks = roundMarks('rolling-restart', { ...outcome, target: 'n2,n3,n1', newLeaderMs: 50, catchupMs: 700, disturbances: [1, 2, 3].map((s) => ({ atNs: s * 1e9, hitsLeader: s === 3 })) });
    expect(marks.map((m) => [m.label, m.atMs])).toEqual([['restart n2', 1_000], ['restart n3', 2_000], ['restart n1', 3_000], ['n2 leads', 3_050]]);
  });
});
