import { describe, expect, it } from 'vitest';
import { batchTxnSize, movesThatFit } from '../../../src/client/etcd/batch-fit.js';
import type { RebindMove } from '../../../src/client/types.js';

const drain = (n: number, targets: readonly string[]): RebindMove[] => Array.from({ length: n }, (_, i) => ({ cluster: `c-${i}`, from: 's1', to: targets[i % targets.length]! }));

describe('the size of a rebind batch as one etcd transaction', () => {
  it('compares every cluster, every touched count and every target; writes the clusters and the counts', () => {
    expect(batchTxnSize(drain(10, ['s2', 's3']))).toEqual({ compares: 10 + 3 + 2, ops: 10 + 3 });
    expect(batchTxnSize([{ cluster: 'a', from: null, to: 's1' }])).toEqual({ compares: 3, ops: 2 });
  });

  it('takes as many moves as fit etcd default limit: 123 off one shard onto two, 32 when every move touches shards of its own', () => {
    expect(movesThatFit(drain(500, ['s2', 's3']), 128)).toBe(123);
    const scattered = Array.from({ length: 100 }, (_, i) => ({ cluster: `c-${i}`, from: `a-${i}`, to: `b-${i}` }));
    expect(movesThatFit(scattered, 128)).toBe(32);
    expect(batchTxnSize(scattered.slice(0, 32)).compares).toBeLessThanOrEqual(128);
    expect(batchTxnSize(scattered.slice(0, 33)).compares).toBeGreaterThan(128);
  });

  it('takes every move of a batch that fits, and at least one of any', () => {
    expect(movesThatFit(drain(5, ['s2']), 128)).toBe(5);
    expect(movesThatFit(drain(5, ['s2']), 2)).toBe(1);
  });

  it('never answers a prefix that does not fit (random batches)', () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let t = 0; t < 200; t++) {
      const moves = Array.from({ length: 1 + rnd(200) }, (_, i) => ({ cluster: `c-${i}`, from: rnd(4) === 0 ? null : `s${rnd(40)}`, to: `s${rnd(40)}` }));
      const n = movesThatFit(moves, 128);
      expect(batchTxnSize(moves.slice(0, n)).compares).toBeLessThanOrEqual(128);
      if (n < moves.length) expect(batchTxnSize(moves.slice(0, n + 1)).compares).toBeGreaterThan(128);
    }
  });
});
