/**
 * A drill as one self-contained HTML page (data in, text out): the verdict and why, the SLOs
 * it was judged against, the summary and per-round tables, what failed, the cluster, versions
 * and options it ran with, and per round the charts (inline SVG). Nothing is fetched when the
 * page opens — no script, font or stylesheet from elsewhere — so it reads the same from a mail
 * attachment. The figures are also embedded as JSON (`#drill-figures`) for tools and tests.
 */
import { formatDuration } from '../../common/durations.js';
import type { DrillReport, FigureSummary, RoundReport } from '../../ops/drill/index.js';
import type { ReportFigures, RoundPlot } from '../../ops/drill/report/report-data.js';
import { renderRoundSvg } from './drill-charts.js';

/** What the page is made from. */
export interface DrillPage {
  readonly report: DrillReport;
  readonly plots: readonly RoundPlot[];
  readonly figures: ReportFigures;
}

/** Text for HTML content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const ms = (v: number | null): string => (v === null ? '–' : formatDuration(v));
const VERDICT: Readonly<Record<DrillReport['verdict'], string>> = { pass: 'PASS', 'slo-missed': 'SLO MISSED', aborted: 'ABORTED', unsafe: 'UNSAFE' };

function table(headers: readonly string[], rows: readonly (readonly string[])[], cls = ''): string {
  const head = `<tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table${cls === '' ? '' : ` class="${cls}"`}>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

function bad(text: string, isBad: boolean): string {
  return isBad ? `<span class="bad">${escapeHtml(text)}</span>` : escapeHtml(text);
}

function roundRow(r: RoundReport): string[] {
  const missed = (name: string): boolean => r.checks.some((c) => c.name === name && !c.ok);
  const leader = r.newLeader === null || r.newLeader === r.oldLeader ? r.oldLeader : `${r.oldLeader} → ${r.newLeader}`;
  return [
    String(r.round),
    escapeHtml(r.target),
    escapeHtml(leader),
    bad(ms(r.newLeaderMs), missed('slo-new-leader')),
    bad(ms(r.unavailableMs), missed('slo-unavailable')),
    ms(r.catchupMs),
    String(r.ops),
    String(r.acknowledged),
    r.compareFailed === undefined ? '-' : String(r.compareFailed),
    String(r.failed),
    String(r.indeterminate),
    bad(String(r.lost), r.lost > 0),
    bad(String(r.duplicated), r.duplicated > 0),
    r.linearizable === null ? 'unknown' : bad(r.linearizable ? 'yes' : 'NO', !r.linearizable),
  ];
}

function summaryRows(s: DrillReport['summary']): string[][] {
  const row = (name: string, f: FigureSummary): string[] => [name, ms(f.median), ms(f.max)];
  return [row('time to a new leader', s.newLeaderMs), row('client-visible unavailability', s.unavailableMs), row('catch-up of the faulted member', s.catchupMs)];
}

function checksSection(report: DrillReport): string {
  const failed = report.rounds.flatMap((r) => r.checks.filter((c) => !c.ok).map((c) => [String(r.round), escapeHtml(c.name), escapeHtml(c.severity), escapeHtml(c.detail)]));
  const violations = report.violations.slice(0, 20).map((v) => [String(v.round), escapeHtml(v.kind), escapeHtml(v.key ?? ''), escapeHtml(v.message)]);
  const parts: string[] = [];
  if (failed.length > 0) parts.push('<h2>Checks that failed</h2>', table(['round', 'check', 'severity', 'detail'], failed));
  if (violations.length > 0) parts.push(`<h2>Safety violations (${report.violations.length})</h2>`, table(['round', 'kind', 'key', 'what'], violations), report.violations.length > 20 ? '<p class="dim">The rest, with counterexamples, are in the JSON report.</p>' : '');
  if (report.aborted !== null) parts.push('<h2>Aborted</h2>', `<p>Round ${report.aborted.round}, ${escapeHtml(report.aborted.check)}: ${escapeHtml(report.aborted.message)}</p>`);
  return parts.join('\n');
}

function environmentSection(report: DrillReport): string {
  const env = report.environment ?? null;
  const o = report.options;
  const about: string[][] = [
    ['drill', escapeHtml(report.drill)],
    ['started', escapeHtml(report.startedAt)],
    ['elapsed', ms(report.elapsedMs)],
    ['faults via', escapeHtml(report.injector)],
    ...(env === null ? [] : [['cluster', escapeHtml(env.clusterName || '(unnamed)')], ['leader at start', `${escapeHtml(env.leader)} (term ${env.term})`], ['fleet', escapeHtml(env.fleetVersion)], ['node', escapeHtml(env.nodeVersion)]]),
  ];
  const members = env === null ? '' : table(['member', 'address', 'version'], env.members.map((m) => [escapeHtml(m.id), escapeHtml(m.address), escapeHtml(m.version)]));
  const flags = Object.entries(o).filter(([, v]) => v !== undefined).map(([k, v]) => [escapeHtml(k), escapeHtml(typeof v === 'object' ? JSON.stringify(v) : String(v))]);
  return ['<h2>Cluster, versions and options</h2>', '<div class="cols">', table(['', ''], about, 'kv'), members, table(['option', 'value'], flags, 'kv'), '</div>'].join('\n');
}

/** Latency percentiles of the answered operations, by kind, before, during and after the fault. */
function latencyTable(p: RoundPlot): string {
  const cell = (x: number | null) => (x === null ? '-' : `${x.toFixed(x < 10 ? 2 : 1)} ms`);
  const rows = p.latency.filter((l) => l.count > 0).map((l) => [l.phase, l.f, String(l.count), cell(l.p50), cell(l.p90), cell(l.p99), cell(l.max)]);
  return rows.length === 0 ? '' : `<div class="latency">${table(['phase', 'operation', 'answered', 'p50', 'p90', 'p99', 'max'], rows)}</div>`;
}

