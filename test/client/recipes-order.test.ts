/**
 * The queue order under Mutex and Election (src/client/recipes/order.ts), against a naive model:
 * contenders arrive (a key created at a larger revision each time) and leave in any order; each
 * waiter's turn names exactly the contender just ahead of it (FIFO: the oldest holds, each waits
 * for one key alone), and the head tracker fed the same events, a revision at a time, names the
 * oldest key and its value.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { byRevision, HeadTracker, turnOf, type QueuedKey } from '../../src/client/recipes/order.js';

const steps = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant('arrive' as const), value: fc.string({ maxLength: 3 }) }),
    fc.record({ kind: fc.constant('leave' as const), pick: fc.nat() }),
    fc.record({ kind: fc.constant('proclaim' as const), pick: fc.nat(), value: fc.string({ maxLength: 3 }) }),
  ),
  { maxLength: 60 },
);

/** The turn of `k` as the recipe reads it: the keys created up to its revision, newest first, at most two. */
function readTurn(queue: readonly QueuedKey[], k: QueuedKey): ReturnType<typeof turnOf> {
  const upTo = queue.filter((q) => q.createRevision <= k.createRevision).sort((a, b) => b.createRevision - a.createRevision);
  return turnOf(upTo.slice(0, 2), k.key, k.createRevision);
}

describe('queue order', () => {
  it('serves in arrival order: the oldest holds, each other waits for the one just ahead', () => {
    fc.assert(
      fc.property(steps, (script) => {
        let revision = 0;
        let queue: QueuedKey[] = [];
        const tracker = new HeadTracker([]);
        for (const step of script) {
          revision++;
          if (step.kind === 'arrive') {
            const k = { key: `lock/${revision.toString(16)}`, value: step.value, createRevision: revision };
            queue.push(k);
            tracker.apply([{ type: 'PUT', ...k }]);
          } else if (queue.length > 0) {
            const k = queue[step.pick % queue.length]!;
            if (step.kind === 'leave') {
              queue = queue.filter((q) => q !== k);
              tracker.apply([{ type: 'DELETE', ...k }]);
            } else {
              queue = queue.map((q) => (q === k ? { ...q, value: step.value } : q));
              tracker.apply([{ type: 'PUT', ...k, value: step.value }]);
            }
          }
          const ordered = [...queue].sort((a, b) => a.createRevision - b.createRevision);
          ordered.forEach((k, i) => {
            const turn = readTurn(queue, k);
            if (i === 0) expect(turn).toEqual({ kind: 'mine' });
            else expect(turn).toEqual({ kind: 'wait', predecessor: ordered[i - 1] });
          });
          expect(tracker.head?.key).toBe(ordered[0]?.key);
          expect(tracker.head?.value).toBe(ordered[0]?.value);
        }
      }),
    );
  });

  it('says a contender is gone when its own key is not the newest it reads', () => {
    expect(turnOf([], 'lock/a', 5)).toEqual({ kind: 'gone' });
    expect(turnOf([{ key: 'lock/b', value: '', createRevision: 4 }], 'lock/a', 5)).toEqual({ kind: 'gone' });
    expect(turnOf([{ key: 'lock/a', value: '', createRevision: 9 }], 'lock/a', 5)).toEqual({ kind: 'gone' });
  });

  it('groups a watch response by revision, in order', () => {
    const e = (r: number, k: string): { modRevision: number; k: string } => ({ modRevision: r, k });
    expect(byRevision([e(3, 'a'), e(3, 'b'), e(4, 'c'), e(6, 'd'), e(6, 'e')]).map((g) => g.map((x) => x.k))).toEqual([['a', 'b'], ['c'], ['d', 'e']]);
    expect(byRevision([])).toEqual([]);
  });

  it('reports a head change only when the head, its revision or its value changes', () => {
    const t = new HeadTracker([{ key: 'e/2', value: 'b', createRevision: 2 }]);
    expect(t.apply([{ type: 'PUT', key: 'e/3', value: 'c', createRevision: 3 }])).toBe(false);
    expect(t.apply([{ type: 'PUT', key: 'e/1', value: 'a', createRevision: 1 }])).toBe(true);
    expect(t.apply([{ type: 'PUT', key: 'e/1', value: 'a2', createRevision: 1 }])).toBe(true);
    expect(t.apply([{ type: 'DELETE', key: 'e/1', value: '', createRevision: 1 }])).toBe(true);
    expect(t.head?.key).toBe('e/2');
  });
});
