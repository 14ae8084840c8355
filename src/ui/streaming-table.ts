/**
 * A table printed page by page, for listings too large to hold (1,000,000 clusters): column
 * widths come from the header and the first page, later rows are padded to them (a longer
 * value just pushes its row's tail right, as in kubectl).
 */
import type { Palette } from './colors.js';
import type { Column } from './table.js';

/** Longest a column grows from the first page; longer values overflow rather than widen everything. */
const MAX_WIDTH = 48;

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

function visibleLength(s: string): number {
  return s.replace(ANSI, '').length;
}

/** Formats rows of a table whose widths are fixed by the first batch. Invariant: the header is emitted once, first. */
export class StreamingTable {
  readonly #columns: readonly Column[];
  readonly #p: Palette;
  #widths: number[] | undefined;

  constructor(columns: readonly Column[], p: Palette) {
    this.#columns = columns;
    this.#p = p;
  }

  /** The lines for one batch of rows (with the header before the first batch). */
  format(rows: readonly (readonly string[])[]): string[] {
    const lines: string[] = [];
    if (this.#widths === undefined) {
      this.#widths = this.#columns.map((c, i) => Math.min(MAX_WIDTH, Math.max(c.header.length, ...rows.map((r) => visibleLength(r[i] ?? '')))));
      lines.push(this.#line(this.#columns.map((c) => c.header.toUpperCase()), true));
    }
    for (const row of rows) lines.push(this.#line(row, false));
    return lines;
  }

  #line(cells: readonly string[], header: boolean): string {
    const widths = this.#widths!;
    const parts = cells.map((cell, i) => {
      const pad = Math.max(0, widths[i]! - visibleLength(cell));
      const right = this.#columns[i]?.align === 'right';
      const text = header ? this.#p.bold(cell) : cell;
      return right ? ' '.repeat(pad) + text : text + ' '.repeat(pad);
    });
    return parts.join('  ').trimEnd();
  }
}
