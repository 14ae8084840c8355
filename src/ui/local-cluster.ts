/**
 * Text of the local-cluster commands: the `fleet ps` table, and the lines that say what
 * happened and what to do next. Pure: data and a palette in, text out.
 */
import { homedir } from 'node:os';
import { renderTable } from './table.js';
import type { Palette } from './colors.js';
import type { LocalClusterView } from '../ops/local-cluster/cluster-state.js';
import type { PsMemberView } from '../ops/local-cluster/ps.js';
import type { InitPhases } from '../ops/local-cluster/init.js';
import type { CurrentAfterRemoval } from '../ops/local-cluster/lifecycle.js';

/** `~/…` for paths under the home directory, which is how operators read them. */
export function tildePath(path: string, home = homedir()): string {
  return home && (path === home || path.startsWith(`${home}/`)) ? `~${path.slice(home.length)}` : path;
}

/** One row per member of every cluster; a cluster's name only on its first row. */
export function renderClusterList(clusters: readonly (Omit<LocalClusterView, 'members'> & { readonly members: readonly PsMemberView[] })[], p: Palette): string {
  if (clusters.length === 0) return 'No local clusters. Start one with: fleet init';
  const rows = clusters.flatMap((c) =>
    c.members.map((m, i) => [
      i === 0 ? p.bold(c.name) + (c.engine === 'etcd' ? p.dim(' (etcd)') : '') : '',
      i === 0 ? stateCell(c.state, p) : '',
      m.id + (m.state === 'joining' ? p.dim(' (joining)') : ''),
      roleCell(m.role, p),
      m.running ? p.ok('running') : p.dim('stopped'),
      m.pid === null ? p.dim('-') : m.pid,
      m.address,
      m.metricsUrl ?? p.dim('-'),
      tildePath(m.dataDir),
    ]),
  );
  const columns = ['cluster', 'state', 'member', 'role', 'process', 'pid', 'address', 'metrics', 'data dir'].map((header) => ({ header, ...(header === 'pid' ? { align: 'right' as const } : {}) }));
  return renderTable(columns, rows, p);
}

function roleCell(role: PsMemberView['role'], p: Palette): string {
  return role === null ? p.dim('-') : role === 'leader' ? p.bold(role) : role;
}

function stateCell(state: LocalClusterView['state'], p: Palette): string {
  return state === 'running' ? p.ok(state) : state === 'partial' ? p.warn(state) : p.dim(state);
}

/**
 * `fleet init`'s line on the current context: commands without --context go to the new cluster
 * now, so say so, and what was current before (and how to go back to it).
 */
export function contextSwitchLine(context: string, was: string | null, home: string, p: Palette, what = ''): string {
  const before = was === null ? 'there was none' : was === context ? 'as before' : `was ${JSON.stringify(was)}; fleet context use ${was} goes back`;
  return `Context ${p.bold(JSON.stringify(context))}${what} is now current (${before}); data in ${tildePath(home)}.`;
}

/** `fleet destroy`'s line when it removed the current context: what is current now, or how to choose. */
export function currentAfterDestroyLine(current: CurrentAfterRemoval): string {
  if (current.now !== null) return `Context ${JSON.stringify(current.now)} is now current: the only one left.`;
  if (current.remaining.length === 0) return 'No context is left: fleet init starts a local cluster and makes one.';
  return `No context is current now: choose one with fleet context use <name> (${current.remaining.join(', ')}).`;
}

/** What to try after `fleet init` or `fleet up`. */
export function nextSteps(name: string, members: number, p: Palette, engine: 'fleet' | 'etcd' = 'fleet'): string {
  const n = name === 'local' ? '' : ` --name ${name}`;
  const steps: [string, string][] = [
    ['fleet status', 'members, leader, terms and lag'],
    ['fleet kv put hello world', 'write something'],
    // fleet scale resizes fleet's own members only.
    ...(engine === 'etcd' ? [] : [[`fleet scale --nodes ${members < 3 ? 3 : members < 5 ? 5 : 3}${n}`, 'grow (or shrink) the cluster safely'] as [string, string]]),
    [`fleet down${n}`, `stop it; fleet up${n} starts it again`],
    [`fleet destroy${n}`, 'remove it and its data'],
  ];
  const width = Math.max(...steps.map(([c]) => c.length));
  return ['Next steps:', ...steps.map(([c, what]) => `  ${p.accent(c.padEnd(width))}  ${p.dim(what)}`)].join('\n');
}

/** `1.8s` / `850ms`, for "healthy in …". */
export function seconds(ms: number): string {
  return ms < 1_000 ? `${Math.round(ms)}ms` : `${(ms / 1_000).toFixed(1)}s`;
}

/** `spawn 120ms · listening 640ms · …`: where `fleet init`'s time went. */
export function phaseLine(phases: InitPhases): string {
  return (Object.entries(phases) as [string, number][]).map(([name, ms]) => `${name.replace(/Ms$/, '')} ${seconds(ms)}`).join(' · ');
}