/** Each side workload's anomaly: what went wrong in words, then the operations that show it, oldest first. */
function sideAnomalies(r: RoundReport | undefined): string {
  const shown = (r?.sideWorkloads ?? []).flatMap((w) => (w.anomaly === undefined ? [] : [{ name: w.name, ...w.anomaly }]));
  return shown
    .map((a) => {
      const s = (ns: number) => `${(ns / 1e9).toFixed(3)} s`;
      const rows = a.ops.map((o) => [`${s(o.startNs)} – ${s(o.endNs)}`, `c${o.client}`, escapeHtml(o.f), escapeHtml(o.key), escapeHtml(JSON.stringify(o.input)), escapeHtml(o.outcome), escapeHtml(JSON.stringify(o.output))]);
      const ops = rows.length === 0 ? '' : table(['time', 'client', 'operation', 'of', 'input', 'outcome', 'answer'], rows);
      return `<div class="anomaly"><p class="bad">${escapeHtml(a.name)}: ${escapeHtml(a.summary)}</p>${ops}</div>`;
    })
    .join('\n');
}

async function roundSection(p: RoundPlot, r: RoundReport | undefined): Promise<string> {
  const svg = await renderRoundSvg(p);
  const sampled = p.points.length < p.total ? ` The chart draws ${p.points.length} of the ${p.total} operations: every failed and indeterminate one, the slowest of each kind in each time slice, and an even sample of the rest.` : '';
  const marks = p.marks.map((m) => `${escapeHtml(m.label)} at ${m.t.toFixed(3)} s`).join(' · ');
  const checks = (r?.checks ?? []).map((c) => `<li class="${c.ok ? 'ok' : 'bad'}">${escapeHtml(c.name)}: ${escapeHtml(c.detail)}</li>`).join('');
  return [
    `<section class="round" id="round-${p.round}">`,
    `<h2>Round ${p.round}</h2>`,
    `<p>${p.total} operations in the history (the final read-back included): ${p.counts.ok} ok, ${p.counts['compare-failed']} cas conflicts (compare-and-sets that found another value: answered, not failures), ${p.counts.failed} failed, ${p.counts.indeterminate} indeterminate.${sampled}</p>`,
    `<p class="dim">${marks}</p>`,
    `<figure>${svg}</figure>`,
    latencyTable(p),
    checks === '' ? '' : `<ul class="checks">${checks}</ul>`,
    sideAnomalies(r),
    '</section>',
  ].join('\n');
}

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: 0.5em 1.5em 0.5em 0; font-size: 0.9em; }
th, td { border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: right; }
th:first-child, td:first-child, table.kv td { text-align: left; }
table.kv thead { display: none; }
.cols { display: flex; flex-wrap: wrap; align-items: flex-start; }
.verdict { display: inline-block; padding: 2px 10px; border-radius: 4px; color: white; font-weight: bold; }
.verdict.pass { background: #1a7f37; } .verdict.slo-missed, .verdict.aborted { background: #b35900; } .verdict.unsafe { background: #b00020; }
.bad { color: #b00020; font-weight: bold; } .ok { color: #1a7f37; } .dim { color: #666; font-size: 0.9em; }
ul.checks { font-size: 0.9em; } figure { margin: 0; } svg { max-width: 100%; height: auto; }
`;

/** The whole page. */
export async function renderDrillHtml(page: DrillPage): Promise<string> {
  const { report, plots, figures } = page;
  const slo = report.options.slo;
  const rounds: string[] = [];
  // One round at a time: Vega's views are not small, and pages of many rounds are common.
  for (const p of plots) rounds.push(await roundSection(p, report.rounds.find((r) => r.round === p.round)));
  const figuresJson = JSON.stringify(figures).replace(/</g, '\\u003c');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fleet drill ${escapeHtml(report.drill)}: ${VERDICT[report.verdict]}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>fleet drill ${escapeHtml(report.drill)} <span class="verdict ${report.verdict}">${VERDICT[report.verdict]}</span></h1>
<p>${escapeHtml(report.reason)}</p>
<p>SLOs: a new leader within ${ms(slo.newLeaderMs)}; client-visible unavailability at most ${ms(slo.unavailableMs)}. Safety: nothing acknowledged lost, nothing applied twice, the history linearizable.</p>
<h2>Summary</h2>
${table(['figure', 'median', 'max'], summaryRows(report.summary))}
${table(['round', 'target', 'leader', 'new leader', 'unavailable', 'catch-up', 'ops', 'acked', 'cas conflicts', 'failed', 'unknown', 'lost', 'dup', 'linearizable'], report.rounds.map(roundRow))}
${checksSection(report)}
${environmentSection(report)}
${rounds.join('\n')}
<script type="application/json" id="drill-figures">${figuresJson}</script>
</body>
</html>
`;
}
