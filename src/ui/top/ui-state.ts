/**
 * What the operator is doing on the screen (the focused panel, the selected member, scroll
 * positions, the help overlay, the filter being typed, a confirmation awaited) and how each key
 * changes it. Pure: a key and a state give the next state and at most one effect for the app
 * to run (quit, pause, an action on the cluster).
 */
import type { TopMember } from '../../ops/top/model.js';

/** The panels Tab moves between. */
export type Panel = 'members' | 'events' | 'registry';

const PANELS: readonly Panel[] = ['members', 'events', 'registry'];

/** The screen's own state; the cluster's is TopState. */
export interface UiState {
  readonly panel: Panel;
  /** Index of the selected member row. */
  readonly selected: number;
  /** Rows scrolled back from the newest event. */
  readonly eventsScroll: number;
  readonly registryScroll: number;
  readonly help: boolean;
  /** The shards filter (substring of id, state, region, zone or address). */
  readonly filter: string;
  /** True while the filter is being typed. */
  readonly filtering: boolean;
  /** A transfer awaiting y/N. */
  readonly confirm: { readonly from: string | null; readonly to: string } | null;
  /** A one-line message from the last key (a refusal, a cancellation). */
  readonly notice: { readonly text: string; readonly tone: 'warn' | 'dim' } | null;
}

/** The initial screen state. */
export const INITIAL_UI: UiState = {
  panel: 'members',
  selected: 0,
  eventsScroll: 0,
  registryScroll: 0,
  help: false,
  filter: '',
  filtering: false,
  confirm: null,
  notice: null,
};

/** The keys the dashboard reads (a subset of ink's Key). */
export interface KeyPress {
  readonly upArrow?: boolean;
  readonly downArrow?: boolean;
  readonly pageUp?: boolean;
  readonly pageDown?: boolean;
  readonly tab?: boolean;
  readonly shift?: boolean;
  readonly escape?: boolean;
  readonly return?: boolean;
  readonly ctrl?: boolean;
  readonly backspace?: boolean;
  readonly delete?: boolean;
}

/** What the app must do after a key. */
export type Effect = { readonly type: 'quit' } | { readonly type: 'pause' } | { readonly type: 'snapshot' } | { readonly type: 'transfer'; readonly to: string } | null;

/** What a key needs to know about the cluster. */
export interface KeyContext {
  readonly members: readonly TopMember[];
  readonly leader: string | null;
  readonly readonly: boolean;
}

/** The next state and effect for one key press. */
export function onKey(ui: UiState, input: string, key: KeyPress, ctx: KeyContext): { ui: UiState; effect: Effect } {
  if (key.ctrl && input === 'c') return { ui, effect: { type: 'quit' } };
  if (ui.filtering) return { ui: onFilterKey(ui, input, key), effect: null };
  if (ui.confirm !== null) return onConfirmKey(ui, input);
  if (ui.help) return { ui: input === '?' || input === 'q' || key.escape ? { ...ui, help: false } : ui, effect: null };
  const next = { ...ui, notice: null };
  if (input === 'q') return { ui: next, effect: { type: 'quit' } };
  if (input === '?') return { ui: { ...next, help: true }, effect: null };
  if (input === 'p') return { ui: next, effect: { type: 'pause' } };
  if (input === '/') return { ui: { ...next, filtering: true, panel: 'registry', registryScroll: 0 }, effect: null };
  if (input === 't') return { ui: askTransfer(next, ctx), effect: null };
  if (input === 's') return ctx.readonly ? { ui: refused(next, 'snapshot'), effect: null } : { ui: next, effect: { type: 'snapshot' } };
  if (key.tab) return { ui: { ...next, panel: cycle(ui.panel, key.shift ? -1 : 1) }, effect: null };
  if (key.escape) return { ui: { ...next, filter: '' }, effect: null };
  if (key.upArrow || key.downArrow || key.pageUp || key.pageDown) return { ui: move(next, key, ctx), effect: null };
  return { ui, effect: null };
}

function cycle(panel: Panel, step: number): Panel {
  const i = PANELS.indexOf(panel);
  return PANELS[(i + step + PANELS.length) % PANELS.length]!;
}

function refused(ui: UiState, what: string): UiState {
  return { ...ui, notice: { text: `read-only session (--readonly): ${what} refused`, tone: 'warn' } };
}

/** `t`: asks for confirmation, or says why the selected member cannot take over. */
function askTransfer(ui: UiState, ctx: KeyContext): UiState {
  if (ctx.readonly) return refused(ui, 'leadership transfer');
  const m = ctx.members[Math.min(ui.selected, ctx.members.length - 1)];
  const why = m === undefined ? 'no member selected' : whyNotTarget(m, ctx.leader);
  if (why !== null) return { ...ui, notice: { text: `cannot transfer: ${why}`, tone: 'warn' } };
  return { ...ui, confirm: { from: ctx.leader, to: m!.id! } };
}

function whyNotTarget(m: TopMember, leader: string | null): string | null {
  const name = m.id ?? m.address;
  if (m.id === null) return `${name} has no known id`;
  if (leader === null) return 'there is no leader to hand over from';
  if (m.id === leader) return `${name} already leads; select a follower with ↑/↓`;
  if (m.role === 'unreachable') return `${name} is unreachable`;
  if (m.voter === false || m.role === 'learner') return `${name} is a learner, not a voter`;
  return null;
}

function onConfirmKey(ui: UiState, input: string): { ui: UiState; effect: Effect } {
  const confirm = ui.confirm!;
  if (input === 'y' || input === 'Y') return { ui: { ...ui, confirm: null, notice: null }, effect: { type: 'transfer', to: confirm.to } };
  return { ui: { ...ui, confirm: null, notice: { text: 'transfer cancelled', tone: 'dim' } }, effect: null };
}

function onFilterKey(ui: UiState, input: string, key: KeyPress): UiState {
  if (key.escape) return { ...ui, filtering: false, filter: '' };
  if (key.return) return { ...ui, filtering: false };
  if (key.backspace || key.delete) return { ...ui, filter: ui.filter.slice(0, -1) };
  if (input.length > 0 && !key.ctrl && !key.tab && [...input].every((ch) => ch >= ' ')) return { ...ui, filter: ui.filter + input, registryScroll: 0 };
  return ui;
}

/** ↑/↓ select a member or scroll the focused panel; scroll limits are applied when drawing. */
function move(ui: UiState, key: KeyPress, ctx: KeyContext): UiState {
  const step = key.pageUp || key.pageDown ? 10 : 1;
  const dir = key.upArrow || key.pageUp ? -1 : 1;
  if (ui.panel === 'members') return { ...ui, selected: clamp(ui.selected + dir * step, 0, Math.max(0, ctx.members.length - 1)) };
  // The events list shows the newest first: ↓ goes back in time.
  if (ui.panel === 'events') return { ...ui, eventsScroll: Math.max(0, ui.eventsScroll + dir * step) };
  return { ...ui, registryScroll: Math.max(0, ui.registryScroll + dir * step) };
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}
