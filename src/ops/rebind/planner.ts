/**
 * The plan generator: drains a shard or rebalances a set of shards, with the fewest moves that
 * reach the goal, never filling a target beyond its capacity, and the same plan for the same
 * state. It pages through the clusters of the shards it moves clusters off (never the whole
 * registry at once) and holds only the moves it makes.
 */
import type { ShardView } from '../../client/index.js';
import { CliError, EXIT } from '../../common/errors.js';
import { idealShares, sourceQuotas, TargetPicker, type ShardLoad } from './balance.js';
import { BindingDigest } from './digest.js';
import { toName } from './plan-file.js';
import { ALL_CLUSTERS, type ClusterFilter } from './select.js';
import { PLAN_API_VERSION, type PlanMove, type PlanStrategy, type RebindPlan, type RebindRegistry } from './types.js';

/** Drain: move every (selected) cluster off `shards`, onto `targets` (default: every other active shard). */
export interface DrainRequest {
  readonly kind: 'drain';
  readonly shards: readonly string[];
  readonly targets?: readonly string[];
}

/** Rebalance: bring `shards` (default: every active shard) to their capacity-proportional shares. */
export interface RebalanceRequest {
  readonly kind: 'rebalance';
  readonly shards?: readonly string[];
  readonly maxMoves?: number;
}

/** Options of a generation. */
export interface GenerateOptions {
  readonly filter?: ClusterFilter;
  /** The plan id (default: from the strategy and `now`). */
  readonly id?: string;
  readonly createdBy: string;
  readonly now: Date;
  /** Clusters per listClusters page (default 10,000, the registry's largest). */
  readonly pageSize?: number;
}

/** What the planner reads. */
export type PlannerSource = Pick<RebindRegistry, 'listShards' | 'listClusters' | 'counts'>;

const DEFAULT_PAGE = 10_000;

function precondition(message: string, hint?: string): CliError {
  return new CliError(message, { exitCode: EXIT.precondition, ...(hint ? { hint } : {}) });
}

/** Generates a plan for `request` from the live state of `source`. */
export async function generatePlan(source: PlannerSource, request: DrainRequest | RebalanceRequest, opts: GenerateOptions): Promise<RebindPlan> {
  // The index first: the plan's bindings were read at or after it.
  const { appliedIndex } = await source.counts();
  const shards = await source.listShards();
  const byId = new Map(shards.map((s) => [s.id, s]));
  const read = { source, filter: opts.filter ?? ALL_CLUSTERS, pageSize: opts.pageSize ?? DEFAULT_PAGE };
  const { strategy, moves, covered, digest } = request.kind === 'drain' ? await planDrain(read, byId, request) : await planRebalance(read, byId, request);
  return {
    apiVersion: PLAN_API_VERSION,
    kind: 'RebindPlan',
    id: opts.id ?? defaultId(strategy, opts.now),
    createdAt: opts.now.toISOString(),
    createdBy: opts.createdBy,
    strategy,
    source: { appliedIndex, digest: digest.toString(), shards: covered, clusters: digest.count, bound: Object.fromEntries(shards.map((s) => [s.id, s.boundClusters])) },
    moves,
  };
}

interface Reader {
  readonly source: PlannerSource;
  readonly filter: ClusterFilter;
  readonly pageSize: number;
}

interface Planned {
  readonly strategy: PlanStrategy;
  readonly moves: PlanMove[];
  readonly covered: string[];
  readonly digest: BindingDigest;
}

/** Pages through one shard's clusters in name order, counting each binding into `digest`. */
async function eachCluster(r: Reader, shard: string, digest: BindingDigest, visit: (name: string) => void): Promise<void> {
  let after: string | undefined;
  do {
    const page = await r.source.listClusters({ shard, limit: r.pageSize, ...(after === undefined ? {} : { after }) });
    for (const c of page.items) {
      // A listing by shard only returns that shard's clusters; the check keeps the digest honest if not.
      if (c.shard !== shard) continue;
      digest.add(c.name, shard);
      visit(c.name);
    }
    after = page.next;
  } while (after !== undefined);
}

function known(byId: ReadonlyMap<string, ShardView>, id: string, role: string): ShardView {
  const s = byId.get(id);
  if (s === undefined) throw precondition(`${role} shard ${JSON.stringify(id)} is not registered`, 'fleet shards list');
  return s;
}

function loadOf(s: ShardView): ShardLoad {
  return { id: s.id, capacity: s.capacity, bound: s.boundClusters };
}

