/**
 * `fleet status --contexts` as a table (pure renderer): one row per cluster, trouble first,
 * an unreachable cluster marked and its reason below the table.
 */
import type { ClusterRow, ClustersOverview } from '../ops/clusters-overview.js';
import type { Palette } from './colors.js';
import { renderTable, type Column } from './table.js';

const COLUMNS: readonly Column[] = [
  { header: 'context' },
  { header: 'state' },
  { header: 'leader' },
  { header: 'term', align: 'right' },
  { header: 'quorum' },
  { header: 'tolerates', align: 'right' },
  { header: 'down' },
  { header: 'worst lag', align: 'right' },
  { header: 'plan' },
];

function stateCell(r: ClusterRow, p: Palette): string {
  if (r.unreachable) return p.bad('UNREACHABLE');
  return r.state === 'healthy' ? p.ok(r.state) : r.state === 'degraded' ? p.warn(r.state) : p.bad(r.state);
}

const dash = (v: number | string | null): string => (v === null ? '-' : String(v));

function row(r: ClusterRow, p: Palette): string[] {
  return [
    r.context,
    stateCell(r, p),
    dash(r.leader),
    dash(r.term),
    r.voters === null || r.quorum === null ? '-' : `${r.quorum} of ${r.voters}`,
    r.failureTolerance === null ? '-' : r.failureTolerance === 0 ? p.warn('0') : String(r.failureTolerance),
    r.down.length === 0 ? '-' : p.bad(r.down.join(',')),
    dash(r.worstLag),
    dash(r.plan),
  ];
}

/** The table, then one line per cluster that is not healthy saying why. */
export function renderClusters(o: ClustersOverview, p: Palette): string {
  const reasons = o.clusters.filter((r) => r.state !== 'healthy' && r.reason !== null).map((r) => `${r.context}: ${r.reason}`);
  return [renderTable(COLUMNS, o.clusters.map((r) => row(r, p)), p), ...(reasons.length === 0 ? [] : ['', ...reasons])].join('\n');
}
