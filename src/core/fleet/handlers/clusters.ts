/**
 * Handlers of the cluster commands. The binding rule: first contact wins; after that only an
 * explicit rebind — a compare-and-set on the current shard — moves a cluster.
 */
import { FULL_REGISTRY, LIMITS } from '../limits.js';
import { UNBOUND, type FleetState, type ShardRecord } from '../state.js';
import type { RebindMove } from '../types.js';
import { fail, notFound, ok, type Handler, type Outcome } from './outcome.js';

const q = JSON.stringify;

/**
 * Whether `shard` takes `incoming` more clusters (net): only an active shard with room does. A
 * net of zero or less never fails for capacity, so a batch that does not make an over-full
 * shard fuller goes through. Rebinds may override this with force; first contacts may not.
 */
function admits(s: FleetState, shard: ShardRecord, incoming: number): Outcome<never> | undefined {
  if (shard.state !== 'active') {
    return fail('FAILED_PRECONDITION', `shard ${q(shard.id)} is ${shard.state} and takes no new clusters`, { shard: shard.id, state: shard.state });
  }
  const bound = s.clusters.boundCount(shard.id);
  if (incoming > 0 && bound + incoming > shard.capacity) {
    return fail('FAILED_PRECONDITION', `shard ${q(shard.id)} is at capacity (${bound} of ${shard.capacity} bound, ${incoming} more asked)`, {
      shard: shard.id,
      capacity: shard.capacity,
      boundClusters: bound,
      incoming,
    });
  }
  return undefined;
}

/** First contact wins: binds an unbound cluster, accepts the same shard again, refuses any other. */
export const clusterContact: Handler<'cluster.contact'> = (s, op, ctx) => {
  const shard = s.shards.get(op.shard);
  if (shard === undefined) return notFound('shard', op.shard);
  const t = s.clusters;
  const slot = t.slotOf(op.cluster);
  const current = slot === undefined ? UNBOUND : t.shard(slot);
  if (slot !== undefined && current === op.shard) {
    t.touch(slot, ctx.time);
    return ok({ cluster: t.view(slot), created: false, bound: false });
  }
  if (current !== UNBOUND) {
    return fail('ALREADY_BOUND', `cluster ${q(op.cluster)} is already bound to shard ${q(current)}; rebind it explicitly to move it`, {
      cluster: op.cluster,
      currentShard: current,
      generation: t.generation(slot!),
    });
  }
  const refused = admits(s, shard, 1);
  if (refused !== undefined) return refused;
  if (slot === undefined) {
    if (t.size >= LIMITS.maxClusters) return fail('FAILED_PRECONDITION', FULL_REGISTRY.clusters);
    return ok({ cluster: t.view(t.add(op.cluster, op.shard, ctx.index, ctx.time)), created: true, bound: true });
  }
  t.bind(slot, op.shard, ctx.index);
  t.touch(slot, ctx.time);
  return ok({ cluster: t.view(slot), created: false, bound: true });
};

/** Checks one move's compare-and-set and target, without capacity (a batch counts that as a whole). */
function checkMove(s: FleetState, move: RebindMove): Outcome<never> | undefined {
  const slot = s.clusters.slotOf(move.cluster);
  if (slot === undefined) return notFound('cluster', move.cluster);
  const shard = s.clusters.shard(slot);
  const actual = shard === UNBOUND ? null : shard;
  if (actual !== move.from) {
    const where = (id: string | null): string => (id === null ? 'unbound' : `bound to ${q(id)}`);
    return fail('CAS_FAILED', `cluster ${q(move.cluster)} is ${where(actual)}, not ${where(move.from)}`, {
      cluster: move.cluster,
      expectedShard: move.from,
      actualShard: actual,
      generation: s.clusters.generation(slot),
    });
  }
  if (!s.shards.has(move.to)) return notFound('shard', move.to);
  return undefined;
}

