/**
 * The `fleet top --contexts` frame: a header with the worst news first, then one row per
 * cluster (leader, term, commit/applied, worst lag, quorum) in the order the operator named
 * them, and under a cluster that is not healthy one line saying why ("unreachable: connection
 * refused"). Pure: the same props always draw the same frame; `--once` prints it.
 */
import { Box } from 'ink';
import type { ContextsTopState, ContextTile } from '../../ops/top/contexts.js';
import { cell, clock, count, seg, shortDuration, widthOf, type Seg, type Segs, type Tone } from './format.js';
import type { ScreenSize } from './layout.js';
import { Lines } from './panels.js';

/** Props of the frame. */
export interface ContextsScreenProps {
  readonly state: ContextsTopState;
  readonly size: ScreenSize;
  readonly color: boolean;
  /** Rows scrolled past when the clusters do not fit the screen. */
  readonly scroll?: number;
  /** A single frame for a script (`--once`): no key hints. */
  readonly once?: boolean;
}

interface Column {
  readonly header: string;
  readonly align: 'left' | 'right';
  /** Lower stays longer when the width is short. */
  readonly priority: number;
  readonly draw: (t: ContextTile) => { text: string; tone?: Tone };
}

const dash = { text: '-', tone: 'dim' as Tone };
const num = (n: number | null) => (n === null ? dash : { text: count(n) });

const COLUMNS: readonly Column[] = [
  { header: 'CONTEXT', align: 'left', priority: 0, draw: (t) => ({ text: t.context, tone: 'title' }) },
  { header: 'STATE', align: 'left', priority: 0, draw: stateCell },
  { header: 'LEADER', align: 'left', priority: 1, draw: (t) => (t.leader === null ? (t.polls === 0 || t.unreachable ? dash : { text: 'none', tone: 'bad' }) : { text: t.leader, tone: 'accent' }) },
  { header: 'TERM', align: 'right', priority: 1, draw: (t) => num(t.term) },
  { header: 'COMMIT', align: 'right', priority: 2, draw: (t) => num(t.commitIndex) },
  { header: 'APPLIED', align: 'right', priority: 4, draw: (t) => num(t.appliedIndex) },
  { header: 'MAX LAG', align: 'right', priority: 1, draw: (t) => (t.worstLag === null ? dash : { text: count(t.worstLag), tone: t.worstLag === 0 ? 'plain' : 'warn' }) },
  { header: 'QUORUM', align: 'left', priority: 2, draw: quorumCell },
  { header: 'DOWN', align: 'left', priority: 3, draw: (t) => (t.down.length === 0 || t.unreachable ? dash : { text: t.down.join(','), tone: 'bad' }) },
  { header: 'CHECKED', align: 'right', priority: 5, draw: (t) => (t.checkedAt === null ? dash : { text: clock(t.checkedAt), tone: 'dim' }) },
];

function stateCell(t: ContextTile): { text: string; tone: Tone } {
  if (t.polls === 0) return { text: 'asking…', tone: 'dim' };
  if (t.unreachable) return { text: 'UNREACHABLE', tone: 'bad' };
  return { text: t.state, tone: t.state === 'healthy' ? 'ok' : t.state === 'degraded' ? 'warn' : 'bad' };
}

function quorumCell(t: ContextTile): { text: string; tone?: Tone } {
  if (t.voters === null || t.quorum === null || t.failureTolerance === null || t.unreachable || t.voters === 0) return dash;
  if (t.state === 'unavailable') return { text: `${t.quorum} of ${t.voters}, NO QUORUM`, tone: 'bad' };
  return { text: `${t.quorum} of ${t.voters}, can lose ${t.failureTolerance}`, tone: t.failureTolerance === 0 ? 'warn' : 'ok' };
}

/** The columns that fit in `width` (after a two-column indent), in display order, each with its width. */
export function contextColumns(tiles: readonly ContextTile[], width: number): { col: Column; width: number }[] {
  const sized = COLUMNS.map((col) => ({ col, width: Math.max(col.header.length, ...tiles.map((t) => [...col.draw(t).text].length)) }));
  const chosen = new Set<Column>();
  let used = 2;
  for (const s of [...sized].sort((a, b) => a.col.priority - b.col.priority)) {
    if (used + s.width + 1 > width) break;
    chosen.add(s.col);
    used += s.width + 1;
  }
  return sized.filter((s) => chosen.has(s.col));
}

