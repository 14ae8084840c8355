/**
 * `fleet check perf` for people: the fsync line, a table of the write rounds, the clean-up, and
 * the verdict followed by every reason with the figure and the threshold it was compared with.
 */
import type { CheckPerfReport } from '../ops/check-perf/run.js';
import type { Grade, Verdict } from '../ops/check-perf/verdict.js';
import type { Palette } from './colors.js';
import { renderTable } from './table.js';

/** The whole report, ready to print. */
export function renderCheckPerf(r: CheckPerfReport, p: Palette): string {
  const f = r.fsync;
  const lines = [
    `${p.bold('fsync')} (${f.blockBytes / 1_024} KiB append + fdatasync, one at a time) in ${f.dir}: ${f.samples} samples, p50 ${ms(f.p50Ms)}, p99 ${ms(f.p99Ms)}, max ${ms(f.maxMs)}`,
    '',
    p.bold('writes') + ' (256-byte kv puts, each writer waits for its answer before the next):',
    renderTable(
      [{ header: 'concurrency', align: 'right' }, { header: 'acked', align: 'right' }, { header: 'failed', align: 'right' }, { header: 'writes/s', align: 'right' }, { header: 'p50', align: 'right' }, { header: 'p99', align: 'right' }, { header: 'max', align: 'right' }],
      r.writes.map((w) => [w.concurrency, w.samples, w.failed === 0 ? '0' : p.bad(String(w.failed)), Math.round(w.throughput), ms(w.p50Ms), ms(w.p99Ms), ms(w.maxMs)]),
      p,
    ),
    ...r.writes.filter((w) => w.firstError !== undefined).map((w) => p.bad(`  concurrency ${w.concurrency}: first failure: ${w.firstError}`)),
    p.dim(`Deleted ${r.cleanup.deleted} key${r.cleanup.deleted === 1 ? '' : 's'} under __check_perf/${r.cleanup.left === 0 ? '; none left' : `; ${r.cleanup.left} could not be deleted`}.`),
    '',
    `${verdictCell(r.verdict, p)}`,
    ...r.reasons.map((x) => `  ${mark(x.grade, p)} ${x.message}`),
  ];
  return lines.join('\n');
}

function verdictCell(v: Verdict, p: Palette): string {
  return v === 'PASS' ? p.ok(p.bold(v)) : v === 'WARN' ? p.warn(p.bold(v)) : p.bad(p.bold(v));
}

function mark(g: Grade, p: Palette): string {
  return g === 'pass' ? p.ok('✔') : g === 'warn' ? p.warn('!') : p.bad('✖');
}

/** `0.8 ms`, `12 ms`, `-` for no samples. */
function ms(v: number): string {
  if (!Number.isFinite(v)) return '-';
  return v < 10 ? `${v.toFixed(1)} ms` : `${Math.round(v)} ms`;
}
