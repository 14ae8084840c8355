/**
 * The rebind plan model and what the rebind workflows need from a cluster. A plan is a list
 * of `cluster: from → to` moves pinned to the state it was computed from (`source`), so a
 * check or an apply can tell drift apart from the plan's own progress.
 */
import type { Registry } from '../../client/registry.js';

/** The plan file format's version; a reader refuses any other. */
export const PLAN_API_VERSION = 'fleet/v1';

/** One move of a plan: a bound cluster from one shard to another (never unbound, never from == to). */
export interface PlanMove {
  readonly cluster: string;
  readonly from: string;
  readonly to: string;
}

/** How a plan was made; a record for the reader, not an input of apply. */
export type PlanStrategy =
  | { readonly kind: 'drain'; readonly shards: readonly string[]; readonly targets: readonly string[] }
  | { readonly kind: 'rebalance'; readonly shards: readonly string[]; readonly maxMoves?: number }
  | { readonly kind: 'rollback'; readonly of: string }
  | { readonly kind: 'manual' };

/**
 * The state a plan was computed from. `digest` covers the bindings of every cluster bound to
 * one of `shards` when the plan was made (see digest.ts); `bound` is every shard's bound count
 * then, for the before/after table.
 */
export interface PlanSource {
  /** The registry's applied index when the planner started reading (null: derived, e.g. a rollback). */
  readonly appliedIndex: number | null;
  readonly digest: string;
  readonly shards: readonly string[];
  readonly clusters: number;
  readonly bound: Readonly<Record<string, number>>;
}

/** A whole plan file. Invariants: `moves` has no duplicate cluster and no move with from == to. */
export interface RebindPlan {
  readonly apiVersion: typeof PLAN_API_VERSION;
  readonly kind: 'RebindPlan';
  /** The plan id progress is reported under (a registry name). */
  readonly id: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly strategy: PlanStrategy;
  readonly source: PlanSource;
  readonly moves: readonly PlanMove[];
}

/**
 * What the rebind workflows read from and write to a cluster: a subset of the Registry (either
 * engine), so tests can use a fake. Writes go through `write` (cluster.rebind,
 * cluster.rebindBatch, plan.progress), batches sized by `fitBatch` when the registry has one.
 */
export type RebindRegistry = Pick<Registry, 'write' | 'listShards' | 'listClusters' | 'getCluster' | 'counts' | 'listPlans' | 'fitBatch'>;

/** Where a move's cluster is now, relative to the move. */
export type MoveStatus = 'pending' | 'in-place' | 'conflict' | 'missing';

/** The status of one move, with where its cluster actually is (null: unbound; undefined: no such cluster). */
export interface MoveState {
  readonly index: number;
  readonly move: PlanMove;
  readonly status: MoveStatus;
  readonly actual: string | null | undefined;
}
