/**
 * The verdict of `fleet check perf`: each measured figure against a stated pair of thresholds,
 * a reason per figure, and the worst of them overall. Pure: figures in, verdict out.
 *
 * The thresholds and where they come from (also in `fleet check perf --help` and docs/check-perf.md):
 *  - fsync p99: pass < 10 ms, warn < 50 ms. etcd's tuning guidance asks for a WAL fsync p99
 *    under 10 ms; 50 ms (five times that) is our line beyond which one slow fsync in a hundred
 *    takes half of a local cluster's 100 ms heartbeat interval.
 *  - fsync p50: pass < 20 ms (fail beyond): etcd's hardware guide asks for at least 50
 *    sequential IOPS, i.e. a typical fsync under 20 ms.
 *  - write p99 at concurrency 8: pass < 50 ms, warn < 500 ms. A write is a leader fsync, a round
 *    trip and a quorum fsync: at etcd's 10 ms fsync guidance that stays well under 50 ms; 500 ms
 *    is the slowest request etcd's own `check perf` tolerates.
 *  - throughput at concurrency 32: pass ≥ 150 writes/s, warn ≥ 50 writes/s. 150 writes/s is the
 *    load of etcd's `check perf` small workload; a third of it is a cluster that would fall
 *    behind a modest fleet.
 *  - failed writes: none may fail; any failure fails the check (a slow figure is only honest if
 *    every write behind it was acknowledged).
 */

/** How a figure compares with its thresholds. */
export type Grade = 'pass' | 'warn' | 'fail';

/** The whole check's outcome: the worst grade of its reasons. */
export type Verdict = 'PASS' | 'WARN' | 'FAIL';

/**
 * One threshold pair. `lower`: smaller is better (latencies: pass when value < pass, warn when
 * value < warn); `higher`: larger is better (throughput: pass when value ≥ pass, warn when ≥ warn).
 */
export interface Threshold {
  readonly figure: string;
  readonly unit: 'ms' | 'writes/s' | 'writes';
  readonly better: 'lower' | 'higher';
  readonly pass: number;
  readonly warn: number;
  /** Where the numbers come from, in a few words. */
  readonly source: string;
}

/** The thresholds `fleet check perf` judges by, keyed by figure. */
export const THRESHOLDS = {
  fsyncP99: { figure: 'fsync p99', unit: 'ms', better: 'lower', pass: 10, warn: 50, source: "etcd's guidance: WAL fsync p99 under 10 ms; warn up to 5x that" },
  fsyncP50: { figure: 'fsync p50', unit: 'ms', better: 'lower', pass: 20, warn: 20, source: "etcd's hardware guide: at least 50 sequential IOPS" },
  writeP99: { figure: 'write p99 at concurrency 8', unit: 'ms', better: 'lower', pass: 50, warn: 500, source: "two fsyncs and a round trip; 500 ms is etcd check perf's slowest request" },
  throughput: { figure: 'throughput at concurrency 32', unit: 'writes/s', better: 'higher', pass: 150, warn: 50, source: "the load of etcd check perf's small workload" },
  failedWrites: { figure: 'failed writes', unit: 'writes', better: 'lower', pass: 1, warn: 1, source: 'none may fail' },
} as const satisfies Record<string, Threshold>;

/** The figures the verdict needs (undefined: not measured, e.g. no round at that concurrency). */
export interface PerfFigures {
  readonly fsyncP50Ms?: number | undefined;
  readonly fsyncP99Ms?: number | undefined;
  readonly writeP99AtConcurrency8Ms?: number | undefined;
  readonly throughputAtConcurrency32?: number | undefined;
  readonly failedWrites: number;
}

/** One figure judged: its value, grade, the threshold it was compared with, and a sentence saying so. */
export interface Reason {
  readonly figure: string;
  readonly value: number;
  readonly unit: Threshold['unit'];
  readonly grade: Grade;
  readonly threshold: Threshold;
  readonly message: string;
}

