/**
 * How the screen's rows are shared out. Fixed parts first (header, banner, the members table,
 * the bottom line), then the sparkline, then whatever is left to the events and registry
 * panels: side by side on a wide terminal, stacked on a narrow one, dropped on a tiny one.
 * Invariant: the planned frame never exceeds `rows - 1` lines, so ink redraws in place
 * instead of clearing the screen (which flickers).
 */

/** Rows and columns of the screen; `rows` null renders everything at its natural height (`--once`). */
export interface ScreenSize {
  readonly columns: number;
  readonly rows: number | null;
}

/** The plan of one frame. */
export interface Layout {
  /** Member rows drawn (the table scrolls to keep the selection visible). */
  readonly memberRows: number;
  readonly sparkline: boolean;
  readonly panels: 'side' | 'stacked' | 'none';
  /** Content rows of each panel (its title not counted). */
  readonly eventsRows: number;
  readonly registryRows: number;
  /** Width of each panel. */
  readonly eventsWidth: number;
  readonly registryWidth: number;
}

/** Panels go side by side from this width: below it an event line would be cut short. */
export const SIDE_BY_SIDE_COLUMNS = 100;

/** In a `--once` frame: how many events and registry rows are printed at most. */
const ONCE_EVENTS = 10;
const ONCE_REGISTRY = 30;

/** What the layout needs to know about the data. */
export interface LayoutInput {
  readonly members: number;
  readonly banner: boolean;
  readonly events: number;
  readonly registryLines: number;
}

/** Plans a frame. */
export function planLayout(size: ScreenSize, data: LayoutInput): Layout {
  const side = size.columns >= SIDE_BY_SIDE_COLUMNS;
  const widths = side ? { eventsWidth: Math.floor((size.columns - 1) / 2), registryWidth: size.columns - 1 - Math.floor((size.columns - 1) / 2) } : { eventsWidth: size.columns, registryWidth: size.columns };
  if (size.rows === null) {
    const eventsRows = Math.max(1, Math.min(ONCE_EVENTS, data.events));
    const registryRows = Math.max(1, Math.min(ONCE_REGISTRY, data.registryLines));
    return { memberRows: data.members, sparkline: true, panels: side ? 'side' : 'stacked', eventsRows, registryRows, ...widths };
  }
  // header (2) + banner + table title and header (2) + bottom line (1), within rows - 1.
  const budget = size.rows - 1;
  const fixed = 2 + (data.banner ? 1 : 0) + 2 + 1;
  const memberRows = Math.max(1, Math.min(data.members, budget - fixed));
  let left = budget - fixed - memberRows;
  const sparkline = left >= 4;
  if (sparkline) left -= 1;
  return { memberRows, sparkline, ...panelRows(left, side, data), ...widths };
}

/** Shares `left` rows between the panels; each needs a title row and at least two content rows. */
function panelRows(left: number, side: boolean, data: LayoutInput): Pick<Layout, 'panels' | 'eventsRows' | 'registryRows'> {
  if (side && left >= 3) return { panels: 'side', eventsRows: left - 1, registryRows: left - 1 };
  if (left < 6) return { panels: 'none', eventsRows: 0, registryRows: 0 };
  const content = left - 2;
  // The registry needs no more rows than it has lines; events take the rest.
  const registryRows = Math.max(2, Math.min(data.registryLines, Math.floor(content / 2)));
  return { panels: 'stacked', eventsRows: content - registryRows, registryRows };
}
