/**
 * What a drill's HTML report plots, from the JSON report and the recorded history (pure): per
 * round, the operations (when each started, how long it took, how it ended), the throughput
 * over time, the fault's window, the unavailability windows and the timeline's marks; and the
 * figures the tables show. The live drill and `fleet drill report` both build it from the same
 * two inputs (`--json`/`--report FILE.json` and `--history`), so a rebuilt report has the same
 * figures as the original.
 */
import { COMPARE_FAILED, type HistoryEvent } from '../../history/index.js';
import type { DrillReport, FaultPhase, OpKind, PhaseLatency, RoundMark, RoundReport } from '../types.js';

export type { FaultPhase, PhaseLatency } from '../types.js';

/**
 * How an operation ended, as the charts colour it: `compare-failed` is a cas that found another
 * value, an answer of a working cluster (Jepsen's :fail with an error), kept apart from `failed`.
 */
export type PlotOutcome = 'ok' | 'compare-failed' | 'failed' | 'indeterminate';

/** Every outcome, in the order the charts and counts list them. */
export const PLOT_OUTCOMES: readonly PlotOutcome[] = ['ok', 'compare-failed', 'failed', 'indeterminate'];

/** One operation on the latency chart: seconds since the drill started, latency in ms. */
export interface OpPoint {
  readonly t: number;
  readonly ms: number;
  readonly outcome: PlotOutcome;
  readonly f: OpKind;
}

/** Operations completed per second in one time slice, by outcome. */
export interface ThroughputPoint {
  readonly t: number;
  readonly outcome: PlotOutcome;
  readonly perSec: number;
}

/** One round's charts. Times are seconds since the drill started. */
export interface RoundPlot {
  readonly round: number;
  readonly fromS: number;
  readonly toS: number;
  readonly points: readonly OpPoint[];
  /** Operations of the round (the points are a subset when there are more than the budget). */
  readonly total: number;
  readonly counts: Readonly<Record<PlotOutcome, number>>;
  readonly throughput: readonly ThroughputPoint[];
  /** From the fault to its repair (or to the end of the round's workload). */
  readonly faultWindow: { readonly fromS: number; readonly toS: number } | null;
  readonly unavailable: readonly { readonly fromS: number; readonly toS: number }[];
  readonly marks: readonly (RoundMark & { readonly t: number })[];
  /** Latency of the answered operations by kind, before the fault, while it lasted and after its repair. */
  readonly latency: readonly PhaseLatency[];
}

/**
 * Points a round's latency chart draws at most: every failed and indeterminate operation, the
 * slowest of each kind per time slice, and an even sample of the rest. A busy round has tens of
 * thousands of operations; drawn each as an SVG mark, ten rounds would weigh tens of megabytes
 * (BENCHMARKS.md, "Drill reports").
 */
export const MAX_POINTS_PER_ROUND = 1_000;
/** Time slices of the throughput chart and of the slowest-per-slice selection. */
const SLICES = 120;

/** An operation from its invoke and completion (none: still open at the end of the history). */
interface Op {
  readonly round: number;
  readonly f: OpKind;
  readonly startNs: number;
  readonly endNs: number;
  readonly outcome: PlotOutcome;
}

const OUTCOME: Readonly<Record<string, PlotOutcome>> = { ok: 'ok', fail: 'failed', info: 'indeterminate' };

/** An operation the cluster answered as asked (a cas that found another value included). */
function answered(o: Op): boolean {
  return o.outcome === 'ok' || o.outcome === 'compare-failed';
}

function zeroCounts(): Record<PlotOutcome, number> {
  return { ok: 0, 'compare-failed': 0, failed: 0, indeterminate: 0 };
}

/** The round a register belongs to (`r<round>-k<i>`, see roundKeys), or NaN. */
function roundOfKey(key: string): number {
  const m = /^r(\d+)-/.exec(key);
  return m === null ? NaN : Number(m[1]);
}

/** Pairs each invoke with its completion; an operation never completed ends, indeterminate, with the history. */
export function operationsOf(history: readonly HistoryEvent[]): Op[] {
  const open = new Map<number, HistoryEvent>();
  const ops: Op[] = [];
  const lastNs = history.at(-1)?.time ?? 0;
  for (const e of history) {
    if (e.type === 'invoke') {
      open.set(e.process, e);
      continue;
    }
    const invoke = open.get(e.process);
    if (invoke === undefined) continue;
    open.delete(e.process);
    const outcome = e.type === 'fail' && e.error === COMPARE_FAILED ? 'compare-failed' : (OUTCOME[e.type] ?? 'indeterminate');
    ops.push({ round: roundOfKey(invoke.key), f: invoke.f, startNs: invoke.time, endNs: e.time, outcome });
  }
  for (const invoke of open.values()) ops.push({ round: roundOfKey(invoke.key), f: invoke.f, startNs: invoke.time, endNs: lastNs, outcome: 'indeterminate' });
  return ops.sort((a, b) => a.startNs - b.startNs);
}

