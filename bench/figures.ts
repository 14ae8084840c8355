/**
 * The figures `npm run bench` prints and writes, and how one is made from repeated samples of
 * fleet and (where installed) etcd: medians, spread, the fleet/etcd ratio and its goal — or,
 * where fleet is compared with itself in another configuration, the ratio to that baseline.
 * Pure functions: test/bench covers them.
 */

/** One measured figure, in the shape `npm run bench -- --json FILE` writes. */
export interface BenchFigure {
  area: string;
  /** Stable across runs, so runs can be compared over time. */
  name: string;
  unit: string;
  /** Median of fleet's samples. */
  fleet: number;
  /** Median of etcd's samples, or null where etcd was not measured. */
  etcd: number | null;
  /**
   * fleet / etcd, or with `ratioTo` fleet / that baseline figure (areas that predate the
   * comparison may leave it out; run.ts fills it in).
   */
  ratio?: number | null;
  /** The figure of the same run the ratio is to, where fleet is compared with itself in another configuration (etcd is then null). */
  ratioTo?: string;
  goal: string;
  met: boolean | null;
  /** What the reader must know to read the comparison (what etcd's side was), printed after the goal. */
  note?: string;
  /** Lowest and highest sample of each side, when there were several. */
  spread?: { fleet: [number, number]; etcd: [number, number] | null };
}

/**
 * What a figure must reach. `ratio-*` goals compare fleet with etcd measured in the same run
 * (fleet / etcd); the others hold fleet's median to an absolute bound.
 */
export type Goal =
  | { readonly kind: 'none' }
  | { readonly kind: 'at-most' | 'at-least'; readonly value: number }
  | { readonly kind: 'ratio-at-most' | 'ratio-at-least'; readonly value: number };

export const NO_GOAL: Goal = { kind: 'none' };
export const atMost = (value: number): Goal => ({ kind: 'at-most', value });
export const atLeast = (value: number): Goal => ({ kind: 'at-least', value });
export const ratioAtMost = (value: number): Goal => ({ kind: 'ratio-at-most', value });
export const ratioAtLeast = (value: number): Goal => ({ kind: 'ratio-at-least', value });

/** The median (mean of the middle two for an even count); NaN for none. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The q-th quantile of sorted numbers (nearest rank below). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Lowest and highest sample. */
export function spreadOf(xs: readonly number[]): [number, number] {
  return [Math.min(...xs), Math.max(...xs)];
}

/** Rounds to a precision that suits the magnitude: integers from 100 up, two decimals below 10. */
export function tidy(x: number): number {
  if (!Number.isFinite(x)) return x;
  const abs = Math.abs(x);
  if (abs >= 100) return Math.round(x);
  if (abs >= 10) return Math.round(x * 10) / 10;
  return Math.round(x * 100) / 100;
}

/** fleet / etcd, two decimals; null without etcd or when either is not a positive number. */
export function ratioOf(fleet: number, etcd: number | null): number | null {
  if (etcd === null || !Number.isFinite(etcd) || !Number.isFinite(fleet) || etcd <= 0) return null;
  return Math.round((fleet / etcd) * 100) / 100;
}

/** The goal as printed: `<= 500`, `>= 2.5x etcd`. */
export function goalText(goal: Goal): string {
  switch (goal.kind) {
    case 'none':
      return '';
    case 'at-most':
      return `<= ${goal.value}`;
    case 'at-least':
      return `>= ${goal.value}`;
    case 'ratio-at-most':
      return `<= ${goal.value}x etcd`;
    case 'ratio-at-least':
      return `>= ${goal.value}x etcd`;
  }
}

/** Whether the goal is met; null when there is none or it cannot be judged (a ratio without etcd). */
export function isMet(goal: Goal, fleet: number, ratio: number | null): boolean | null {
  if (!Number.isFinite(fleet)) return goal.kind === 'none' ? null : false;
  switch (goal.kind) {
    case 'none':
      return null;
    case 'at-most':
      return fleet <= goal.value;
    case 'at-least':
      return fleet >= goal.value;
    case 'ratio-at-most':
      return ratio === null ? null : ratio <= goal.value;
    case 'ratio-at-least':
      return ratio === null ? null : ratio >= goal.value;
  }
}

