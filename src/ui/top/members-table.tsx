/**
 * The members table: one row per member, unreachable ones included (with how long they have
 * been down). Columns are dropped by priority until the table fits the width; the last column
 * (health) takes what is left.
 */
import { Box } from 'ink';
import type { TopEngine, TopMember } from '../../ops/top/model.js';
import { formatBytes } from '../../common/units.js';
import { bar, cell, duration, seg, type Seg, type Segs, type Tone } from './format.js';
import { Line } from './theme.js';

/** What a cell is drawn from: the row and the time of the poll. */
interface CellInput {
  readonly m: TopMember;
  readonly now: number;
}

interface Column {
  readonly header: string;
  readonly align: 'left' | 'right';
  /** Lower stays longer when the width is short. */
  readonly priority: number;
  readonly draw: (c: CellInput) => { text: string; tone?: Tone };
  /** The engine whose members report the figure (fleet's report no db size, etcd's no RSS); absent: both. */
  readonly engine?: TopEngine;
  /** Shown only when some member reports a zone or a region (as in fleet status). */
  readonly placement?: true;
}

const LAG_BAR_WIDTH = 8;
const dash = { text: '-', tone: 'dim' as Tone };
const num = (n: number | null) => (n === null ? dash : { text: String(n) });

const COLUMNS: readonly Column[] = [
  { header: 'ID', align: 'left', priority: 0, draw: ({ m }) => ({ text: m.id ?? '?', tone: m.role === 'leader' ? 'accent' : 'plain' }) },
  { header: 'ADDRESS', align: 'left', priority: 6, draw: ({ m }) => ({ text: m.address }) },
  { header: 'REGION', align: 'left', priority: 5, draw: ({ m }) => (m.region === null ? dash : { text: m.region }), placement: true },
  { header: 'ZONE', align: 'left', priority: 4, draw: ({ m }) => (m.zone === null ? dash : { text: m.zone }), placement: true },
  { header: 'ROLE', align: 'left', priority: 0, draw: ({ m }) => ({ text: m.role, tone: roleTone(m) }) },
  { header: 'TERM', align: 'right', priority: 1, draw: ({ m }) => num(m.term) },
  { header: 'COMMIT', align: 'right', priority: 1, draw: ({ m }) => num(m.commitIndex) },
  { header: 'APPLIED', align: 'right', priority: 5, draw: ({ m }) => num(m.appliedIndex) },
  // etcd exposes no follower match index over gRPC.
  { header: 'MATCH', align: 'right', priority: 3, draw: ({ m }) => num(m.matchIndex), engine: 'fleet' },
  { header: 'LAG', align: 'right', priority: 1, draw: ({ m }) => (m.lag === null ? dash : { text: String(m.lag), tone: m.lag === 0 ? 'plain' : 'warn' }) },
  { header: 'LAG BAR', align: 'left', priority: 3, draw: lagBar },
  { header: 'CONTACT', align: 'right', priority: 2, draw: contact },
  { header: 'RTT', align: 'right', priority: 4, draw: ({ m }) => (m.rttMs === null || m.role === 'unreachable' ? dash : { text: rtt(m.rttMs) }) },
  { header: 'RSS', align: 'right', priority: 4, draw: ({ m }) => (m.rssBytes === null ? dash : { text: formatBytes(m.rssBytes) }), engine: 'fleet' },
  { header: 'DB SIZE', align: 'right', priority: 4, draw: ({ m }) => (m.dbSize === null ? dash : { text: formatBytes(m.dbSize) }), engine: 'etcd' },
  { header: 'VERSION', align: 'left', priority: 6, draw: ({ m }) => (m.version === null ? dash : { text: m.version }) },
];

const HEALTH: Column = { header: 'HEALTH', align: 'left', priority: 2, draw: health };

/** ok, or the problem; a held event loop is said beside either (its heartbeats were late). */
function health({ m }: CellInput): { text: string; tone?: Tone } {
  const held = m.loopHeldMs === null ? '' : `loop held ${duration(m.loopHeldMs)}`;
  if (!m.healthy) return { text: [(m.problem ?? 'unhealthy').replace(/^unreachable: /, ''), held].filter(Boolean).join(' · '), tone: 'bad' };
  return held === '' ? { text: 'ok', tone: 'ok' } : { text: `ok · ${held}`, tone: 'warn' };
}

/** The narrowest the health column may be: less important columns go before it gets narrower. */
const HEALTH_MIN = 20;

function roleTone(m: TopMember): Tone {
  if (m.role === 'leader') return 'accent';
  if (m.role === 'unreachable') return 'bad';
  if (m.role === 'candidate' || m.role === 'unknown') return 'warn';
  return 'plain';
}

