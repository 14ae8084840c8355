/** `fleet audit` for people: one row per change, oldest first. */
import type { AuditEntry } from '../client/types.js';
import type { Palette } from './colors.js';
import { printable } from '../common/printable.js';
import { renderTable } from './table.js';

/** An ISO timestamp without milliseconds: the audit log is read by the second. */
function when(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Arguments as `key=value` pairs; values that are not text as JSON. */
function argsText(args: Readonly<Record<string, unknown>>): string {
  const pairs = Object.entries(args).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return pairs.length === 0 ? '-' : pairs.join(' ');
}

/** The audit log as a table. */
export function renderAudit(entries: readonly AuditEntry[], p: Palette): string {
  if (entries.length === 0) return p.dim('no audit entries match');
  const rows = entries.map((e) => [when(e.time), e.index, printable(e.who), printable(e.client) || '-', printable(e.op), printable(argsText(e.args)), e.outcome === 'ok' ? p.ok('ok') : p.warn(printable(e.outcome))]);
  return renderTable(
    [{ header: 'time' }, { header: 'index', align: 'right' }, { header: 'who' }, { header: 'client' }, { header: 'op' }, { header: 'args' }, { header: 'outcome' }],
    rows,
    p,
  );
}
