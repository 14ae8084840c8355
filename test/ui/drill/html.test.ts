import { describe, expect, it } from 'vitest';
import { reportFigures, roundPlots } from '../../../src/ops/drill/report/report-data.js';
import type { DrillReport } from '../../../src/ops/drill/index.js';
import type { HistoryEvent } from '../../../src/ops/history/index.js';
import { renderDrillHtml } from '../../../src/ui/drill/drill-html.js';
import { history, report, round } from './fixtures.js';

async function page(r: DrillReport, h: readonly HistoryEvent[]): Promise<string> {
  const plots = roundPlots(r, h);
  return renderDrillHtml({ report: r, plots, figures: reportFigures(r, plots) });
}

/** The elements of one round's section. */
function section(html: string, n: number): string {
  const from = html.indexOf(`<section class="round" id="round-${n}">`);
  expect(from).toBeGreaterThanOrEqual(0);
  return html.slice(from, html.indexOf('</section>', from));
}

describe('renderDrillHtml', () => {
  it('is one page that fetches nothing: no external script, stylesheet, font or image', async () => {
    const r = report(2);
    const html = await page(r, history(r, 1_500));
    expect(html).not.toMatch(/<script(?![^>]*type="application\/json")/);
    expect(html).not.toMatch(/\s(src|href)=/);
    expect(html).not.toMatch(/url\(|@import|@font-face/);
    // The only address is the XML namespace of the inline SVG, which nothing fetches.
    expect([...html.matchAll(/https?:\/\/[^"\s<]+/g)].map((m) => m[0]).filter((u) => !u.startsWith('http://www.w3.org/'))).toEqual([]);
  }, 60_000);

  it('draws each round: a mark per operation, shapes per kind, colours per outcome, the fault shaded and the timeline labelled', async () => {
    const r = report(2);
    const h = history(r, 600);
    const html = await page(r, h);
    const s = section(html, 2);
    const svg = s.slice(s.indexOf('<svg'), s.indexOf('</svg>'));
    const plot = roundPlots(r, h)[1]!;
    expect(plot.points).toHaveLength(plot.total);
    // Point marks are the paths drawn without a stroke (legend symbols have one): one per operation.
    expect(svg.match(/<path transform="translate\([^>]*stroke-width="0"/g)?.length).toBe(plot.total);
    expect(svg).toMatch(/fill="#d55e00"/); // failed operations
    expect(svg).toMatch(/d="M[^"]*Z"/); // squares and triangles besides circles
    for (const label of ['kill n2', 'n3 leads', 'restart n2', 'n2 caught up', 'fault window', 'unavailable', 'latency (ms, log)', 'ops/s']) expect(svg).toContain(label);
    expect(s).toContain(`${plot.total} operations in the history`);
  }, 60_000);

  it('shows the verdict, the SLOs, the tables, the cluster and versions, and embeds the figures', async () => {
    const r = report(1, { verdict: 'slo-missed', reason: 'round 1: slo-unavailable — longest unavailability 6 s (SLO 5 s)', rounds: [round(1, { unavailableMs: 6_000, checks: [{ name: 'slo-unavailable', ok: false, detail: 'longest unavailability 6000 ms (SLO 5000 ms)', severity: 'slo' }] })] });
    const h = history(r, 500);
    const html = await page(r, h);
    expect(html).toContain('<span class="verdict slo-missed">SLO MISSED</span>');
    expect(html).toContain('SLOs: a new leader within 5.0s; client-visible unavailability at most 5.0s.');
    expect(html).toContain('<td><span class="bad">6.0s</span></td>');
    expect(html).toContain('<h2>Checks that failed</h2>');
    expect(html).toMatch(/<td>n2<\/td><td>127\.0\.0\.1:7782<\/td><td>0\.1\.0<\/td>/);
    expect(html).toMatch(/<td>slo<\/td><td>\{&quot;unavailableMs&quot;:5000,&quot;newLeaderMs&quot;:5000\}<\/td>/);
    const embedded = /<script type="application\/json" id="drill-figures">(.*?)<\/script>/s.exec(html)![1]!;
    expect(JSON.parse(embedded)).toEqual(reportFigures(r, roundPlots(r, h)));
  }, 60_000);

  it('explains a side workload\'s anomaly in words, with the operations that show it', async () => {
    const lost = { client: 1, f: 'append', key: 'r1/list-0', input: '1.1.4', output: null, outcome: 'ok' as const, startNs: 2.1e9, endNs: 2.15e9 };
    const list = {
      name: 'list-append' as const,
      check: { name: 'list-append', ok: false, detail: 'append 1.1.4 to r1/list-0 was acknowledged but is not in the final list', severity: 'safety' as const },
      ops: 40, acknowledged: 30, failed: 0, indeterminate: 0,
      anomaly: { summary: 'append 1.1.4 to r1/list-0 was acknowledged at 2150 ms but is not in the final list', ops: [lost] },
    };
    const r = report(1, { verdict: 'unsafe', rounds: [round(1, { sideWorkloads: [list], checks: [list.check] })] });
    const s = section(await page(r, history(r, 300)), 1);
    expect(s).toContain('<p class="bad">list-append: append 1.1.4 to r1/list-0 was acknowledged at 2150 ms but is not in the final list</p>');
    expect(s).toContain('<td>2.100 s – 2.150 s</td><td>c1</td><td>append</td><td>r1/list-0</td><td>&quot;1.1.4&quot;</td><td>ok</td><td>null</td>');
    // And on the timeline, at its last operation.
    const svg = s.slice(s.indexOf('<svg'), s.indexOf('</svg>'));
    expect(svg).toContain('list-append anomaly');
  }, 60_000);

  it('renders a drill that never ran a round', async () => {
    const r = report(1, { verdict: 'aborted', reason: 'aborted in round 1: reachable', rounds: [], aborted: { round: 1, check: 'reachable', message: 'no answer from n3 <down>' }, environment: null });
    const html = await page(r, []);
    expect(html).toContain('no answer from n3 &lt;down&gt;');
    expect(html).not.toContain('<section');
  });
});

describe('anomalyMarks', () => {
  it('puts a safety violation on the timeline at its counterexample\'s last event, in its round only', async () => {
    const { anomalyMarks } = await import('../../../src/ops/drill/report/report-data.js');
    const events = [
      { type: 'invoke' as const, process: 3, f: 'write' as const, key: 'r1-k03', value: '1.3.17', time: 2.0e9 },
      { type: 'ok' as const, process: 3, f: 'write' as const, key: 'r1-k03', value: '1.3.17', time: 2.4e9 },
    ];
    const r = report(2, { violations: [{ kind: 'lost', round: 2, key: 'r1-k03', message: 'the acknowledged write "1.3.17" is missing', counterexample: events }] });
    expect(anomalyMarks(r, r.rounds[0]!)).toEqual([]);
    expect(anomalyMarks(r, r.rounds[1]!)).toEqual([{ atMs: 2_400, kind: 'anomaly', label: 'lost r1-k03' }]);
  });
});
