/** The `fleet status` screen: a header with the leader and the quorum, and one row per member. */
import type { StatusMember, StatusModel } from '../ops/status.js';
import type { RegionTolerance, ZoneTolerance } from '../ops/placement.js';
import { formatDuration } from '../common/durations.js';
import { humanTime } from '../common/times.js';
import type { Palette } from './colors.js';
import { renderTable } from './table.js';
import { renderAutopilotLine, verdictWord } from './autopilot.js';

/** The header line, e.g. `cluster fleet · leader n1 · term 4 · quorum 2 of 3 voters · can lose 1 of 3`. */
export function renderStatusHeader(m: StatusModel, p: Palette): string {
  const q = m.quorum;
  const parts = [
    m.engine === 'etcd' ? p.bold('etcd') : null,
    m.clusterName === null ? null : `cluster ${p.bold(m.clusterName)}`,
    m.leader === null ? p.bad('no leader') : `leader ${p.accent(m.leader)}`,
    `term ${m.term}`,
    q.voters === 0 ? null : `quorum ${q.size} of ${q.voters} voters`,
    tolerance(m, p),
  ];
  return parts.filter((s): s is string => s !== null).join(p.dim(' · '));
}

function tolerance(m: StatusModel, p: Palette): string | null {
  const q = m.quorum;
  if (q.voters === 0) return null;
  if (!q.available) return p.bad(`NO QUORUM: ${q.healthyVoters} of ${q.voters} voters healthy, ${q.size} needed`);
  const down = q.voters - q.healthyVoters;
  const text = `can lose ${q.failureTolerance} of ${q.voters}${down > 0 ? ` (${down} down)` : ''}`;
  return q.failureTolerance === 0 ? p.warn(text) : p.ok(text);
}

const COLUMNS = [
  { header: 'id' },
  { header: 'address' },
  { header: 'role' },
  { header: 'term', align: 'right' },
  { header: 'commit', align: 'right' },
  { header: 'applied', align: 'right' },
  { header: 'last', align: 'right' },
  { header: 'lag', align: 'right' },
  { header: 'contact', align: 'right' },
  { header: 'health' },
] as const;

const ETCD_COLUMNS = [
  { header: 'id' },
  { header: 'name' },
  { header: 'address' },
  { header: 'role' },
  { header: 'term', align: 'right' },
  { header: 'commit', align: 'right' },
  { header: 'applied', align: 'right' },
  { header: 'lag', align: 'right' },
  { header: 'db (in use)', align: 'right' },
  { header: 'version' },
  { header: 'health' },
] as const;

/**
 * The member table; with the leader's autopilot verdicts, a column for them; when any member has
 * a zone, a zone column after the address (and a region column when they span several regions).
 */
export function renderStatusTable(m: StatusModel, p: Palette): string {
  if (m.engine === 'etcd') return renderTable(ETCD_COLUMNS, m.members.map((r) => etcdRow(r, p)), p);
  const placement = placementColumns(m.members);
  const columns = [...COLUMNS.slice(0, 2), ...placement.map((c) => ({ header: c })), ...COLUMNS.slice(2), ...(m.autopilot === null ? [] : [{ header: 'autopilot' }])];
  return renderTable(
    columns,
    m.members.map((r) => {
      const cells = row(r, p);
      const where = placement.map((c) => r[c] ?? p.dim('-'));
      return [...cells.slice(0, 2), ...where, ...cells.slice(2), ...(m.autopilot === null ? [] : [verdictWord(r.autopilot, p)])];
    }),
    p,
  );
}

/** The placement columns the rows call for: none without zones; the region too when there are several. */
function placementColumns(rows: readonly StatusMember[]): ('region' | 'zone')[] {
  if (!rows.some((r) => r.zone)) return [];
  const regions = new Set(rows.flatMap((r) => (r.region ? [r.region] : [])));
  return regions.size > 1 ? ['region', 'zone'] : ['zone'];
}

/**
 * The voters zone by zone and what losing zones does to the quorum, e.g.
 * `zones a: n1 n4 · b: n2 n5 · c: n3 (down) — losing zone a or b loses quorum`; '' without zones.
 */
export function renderZonesLine(z: ZoneTolerance | null | undefined, p: Palette): string {
  if (z === null || z === undefined) return '';
  return domainsLine('zones', z.zones.map((g) => ({ ...g, name: g.zone === '' ? '(no zone)' : g.zone })), z, p);
}

/** The same per region, e.g. `regions us: n1 n2 · eu: n3 — losing region us loses quorum`; '' unless the voters span regions. */
export function renderRegionsLine(r: RegionTolerance | null | undefined, p: Palette): string {
  if (r === null || r === undefined) return '';
  return domainsLine('regions', r.regions.map((g) => ({ ...g, name: g.region === '' ? '(no region)' : g.region })), r, p);
}

function domainsLine(label: string, domains: readonly { name: string; voters: readonly string[]; healthy: readonly string[] }[], t: { canLose: number; summary: string }, p: Palette): string {
  const listed = domains.map((g) => `${g.name}: ${g.voters.map((id) => (g.healthy.includes(id) ? id : `${id} ${p.bad('(down)')}`)).join(' ')}`);
  const verdict = t.canLose > 0 ? p.ok(t.summary) : p.warn(t.summary);
  return `${label} ${listed.join(p.dim(' · '))} ${p.dim('—')} ${verdict}`;
}

