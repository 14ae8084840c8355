import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { naturalCompare } from '../../src/ops/natural-order.js';

describe('naturalCompare', () => {
  it('orders numbered ids by number', () => {
    expect(['n10', 'n2', 'n1', 'shard-100', 'shard-9', 'a'].sort(naturalCompare)).toEqual(['a', 'n1', 'n2', 'n10', 'shard-9', 'shard-100']);
  });

  it('agrees with the en collator on letters-then-number ids, as members are named (property)', () => {
    const id = fc.stringMatching(/^[a-z]{1,3}([1-9][0-9]{0,3}|0)?$/);
    fc.assert(fc.property(id, id, (a, b) => Math.sign(naturalCompare(a, b)) === Math.sign(a.localeCompare(b, 'en', { numeric: true }))), { numRuns: 2_000 });
  });

  it('is a total order: antisymmetric, and 0 only for equal strings', () => {
    fc.assert(fc.property(fc.string(), fc.string(), (a, b) => Math.sign(naturalCompare(a, b)) === -Math.sign(naturalCompare(b, a)) && (naturalCompare(a, b) === 0) === (a === b)));
  });
});
