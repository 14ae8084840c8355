import { describe, expect, it } from 'vitest';
import { ClusterTable, UNBOUND, type ClusterTableView } from '../../../src/core/fleet/cluster-table.js';

/** A table of `n` clusters c00000… spread over shards a and b, bound at index i, seen at time 1000 + i. */
function table(n: number): ClusterTable {
  const t = new ClusterTable();
  t.addShard('a');
  t.addShard('b');
  for (let i = 0; i < n; i++) t.add(`c${String(i).padStart(5, '0')}`, i % 2 ? 'b' : 'a', i, 1000 + i);
  return t;
}

/** Every row a view shows, in name order. */
function rows(v: ClusterTableView): string[] {
  const out: string[] = [];
  for (let c = 0; c < v.byName.chunkCount; c++) {
    const names = v.byName.chunkKeys(c);
    const slots = v.byName.chunkValues(c);
    names.forEach((name, i) => {
      const s = slots[i]!;
      out.push(`${name} ${v.shard(s)} g${v.generation(s)} @${v.boundAtIndex(s)} seen${v.lastSeen(s)}`);
    });
  }
  return out;
}

describe('ClusterTable.freeze', () => {
  // One kind of change at a time, each the first change to its block of slots: the view must
  // have saved the block before that very change.
  const changes: [string, (t: ClusterTable) => void][] = [
    ['touch', (t) => t.touch(t.slotOf('c05000')!, 99)],
    ['bind', (t) => t.bind(t.slotOf('c05000')!, UNBOUND, 77)],
    ['delete', (t) => t.delete(t.slotOf('c05000')!)],
    ['delete, then an add that reuses the slot', (t) => (t.delete(t.slotOf('c05000')!), t.add('c99999', 'b', 55, 66))],
  ];
  for (const [kind, change] of changes) {
    it(`shows the table as it was after a ${kind}`, () => {
      const t = table(10_000);
      const view = t.freeze();
      const before = rows(view);
      change(t);
      expect(rows(view)).toEqual(before);
      view.release();
    });
  }

  it('stops saving blocks once released, and a later view sees the changes', () => {
    const t = table(5_000);
    const first = t.freeze();
    first.release();
    t.touch(t.slotOf('c00001')!, 42);
    expect(first.hasSaved(0)).toBe(false);
    const second = t.freeze();
    expect(rows(second)[1]).toBe('c00001 b g1 @1 seen42');
    second.release();
  });

  it('keeps two views apart', () => {
    const t = table(5_000);
    const first = t.freeze();
    t.touch(t.slotOf('c00002')!, 7);
    const second = t.freeze();
    t.touch(t.slotOf('c00002')!, 8);
    expect(rows(first)[2]).toBe('c00002 a g1 @2 seen1002');
    expect(rows(second)[2]).toBe('c00002 a g1 @2 seen7');
    first.release();
    second.release();
  });
});
