/**
 * The whole dashboard frame, drawn from the cluster's state (TopState) and the screen's own
 * (UiState) for a given size. Pure: the same props always draw the same frame, which is what
 * `--once` prints and what the tests compare.
 */
import { Box } from 'ink';
import type { TopState } from '../../ops/top/model.js';
import { seg, type Seg, type Segs } from './format.js';
import { Header } from './header.js';
import { planLayout, type Layout, type ScreenSize } from './layout.js';
import { MembersTable } from './members-table.js';
import { eventsLines, Lines, registryLines, registryRows, sparklineLine } from './panels.js';
import { Line } from './theme.js';
import type { UiState } from './ui-state.js';

/** Props of the frame. */
export interface TopScreenProps {
  readonly state: TopState;
  readonly ui: UiState;
  readonly size: ScreenSize;
  readonly color: boolean;
  /** A single frame for a script (`--once`): no key hints. */
  readonly once?: boolean;
}

/** An action's outcome stays on the bottom line this long. */
const ACTION_SHOWN_MS = 10_000;

const KEYS: readonly [string, string][] = [
  ['q', 'quit'],
  ['↑↓', 'select'],
  ['Tab', 'panel'],
  ['t', 'transfer'],
  ['s', 'snapshot'],
  ['p', 'pause'],
  ['/', 'filter'],
  ['?', 'help'],
];

/** The bottom line: what is being typed or confirmed, the last outcome, or the keys. */
export function bottomLine(s: TopState, ui: UiState): Segs {
  if (ui.filtering) return [seg('filter shards: /', 'accent'), seg(ui.filter), seg('▏', 'accent'), seg('   Enter keep · Esc clear', 'dim')];
  if (ui.confirm !== null) return [seg(` transfer leadership ${ui.confirm.from ?? '?'} → ${ui.confirm.to}? `, 'warn', true), seg('  y confirms, any other key cancels', 'dim')];
  if (ui.notice !== null) return [seg(ui.notice.text, ui.notice.tone)];
  const a = s.action;
  if (a !== null && (a.state === 'running' || s.at === null || s.at - a.at < ACTION_SHOWN_MS)) {
    const tone = a.state === 'running' ? 'accent' : a.state === 'done' ? 'ok' : a.state === 'failed' ? 'bad' : 'warn';
    return [seg(a.text, tone)];
  }
  return keyHints(s.readonly);
}

function keyHints(readonly: boolean): Segs {
  const out: Seg[] = [];
  for (const [key, what] of KEYS) {
    const disabled = readonly && (key === 't' || key === 's');
    out.push(seg(key, disabled ? 'dim' : 'accent'), seg(` ${what}  `, 'dim'));
  }
  if (readonly) out.push(seg('(read-only)', 'warn'));
  return out;
}

/** The help overlay's lines. */
export function helpLines(readonly: boolean): Segs[] {
  const rows: [string, string][] = [
    ['q, Ctrl-C', 'quit'],
    ['↑ ↓, PgUp PgDn', 'select a member, or scroll the focused panel'],
    ['Tab, Shift-Tab', 'move between members, events and registry'],
    ['t', readonly ? 'transfer leadership (refused: --readonly)' : 'transfer leadership to the selected member (asks y/N)'],
    ['s', readonly ? 'take a snapshot (refused: --readonly)' : 'take a snapshot on the leader'],
    ['p', 'pause or resume polling (the screen keeps the last state)'],
    ['/', 'filter shards by id, state, region, zone or address; Esc clears'],
    ['?, Esc', 'close this help'],
  ];
  return [
    [seg('  KEYS', 'title')],
    ...rows.map(([k, what]): Segs => [seg(`  ${k.padEnd(16)}`, 'accent'), seg(what)]),
    [seg('')],
    [seg('  Lag is in entries, as the leader sees it. Writes/s is the commit index over the last 5s.', 'dim')],
    [seg('  An unreachable member stays in the table with how long it has been down.', 'dim')],
  ];
}

/** The frame. */
export function TopScreen({ state, ui, size, color, once = false }: TopScreenProps) {
  const registryCount = registryRows(state.registry, ui.filter, size.columns).length;
  const layout = planLayout(size, { members: state.members.length, banner: state.header.banner !== null, events: state.events.length, registryLines: registryCount });
  const width = size.columns;
  return (
    <Box flexDirection="column" width={width}>
      <Header state={state} width={width} color={color} />
      {ui.help ? <Lines lines={helpLines(state.readonly).slice(0, helpRows(size, layout))} width={width} color={color} /> : <Body state={state} ui={ui} layout={layout} width={width} color={color} />}
      {once ? null : <Line segs={bottomLine(state, ui)} width={width} color={color} />}
    </Box>
  );
}

/** Rows the help may use: the space the table and panels would have. */
function helpRows(size: ScreenSize, layout: Layout): number {
  if (size.rows === null) return 100;
  const panels = layout.panels === 'none' ? 0 : layout.panels === 'side' ? 1 + layout.eventsRows : 2 + layout.eventsRows + layout.registryRows;
  return 2 + layout.memberRows + (layout.sparkline ? 1 : 0) + panels;
}

function Body({ state, ui, layout, width, color }: { state: TopState; ui: UiState; layout: Layout; width: number; color: boolean }) {
  const selected = Math.min(ui.selected, Math.max(0, state.members.length - 1));
  const events = eventsLines(state.events, layout.eventsRows, ui.eventsScroll, ui.panel === 'events');
  const registry = registryLines(state, layout.registryRows, layout.registryWidth, ui.filter, ui.filtering, ui.registryScroll, ui.panel === 'registry');
  return (
    <Box flexDirection="column">
      <MembersTable members={state.members} engine={state.header.engine} now={state.at ?? 0} width={width} rows={layout.memberRows} selected={selected} focused={ui.panel === 'members'} color={color} />
      {layout.sparkline ? <Line segs={sparklineLine(state, width)} width={width} color={color} /> : null}
      {layout.panels === 'side' ? (
        <Box flexDirection="row">
          <Lines lines={events} width={layout.eventsWidth} color={color} />
          <Box width={1} />
          <Lines lines={registry} width={layout.registryWidth} color={color} />
        </Box>
      ) : null}
      {layout.panels === 'stacked' ? <Lines lines={[...events, ...registry]} width={width} color={color} /> : null}
    </Box>
  );
}
