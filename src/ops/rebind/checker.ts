/**
 * `fleet rebind plan check`: a plan against the live state. Every move must still hold (its
 * cluster exists and is on `from`, or already on `to`), every target must be active and
 * within capacity once the rest of the plan is applied, and the bindings the plan was computed
 * from must not have changed except by the plan's own moves (drift).
 */
import type { ShardView } from '../../client/index.js';
import { digestAfterMoves } from './digest.js';
import { locate, moveStates, type LiveState, type LocateOptions, type LocateSource } from './locate.js';
import type { MoveState, RebindPlan } from './types.js';

/** What is wrong with a plan now. `conflict` and `missing` are about one move; the rest about a shard or the whole plan. */
export type ProblemKind = 'conflict' | 'missing' | 'unknown-shard' | 'target-state' | 'capacity' | 'drift';

/** One problem, in a line an operator can act on. */
export interface Problem {
  readonly kind: ProblemKind;
  readonly message: string;
  readonly moveIndex?: number;
  readonly cluster?: string;
  readonly shard?: string;
}

/** A shard's row of the before/after table. `planned` is its count when the plan was made. */
export interface ShardRow {
  readonly id: string;
  readonly state: ShardView['state'] | 'unknown';
  readonly capacity: number | null;
  readonly planned: number | null;
  readonly now: number;
  readonly out: number;
  readonly in: number;
  readonly after: number;
}

/** Drift of the covered bindings since the plan was made, beyond the plan's own moves. */
export interface Drift {
  readonly shards: readonly { readonly id: string; readonly expected: number; readonly now: number }[];
  readonly message: string;
}

/** The whole verdict (the `--json` document of check). */
export interface CheckReport {
  readonly planId: string;
  readonly total: number;
  readonly pending: number;
  readonly inPlace: number;
  readonly conflicting: number;
  readonly missing: number;
  readonly drift: Drift | null;
  /** At most MAX_LISTED problems; `problemCount` has them all. */
  readonly problems: readonly Problem[];
  readonly problemCount: number;
  readonly shards: readonly ShardRow[];
  readonly ok: boolean;
}

/** How many problems a report lists (the count covers them all). */
export const MAX_LISTED = 100;

/** Options of a check. `force` accepts non-active and full targets (as `apply --force` would). */
export interface CheckOptions extends LocateOptions {
  readonly force?: boolean;
}

/** Checks a plan against the live state; also returns the state and move statuses, for apply. */
export async function checkPlan(registry: LocateSource, plan: RebindPlan, opts: CheckOptions = {}): Promise<{ report: CheckReport; live: LiveState; states: MoveState[] }> {
  const live = await locate(registry, plan, opts);
  const states = moveStates(plan.moves, live.actual);
  return { report: judge(plan, live, states, opts.force === true), live, states };
}

/** The verdict on a plan given the live state (pure). */
export function judge(plan: RebindPlan, live: LiveState, states: readonly MoveState[], force: boolean): CheckReport {
  // Shard-level problems first: they decide whether anything can apply, and the list is capped.
  const rows = shardRows(plan, live, states);
  const problems: Problem[] = targetProblems(live.shards, rows, states, force);
  const drift = driftOf(plan, live, states);
  if (drift !== null) problems.push({ kind: 'drift', message: drift.message });
  for (const s of states) {
    const p = moveProblem(s);
    if (p !== undefined) problems.push(p);
  }
  const count = (status: MoveState['status']) => states.filter((s) => s.status === status).length;
  return {
    planId: plan.id,
    total: plan.moves.length,
    pending: count('pending'),
    inPlace: count('in-place'),
    conflicting: count('conflict'),
    missing: count('missing'),
    drift,
    problems: problems.slice(0, MAX_LISTED),
    problemCount: problems.length,
    shards: rows,
    ok: problems.length === 0,
  };
}

const q = JSON.stringify;

function where(shard: string | null): string {
  return shard === null ? 'unbound' : `on ${q(shard)}`;
}