const seconds = (ns: number): number => Math.round(ns / 1e6) / 1e3;
const msToS = (ms: number): number => Math.round(ms) / 1e3;

function toPoint(o: Op): OpPoint {
  // A log scale has no zero: an answer faster than 10 µs is drawn at 10 µs.
  return { t: seconds(o.startNs), ms: Math.max(0.01, Math.round((o.endNs - o.startNs) / 1e4) / 100), outcome: o.outcome, f: o.f };
}

/** The operations a chart draws (see MAX_POINTS_PER_ROUND), in time order. */
export function samplePoints(ops: readonly Op[], fromNs: number, toNs: number, budget = MAX_POINTS_PER_ROUND): Op[] {
  if (ops.length <= budget) return [...ops];
  const keep = new Set<Op>(ops.filter((o) => !answered(o)));
  const slice = Math.max(1, (toNs - fromNs) / SLICES);
  const slowest = new Map<string, Op>();
  for (const o of ops) {
    if (!answered(o)) continue;
    const id = `${Math.floor((o.startNs - fromNs) / slice)}/${o.f}`;
    const best = slowest.get(id);
    if (best === undefined || o.endNs - o.startNs > best.endNs - best.startNs) slowest.set(id, o);
  }
  for (const o of slowest.values()) keep.add(o);
  const rest = ops.filter((o) => !keep.has(o));
  const room = budget - keep.size;
  if (room > 0) for (let i = 0; i < room; i++) keep.add(rest[Math.floor((i * rest.length) / room)]!);
  return ops.filter((o) => keep.has(o));
}

/** Completions per second by outcome in SLICES slices of the round. */
function throughputOf(ops: readonly Op[], fromNs: number, toNs: number): ThroughputPoint[] {
  const sliceNs = Math.max(1e6, (toNs - fromNs) / SLICES);
  const n = Math.max(1, Math.ceil((toNs - fromNs) / sliceNs));
  const bins = new Map<PlotOutcome, number[]>(PLOT_OUTCOMES.map((k) => [k, new Array<number>(n).fill(0)]));
  for (const o of ops) {
    const i = Math.min(n - 1, Math.max(0, Math.floor((o.endNs - fromNs) / sliceNs)));
    bins.get(o.outcome)![i]!++;
  }
  const points: ThroughputPoint[] = [];
  for (const [outcome, counts] of bins) counts.forEach((c, i) => points.push({ t: seconds(fromNs + (i + 0.5) * sliceNs), outcome, perSec: Math.round(c / (sliceNs / 1e9)) }));
  return points;
}

function faultWindowOf(r: RoundReport, toS: number): RoundPlot['faultWindow'] {
  const marks = r.marks ?? [];
  const fault = marks.find((m) => m.kind === 'fault')?.atMs ?? r.faultAtMs;
  const repair = marks.find((m) => m.kind === 'repair' && m.atMs >= fault)?.atMs;
  return { fromS: msToS(fault), toS: repair === undefined ? toS : msToS(repair) };
}

/** The round's workload span (ns); reports of older versions lack it, so the operations give it. */
function spanOf(r: RoundReport, ops: readonly Op[]): { fromNs: number; toNs: number } {
  const fromNs = r.startMs !== undefined ? r.startMs * 1e6 : ops.reduce((a, o) => Math.min(a, o.startNs), r.faultAtMs * 1e6);
  const toNs = r.endMs !== undefined ? r.endMs * 1e6 : ops.reduce((a, o) => Math.max(a, o.endNs), r.faultAtMs * 1e6);
  return { fromNs, toNs };
}

/** The latency table of one round, from its operations: what the HTML page shows and the JSON report carries. */
function latencyOfRound(r: RoundReport, ops: readonly Op[]): PhaseLatency[] {
  return latencyByPhase(ops, faultWindowOf(r, seconds(spanOf(r, ops).toNs)));
}

/**
 * The latency table of round `r` from the drill's history (every round's events, or only this
 * one's): the drill puts it in the JSON report, and the HTML page, rebuilt from the same history,
 * shows the same numbers.
 */
export function roundLatency(r: RoundReport, history: readonly HistoryEvent[]): PhaseLatency[] {
  return latencyOfRound(r, operationsOf(history).filter((o) => o.round === r.round));
}

