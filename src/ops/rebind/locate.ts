/**
 * Where a plan's clusters are now. Shards are paged through when that is cheap (the shards the
 * plan's digest covers always are: the digest needs every binding on them); the clusters not
 * found that way are looked up one by one, many at a time on the client's session stream.
 */
import type { ShardView } from '../../client/index.js';
import { BindingDigest } from './digest.js';
import type { MoveState, PlanMove, RebindPlan, RebindRegistry } from './types.js';

/** The live state a plan is judged against. */
export interface LiveState {
  readonly shards: readonly ShardView[];
  /** Each move's cluster: its shard, null when unbound; absent when no such cluster exists. */
  readonly actual: ReadonlyMap<string, string | null>;
  /** The digest of every binding now on the shards `plan.source.shards` names. */
  readonly coveredDigest: BindingDigest;
}

/** Options of `locate`. */
export interface LocateOptions {
  readonly pageSize?: number;
  /** Lookups in flight at once for clusters not found by paging (default 64). */
  readonly concurrency?: number;
}

/** What `locate` reads. */
export type LocateSource = Pick<RebindRegistry, 'listShards' | 'listClusters' | 'getCluster'>;

/** Reads where every cluster of `plan` is, and the digest of its covered shards. */
export async function locate(registry: LocateSource, plan: RebindPlan, opts: LocateOptions = {}): Promise<LiveState> {
  const shards = await registry.listShards();
  const wanted = new Set(plan.moves.map((m) => m.cluster));
  const covered = new Set(plan.source.shards);
  const actual = new Map<string, string | null>();
  const coveredDigest = new BindingDigest();
  for (const shard of shardsToScan(shards, plan.moves, covered)) {
    await scanShard(registry, shard, opts.pageSize ?? 10_000, (name) => {
      if (covered.has(shard)) coveredDigest.add(name, shard);
      if (wanted.has(name)) actual.set(name, shard);
    });
  }
  const rest = [...wanted].filter((name) => !actual.has(name));
  await pool(rest, opts.concurrency ?? 64, async (name) => {
    const c = await registry.getCluster(name);
    if (c !== undefined) actual.set(name, c.shard);
  });
  return { shards, actual, coveredDigest };
}

/**
 * The covered shards, and every other registered shard the moves touch whose size is within a
 * few times the number of moves touching it: paging it costs less than one lookup per move.
 */
function shardsToScan(shards: readonly ShardView[], moves: readonly PlanMove[], covered: ReadonlySet<string>): string[] {
  const touching = new Map<string, number>();
  for (const m of moves) {
    touching.set(m.from, (touching.get(m.from) ?? 0) + 1);
    touching.set(m.to, (touching.get(m.to) ?? 0) + 1);
  }
  const out: string[] = [];
  for (const s of shards) {
    const n = touching.get(s.id) ?? 0;
    if (covered.has(s.id) || (n > 0 && s.boundClusters <= 4 * n + 1_000)) out.push(s.id);
  }
  return out;
}

async function scanShard(registry: LocateSource, shard: string, pageSize: number, visit: (name: string) => void): Promise<void> {
  let after: string | undefined;
  do {
    const page = await registry.listClusters({ shard, limit: pageSize, ...(after === undefined ? {} : { after }) });
    for (const c of page.items) if (c.shard === shard) visit(c.name);
    after = page.next;
  } while (after !== undefined);
}

/** Runs `work` over `items` with at most `concurrency` in flight; the first failure rejects. */
export async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** Each move's status against the live bindings. */
export function moveStates(moves: readonly PlanMove[], actual: ReadonlyMap<string, string | null>): MoveState[] {
  return moves.map((move, index) => {
    const where = actual.has(move.cluster) ? actual.get(move.cluster)! : undefined;
    const status = where === undefined ? 'missing' : where === move.to ? 'in-place' : where === move.from ? 'pending' : 'conflict';
    return { index, move, status, actual: where };
  });
}