/** Moves one cluster if it is bound where the caller believes; refuses full or non-active targets unless forced. */
export const clusterRebind: Handler<'cluster.rebind'> = (s, op, ctx) => {
  const refused = checkMove(s, op) ?? (op.force === true ? undefined : admits(s, s.shards.get(op.to)!, 1));
  if (refused !== undefined) return refused;
  const slot = s.clusters.slotOf(op.cluster)!;
  s.clusters.bind(slot, op.to, ctx.index);
  return ok({ cluster: s.clusters.view(slot), from: op.from });
};

/** Names the failing move of a batch in the refusal. */
function atMove(refusal: Outcome<never>, i: number, move: RebindMove): Outcome<never> {
  if (refusal.ok) return refusal;
  const details = { ...refusal.details, moveIndex: i, cluster: move.cluster };
  return fail(refusal.code, `moves[${i}] (cluster ${q(move.cluster)}): ${refusal.message}; no move was made`, details);
}

/** Checks the targets' states and capacities as they would be after the whole batch. */
function checkBatchTargets(s: FleetState, moves: readonly RebindMove[]): Outcome<never> | undefined {
  const net = new Map<string, number>();
  for (const m of moves) {
    net.set(m.to, (net.get(m.to) ?? 0) + 1);
    if (m.from !== null) net.set(m.from, (net.get(m.from) ?? 0) - 1);
  }
  for (let i = 0; i < moves.length; i++) {
    const move = moves[i]!;
    const refused = admits(s, s.shards.get(move.to)!, net.get(move.to)!);
    if (refused !== undefined) return atMove(refused, i, move);
  }
  return undefined;
}

/** Applies many rebinds all-or-none: every move is checked against the state before any is made. */
export const clusterRebindBatch: Handler<'cluster.rebindBatch'> = (s, op, ctx) => {
  for (let i = 0; i < op.moves.length; i++) {
    const refused = checkMove(s, op.moves[i]!);
    if (refused !== undefined) return atMove(refused, i, op.moves[i]!);
  }
  if (op.force !== true) {
    const refused = checkBatchTargets(s, op.moves);
    if (refused !== undefined) return refused;
  }
  for (const move of op.moves) s.clusters.bind(s.clusters.slotOf(move.cluster)!, move.to, ctx.index);
  return ok({ moved: op.moves.length, planId: op.planId ?? null });
};

/** Leaves a cluster known but unbound; unbinding an unbound cluster is a no-op. */
export const clusterUnbind: Handler<'cluster.unbind'> = (s, op, ctx) => {
  const slot = s.clusters.slotOf(op.cluster);
  if (slot === undefined) return notFound('cluster', op.cluster);
  const shard = s.clusters.shard(slot);
  if (shard !== UNBOUND) s.clusters.bind(slot, UNBOUND, ctx.index);
  return ok({ cluster: s.clusters.view(slot), previousShard: shard === UNBOUND ? null : shard });
};

/** Records a cluster's heartbeat at the leader's time. */
export const clusterHeartbeat: Handler<'cluster.heartbeat'> = (s, op, ctx) => {
  const slot = s.clusters.slotOf(op.cluster);
  if (slot === undefined) return notFound('cluster', op.cluster);
  s.clusters.touch(slot, ctx.time);
  return ok({ cluster: op.cluster, lastSeen: ctx.time });
};

/** Forgets every cluster last seen before `time - notSeenSinceMs` (a scan: an operator's occasional clean-up). */
export const clusterPrune: Handler<'cluster.prune'> = (s, op, ctx) => {
  const cutoff = ctx.time - op.notSeenSinceMs;
  const stale: number[] = [];
  s.clusters.forEachAfter(undefined, undefined, (_, slot) => {
    if (s.clusters.lastSeen(slot) < cutoff) stale.push(slot);
    return true;
  });
  for (const slot of stale) s.clusters.delete(slot);
  return ok({ pruned: stale.length });
};
