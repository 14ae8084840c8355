import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SortedMap, type SortedMapView } from '../../../src/core/fleet/sorted-map.js';

type Op = { kind: 'set'; key: string; value: number } | { kind: 'delete'; key: string };

const key = fc.oneof(fc.string({ maxLength: 3 }), fc.integer({ min: 0, max: 3_000 }).map((n) => `k${n}`));
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('set' as const), key, value: fc.integer() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), key }) },
);

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A view's entries, in order. */
function entriesOf<V>(view: SortedMapView<V>): [string, V][] {
  const out: [string, V][] = [];
  for (let c = 0; c < view.chunkCount; c++) {
    const keys = view.chunkKeys(c);
    const values = view.chunkValues(c);
    keys.forEach((k, i) => out.push([k, values[i]!]));
  }
  return out;
}

describe('SortedMap', () => {
  it('freezes views that later sets, deletes, splits and pushes never reach (property)', () => {
    const step = fc.oneof({ weight: 20, arbitrary: opArb }, { weight: 1, arbitrary: fc.constant({ kind: 'freeze' as const }) });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 3_000, size: 'max' }), (ops) => {
        const m = new SortedMap<number>();
        const ref = new Map<string, number>();
        const views: { view: SortedMapView<number>; expected: [string, number][] }[] = [];
        const sortedEntries = (): [string, number][] => [...ref.entries()].sort((a, b) => byCodeUnits(a[0], b[0]));
        for (const op of ops) {
          if (op.kind === 'freeze') {
            views.push({ view: m.freeze(), expected: sortedEntries() });
          } else if (op.kind === 'delete') {
            m.delete(op.key);
            ref.delete(op.key);
          } else {
            m.set(op.key, op.value);
            ref.set(op.key, op.value);
          }
        }
        for (const { view, expected } of views) {
          expect(view.size).toBe(expected.length);
          expect(entriesOf(view)).toEqual(expected);
        }
        expect(entriesOf(m.freeze())).toEqual(sortedEntries());
      }),
      { numRuns: 20 },
    );
  });

  it('lists a view’s entries lazily, in order, while the map changes between them (property)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 2_000, size: 'max' }), fc.array(opArb, { maxLength: 2_000, size: 'max' }), (before, during) => {
        const m = new SortedMap<number>();
        for (const op of before) void (op.kind === 'set' ? m.set(op.key, op.value) : m.delete(op.key));
        const view = m.freeze();
        const expected = entriesOf(view);
        const seen: (readonly [string, number])[] = [];
        let i = 0;
        for (const entry of view.entries()) {
          seen.push(entry);
          // An image's reader yields between entries: the map takes writes meanwhile.
          for (const op of during.slice(i, i + 3)) void (op.kind === 'set' ? m.set(op.key, op.value) : m.delete(op.key));
          i += 3;
        }
        expect(seen).toEqual(expected);
      }),
      { numRuns: 30 },
    );
  });

  it('keeps a view of a map built by push when more keys are pushed after the freeze', () => {
    const m = new SortedMap<number>();
    for (let i = 0; i < 1500; i++) m.push(`k${String(i).padStart(5, '0')}`, i);
    const view = m.freeze();
    for (let i = 1500; i < 1600; i++) m.push(`k${String(i).padStart(5, '0')}`, i);
    m.set('k00000', -1);
    expect(view.size).toBe(1500);
    const entries = entriesOf(view);
    expect(entries.length).toBe(1500);
    expect(entries[0]).toEqual(['k00000', 0]);
    expect(entries[1499]).toEqual(['k01499', 1499]);
  });

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