/** The verdict and every reason behind it (all figures, not only the bad ones). */
export interface PerfVerdict {
  readonly verdict: Verdict;
  readonly reasons: readonly Reason[];
}

/** Grades a value against a threshold pair. */
export function grade(value: number, t: Threshold): Grade {
  if (t.better === 'lower') return value < t.pass ? 'pass' : value < t.warn ? 'warn' : 'fail';
  return value >= t.pass ? 'pass' : value >= t.warn ? 'warn' : 'fail';
}

/** Judges the figures: a reason for each one measured, and the worst grade as the verdict. */
export function judge(f: PerfFigures): PerfVerdict {
  const measured: [number | undefined, Threshold][] = [
    [f.fsyncP99Ms, THRESHOLDS.fsyncP99],
    [f.fsyncP50Ms, THRESHOLDS.fsyncP50],
    [f.writeP99AtConcurrency8Ms, THRESHOLDS.writeP99],
    [f.throughputAtConcurrency32, THRESHOLDS.throughput],
    [f.failedWrites, THRESHOLDS.failedWrites],
  ];
  const reasons = measured.filter((m): m is [number, Threshold] => m[0] !== undefined && Number.isFinite(m[0])).map(([value, t]) => reasonOf(value, t));
  const worst = reasons.some((r) => r.grade === 'fail') ? 'FAIL' : reasons.some((r) => r.grade === 'warn') ? 'WARN' : 'PASS';
  return { verdict: worst, reasons };
}

function reasonOf(value: number, t: Threshold): Reason {
  const g = grade(value, t);
  // A count that must be zero reads better as one: `failed writes 0: pass (none may fail)`.
  const message = t === THRESHOLDS.failedWrites ? `${t.figure} ${value}: ${g} (${t.source})` : `${t.figure} ${fmt(value, t.unit)} ${comparison(g, t)} (${t.source})`;
  return { figure: t.figure, value, unit: t.unit, grade: g, threshold: t, message };
}

/** `< 10 ms: pass`, `≥ 10 ms but < 50 ms: warn`, `≥ 50 ms: fail`; one threshold (pass = warn) has no warn band. */
function comparison(g: Grade, t: Threshold): string {
  const [ok, bad] = t.better === 'lower' ? ['<', '≥'] : ['≥', '<'];
  if (t.pass === t.warn) return g === 'pass' ? `${ok} ${fmt(t.pass, t.unit)}: pass` : `${bad} ${fmt(t.pass, t.unit)}: fail`;
  if (g === 'pass') return `${ok} ${fmt(t.pass, t.unit)}: pass`;
  if (g === 'warn') return `${bad} ${fmt(t.pass, t.unit)} but ${ok} ${fmt(t.warn, t.unit)}: warn`;
  return `${bad} ${fmt(t.warn, t.unit)}: fail`;
}

/** `3.2 ms`, `12 ms`, `640 writes/s`, `0 writes`. */
export function fmt(value: number, unit: Threshold['unit']): string {
  if (unit !== 'ms') return `${Math.round(value)} ${unit}`;
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;
}

/** One line per threshold, for the help and the docs: `fsync p99: pass < 10 ms, warn < 50 ms, else fail (…)`. */
export function describeThresholds(): string[] {
  return Object.values(THRESHOLDS).map((t: Threshold) => {
    const [ok, bad] = t.better === 'lower' ? ['<', '≥'] : ['≥', '<'];
    if (t === THRESHOLDS.failedWrites) return `${t.figure}: pass at 0, else fail (${t.source})`;
    const bands = t.pass === t.warn ? `pass ${ok} ${fmt(t.pass, t.unit)}, fail ${bad} ${fmt(t.pass, t.unit)}` : `pass ${ok} ${fmt(t.pass, t.unit)}, warn ${ok} ${fmt(t.warn, t.unit)}, else fail`;
    return `${t.figure}: ${bands} (${t.source})`;
  });
}
