import { describe, expect, it } from 'vitest';
import { checkLinearizable, HistoryError } from '../../../src/ops/history/index.js';
import type { HistoryEvent, LinearizabilityResult } from '../../../src/ops/history/index.js';
import { cas, history, read, write } from './history-builder.js';

function expectOk(result: LinearizabilityResult): void {
  expect(result).toMatchObject({ ok: true });
}

function expectViolation(result: LinearizabilityResult, key = 'x'): Extract<LinearizabilityResult, { ok: false }> {
  if (result.ok !== false) throw new Error(`expected a violation, got ${JSON.stringify(result)}`);
  expect(result.key).toBe(key);
  return result;
}

/** Whether `events` contains the completion of process `p` carrying `value`. */
function hasCompletion(events: readonly HistoryEvent[], p: number, value: unknown): boolean {
  return events.some((e) => e.process === p && e.type !== 'invoke' && JSON.stringify(e.value) === JSON.stringify(value));
}

describe('checkLinearizable: histories that are linearizable', () => {
  it('accepts an empty history', () => {
    expect(checkLinearizable([])).toEqual({ ok: true, keys: 0, ops: 0 });
  });

  it('accepts a sequential history and counts keys and operations', () => {
    const h = history(read(0, null, 0, 1), write(0, 1, 2, 3), read(1, 1, 4, 5), write(1, 2, 6, 7), read(0, 2, 8, 9));
    expect(checkLinearizable(h)).toEqual({ ok: true, keys: 1, ops: 5 });
  });

  it('accepts concurrent writes observed in either order by overlapping reads', () => {
    const h = history(write(0, 1, 0, 10), write(1, 2, 1, 10), read(2, 2, 2, 4), read(3, 1, 5, 12), read(2, 1, 13, 14));
    expectOk(checkLinearizable(h));
  });

  it('accepts a read that overlaps a write and sees either the old or the new value', () => {
    expectOk(checkLinearizable(history(write(0, 1, 0, 1), write(1, 2, 2, 10), read(2, 1, 3, 4), read(3, 2, 5, 6))));
    expectOk(checkLinearizable(history(write(0, 1, 0, 1), write(1, 2, 2, 10), read(2, 2, 3, 4), read(3, 2, 5, 6))));
  });

  it('accepts a successful cas and a failed cas that did not apply', () => {
    const h = history(write(0, 1, 0, 1), cas(1, 1, 2, 2, 3), cas(0, 1, 3, 4, 5, { type: 'fail' }), read(1, 2, 6, 7));
    expectOk(checkLinearizable(h));
  });

  it('accepts a cas from the initial null', () => {
    expectOk(checkLinearizable(history(cas(0, null, 'a', 0, 1), read(1, 'a', 2, 3))));
  });

  it('accepts an info write that took effect, even long after it was invoked', () => {
    const h = history(write(0, 1, 0, 1, { type: 'info' }), write(1, 2, 2, 3), read(2, 2, 4, 5), read(2, 1, 6, 7));
    expectOk(checkLinearizable(h));
  });

  it('accepts an info write that never took effect', () => {
    expectOk(checkLinearizable(history(write(0, 1, 0, 1, { type: 'info' }), read(1, null, 2, 3), read(1, null, 4, 5))));
  });

  it('accepts an info cas that took effect and one that did not', () => {
    const h = history(write(0, 1, 0, 1), cas(1, 1, 2, 2, 3, { type: 'info' }), cas(0, 9, 3, 4, 5, { type: 'info' }), read(2, 2, 6, 7));
    expectOk(checkLinearizable(h));
  });

  it('accepts info reads, whatever value they carry', () => {
    expectOk(checkLinearizable(history(write(0, 1, 0, 1), read(1, 'garbage', 2, 3, { type: 'info' }), read(1, 1, 4, 5))));
  });

  it('treats an invoke with no completion at the end as info', () => {
    expectOk(checkLinearizable(history(write(0, 1, 0), read(1, null, 1, 2), read(1, 1, 3, 4))));
    expectOk(checkLinearizable(history(write(0, 1, 0), read(1, null, 1, 2), read(1, null, 3, 4))));
  });

  it('accepts a chain of info writes and cas that an ok read proves took effect', () => {
    const h = history(write(0, 1, 0, 1, { type: 'info' }), cas(1, 1, 2, 2, 3, { type: 'info' }), read(2, 2, 4, 5));
    expectOk(checkLinearizable(h));
  });

  it('accepts info ops nobody observed, even when one needs the other', () => {
    const h = history(write(0, 1, 0, 1, { type: 'info' }), cas(1, 1, 2, 2, 3, { type: 'info' }), read(2, null, 4, 5));
    expectOk(checkLinearizable(h));
  });

  it('accepts a value with several producers, only one of which took effect', () => {
    const h = history(write(0, 1, 0, 1, { type: 'info' }), write(1, 2, 2, 3), write(3, 1, 4, 5, { type: 'info' }), read(2, 1, 6, 7));
    expectOk(checkLinearizable(h));
  });

  it('ignores failed writes', () => {
    expectOk(checkLinearizable(history(write(0, 1, 0, 1), write(1, 2, 2, 3, { type: 'fail' }), read(2, 1, 4, 5))));
  });

  it('treats operations that touch at one instant as concurrent', () => {
    expectOk(checkLinearizable(history(write(0, 1, 0, 5), read(1, null, 5, 6))));
  });

  it('compares structured values by content, not by identity or key order', () => {
    const h = history(write(0, { a: 1, b: [2, 3] }, 0, 1), read(1, { b: [2, 3], a: 1 }, 2, 3), cas(1, { b: [2, 3], a: 1 }, 'next', 4, 5), read(0, 'next', 6, 7));
    expectOk(checkLinearizable(h));
  });
});