function lagBar({ m }: CellInput): { text: string; tone?: Tone } {
  if (m.lag === null) return { text: '' };
  // A log scale up to 10,000 entries: a few entries show, and a follower far behind fills the bar whatever the others do.
  const text = bar(Math.log10(m.lag + 1) / 4, LAG_BAR_WIDTH);
  return { text, tone: m.replication === 'snapshot' || m.lag > 1_000 ? 'bad' : m.lag > 0 ? 'warn' : 'dim' };
}

function contact({ m, now }: CellInput): { text: string; tone?: Tone } {
  if (m.role === 'unreachable') return m.downSince === null ? { text: 'down', tone: 'bad' } : { text: `down ${duration(now - m.downSince)}`, tone: 'bad' };
  if (m.role === 'leader' || m.lastContactMs === null) return dash;
  if (m.lastContactMs < 0) return { text: 'never', tone: 'warn' };
  return { text: duration(m.lastContactMs), tone: m.healthy ? 'plain' : 'warn' };
}

function rtt(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)}ms` : `${Math.round(ms)}ms`;
}

/** The columns that fit in `width` (besides the selection marker), in display order, each with its width. */
export function fitColumns(rows: readonly CellInput[], width: number, engine: TopEngine = 'fleet'): { col: Column; width: number }[] {
  const placed = rows.some((r) => r.m.zone !== null || r.m.region !== null);
  const present = [...COLUMNS, HEALTH].filter((col) => (col.engine === undefined || col.engine === engine) && (col.placement !== true || placed));
  const sized = present.map((col) => ({ col, width: Math.max(col.header.length, ...rows.map((r) => [...col.draw(r).text].length)) }));
  const byPriority = [...sized].sort((a, b) => a.col.priority - b.col.priority);
  const chosen = new Set<Column>();
  let used = 2;
  for (const s of byPriority) {
    const need = (s.col === HEALTH ? HEALTH_MIN : s.width) + 1;
    // Strictly by priority: a narrow column of less importance never takes the place of a wider, more important one.
    if (used + need > width) break;
    chosen.add(s.col);
    used += need;
  }
  const shown = sized.filter((s) => chosen.has(s.col));
  const health = shown.find((s) => s.col === HEALTH);
  if (health !== undefined) health.width = Math.max(HEALTH_MIN, width - 3 - shown.filter((s) => s !== health).reduce((n, s) => n + s.width + 1, 0));
  return shown;
}

/** Props of the table. */
export interface MembersTableProps {
  readonly members: readonly TopMember[];
  /** Which engine's members these are: it decides the engine-specific columns (fleet when absent). */
  readonly engine?: TopEngine;
  readonly now: number;
  readonly width: number;
  /** How many member rows to draw; the window follows the selection. */
  readonly rows: number;
  readonly selected: number;
  readonly focused: boolean;
  readonly color: boolean;
}

/** The table's lines: title, header, rows. */
export function membersLines(p: MembersTableProps): Segs[] {
  const inputs = p.members.map((m) => ({ m, now: p.now }));
  const cols = fitColumns(inputs, p.width, p.engine);
  const start = Math.max(0, Math.min(p.selected - p.rows + 1, p.members.length - p.rows));
  const shown = inputs.slice(start, start + p.rows);
  const more = p.members.length > p.rows ? seg(` rows ${start + 1}-${start + shown.length} of ${p.members.length}`, 'dim') : seg('');
  const title = [seg(p.focused ? '» MEMBERS' : '  MEMBERS', 'title', p.focused), seg(` ${p.members.length}`, 'dim'), more];
  const header = [seg('  '), ...cols.map((c) => seg(`${cell(c.col.header, c.width, c.col.align)} `, 'dim'))];
  const rows = shown.map((input, i) => rowSegs(input, cols, start + i === p.selected, p.focused));
  return [title, header, ...rows];
}

function rowSegs(input: CellInput, cols: readonly { col: Column; width: number }[], selected: boolean, focused: boolean): Segs {
  const cells: Seg[] = cols.map((c) => {
    const d = c.col.draw(input);
    return seg(`${cell(d.text, c.width, c.col.align)} `, d.tone ?? 'plain', selected && focused);
  });
  return [seg(selected ? '› ' : '  ', 'accent'), ...cells];
}

/** The members table. */
export function MembersTable(p: MembersTableProps) {
  return (
    <Box flexDirection="column">
      {membersLines(p).map((segs, i) => (
        <Line key={i} segs={segs} width={p.width} color={p.color} />
      ))}
    </Box>
  );
}
