/**
 * How a drill reads in a terminal (pure renderers: data in, text out): a table per round, the
 * summary, the checks that failed, each violation with its smallest counterexample, and the
 * verdict on the last line — plus the one-line live progress shown on a terminal.
 */
import { formatDuration } from '../../common/durations.js';
import type { HistoryEvent } from '../../ops/history/index.js';
import type { DrillProgress, DrillReport, FigureSummary, RoundReport, Verdict, Violation } from '../../ops/drill/index.js';
import type { Palette } from '../colors.js';
import { renderTable, type Column } from '../table.js';

/** Counterexamples longer than this are cut, with a count of what was left out. */
const MAX_EVENTS_SHOWN = 24;

function ms(v: number | null): string {
  return v === null ? '-' : formatDuration(v);
}

function yesNo(v: boolean | null, p: Palette): string {
  if (v === null) return p.warn('unknown');
  return v ? 'yes' : p.bad('NO');
}

function count(n: number, p: Palette): string {
  return n === 0 ? '0' : p.bad(String(n));
}

const COLUMNS: readonly Column[] = [
  { header: 'round', align: 'right' },
  { header: 'target' },
  { header: 'leader' },
  { header: 'new leader', align: 'right' },
  { header: 'unavailable', align: 'right' },
  { header: 'catch-up', align: 'right' },
  { header: 'ops', align: 'right' },
  { header: 'acked', align: 'right' },
  // Compare-and-sets the cluster answered "the value is not what you expected": a working cluster's answer, not a failure.
  { header: 'cas conflicts', align: 'right' },
  { header: 'failed', align: 'right' },
  { header: 'unknown', align: 'right' },
  { header: 'lost', align: 'right' },
  { header: 'dup', align: 'right' },
  { header: 'linearizable' },
];

function roundRow(r: RoundReport, p: Palette): string[] {
  const missed = (name: string) => r.checks.some((c) => c.name === name && !c.ok);
  const leader = r.newLeader === null || r.newLeader === r.oldLeader ? r.oldLeader : `${r.oldLeader} → ${r.newLeader}`;
  const unavailable = ms(r.unavailableMs) + (r.windows.length > 1 ? p.dim(` (${r.windows.length} windows)`) : '');
  return [
    String(r.round),
    r.target,
    leader,
    missed('slo-new-leader') ? p.bad(ms(r.newLeaderMs)) : ms(r.newLeaderMs),
    missed('slo-unavailable') ? p.bad(unavailable) : unavailable,
    ms(r.catchupMs),
    String(r.ops),
    String(r.acknowledged),
    r.compareFailed === undefined ? '-' : String(r.compareFailed),
    String(r.failed),
    String(r.indeterminate),
    count(r.lost, p),
    count(r.duplicated, p),
    yesNo(r.linearizable, p),
  ];
}

function figure(name: string, f: FigureSummary): string {
  return f.median === null ? `${name} -` : `${name} median ${ms(f.median)}, max ${ms(f.max)}`;
}

/** The summary line: median and max of each figure over the rounds. */
export function renderSummary(report: DrillReport): string {
  const s = report.summary;
  return `summary: ${[figure('unavailable', s.unavailableMs), figure('new leader', s.newLeaderMs), figure('catch-up', s.catchupMs)].join('; ')}`;
}

/** The WAN drill's writes under the delayed links, per round: `writes before the kill: round 1 (leader n1) p50 47ms, p99 64ms`. */
function renderWriteLatency(report: DrillReport): string[] {
  const measured = report.rounds.filter((r) => typeof r.extra.writeP50Ms === 'number');
  if (measured.length === 0) return [];
  return [`writes before the kill: ${measured.map((r) => `round ${r.round} (leader ${r.oldLeader}) p50 ${ms(r.extra.writeP50Ms ?? null)}, p99 ${ms(r.extra.writeP99Ms ?? null)}`).join('; ')}`];
}

/**
 * The side workloads of each round: their check in a line, and for an anomaly the operations that
 * show it, one per line (`+1.234s c2 ok append r1/list-0 "1.2.7"`).
 */
function renderSideWorkloads(report: DrillReport, p: Palette): string[] {
  const rounds = report.rounds.filter((r) => (r.sideWorkloads ?? []).length > 0);
  if (rounds.length === 0) return [];
  const lines = rounds.flatMap((r) =>
    (r.sideWorkloads ?? []).flatMap((w) => {
      const head = `  round ${r.round}: ${p.bold(w.name)} ${w.check.ok ? p.ok('ok') : p.bad('FAILED')} — ${w.check.detail}`;
      const ops = (w.anomaly?.ops ?? []).slice(0, MAX_EVENTS_SHOWN).map((o) => `      +${(o.startNs / 1e9).toFixed(3)}s…+${(o.endNs / 1e9).toFixed(3)}s  c${o.client}  ${o.outcome.padEnd(4)} ${o.f} ${o.key} ${JSON.stringify(o.input)} → ${JSON.stringify(o.output)}`);
      return [head, ...(w.anomaly ? [`    ${w.anomaly.summary}`, ...ops] : [])];
    }),
  );
  return ['', 'workloads beside the registers:', ...lines];
}

