/**
 * The arithmetic of placement, pure and deterministic: which target takes the next cluster
 * (the one least utilised after taking it), and how many clusters each shard should hold for
 * a rebalance (its share of the total by capacity). Ties always break on the shard id.
 */

import { MinHeap } from '../../common/min-heap.js';

/** A shard's room as the planner sees it. */
export interface ShardLoad {
  readonly id: string;
  readonly capacity: number;
  /** Clusters bound now, plus those the plan has assigned so far. */
  bound: number;
}

/** Utilisation after one more cluster; the target with the lowest takes the next one. */
function fillAfterOne(s: ShardLoad): number {
  return (s.bound + 1) / s.capacity;
}

/**
 * Hands out targets one cluster at a time, always to the target least utilised after taking
 * it, never beyond a target's limit (its capacity, or a rebalance's ideal). Invariant: no
 * target's `bound` exceeds its limit.
 */
export class TargetPicker {
  readonly #heap = new MinHeap<{ load: ShardLoad; limit: number }>((a, b) => {
    const fa = fillAfterOne(a.load);
    const fb = fillAfterOne(b.load);
    return fa !== fb ? fa < fb : a.load.id < b.load.id;
  });

  /** `limits` defaults to each target's capacity. */
  constructor(targets: readonly ShardLoad[], limits?: ReadonlyMap<string, number>) {
    for (const load of targets) {
      const limit = Math.min(load.capacity, limits?.get(load.id) ?? load.capacity);
      if (load.capacity > 0 && load.bound < limit) this.#heap.push({ load, limit });
    }
  }

  /** The target of the next cluster, or undefined when every target is full. */
  take(): string | undefined {
    const top = this.#heap.pop();
    if (top === undefined) return undefined;
    top.load.bound++;
    if (top.load.bound < top.limit) this.#heap.push(top);
    return top.load.id;
  }
}

/**
 * Each shard's share of `total` clusters in proportion to its capacity (largest remainders,
 * ties by id), never above its capacity. The shares sum to `total` unless the capacities
 * cannot hold it.
 */
export function idealShares(shards: readonly { id: string; capacity: number }[], total: number): Map<string, number> {
  const capSum = shards.reduce((n, s) => n + BigInt(s.capacity), 0n);
  const out = new Map<string, number>();
  if (capSum === 0n) {
    for (const s of shards) out.set(s.id, 0);
    return out;
  }
  const T = BigInt(total);
  const rems: { id: string; rem: bigint }[] = [];
  let given = 0;
  for (const s of shards) {
    const exact = T * BigInt(s.capacity);
    const share = Number(exact / capSum);
    out.set(s.id, Math.min(share, s.capacity));
    given += Math.min(share, s.capacity);
    if (share < s.capacity) rems.push({ id: s.id, rem: exact % capSum });
  }
  rems.sort((a, b) => (a.rem !== b.rem ? (a.rem > b.rem ? -1 : 1) : a.id < b.id ? -1 : 1));
  for (const r of rems) {
    if (given >= total) break;
    out.set(r.id, out.get(r.id)! + 1);
    given++;
  }
  return out;
}

/**
 * How many clusters each over-share shard gives up, at most `budget` in all: one at a time
 * from the shard most utilised at that moment (ties by id), so a capped rebalance relieves
 * the fullest shards first. Without a cap this is exactly each shard's surplus.
 */
export function sourceQuotas(loads: readonly ShardLoad[], ideal: ReadonlyMap<string, number>, budget: number): Map<string, number> {
  const out = new Map<string, number>();
  const heap = new MinHeap<{ id: string; bound: number; capacity: number; surplus: number }>((a, b) => {
    const fa = a.bound / Math.max(1, a.capacity);
    const fb = b.bound / Math.max(1, b.capacity);
    return fa !== fb ? fa > fb : a.id < b.id;
  });
  for (const s of loads) {
    const surplus = s.bound - (ideal.get(s.id) ?? s.bound);
    if (surplus > 0) heap.push({ id: s.id, bound: s.bound, capacity: s.capacity, surplus });
  }
  for (let given = 0; given < budget && heap.size > 0; given++) {
    const top = heap.pop()!;
    out.set(top.id, (out.get(top.id) ?? 0) + 1);
    top.bound--;
    top.surplus--;
    if (top.surplus > 0) heap.push(top);
  }
  return out;
}
