/** `fleet backup list`: one row per backup, newest first, and the unfinished work below. */
import { formatBytes } from '../common/units.js';
import { humanTime } from '../common/times.js';
import type { Palette } from './colors.js';
import { renderTable } from './table.js';

/** A backup as the list shows it. */
export interface BackupRow {
  readonly name: string;
  /** ISO 8601. */
  readonly takenAt: string;
  readonly index: number;
  readonly bytes: number;
}

export function renderBackups(listed: { readonly backups: readonly BackupRow[]; readonly partial: readonly string[] }, p: Palette, nowMs = Date.now()): string {
  if (listed.backups.length === 0 && listed.partial.length === 0) return 'no backups';
  const table = renderTable(
    [{ header: 'name' }, { header: 'taken' }, { header: 'index', align: 'right' }, { header: 'size', align: 'right' }],
    listed.backups.map((b) => [b.name, humanTime(Date.parse(b.takenAt), nowMs), b.index, formatBytes(b.bytes)]),
    p,
  );
  const partial = listed.partial.length === 0 ? '' : `\n${p.warn('unfinished:')} ${listed.partial.join(', ')} (left by a backup that was cut off; fleet backup prune removes them)`;
  return `${table}${partial}`;
}