describe('checkLinearizable: histories that are not linearizable', () => {
  it('rejects a stale read after a completed write, naming the read and the write', () => {
    const result = expectViolation(checkLinearizable(history(write(0, 1, 0, 1), read(1, null, 2, 3))));
    expect(result.counterexample.map((e) => [e.process, e.type])).toEqual([[0, 'invoke'], [0, 'ok'], [1, 'invoke'], [1, 'ok']]);
    expect(result.message).toContain("process 1's read → null");
  });

  it('rejects a read of a value that was never written', () => {
    const result = expectViolation(checkLinearizable(history(write(0, 1, 0, 1), read(1, 7, 2, 3))));
    expect(hasCompletion(result.counterexample, 1, 7)).toBe(true);
    expect(result.message).toContain('7');
  });

  it('rejects a read of a value whose only write failed', () => {
    expectViolation(checkLinearizable(history(write(0, 1, 0, 1, { type: 'fail' }), read(1, 1, 2, 3))));
  });

  it('rejects a lost acknowledged write', () => {
    const result = expectViolation(checkLinearizable(history(write(0, 1, 0, 1), write(0, 2, 2, 3), read(1, 1, 4, 5))));
    expect(hasCompletion(result.counterexample, 1, 1)).toBe(true);
    expect(hasCompletion(result.counterexample, 0, 2)).toBe(true);
  });

  it('rejects a cas that succeeded against a value the register no longer held', () => {
    const result = expectViolation(checkLinearizable(history(write(0, 2, 0, 1), write(0, 1, 2, 3), cas(1, 2, 3, 4, 5))));
    expect(hasCompletion(result.counterexample, 1, [2, 3])).toBe(true);
  });

  it('rejects two reads that observe concurrent writes in opposite orders', () => {
    const h = history(write(0, 1, 0, 10), write(1, 2, 0, 10), read(2, 2, 11, 12), read(3, 1, 13, 14));
    const result = expectViolation(checkLinearizable(h));
    expect(hasCompletion(result.counterexample, 3, 1)).toBe(true);
  });

  it('rejects an info write that was observed and then un-happened', () => {
    expectViolation(checkLinearizable(history(write(0, 1, 0, 1, { type: 'info' }), read(1, 1, 2, 3), read(1, null, 4, 5))));
  });

  it('rejects a read that observed a value before its only write began', () => {
    const result = expectViolation(checkLinearizable(history(read(1, 1, 0, 5), write(0, 1, 10, 11, { type: 'info' }))));
    expect(hasCompletion(result.counterexample, 1, 1)).toBe(true);
  });

  it('rejects an info cas chain whose first link cannot have happened in time', () => {
    const h = history(read(2, 2, 0, 3), cas(1, 1, 2, 1, 2, { type: 'info' }), write(0, 1, 4, 5, { type: 'info' }));
    expectViolation(checkLinearizable(h));
  });

  it('rejects a read that observed a failed cas', () => {
    expectViolation(checkLinearizable(history(write(0, 1, 0, 1), cas(1, 1, 2, 2, 3, { type: 'fail' }), read(2, 2, 4, 5))));
  });

  it('finds the violation late in a long history and keeps the counterexample small', () => {
    const ops = Array.from({ length: 500 }, (_, i) => write(i % 4, i, 10 * i, 10 * i + 5));
    const h = history(...ops, read(9, 3, 5001, 5002));
    const result = expectViolation(checkLinearizable(h));
    expect(result.counterexample.length).toBeLessThanOrEqual(8);
    expect(hasCompletion(result.counterexample, 9, 3)).toBe(true);
  });
});