/** A figure from fleet's samples and etcd's (null: etcd not measured). */
export function compare(area: string, name: string, unit: string, fleetSamples: readonly number[], etcdSamples: readonly number[] | null, goal: Goal = NO_GOAL): BenchFigure {
  const fleet = tidy(median(fleetSamples));
  const etcd = etcdSamples === null || etcdSamples.length === 0 ? null : tidy(median(etcdSamples));
  const ratio = ratioOf(fleet, etcd);
  const figure: BenchFigure = { area, name, unit, fleet, etcd, ratio, goal: goalText(goal), met: isMet(goal, fleet, ratio) };
  if (fleetSamples.length > 1 || (etcdSamples?.length ?? 0) > 1) {
    const tidied = (xs: readonly number[]): [number, number] => spreadOf(xs).map(tidy) as [number, number];
    figure.spread = { fleet: tidied(fleetSamples), etcd: etcd === null ? null : tidied(etcdSamples!) };
  }
  return figure;
}

/** A figure of fleet alone. */
export function fleetOnly(area: string, name: string, unit: string, samples: readonly number[], goal: Goal = NO_GOAL): BenchFigure {
  return compare(area, name, unit, samples, null, goal);
}

/**
 * A figure of fleet in one configuration against `baseline`, fleet's figure in a baseline
 * configuration measured interleaved with it in the same run: the ratio is of the two medians.
 */
export function againstBaseline(area: string, name: string, unit: string, samples: readonly number[], baseline: BenchFigure): BenchFigure {
  const figure = fleetOnly(area, name, unit, samples);
  return { ...figure, ratio: ratioOf(figure.fleet, baseline.fleet), ratioTo: baseline.name };
}

/** Fills in `ratio` for figures made without it (areas that predate the comparison). */
export function normalize(f: BenchFigure): Required<Omit<BenchFigure, 'spread' | 'ratioTo' | 'note'>> & Pick<BenchFigure, 'spread' | 'ratioTo' | 'note'> {
  return { ...f, ratio: f.ratio === undefined ? ratioOf(f.fleet, f.etcd) : f.ratio };
}

function cell(value: number | null, spread: [number, number] | null | undefined): string {
  if (value === null) return '-';
  const v = value.toLocaleString('en-US');
  if (spread === undefined || spread === null || spread[0] === spread[1]) return v;
  return `${v} (${spread[0].toLocaleString('en-US')}–${spread[1].toLocaleString('en-US')})`;
}

/** The table's header line. */
export function headerLine(): string {
  return `${'area'.padEnd(9)} ${'figure'.padEnd(30)} ${'unit'.padEnd(9)} ${'fleet (min–max)'.padStart(24)} | ${'etcd (min–max)'.padStart(24)} | ${'ratio'.padStart(6)}  goal`;
}

/** One figure as a line of the table: `fleet | etcd | ratio`, the goal and met/MISSED, and what the ratio is to when not etcd. */
export function figureLine(f: BenchFigure): string {
  const ratio = f.ratio === undefined ? ratioOf(f.fleet, f.etcd) : f.ratio;
  const verdict = f.met === null ? '' : f.met ? 'met' : 'MISSED';
  const goal = [f.goal === '' ? '' : `${f.goal} ${verdict}`, f.ratioTo === undefined ? '' : `ratio to ${f.ratioTo}`, f.note ?? ''].filter(Boolean).join('; ');
  return `${f.area.padEnd(9)} ${f.name.padEnd(30)} ${f.unit.padEnd(9)} ${cell(f.fleet, f.spread?.fleet).padStart(24)} | ${cell(f.etcd, f.spread?.etcd).padStart(24)} | ${(ratio === null ? '-' : `${ratio}x`).padStart(6)}  ${goal}`.trimEnd();
}