/** Line 1: what is watched, the interval, and the time of the newest poll (or PAUSED). */
export function contextsTitle(s: ContextsTopState, width: number): Segs {
  const left: Seg[] = [seg('fleet top', 'title'), seg(' · ', 'dim'), seg(`${s.contexts.length} contexts`), seg(' · ', 'dim'), seg(`every ${shortDuration(s.intervalMs)}`, 'dim')];
  const right = s.paused ? seg(' PAUSED ', 'warn', true) : seg(s.at === null ? 'connecting…' : clock(s.at), 'dim');
  const gap = width - widthOf(left) - widthOf([right]);
  return [...left, seg(' '.repeat(Math.max(1, gap))), right];
}

/** Line 2: how many clusters are in each state, trouble first. */
export function contextsSummary(s: ContextsTopState): Segs {
  const asked = s.contexts.filter((t) => t.polls > 0);
  const parts: [number, string, Tone][] = [
    [asked.filter((t) => t.unreachable).length, 'unreachable', 'bad'],
    [asked.filter((t) => !t.unreachable && t.state === 'unavailable').length, 'without quorum', 'bad'],
    [asked.filter((t) => t.state === 'degraded').length, 'degraded', 'warn'],
    [asked.filter((t) => t.state === 'healthy').length, 'healthy', 'ok'],
    [s.contexts.length - asked.length, 'waiting', 'dim'],
  ];
  const shown = parts.filter(([n]) => n > 0);
  if (shown.length === 0) return [seg('waiting for the first answers…', 'dim')];
  return shown.flatMap(([n, what, tone], i) => [...(i === 0 ? [] : [seg(' · ', 'dim')]), seg(`${n} ${what}`, tone)]);
}

/** The lines of one cluster: its row, and why it is not healthy (if it is not). */
function tileLines(t: ContextTile, cols: readonly { col: Column; width: number }[]): Segs[] {
  const row: Segs = [seg('  '), ...cols.map((c) => {
    const d = c.col.draw(t);
    return seg(`${cell(d.text, c.width, c.col.align)} `, d.tone ?? 'plain');
  })];
  if (t.problem === null || t.polls === 0) return [row];
  const tone: Tone = t.state === 'degraded' ? 'warn' : 'bad';
  const since = t.unreachable ? seg(t.answeredAt === null ? ' · never answered' : ` · last answer ${clock(t.answeredAt)}`, 'dim') : seg('');
  return [row, [seg('    └ ', 'dim'), seg(t.problem, tone), since]];
}

const KEYS: readonly [string, string][] = [
  ['q', 'quit'],
  ['↑↓', 'scroll'],
  ['r', 'refresh now'],
  ['p', 'pause'],
];

function keyHints(): Segs {
  return KEYS.flatMap(([key, what]) => [seg(key, 'accent'), seg(` ${what}  `, 'dim')]);
}

/**
 * Every line of the frame. On a screen with `rows`, the frame keeps within `rows - 1` lines
 * (ink then redraws in place): the clusters scroll, and a last line counts those not shown.
 */
export function contextsLines(s: ContextsTopState, size: ScreenSize, scroll: number, once: boolean): Segs[] {
  const cols = contextColumns(s.contexts, size.columns);
  const head: Segs[] = [contextsTitle(s, size.columns), contextsSummary(s), [seg('  '), ...cols.map((c) => seg(`${cell(c.col.header, c.width, c.col.align)} `, 'dim'))]];
  const blocks = s.contexts.map((t) => tileLines(t, cols));
  const foot: Segs[] = once ? [] : [keyHints()];
  if (size.rows === null) return [...head, ...blocks.flat(), ...foot];
  const budget = size.rows - 1 - head.length - foot.length;
  const first = Math.max(0, Math.min(scroll, blocks.length - 1));
  const body: Segs[] = [];
  let i = first;
  for (; i < blocks.length; i++) {
    // Keep a line for the "more" note unless this is the last block.
    const reserve = i === blocks.length - 1 ? 0 : 1;
    if (body.length + blocks[i]!.length + reserve > budget) break;
    body.push(...blocks[i]!);
  }
  const hidden = first + (blocks.length - i);
  if (hidden > 0 && body.length < budget) body.push([seg(`  ${hidden} more ${hidden === 1 ? 'context' : 'contexts'} (↑↓ to scroll)`, 'dim')]);
  return [...head, ...body, ...foot];
}

/** The frame. */
export function ContextsScreen({ state, size, color, scroll = 0, once = false }: ContextsScreenProps) {
  return (
    <Box flexDirection="column" width={size.columns}>
      <Lines lines={contextsLines(state, size, scroll, once)} width={size.columns} color={color} />
    </Box>
  );
}
