/**
 * Plain-text building blocks of the dashboard: segments of a line with a meaning (tone),
 * fitting to a width, bars and sparklines. Pure, so the layout is tested without a terminal.
 */
import { formatDuration } from '../../common/durations.js';

/** What a piece of text means; the theme turns it into colour (or nothing, with NO_COLOR). */
export type Tone = 'plain' | 'ok' | 'warn' | 'bad' | 'dim' | 'accent' | 'title';

/** A run of text in one tone. */
export interface Seg {
  readonly text: string;
  readonly tone?: Tone;
  readonly inverse?: boolean;
}

/** A line as segments. */
export type Segs = readonly Seg[];

/** Text in a tone. */
export function seg(text: string, tone: Tone = 'plain', inverse = false): Seg {
  return inverse ? { text, tone, inverse } : { text, tone };
}

/** The visible width of segments (every character the dashboard prints is one column wide). */
export function widthOf(segs: Segs): number {
  return segs.reduce((n, s) => n + [...s.text].length, 0);
}

/** Cuts segments to `width` columns, marking the cut with `…`. */
export function fit(segs: Segs, width: number): Seg[] {
  if (width <= 0) return [];
  if (widthOf(segs) <= width) return [...segs];
  const out: Seg[] = [];
  let left = width - 1;
  for (const s of segs) {
    const chars = [...s.text];
    if (chars.length <= left) {
      out.push(s);
      left -= chars.length;
      continue;
    }
    if (left > 0) out.push({ ...s, text: chars.slice(0, left).join('') });
    break;
  }
  out.push({ text: '…', tone: 'dim' });
  return out;
}

/** Pads or cuts a string to exactly `width` columns. */
export function cell(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const chars = [...text];
  if (chars.length > width) return width <= 1 ? chars.slice(0, width).join('') : `${chars.slice(0, width - 1).join('')}…`;
  const pad = ' '.repeat(width - chars.length);
  return align === 'left' ? text + pad : pad + text;
}

/** A horizontal bar of `width` cells filled to `fraction` (at least one cell when above zero). */
export function bar(fraction: number, width: number): string {
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const filled = f === 0 ? 0 : Math.max(1, Math.round(f * width));
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

const SPARKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/** The newest `width` values as a sparkline scaled to their maximum; a flat zero line is all `▁`. */
export function sparkline(values: readonly number[], width: number): string {
  const shown = values.slice(-Math.max(0, width));
  const max = Math.max(0, ...shown);
  return shown.map((v) => (max === 0 ? SPARKS[0] : SPARKS[Math.min(SPARKS.length - 1, Math.round((v / max) * (SPARKS.length - 1)))])).join('');
}

/** A wall-clock time, `HH:MM:SS` in the local zone. */
export function clock(epochMs: number): string {
  const d = new Date(epochMs);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** A duration for a cell: `40ms`, `1.2s`, `3m05s`. */
export function duration(ms: number): string {
  return formatDuration(Math.max(0, ms));
}

/** A round setting such as an interval or a threshold: `250ms`, `1s`, `15m`, `2h`. */
export function shortDuration(ms: number): string {
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1_000]] as const) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return formatDuration(ms);
}

/** An index with thousands separators: `12,345`. */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}
