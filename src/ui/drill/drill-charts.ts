/**
 * A round's charts as SVG, drawn by Vega-Lite (compiled to Vega, rendered headless with no
 * canvas): the latency of every operation drawn over time on a log scale, coloured by outcome
 * and shaped by kind, above the throughput over time; both with the fault's window and the
 * unavailability shaded and the timeline's marks as rules. Vega is loaded only here, when a
 * report is written.
 */
import type { RoundPlot } from '../../ops/drill/report/report-data.js';

/** Outcome colours (colour-blind safe: blue, sky blue for answers that found another value, vermilion, orange) and kind shapes. */
const OUTCOMES = { domain: ['ok', 'compare-failed', 'failed', 'indeterminate'], range: ['#0072b2', '#56b4e9', '#d55e00', '#e69f00'] };
const KINDS = { domain: ['read', 'write', 'cas'], range: ['circle', 'square', 'triangle-up'] };
const MARK_COLOURS = { domain: ['fault', 'repair', 'new-leader', 'caught-up', 'anomaly'], range: ['#b00020', '#555555', '#009e73', '#7b3294', '#e6007e'] };
const WIDTH = 760;

type Spec = Record<string, unknown>;

/** The shaded stretches: the fault's window (grey) and client-visible unavailability (red). */
function shading(p: RoundPlot): Spec {
  const rows = [
    ...(p.faultWindow === null ? [] : [{ from: p.faultWindow.fromS, to: p.faultWindow.toS, what: 'fault window' }]),
    ...p.unavailable.map((w) => ({ from: w.fromS, to: w.toS, what: 'unavailable' })),
  ];
  return {
    data: { values: rows },
    mark: { type: 'rect', aria: false },
    encoding: {
      x: { field: 'from', type: 'quantitative' },
      x2: { field: 'to' },
      color: { field: 'what', type: 'nominal', scale: { domain: ['fault window', 'unavailable'], range: ['#000000', '#d55e00'] }, legend: { title: 'shaded' } },
      opacity: { value: 0.08 },
    },
  };
}

/** Vertical rules at the marks, labelled at the top when `labelled`. */
function markLayers(p: RoundPlot, labelled: boolean): Spec[] {
  const data = { values: p.marks.map((m, i) => ({ t: m.t, kind: m.kind, label: m.label, row: i % 3 })) };
  const colour = { field: 'kind', type: 'nominal', scale: MARK_COLOURS, legend: labelled ? { title: 'timeline' } : null };
  const rule = { data, mark: { type: 'rule', strokeDash: [4, 3], aria: false }, encoding: { x: { field: 't', type: 'quantitative' }, color: colour } };
  if (!labelled) return [rule];
  // Labels stagger over three rows so that marks close in time stay readable.
  const text = {
    data,
    mark: { type: 'text', align: 'left', dx: 3, fontSize: 10, aria: false },
    encoding: { x: { field: 't', type: 'quantitative' }, y: { field: 'row', type: 'ordinal', axis: null, scale: { type: 'point', padding: 0.6 } }, text: { field: 'label' }, color: { ...colour, legend: null } },
  };
  return [rule, text];
}

function xAxis(p: RoundPlot, title: string | null): Spec {
  // A catch-up and the final read-back can come after the workload stopped: the axis runs on to them.
  const to = p.points.reduce((a, x) => Math.max(a, x.t), Math.max(p.toS, ...p.marks.map((m) => m.t)));
  return { field: 't', type: 'quantitative', title, scale: { domain: [p.fromS, to], nice: false, zero: false } };
}

/** The Vega-Lite spec of one round: latency scatter above throughput, sharing the time axis. */
export function roundSpec(p: RoundPlot): Spec {
  const latency = {
    width: WIDTH,
    height: 260,
    title: `latency of each operation (${p.points.length === p.total ? `all ${p.total}` : `${p.points.length} of ${p.total}`})`,
    layer: [
      shading(p),
      {
        data: { values: p.points },
        mark: { type: 'point', filled: true, size: 14, strokeWidth: 0, aria: false },
        encoding: {
          x: xAxis(p, null),
          y: { field: 'ms', type: 'quantitative', title: 'latency (ms, log)', scale: { type: 'log' } },
          color: { field: 'outcome', type: 'nominal', scale: OUTCOMES, legend: { title: 'outcome' } },
          shape: { field: 'f', type: 'nominal', scale: KINDS, legend: { title: 'operation' } },
        },
      },
      ...markLayers(p, true),
    ],
    resolve: { scale: { color: 'independent', y: 'independent' } },
  };
  const throughput = {
    width: WIDTH,
    height: 120,
    title: 'throughput (completed operations per second)',
    layer: [
      shading(p),
      {
        data: { values: p.throughput },
        mark: { type: 'line', interpolate: 'step-after', aria: false },
        encoding: {
          x: xAxis(p, 'seconds since the drill started'),
          y: { field: 'perSec', type: 'quantitative', title: 'ops/s' },
          color: { field: 'outcome', type: 'nominal', scale: OUTCOMES, legend: null },
        },
      },
      ...markLayers(p, false),
    ],
    resolve: { scale: { color: 'independent' } },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: { aria: false, font: 'sans-serif', legend: { orient: 'right' } },
    background: 'white',
    vconcat: [latency, throughput],
  };
}

/** Vega writes coordinates with 15 digits; a tenth of a pixel is all a screen shows, and it halves the file. */
function trimDecimals(svg: string): string {
  return svg.replace(/ (d|transform|x|y|x1|x2|y1|y2)="([^"]*)"/g, (_, name: string, value: string) => ` ${name}="${value.replace(/(\d\.\d)\d+/g, '$1')}"`);
}

/** Renders a round's charts to one SVG element. */
export async function renderRoundSvg(p: RoundPlot): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vegaLite.compile(roundSpec(p) as unknown as Parameters<typeof vegaLite.compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return trimDecimals(await view.toSVG());
  } finally {
    view.finalize();
  }
}
