/** Renderers of `fleet rebind` and `fleet rebind plan …`: plain text and tables, data in, strings out. */
import type { ApplyReport, CheckReport, Problem, RebindOneResult, RebindPlan, ShardRow, VerifyReport } from '../ops/rebind/index.js';
import type { Palette } from './colors.js';
import { renderTable, type Column } from './table.js';
import { counted } from '../common/units.js';

const n = (x: number): string => x.toLocaleString('en-US');

/** `c1: s1 → s2 (generation 3, index 1234)`. */
export function renderRebindOne(r: RebindOneResult, p: Palette): string {
  if (!r.changed) return `${r.cluster} is already on ${p.bold(r.to)} ${p.dim(`(generation ${r.generation}); nothing changed`)}`;
  return `${r.cluster}: ${r.from ?? p.dim('(unbound)')} → ${p.accent(r.to)} ${p.dim(`(generation ${r.generation}, index ${r.index})`)}`;
}

/** What `plan generate` says about the plan it wrote. */
export function renderPlanSummary(plan: RebindPlan, file: string, p: Palette): string {
  const perTarget = new Map<string, number>();
  for (const m of plan.moves) perTarget.set(m.to, (perTarget.get(m.to) ?? 0) + 1);
  const targets = [...perTarget].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, k]) => `${id} +${n(k)}`).join(', ');
  const lines = [
    `wrote plan ${p.bold(plan.id)} to ${file}: ${n(plan.moves.length)} moves${targets ? ` (${targets})` : ''}`,
    p.dim(`computed at index ${plan.source.appliedIndex ?? '-'} from ${n(plan.source.clusters)} bindings on ${plan.source.shards.join(', ') || 'no shard'}`),
  ];
  if (plan.moves.length > 0) lines.push(p.dim(`next: fleet rebind plan check ${file}, then fleet rebind plan apply ${file}`));
  return lines.join('\n');
}

const SHARD_COLUMNS: readonly Column[] = [
  { header: 'shard' },
  { header: 'state' },
  { header: 'capacity', align: 'right' },
  { header: 'at plan', align: 'right' },
  { header: 'now', align: 'right' },
  { header: 'out', align: 'right' },
  { header: 'in', align: 'right' },
  { header: 'after', align: 'right' },
];

function shardRow(r: ShardRow, p: Palette): string[] {
  const over = r.capacity !== null && r.after > r.capacity && r.in > 0;
  const state = r.state === 'active' ? r.state : r.state === 'unknown' ? p.bad('not registered') : p.warn(r.state);
  const drifted = r.planned !== null && r.planned !== r.now && r.in === 0 && r.out === 0;
  return [
    r.id,
    state,
    r.capacity === null ? p.dim('-') : n(r.capacity),
    r.planned === null ? p.dim('-') : n(r.planned),
    drifted ? p.warn(n(r.now)) : n(r.now),
    r.out === 0 ? p.dim('0') : `-${n(r.out)}`,
    r.in === 0 ? p.dim('0') : `+${n(r.in)}`,
    over ? p.bad(n(r.after)) : n(r.after),
  ];
}

/** The per-shard before/after table. */
export function renderShardTable(rows: readonly ShardRow[], p: Palette): string {
  return renderTable(SHARD_COLUMNS, rows.map((r) => shardRow(r, p)), p);
}

function problemLines(problems: readonly Problem[], count: number, p: Palette, max = 20): string[] {
  const lines = problems.slice(0, max).map((x) => `  ${p.bad('✗')} ${x.message}`);
  if (count > lines.length) lines.push(p.dim(`  … and ${n(count - lines.length)} more (--json lists ${Math.min(count, problems.length)})`));
  return lines;
}

/** `plan check`: counts, the table, then every problem. */
export function renderCheck(r: CheckReport, p: Palette): string {
  const head = `plan ${p.bold(r.planId)}: ${n(r.total)} moves · ${n(r.pending)} to apply · ${n(r.inPlace)} in place · ${n(r.conflicting + r.missing)} conflicting`;
  const verdict = r.ok ? p.ok(r.pending === 0 ? 'ok: every move is in place' : 'ok: the plan applies cleanly') : p.bad(`${n(r.problemCount)} problem${r.problemCount === 1 ? '' : 's'}:`);
  const lines = [head, '', renderShardTable(r.shards, p), '', verdict, ...problemLines(r.problems, r.problemCount, p)];
  return lines.join('\n');
}

/** `plan apply`'s closing summary. */
export function renderApply(r: ApplyReport, p: Palette): string {
  if (r.state === 'unchanged') return `plan ${p.bold(r.planId)}: nothing to do, ${n(r.inPlaceBefore)} of ${n(r.total)} moves already in place${r.skippedCount ? `, ${n(r.skippedCount)} skipped` : ''}`;
  const speed = r.elapsedMs > 0 ? ` in ${(r.elapsedMs / 1000).toFixed(1)}s (${n(r.movesPerSecond)} moves/s)` : '';
  const how = r.state === 'paused' ? p.warn('stopped') : p.ok('applied');
  const lines = [`plan ${p.bold(r.planId)}: ${how} ${counted(r.applied, 'move')} in ${counted(r.batches, 'batch', 'batches')}${speed}; ${n(r.inPlaceBefore + r.applied)} of ${n(r.total)} in place`];
  if (r.skippedCount > 0) lines.push(p.warn(`skipped ${n(r.skippedCount)} conflicting moves:`), ...problemLines(r.skipped, r.skippedCount, p));
  if (r.state === 'paused') lines.push(p.dim('re-run the same command to continue where it stopped'));
  if (r.rollbackFile !== null) lines.push(p.dim(`rollback plan: ${r.rollbackFile}`));
  return lines.join('\n');
}

/** `plan verify`: counts and the moves not in place. */
export function renderVerify(r: VerifyReport, p: Palette): string {
  const head = `plan ${p.bold(r.planId)}: ${n(r.inPlace)} of ${n(r.total)} moves in place · ${n(r.notYet)} not yet · ${n(r.conflicting)} conflicting`;
  if (r.verified) return `${head}\n${p.ok('verified: every move is in place')}`;
  const rows = r.unverified.map((u) => [
    String(u.moveIndex),
    u.cluster,
    u.from,
    u.to,
    u.status === 'pending' ? p.warn('not yet') : p.bad(u.status === 'missing' ? 'missing' : 'conflicting'),
    u.actual === undefined ? p.dim('(no such cluster)') : (u.actual ?? p.dim('(unbound)')),
  ]);
  const table = renderTable([{ header: 'move', align: 'right' }, { header: 'cluster' }, { header: 'from' }, { header: 'to' }, { header: 'status' }, { header: 'now on' }], rows, p);
  const more = r.total - r.inPlace > r.unverified.length ? `\n${p.dim(`… and ${n(r.total - r.inPlace - r.unverified.length)} more`)}` : '';
  return `${head}\n\n${table}${more}`;
}
