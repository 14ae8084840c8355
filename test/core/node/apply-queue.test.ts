/**
 * The apply queue (apply-queue.ts; issue 59): committed entries applied in log order, a slice per
 * turn, beside the Ready loop. A batch that fits in a slice is applied in the turn it is handed
 * over (as before); a longer one, or an entry applied in steps, goes on at later turns, and the
 * turns between are the loop's (heartbeats, peers' messages).
 */
import { describe, expect, it } from 'vitest';
import { ApplyQueue, SLICE_MS, type ApplyHost } from '../../../src/core/node/apply-queue.js';
import type { EntryInSteps, EntryOutcome } from '../../../src/core/node/node-types.js';
import type { Entry } from '../../../src/core/raft/index.js';
import { fakeRuntime, type FakeRuntime } from './fake-runtime.js';

const entry = (index: number, steps = 0): Entry => ({ index, term: 1, type: 'normal', data: new Uint8Array([steps]) });
const batch = (from: number, to: number): Entry[] => Array.from({ length: to - from + 1 }, (_, i) => entry(from + i));

/** A host that records what was applied and when; an entry whose data is [n] takes n steps; each step costs `stepMs` of the fake clock. */
function host(f: FakeRuntime, opts: { stepMs?: number; haltAt?: number } = {}) {
  const log: string[] = [];
  let turn = 0;
  let stopped = false;
  const spend = (): void => f.advance(opts.stepMs ?? 0);
  const h: ApplyHost = {
    rt: f.rt,
    stopped: () => stopped,
    begin(e): EntryOutcome | EntryInSteps | undefined {
      spend();
      const n = e.data[0]!;
      if (n === 0) return { answer: e.index };
      return {
        steps: (function* () {
          for (let i = 1; i < n; i++) {
            log.push(`${e.index}.${i}@${turn}`);
            yield;
            spend();
          }
          return { answer: e.index };
        })(),
      };
    },
    applied(e, outcome) {
      log.push(`${e.index}@${turn}`);
      if (e.index === opts.haltAt) {
        stopped = true;
        return false;
      }
      return outcome.stop === undefined;
    },
    sliceEnded: (last, _ms, later) => log.push(`end ${last?.index ?? '-'}${later ? ' later' : ''}`),
    timed: (fn) => fn(),
  };
  const nextTurn = async (): Promise<void> => {
    turn++;
    await f.flush();
  };
  return { h, log, nextTurn };
}

describe('the apply queue', () => {
  it('applies a batch that fits in a slice in the turn it is handed over', () => {
    const f = fakeRuntime();
    const { h, log } = host(f);
    const q = new ApplyQueue(h);
    q.push(batch(1, 3));
    expect(log).toEqual(['1@0', '2@0', '3@0', 'end 3']);
    expect(q.backlog).toBe(0);
    expect(f.immediates()).toBe(0);
  });

  it('goes on at later turns once a slice has run its time, in log order', async () => {
    const f = fakeRuntime();
    const { h, log, nextTurn } = host(f, { stepMs: 1 });
    const q = new ApplyQueue(h);
    q.push(batch(1, 10));
    // Each entry costs 1 ms: a slice applies SLICE_MS of them, then yields the turn.
    expect(log.filter((l) => l.endsWith('@0'))).toHaveLength(SLICE_MS);
    expect(q.backlog).toBe(10 - SLICE_MS);
    // A batch handed over meanwhile (the next Ready, its own turn) gets a slice of its own, oldest entries first.
    q.push(batch(11, 12));
    expect(q.backlog).toBe(12 - 2 * SLICE_MS);
    await nextTurn();
    const applied = log.filter((l) => !l.startsWith('end')).map((l) => Number(l.split('@')[0]));
    expect(applied).toEqual(batch(1, 12).map((e) => e.index));
    expect(log.filter((l) => l.endsWith('later')).length).toBeGreaterThan(0);
  });

  it('takes an entry in steps across turns, a step per slice when asked, and reports it applied once', async () => {
    const f = fakeRuntime();
    const { h, log, nextTurn } = host(f);
    const q = new ApplyQueue(h, 1);
    q.push([entry(1, 3), entry(2)]);
    expect(q.midEntry).toBe(true);
    expect(log).toEqual(['1.1@0', 'end -']);
    await nextTurn();
    expect(log.slice(2)).toEqual(['1.2@1', 'end - later', '1@1', 'end 1 later', '2@1', 'end 2 later']);
    expect(q.midEntry).toBe(false);
  });

  it('applies everything at once when finished (before a snapshot replaces the state)', () => {
    const f = fakeRuntime();
    const { h, log } = host(f);
    const q = new ApplyQueue(h, 1);
    q.push([entry(1, 4), entry(2)]);
    q.finish();
    expect(q.backlog).toBe(0);
    expect(log.filter((l) => /^\d+@/.test(l))).toEqual(['1@0', '2@0']);
  });

  it('applies nothing more once the member halted', async () => {
    const f = fakeRuntime();
    const { h, log, nextTurn } = host(f, { haltAt: 2 });
    const q = new ApplyQueue(h, 1);
    q.push(batch(1, 4));
    await nextTurn();
    await nextTurn();
    expect(log.filter((l) => /^\d+@/.test(l))).toEqual(['1@0', '2@1']);
    expect(q.backlog).toBe(0);
  });
});
