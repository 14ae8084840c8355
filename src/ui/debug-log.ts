/** Human output of `fleet debug log`: one line per record, then the damage found, each naming file and offset. */
import type { DebugLogResult, LogRecordView } from '../ops/debug-log.js';
import type { Palette } from './colors.js';
import { renderTable, type Column } from './table.js';

const ENTRY_COLUMNS: readonly Column[] = [{ header: 'index', align: 'right' }, { header: 'term', align: 'right' }, { header: 'type' }, { header: 'command' }];
const RAW_COLUMNS: readonly Column[] = [{ header: 'file' }, { header: 'offset', align: 'right' }, { header: 'bytes', align: 'right' }, { header: 'crc' }, { header: 'record' }];

/** The records as a table (entries only, or every record with `raw`), then a line per damaged range. */
export function renderDebugLog(r: DebugLogResult, raw: boolean, p: Palette): string {
  const table = raw
    ? renderTable(RAW_COLUMNS, r.records.map((x) => [x.file, x.offset, x.bytes, x.crc.toString(16).padStart(8, '0'), describe(x)]), p)
    : renderTable(ENTRY_COLUMNS, r.records.flatMap((x) => (x.kind === 'entry' ? [[x.index, x.term, x.type, command(x.command)]] : [])), p);
  const damage = r.damage.map(
    (d) => p.bad(`damaged: ${d.file} at byte ${d.offset}: ${d.reason}`) + p.dim(d.resumedAt === null ? ' (nothing valid after it)' : ` (valid records resume at byte ${d.resumedAt})`),
  );
  const summary = p.dim(`${r.segments.length} segment(s) in ${r.walDir}, ${r.records.length} record(s) shown`);
  return [table, ...damage, summary].join('\n');
}

function describe(x: LogRecordView): string {
  switch (x.kind) {
    case 'entry':
      return `entry ${x.index}/${x.term} ${x.type} ${command(x.command)}`;
    case 'hard-state':
      return `hard state term ${x.term} vote ${x.vote || '-'} commit ${x.commit}`;
    case 'header':
      return `segment header seq ${x.seq} first index ${x.firstIndex} prev term ${x.prevTerm}${x.reset ? ' reset' : ''}`;
    case 'mark':
      return `sync mark: bytes before ${x.syncedOffset} were fsynced`;
  }
}

/** The widest a command is shown in the table (--json has it whole). */
const COMMAND_WIDTH = 100;

/**
 * A command on one line, its operation first: the envelope (client id, sequence, times) is what
 * every entry shares, so it goes last, where the cut falls.
 */
export function command(c: unknown): string {
  if (c === null) return '-';
  const text = isWrite(c) ? writeLine(c) : JSON.stringify(c);
  return text.length > COMMAND_WIDTH ? `${text.slice(0, COMMAND_WIDTH - 3)}...` : text;
}

interface WriteEnvelope {
  readonly op: { readonly type: string };
  readonly clientId?: string;
  readonly seq?: number;
}

function isWrite(c: unknown): c is WriteEnvelope {
  const op = (c as { op?: unknown }).op;
  return typeof c === 'object' && c !== null && typeof op === 'object' && op !== null && typeof (op as { type?: unknown }).type === 'string';
}

function writeLine(c: WriteEnvelope): string {
  const { type, ...args } = c.op;
  const from = c.clientId === undefined ? '' : ` · ${c.clientId}#${c.seq ?? '?'}`;
  return `${type} ${JSON.stringify(args)}${from}`;
}