function moveProblem(s: MoveState): Problem | undefined {
  const { move, index } = s;
  const at = `moves[${index}] (cluster ${q(move.cluster)})`;
  if (s.status === 'missing') return { kind: 'missing', moveIndex: index, cluster: move.cluster, message: `${at}: no such cluster` };
  if (s.status === 'conflict') {
    return { kind: 'conflict', moveIndex: index, cluster: move.cluster, message: `${at}: is ${where(s.actual!)}, neither on ${q(move.from)} (from) nor on ${q(move.to)} (to)` };
  }
  return undefined;
}

/** One row per shard the plan touches or covers, in id order. */
function shardRows(plan: RebindPlan, live: LiveState, states: readonly MoveState[]): ShardRow[] {
  const byId = new Map(live.shards.map((s) => [s.id, s]));
  const flows = new Map<string, { in: number; out: number }>();
  const flow = (id: string) => flows.get(id) ?? flows.set(id, { in: 0, out: 0 }).get(id)!;
  for (const id of plan.source.shards) flow(id);
  for (const s of states) {
    flow(s.move.from);
    flow(s.move.to);
    if (s.status !== 'pending') continue;
    flow(s.move.from).out++;
    flow(s.move.to).in++;
  }
  return [...flows.keys()].sort().map((id) => {
    const shard = byId.get(id);
    const f = flows.get(id)!;
    const now = shard?.boundClusters ?? 0;
    return { id, state: shard?.state ?? 'unknown', capacity: shard?.capacity ?? null, planned: plan.source.bound[id] ?? null, now, out: f.out, in: f.in, after: now - f.out + f.in };
  });
}

function targetProblems(shards: readonly ShardView[], rows: readonly ShardRow[], states: readonly MoveState[], force: boolean): Problem[] {
  const registered = new Set(shards.map((s) => s.id));
  const out: Problem[] = [];
  const reported = new Set<string>();
  for (const s of states) {
    for (const id of [s.move.from, s.move.to]) {
      if (registered.has(id) || reported.has(id)) continue;
      reported.add(id);
      out.push({ kind: 'unknown-shard', moveIndex: s.index, cluster: s.move.cluster, shard: id, message: `moves[${s.index}] (cluster ${q(s.move.cluster)}): shard ${q(id)} is not registered` });
    }
  }
  if (force) return out;
  for (const r of rows) {
    if (r.in === 0 || r.state === 'unknown') continue;
    if (r.state !== 'active') out.push({ kind: 'target-state', shard: r.id, message: `target shard ${q(r.id)} is ${r.state} and takes no new clusters (${r.in} moves go to it)` });
    else if (r.after > r.capacity! && r.in > r.out) {
      out.push({ kind: 'capacity', shard: r.id, message: `target shard ${q(r.id)} would hold ${r.after} clusters after the plan, over its capacity of ${r.capacity}` });
    }
  }
  return out;
}

/** Compares the covered bindings now with those the plan was made from, moved by the moves already in place. */
function driftOf(plan: RebindPlan, live: LiveState, states: readonly MoveState[]): Drift | null {
  const covered = new Set(plan.source.shards);
  const inPlace = states.filter((s) => s.status === 'in-place').map((s) => s.move);
  const expected = digestAfterMoves(plan.source.digest, covered, inPlace);
  if (expected === live.coveredDigest.toString()) return null;
  const expectedCount = new Map(plan.source.shards.map((id) => [id, plan.source.bound[id] ?? 0]));
  for (const m of inPlace) {
    if (expectedCount.has(m.from)) expectedCount.set(m.from, expectedCount.get(m.from)! - 1);
    if (expectedCount.has(m.to)) expectedCount.set(m.to, expectedCount.get(m.to)! + 1);
  }
  const nowCount = new Map(live.shards.map((s) => [s.id, s.boundClusters]));
  const shards = [...expectedCount].map(([id, expected]) => ({ id, expected, now: nowCount.get(id) ?? 0 })).filter((s) => s.expected !== s.now);
  const detail = shards.length > 0 ? shards.map((s) => `${s.id} holds ${s.now} clusters, ${s.expected} expected`).join(', ') : `the same number of clusters, but not the same ones`;
  const index = plan.source.appliedIndex === null ? '' : ` at index ${plan.source.appliedIndex}`;
  return { shards, message: `the bindings of ${plan.source.shards.join(', ')} changed since the plan was made${index} (other than by this plan): ${detail}` };
}