async function planDrain(r: Reader, byId: ReadonlyMap<string, ShardView>, req: DrainRequest): Promise<Planned> {
  const drained = [...new Set(req.shards)].sort();
  for (const id of drained) known(byId, id, 'drained');
  const targets = drainTargets(byId, drained, req.targets);
  const picker = new TargetPicker(targets.map(loadOf));
  const digest = new BindingDigest();
  const moves: PlanMove[] = [];
  let unplaced = 0;
  for (const from of drained) {
    await eachCluster(r, from, digest, (cluster) => {
      if (!r.filter(cluster)) return;
      const to = picker.take();
      if (to === undefined) unplaced++;
      else moves.push({ cluster, from, to });
    });
  }
  if (unplaced > 0) {
    const room = moves.length;
    throw precondition(`the targets (${targets.map((t) => t.id).join(', ')}) have room for ${room} more clusters, but ${room + unplaced} are to move off ${drained.join(', ')}`, 'add capacity (fleet shards update ID --capacity N) or more targets (--to)');
  }
  return { strategy: { kind: 'drain', shards: drained, targets: targets.map((t) => t.id) }, moves, covered: drained, digest };
}

function drainTargets(byId: ReadonlyMap<string, ShardView>, drained: readonly string[], given: readonly string[] | undefined): ShardView[] {
  const out: ShardView[] = [];
  if (given !== undefined && given.length > 0) {
    for (const id of [...new Set(given)].sort()) {
      const s = known(byId, id, 'target');
      if (drained.includes(id)) throw new CliError(`shard ${JSON.stringify(id)} is both drained and a target`, { exitCode: EXIT.usage });
      if (s.state !== 'active') throw precondition(`target shard ${JSON.stringify(id)} is ${s.state} and takes no new clusters`, `fleet shards activate ${id}, or choose other targets`);
      out.push(s);
    }
  } else {
    for (const s of byId.values()) if (s.state === 'active' && !drained.includes(s.id)) out.push(s);
    out.sort((a, b) => (a.id < b.id ? -1 : 1));
  }
  if (out.length === 0) throw precondition(`no active shard to drain ${drained.join(', ')} onto`, 'register or activate a shard, or name targets with --to');
  return out;
}

async function planRebalance(r: Reader, byId: ReadonlyMap<string, ShardView>, req: RebalanceRequest): Promise<Planned> {
  const members = rebalanceMembers(byId, req.shards);
  const loads = members.map(loadOf);
  const total = loads.reduce((n, s) => n + s.bound, 0);
  const ideal = idealShares(loads, total);
  const deficit = loads.reduce((n, s) => n + Math.max(0, ideal.get(s.id)! - s.bound), 0);
  const budget = Math.min(deficit, req.maxMoves ?? Number.MAX_SAFE_INTEGER);
  const quotas = sourceQuotas(loads, ideal, budget);
  const digest = new BindingDigest();
  const picked: { cluster: string; from: string }[] = [];
  const covered = [...quotas.keys()].sort();
  for (const from of covered) {
    let want = quotas.get(from)!;
    await eachCluster(r, from, digest, (cluster) => {
      if (want > 0 && r.filter(cluster)) {
        picked.push({ cluster, from });
        want--;
      }
    });
  }
  // Targets are the shards under their share, each filled up to it and no further.
  const picker = new TargetPicker(loads.filter((s) => s.bound < ideal.get(s.id)!), ideal);
  const moves = picked.map(({ cluster, from }) => ({ cluster, from, to: picker.take()! }));
  const strategy: PlanStrategy = { kind: 'rebalance', shards: members.map((s) => s.id), ...(req.maxMoves === undefined ? {} : { maxMoves: req.maxMoves }) };
  return { strategy, moves, covered, digest };
}

function rebalanceMembers(byId: ReadonlyMap<string, ShardView>, given: readonly string[] | undefined): ShardView[] {
  let members: ShardView[];
  if (given !== undefined && given.length > 0) {
    members = [...new Set(given)].map((id) => known(byId, id, 'rebalanced'));
    const inactive = members.find((s) => s.state !== 'active');
    if (inactive !== undefined) throw precondition(`shard ${JSON.stringify(inactive.id)} is ${inactive.state}: a rebalance only spreads clusters over active shards`, `drain it with --drain ${inactive.id}, or leave it out of --shards`);
  } else {
    members = [...byId.values()].filter((s) => s.state === 'active');
  }
  if (members.length < 2) throw precondition(`a rebalance needs at least two active shards; ${members.length === 0 ? 'there are none' : `only ${members[0]!.id} is`}`);
  return members.sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** `drain-s1-20250102T030405Z`. */
function defaultId(strategy: PlanStrategy, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const shards = strategy.kind === 'drain' ? strategy.shards.join('+') : '';
  return toName(`${strategy.kind}${shards ? `-${shards}` : ''}-${stamp}`);
}
