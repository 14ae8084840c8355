/**
 * Plain tables for human output, in the style of kubectl and docker: no borders, two spaces
 * between columns, upper-case headers — easy to read and easy to grep or cut.
 */
import Table from 'cli-table3';
import type { Palette } from './colors.js';

/** A column: its header and how its cells align. */
export interface Column {
  readonly header: string;
  readonly align?: 'left' | 'right';
}

/** One cell: already-formatted text (it may carry colour codes; widths ignore them). */
export type Cell = string | number;

const BORDERLESS = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  ',
} as const;

/** Renders rows under headers; an empty table renders just the headers. No trailing spaces. */
export function renderTable(columns: readonly Column[], rows: readonly (readonly Cell[])[], p: Palette): string {
  const table = new Table({
    head: columns.map((c) => p.bold(c.header.toUpperCase())),
    chars: BORDERLESS,
    colAligns: columns.map((c) => c.align ?? 'left'),
    style: { 'padding-left': 0, 'padding-right': 0, head: [], border: [], compact: true },
  });
  for (const row of rows) table.push(row.map((cell) => String(cell)));
  return table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n');
}

/** Renders `key: value` lines with the keys aligned, for `show` commands. */
export function renderFields(fields: readonly (readonly [string, Cell])[], p: Palette): string {
  const width = Math.max(0, ...fields.map(([k]) => k.length));
  return fields.map(([k, v]) => `${p.dim(`${k}:`.padEnd(width + 1))} ${v}`).join('\n');
}