function plotRound(r: RoundReport, ops: readonly Op[], anomalies: readonly RoundMark[]): RoundPlot {
  const { fromNs, toNs } = spanOf(r, ops);
  const counts = zeroCounts();
  for (const o of ops) counts[o.outcome]++;
  return {
    round: r.round,
    fromS: seconds(fromNs),
    toS: seconds(toNs),
    points: samplePoints(ops, fromNs, toNs).map(toPoint),
    total: ops.length,
    counts,
    throughput: throughputOf(ops, fromNs, toNs),
    faultWindow: faultWindowOf(r, seconds(toNs)),
    unavailable: r.windows.map((w) => ({ fromS: msToS(w.fromMs), toS: msToS(w.toMs) })),
    marks: [...(r.marks ?? [{ atMs: r.faultAtMs, kind: 'fault' as const, label: `fault ${r.target}` }]), ...anomalies].map((m) => ({ ...m, t: msToS(m.atMs) })),
    latency: latencyOfRound(r, ops),
  };
}

const PHASES: readonly FaultPhase[] = ['before', 'during', 'after'];
const KINDS: readonly OpKind[] = ['read', 'write', 'cas'];

/** p50, p90, p99 and max of the answered operations per kind and phase (nearest-rank percentiles). */
export function latencyByPhase(ops: readonly Op[], fault: { readonly fromS: number; readonly toS: number } | null): PhaseLatency[] {
  const phaseOf = (o: Op): FaultPhase => {
    const t = o.startNs / 1e9;
    if (fault === null || t < fault.fromS) return 'before';
    return t < fault.toS ? 'during' : 'after';
  };
  const groups = new Map<string, number[]>();
  for (const o of ops) {
    if (!answered(o)) continue;
    const id = `${phaseOf(o)}/${o.f}`;
    const list = groups.get(id) ?? [];
    list.push((o.endNs - o.startNs) / 1e6);
    groups.set(id, list);
  }
  return PHASES.flatMap((phase) =>
    KINDS.map((f) => {
      const ms = (groups.get(`${phase}/${f}`) ?? []).sort((a, b) => a - b);
      const rank = (q: number): number | null => (ms.length === 0 ? null : round2(ms[Math.min(ms.length - 1, Math.ceil(q * ms.length) - 1)]!));
      return { phase, f, count: ms.length, p50: rank(0.5), p90: rank(0.9), p99: rank(0.99), max: ms.length === 0 ? null : round2(ms.at(-1)!) };
    }),
  );
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** The charts of every round of `report`, from its history. */
export function roundPlots(report: DrillReport, history: readonly HistoryEvent[]): RoundPlot[] {
  const byRound = new Map<number, Op[]>();
  for (const o of operationsOf(history)) {
    const list = byRound.get(o.round);
    if (list === undefined) byRound.set(o.round, [o]);
    else list.push(o);
  }
  return report.rounds.map((r) => plotRound(r, byRound.get(r.round) ?? [], anomalyMarks(report, r)));
}

/**
 * Where the round's anomalies show on the timeline: each safety violation at its counterexample's
 * last event, each side workload's anomaly at its last operation (its words are in the report).
 */
export function anomalyMarks(report: DrillReport, r: RoundReport): RoundMark[] {
  const marks: RoundMark[] = [];
  for (const v of report.violations) {
    const last = v.counterexample.at(-1);
    if (v.round === r.round && last !== undefined) marks.push({ atMs: last.time / 1e6, kind: 'anomaly', label: `${v.kind}${v.key === undefined ? '' : ` ${v.key}`}` });
  }
  for (const w of r.sideWorkloads ?? []) {
    const last = w.anomaly?.ops.at(-1);
    if (last !== undefined) marks.push({ atMs: last.endNs / 1e6, kind: 'anomaly', label: `${w.name} anomaly` });
  }
  return marks;
}

/** The figures a report shows, as data: what a rebuilt report must reproduce exactly. */
export interface ReportFigures {
  readonly drill: string;
  readonly verdict: string;
  readonly reason: string;
  readonly summary: DrillReport['summary'];
  readonly rounds: readonly {
    readonly round: number;
    readonly newLeaderMs: number | null;
    readonly unavailableMs: number;
    readonly catchupMs: number | null;
    readonly ops: number;
    readonly counts: RoundPlot['counts'];
    readonly shown: number;
    readonly lost: number;
    readonly duplicated: number;
    readonly linearizable: boolean | null;
  }[];
}

/** The figures of a report and its plots. */
export function reportFigures(report: DrillReport, plots: readonly RoundPlot[]): ReportFigures {
  return {
    drill: report.drill,
    verdict: report.verdict,
    reason: report.reason,
    summary: report.summary,
    rounds: report.rounds.map((r, i) => ({
      round: r.round,
      newLeaderMs: r.newLeaderMs,
      unavailableMs: r.unavailableMs,
      catchupMs: r.catchupMs,
      ops: plots[i]?.total ?? 0,
      counts: plots[i]?.counts ?? zeroCounts(),
      shown: plots[i]?.points.length ?? 0,
      lost: r.lost,
      duplicated: r.duplicated,
      linearizable: r.linearizable,
    })),
  };
}