function failedChecks(report: DrillReport, p: Palette): string[] {
  const lines = report.rounds.flatMap((r) => r.checks.filter((c) => !c.ok).map((c) => `  round ${r.round}: ${p.bold(c.name)} — ${c.detail}`));
  return lines.length === 0 ? [] : ['', 'checks that failed:', ...lines];
}

/** One history event as a line: `+2.312345s  p3  ok      write  r1-k03  "1.3.17"`. */
export function renderEvent(e: HistoryEvent, p: Palette): string {
  const t = `+${(e.time / 1e9).toFixed(6)}s`;
  const type = e.type === 'ok' ? p.ok(e.type.padEnd(6)) : e.type === 'invoke' ? p.dim(e.type.padEnd(6)) : p.warn(e.type.padEnd(6));
  return `${t.padStart(13)}  p${String(e.process).padEnd(4)} ${type} ${e.f.padEnd(5)}  ${e.key}  ${JSON.stringify(e.value)}`;
}

function renderViolation(v: Violation, p: Palette): string[] {
  const head = `  ${p.bad(`round ${v.round} · ${v.kind}`)}: ${v.message}`;
  if (v.counterexample.length === 0) return [head];
  const shown = v.counterexample.slice(0, MAX_EVENTS_SHOWN).map((e) => `      ${renderEvent(e, p)}`);
  const more = v.counterexample.length - shown.length;
  return [head, '    counterexample (the operations around it):', ...shown, ...(more > 0 ? [`      … ${more} more events`] : [])];
}

/**
 * The violations, briefly: how many of each kind, and for each kind the one with the smallest
 * counterexample (all of them are in the JSON report).
 */
export function renderViolations(violations: readonly Violation[], p: Palette): string[] {
  if (violations.length === 0) return [];
  const kinds = new Map<string, Violation[]>();
  for (const v of violations) kinds.set(v.kind, [...(kinds.get(v.kind) ?? []), v]);
  const counts = [...kinds].map(([k, list]) => `${k} ${list.length}`).join(', ');
  const shown = [...kinds.values()].map((list) => list.reduce((a, b) => (b.counterexample.length > 0 && (a.counterexample.length === 0 || b.counterexample.length < a.counterexample.length) ? b : a)));
  const rest = violations.length - shown.length;
  return ['', `violations: ${violations.length} (${counts})`, ...shown.flatMap((v) => renderViolation(v, p)), ...(rest > 0 ? [p.dim(`  … ${rest} more in the JSON report (--report FILE or --json)`)] : [])];
}

const VERDICT_TEXT: Readonly<Record<Verdict, string>> = { pass: 'PASS', 'slo-missed': 'SLO MISSED', aborted: 'ABORTED', unsafe: 'UNSAFE' };

/** The verdict line. */
export function renderVerdict(report: DrillReport, p: Palette): string {
  const colour = report.verdict === 'pass' ? p.ok : report.verdict === 'unsafe' ? p.bad : p.warn;
  return `verdict: ${colour(p.bold(VERDICT_TEXT[report.verdict]))} — ${report.reason}`;
}

/** The whole human report. */
export function renderDrillReport(report: DrillReport, p: Palette): string {
  const o = report.options;
  const lines = [`${p.bold(report.drill)}: ${report.rounds.length} of ${o.rounds} round${o.rounds === 1 ? '' : 's'}, ${o.clients} clients on ${o.keys} keys, faults via ${report.injector}`, ''];
  if (report.rounds.length > 0) lines.push(renderTable(COLUMNS, report.rounds.map((r) => roundRow(r, p)), p), '', renderSummary(report), ...renderWriteLatency(report));
  if (report.linearizable === null && report.rounds.length > 0) lines.push(p.warn('linearizability: undecided (the checker ran out of budget on a key)'));
  lines.push(...renderSideWorkloads(report, p));
  lines.push(...failedChecks(report, p));
  lines.push(...renderViolations(report.violations, p));
  lines.push('', renderVerdict(report, p));
  return lines.join('\n');
}

/** The live progress line: round, phase, ops/s, the leader as last seen and the outcome counts. */
export function renderProgress(drill: string, s: DrillProgress): string {
  const round = s.round === 0 ? '' : ` round ${s.round}/${s.rounds}`;
  return `${drill}${round} · ${s.phase} · ${s.opsPerSec} ops/s · leader ${s.leader ?? '?'} · acked ${s.acknowledged} · cas conflicts ${s.compareFailed} · failed ${s.failed} · unknown ${s.indeterminate}`;
}