describe('checkLinearizable: keys are independent registers', () => {
  it('checks each key against its own register', () => {
    const h = history(write(0, 1, 0, 1, { key: 'a' }), read(1, null, 2, 3, { key: 'b' }), read(1, 1, 4, 5, { key: 'a' }));
    expect(checkLinearizable(h)).toEqual({ ok: true, keys: 2, ops: 3 });
  });

  it('does not let a value written to one key satisfy a read of another', () => {
    expectViolation(checkLinearizable(history(write(0, 1, 0, 1, { key: 'a' }), read(1, 1, 2, 3, { key: 'b' }))), 'b');
  });

  it('names the failing key and includes only its events in the counterexample', () => {
    const h = history(
      write(0, 1, 0, 10, { key: 'good' }),
      write(1, 1, 0, 1, { key: 'bad' }),
      read(2, null, 2, 3, { key: 'bad' }),
      read(3, 1, 2, 11, { key: 'good' }),
    );
    const result = expectViolation(checkLinearizable(h), 'bad');
    expect(result.counterexample.every((e) => e.key === 'bad')).toBe(true);
    expect(result.message).toContain('"bad"');
  });
});

describe('checkLinearizable: search budget', () => {
  const busy = history(write(0, 1, 0, 10), write(1, 2, 0, 10), write(2, 3, 0, 10), read(3, 1, 11, 12), read(3, 1, 13, 14));

  it('answers unknown, not forever, when a key exhausts the budget', () => {
    const result = checkLinearizable(busy, { maxStatesPerKey: 1 });
    expect(result).toMatchObject({ ok: 'unknown', key: 'x' });
    if (result.ok === 'unknown') expect(result.reason).toContain('maxStatesPerKey');
    expectOk(checkLinearizable(busy));
  });

  it('still reports a definite violation on another key', () => {
    const h = [...busy, ...history(write(5, 1, 0, 1, { key: 'y' }), read(6, null, 2, 3, { key: 'y' }))];
    expectViolation(checkLinearizable(h, { maxStatesPerKey: 1 }), 'y');
  });
});

describe('checkLinearizable: malformed histories', () => {
  const inv = (process: number, time: number, key = 'x'): HistoryEvent => ({ process, type: 'invoke', f: 'write', key, value: 1, time });
  const ok = (process: number, time: number, key = 'x'): HistoryEvent => ({ process, type: 'ok', f: 'write', key, value: 1, time });

  it('throws on a completion that nobody invoked', () => {
    expect(() => checkLinearizable([ok(0, 1)])).toThrow(HistoryError);
  });

  it('throws when a process invokes while busy', () => {
    expect(() => checkLinearizable([inv(0, 0), inv(0, 1)])).toThrow(/event 1/);
  });

  it('throws when a completion does not match its invoke', () => {
    expect(() => checkLinearizable([inv(0, 0), ok(0, 1, 'y')])).toThrow(HistoryError);
  });

  it('throws when a completion precedes its invoke in time', () => {
    expect(() => checkLinearizable([inv(0, 5), ok(0, 4)])).toThrow(/before its invoke/);
  });

  it('throws on a cas without [expected, new]', () => {
    expect(() => checkLinearizable([{ process: 0, type: 'invoke', f: 'cas', key: 'x', value: 3, time: 0 }])).toThrow(HistoryError);
  });
});
