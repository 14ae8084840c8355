import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SortedMap } from '../../../src/core/fleet/sorted-map.js';

type Op = { kind: 'set'; key: string; value: number } | { kind: 'delete'; key: string };

const key = fc.oneof(fc.string({ maxLength: 3 }), fc.integer({ min: 0, max: 3_000 }).map((n) => `k${n}`));
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('set' as const), key, value: fc.integer() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), key }) },
);

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

describe('SortedMap', () => {
  it('behaves like a Map whose keys are kept sorted (property, enough keys to split chunks)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 3_000, size: 'max' }), fc.option(key, { nil: undefined }), (ops, cursor) => {
        const m = new SortedMap<number>();
        const ref = new Map<string, number>();
        const wrong = ops.filter((op) => {
          if (op.kind === 'delete') return m.delete(op.key) !== ref.delete(op.key);
          const fresh = !ref.has(op.key);
          ref.set(op.key, op.value);
          return m.set(op.key, op.value) !== fresh;
        });
        expect(wrong).toEqual([]);
        const keys = [...ref.keys()].sort(byCodeUnits);
        expect(m.size).toBe(ref.size);
        expect(m.keys()).toEqual(keys);
        expect(m.values()).toEqual(keys.map((k) => ref.get(k)));
        for (const k of keys.slice(0, 50)) expect(m.get(k)).toBe(ref.get(k));
        expect(m.get('absent\u0000')).toBeUndefined();
        if (cursor !== undefined) {
          const seen: string[] = [];
          m.forEachAfter(cursor, (k) => (seen.push(k), true));
          expect(seen).toEqual(keys.filter((k) => k > cursor));
          const from: string[] = [];
          m.forEachAfter(cursor, (k) => (from.push(k), true), true);
          expect(from).toEqual(keys.filter((k) => k >= cursor));
        }
      }),
      { numRuns: 40 },
    );
  });

  it('builds from sorted input with push, and refuses unsorted input', () => {
    const m = new SortedMap<number>();
    for (let i = 0; i < 2_500; i++) m.push(`k${String(i).padStart(5, '0')}`, i);
    expect(m.size).toBe(2_500);
    expect(m.get('k01234')).toBe(1_234);
    m.set('k01234x', -1);
    expect(m.keys()[1_235]).toBe('k01234x');
    expect(() => m.push('a', 0)).toThrow(RangeError);
    expect(() => m.push('k02499', 0)).toThrow(RangeError);
  });

  it('stops visiting when told to', () => {
    const m = new SortedMap<number>();
    for (const k of ['d', 'a', 'c', 'b']) m.set(k, 0);
    const seen: string[] = [];
    m.forEachAfter(undefined, (k) => (seen.push(k), seen.length < 2));
    expect(seen).toEqual(['a', 'b']);
  });
});