function row(r: StatusMember, p: Palette): string[] {
  const num = (n: number | null) => (n === null ? p.dim('-') : String(n));
  return [
    r.role === 'leader' ? p.accent(r.id ?? '?') : (r.id ?? p.dim('?')),
    r.address,
    role(r, p),
    num(r.term),
    num(r.commitIndex),
    num(r.appliedIndex),
    num(r.lastIndex),
    r.lag === null ? p.dim('-') : r.lag === 0 ? '0' : p.warn(String(r.lag)),
    contact(r.lastContactMs, r.role, p),
    r.healthy ? p.ok('ok') : p.bad(r.problem ?? 'unhealthy'),
  ];
}

/** An etcd member: its name and database size instead of fleet's last index and contact. */
function etcdRow(r: StatusMember, p: Palette): string[] {
  const num = (n: number | null) => (n === null ? p.dim('-') : String(n));
  const e = r.etcd;
  const db = e?.dbSize === null || e?.dbSize === undefined ? p.dim('-') : `${formatBytes(e.dbSize)} (${formatBytes(e.dbSizeInUse ?? 0)})`;
  return [
    r.role === 'leader' ? p.accent(r.id ?? '?') : (r.id ?? p.dim('?')),
    e?.name === undefined || e.name === '' ? p.dim('-') : e.name,
    r.address,
    role(r, p),
    num(r.term),
    num(r.commitIndex),
    num(r.appliedIndex),
    r.lag === null ? p.dim('-') : r.lag === 0 ? '0' : p.warn(String(r.lag)),
    db,
    r.version ?? p.dim('-'),
    r.healthy ? p.ok('ok') : p.bad(r.problem ?? 'unhealthy'),
  ];
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

function role(r: StatusMember, p: Palette): string {
  if (r.role === 'leader') return p.accent('leader');
  if (r.role === 'unreachable') return p.bad('unreachable');
  if (r.role === 'candidate' || r.role === 'unknown') return p.warn(r.role);
  return r.role;
}

function contact(ms: number | null, role: StatusMember['role'], p: Palette): string {
  if (ms === null || role === 'leader') return p.dim('-');
  if (ms < 0) return p.warn('never');
  return `${formatDuration(ms)} ago`;
}

const PLAN_COLUMNS = [{ header: 'rebind plan' }, { header: 'state' }, { header: 'progress', align: 'right' }, { header: 'started by' }, { header: 'last report' }] as const;

/** Rebind plans in progress, so an apply running elsewhere is not missed; empty when there are none. */
export function renderPlans(m: StatusModel, p: Palette, now = Date.now()): string {
  if (m.plans.length === 0) return '';
  const rows = m.plans.map((plan) => {
    const pct = plan.total === 0 ? 100 : Math.floor((100 * plan.done) / plan.total);
    return [
      plan.planId,
      plan.state === 'running' ? p.accent('running') : p.warn(plan.state),
      `${plan.done.toLocaleString('en-US')}/${plan.total.toLocaleString('en-US')} (${pct}%)`,
      plan.startedBy,
      `${formatDuration(Math.max(0, now - plan.updatedAt))} ago`,
    ];
  });
  return renderTable(PLAN_COLUMNS, rows, p);
}

/** The whole screen: header, blank line, table, and any rebind plan in progress. */
export function renderStatus(m: StatusModel, p: Palette, now = Date.now()): string {
  const plans = renderPlans(m, p, now);
  const autopilot = m.autopilot === null ? '' : `\n\n${renderAutopilotLine(m.autopilot, p)}`;
  const notes = [...m.clockWarnings.map((w) => `${p.warn('clock:')} ${w}`), ...(m.loopWarnings ?? []).map((w) => `${p.warn('loop:')} ${w}`), ...m.members.flatMap((row) => renderBackupLine(row, p, now))].map((l) => `\n${l}`).join('');
  const zones = [renderZonesLine(m.zones, p), renderRegionsLine(m.regions, p), renderPreferredRegionLine(m, p)].filter((l) => l !== '').join('\n');
  return `${renderStatusHeader(m, p)}${zones === '' ? '' : `\n${zones}`}\n\n${renderStatusTable(m, p)}${autopilot}${notes === '' ? '' : `\n${notes}`}${plans === '' ? '' : `\n\n${plans}`}`;
}

/**
 * A member's scheduled backups in one line, warned when the newest attempt failed or the newest
 * good backup is older than two periods: `backup: n1 every 1h into /backups, last 12:03:07 (3 min ago) at index 1234, keeps 24`.
 */
export function renderBackupLine(row: StatusMember, p: Palette, now = Date.now()): string[] {
  const b = row.backup;
  if (b === undefined) return [];
  const last = b.lastOk === null ? 'none yet' : `last ${humanTime(Date.parse(b.lastOk.at), now)} at index ${b.lastOk.index}`;
  const head = `${row.id ?? row.address} every ${formatDuration(b.everyMs)} into ${b.dir}`;
  if (b.lastError !== null) return [`${p.warn('backup:')} ${head} ${p.warn(`failing since ${humanTime(Date.parse(b.lastError.at), now)}: ${b.lastError.message}`)}; ${last}, older backups kept`];
  const stale = b.lastOk !== null && now - Date.parse(b.lastOk.at) > 2 * b.everyMs;
  return [`${stale ? p.warn('backup:') : 'backup:'} ${head}, ${stale ? p.warn(last) : last}, keeps ${b.keep}`];
}

/** `leader n3 runs outside the preferred region eu (in us)`, only while it does; '' otherwise. */
export function renderPreferredRegionLine(m: StatusModel, p: Palette): string {
  const pr = m.preferredRegion;
  if (pr === null || pr === undefined || !pr.leaderOutside) return '';
  const where = pr.leaderRegion === null ? 'its region unknown' : `in ${pr.leaderRegion}`;
  return p.warn(`leader ${m.leader ?? '?'} runs outside the preferred region ${pr.region} (${where}): autopilot hands leadership back once a voter there is stable and caught up`);
}
