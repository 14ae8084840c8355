/**
 * How many rebind moves fit one etcd transaction. A batch compares every moved cluster's key,
 * the bound count of every shard it touches and the record of every target (its state and
 * capacity), and writes the clusters and the counts: etcd refuses a transaction with more
 * compares, or more operations, than its `--max-txn-ops` (128 by default). Pure: unit-tested.
 */
import type { RebindMove } from '../types.js';

/** The compares and operations of one batch of `moves` on etcd. */
export function batchTxnSize(moves: readonly RebindMove[]): { compares: number; ops: number } {
  const touched = new Set<string>();
  const targets = new Set<string>();
  for (const m of moves) {
    touched.add(m.to);
    targets.add(m.to);
    if (m.from !== null) touched.add(m.from);
  }
  return { compares: moves.length + touched.size + targets.size, ops: moves.length + touched.size };
}

/** How many of `moves`, from the first, fit one transaction of at most `maxTxnOps` compares and operations (at least one). */
export function movesThatFit(moves: readonly RebindMove[], maxTxnOps: number): number {
  const touched = new Set<string>();
  const targets = new Set<string>();
  for (let i = 0; i < moves.length; i++) {
    const m = moves[i]!;
    touched.add(m.to);
    targets.add(m.to);
    if (m.from !== null) touched.add(m.from);
    if (i + 1 + touched.size + targets.size > maxTxnOps) return Math.max(1, i);
  }
  return moves.length;
}
