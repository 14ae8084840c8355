/**
 * The registry commands both sides of the probe apply, in the same order: the shards registered,
 * every cluster's first contact (one entry each, in a scrambled order, as clusters arrive), then
 * a drain-like share of them moved in rebind batches (one entry per batch, as a plan runs them).
 */
import type { Command, RebindMove } from '../../src/core/fleet/index.js';

/** The leader's wall time of the first entry; entry i is stamped T0 + i. */
export const T0 = 1_700_000_000_000;
/** Moves per rebind batch: with its shards' compares and counts it fits etcd's 128 operations. */
export const BATCH_MOVES = 32;

/** The size of a probe's registry. */
export interface WorkloadSize {
  readonly clusters: number;
  readonly shards: number;
  /** How many clusters the rebind batches move (rounded up to whole batches). */
  readonly moves: number;
}

export const shardId = (s: number): string => `shard-${String(s).padStart(4, '0')}`;
export const clusterName = (k: number): string => `cluster-${String(k).padStart(7, '0')}`;

/** A fixed permutation of 0..n-1 (multiplication by a prime coprime with n), so names arrive out of order. */
export function scrambled(i: number, n: number): number {
  return Number((BigInt(i) * 1_000_003n) % BigInt(n));
}

/** Room for every first contact with a fifth to spare, and for a batch moved in before one moves out. */
export function capacityOf(size: WorkloadSize): number {
  return Math.ceil((size.clusters / size.shards) * 1.2) + 2 * BATCH_MOVES;
}

/** Where cluster `k` is bound once the workload has run. */
export function finalShard(size: WorkloadSize, k: number): string {
  const s = k % size.shards;
  const t = Math.floor(k / size.shards);
  const batch = s + size.shards * Math.floor(t / BATCH_MOVES);
  return batch < batchCount(size) ? shardId((s + 1) % size.shards) : shardId(s);
}

function batchCount(size: WorkloadSize): number {
  return Math.ceil(size.moves / BATCH_MOVES);
}

/**
 * Rebind batch j moves clusters s, s + S, s + 2S … (all bound to shard s = j mod S, round r = j div S)
 * to shard s + 1: each batch touches two shards, and no cluster moves twice.
 */
function batchMoves(size: WorkloadSize, j: number): RebindMove[] {
  const s = j % size.shards;
  const r = Math.floor(j / size.shards);
  const moves: RebindMove[] = [];
  for (let u = 0; u < BATCH_MOVES; u++) {
    const k = s + size.shards * (r * BATCH_MOVES + u);
    if (k < size.clusters) moves.push({ cluster: clusterName(k), from: shardId(s), to: shardId((s + 1) % size.shards) });
  }
  return moves;
}

/** Every command of the workload, in order. */
export function* workload(size: WorkloadSize): Generator<Command, void, undefined> {
  const capacity = capacityOf(size);
  for (let s = 0; s < size.shards; s++) {
    yield { type: 'shard.register', id: shardId(s), address: `10.${s >> 8}.${s & 255}.1:7000`, region: 'us-east-1', zone: `us-east-1${'abc'[s % 3]}`, capacity };
  }
  for (let i = 0; i < size.clusters; i++) {
    const k = scrambled(i, size.clusters);
    yield { type: 'cluster.contact', cluster: clusterName(k), shard: shardId(k % size.shards) };
  }
  for (let j = 0; j < batchCount(size); j++) {
    const moves = batchMoves(size, j);
    if (moves.length > 0) yield { type: 'cluster.rebindBatch', moves, planId: `drain-${j}` };
  }
}

/** A seeded generator of lookups: `count` cluster indexes, the same on both sides. */
export function lookupSample(clusters: number, count: number, seed = 56): number[] {
  let x = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    // xorshift32
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out.push(x % clusters);
  }
  return out;
}
