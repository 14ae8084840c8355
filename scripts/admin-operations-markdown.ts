/**
 * docs/security.md's table of fleet.v1.Admin's RPCs, rendered from ADMIN_OPERATIONS
 * (src/proto/admin-operations.ts): what each needs, where a client sends it, and how the audit log
 * records it. Pure: scripts/admin-operations-doc.ts writes it between the markers, and
 * test/core/server/admin/admin-service.test.ts fails when the file no longer matches the table.
 */
import { ADMIN_OP_NAMES, adminOperation, type AdminRow } from '../src/proto/admin-operations.js';

/** The lines around the generated table. */
export const ADMIN_TABLE_BEGIN = '<!-- fleet.v1.Admin: generated from src/proto/admin-operations.ts by npm run docs:admin -->';
export const ADMIN_TABLE_END = '<!-- end of the generated table -->';

/** How the audit column says a row is recorded. */
function auditCell(row: AdminRow): string {
  if (row.audit === 'none') return 'not recorded';
  if (row.audit === 'itself') return 'is a record (its own checks)';
  const args = [...(row.audit.member ? ['member'] : []), ...(row.audit.args ?? [])];
  const when = row.audit.when === 'before' ? ', as requested before it starts' : '';
  return `\`${row.audit.op}\`${args.length === 0 ? '' : ` (${args.join(', ')})`}${when}`;
}

/** The table, markers included. */
export function renderAdminTable(): string {
  const rows = ADMIN_OP_NAMES.map((name) => {
    const row = adminOperation(name)!;
    const needs = row.note === undefined ? row.role : `${row.role} (${row.note})`;
    const kind = row.answer === 'stream' ? ', a stream' : '';
    return `| \`fleet.v1.Admin/${name}\` | ${needs} | ${row.route === 'leader' ? 'the leader' : 'any member'}${kind} | ${auditCell(row)} |`;
  });
  return [ADMIN_TABLE_BEGIN, '| RPC | Needs | A client sends it to | The audit log records it as |', '|---|---|---|---|', ...rows, ADMIN_TABLE_END].join('\n');
}

/** `markdown` with its generated table replaced by the current one. */
export function withAdminTable(markdown: string): string {
  const begin = markdown.indexOf(ADMIN_TABLE_BEGIN);
  const end = markdown.indexOf(ADMIN_TABLE_END);
  if (begin < 0 || end < begin) throw new Error(`the markers of the Admin table are missing: ${ADMIN_TABLE_BEGIN} … ${ADMIN_TABLE_END}`);
  return markdown.slice(0, begin) + renderAdminTable() + markdown.slice(end + ADMIN_TABLE_END.length);
}
