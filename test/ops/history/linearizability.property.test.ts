import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkLinearizable } from '../../../src/ops/history/index.js';
import type { HistoryEvent } from '../../../src/ops/history/index.js';
import { referenceLinearizable } from './reference-checker.js';
import { simulateRegisterHistory } from './register-simulation.js';

/** A random source drawn from fast-check, so that failures shrink to short scripts. */
function scripted(ints: readonly number[]): (bound: number) => number {
  let i = 0;
  // The offset keeps a short script from replaying the same choices in a fixed cycle.
  return (bound) => {
    const n = ints[i % ints.length]! + Math.floor(i / ints.length);
    i++;
    return n % bound;
  };
}

const simulated = (maxProcesses: number, maxKeys: number, maxOps: number) =>
  fc
    .record({
      processes: fc.integer({ min: 1, max: maxProcesses }),
      keys: fc.integer({ min: 1, max: maxKeys }),
      ops: fc.integer({ min: 1, max: maxOps }),
      script: fc.array(fc.nat(1000), { minLength: 1, maxLength: 200 }),
    })
    .map(({ script, ...config }) => simulateRegisterHistory({ ...config, random: scripted(script) }));

describe('checkLinearizable on simulated registers', () => {
  it('judges every history of a real register linearizable', () => {
    fc.assert(
      fc.property(simulated(8, 3, 80), (events) => {
        expect(checkLinearizable(events)).toMatchObject({ ok: true });
      }),
      { numRuns: 300 },
    );
  });

  it('judges larger, more concurrent histories linearizable', () => {
    fc.assert(
      fc.property(simulated(16, 16, 2000), (events) => {
        expect(checkLinearizable(events)).toMatchObject({ ok: true });
      }),
      { numRuns: 30 },
    );
  });

  it('rejects the same histories once one ok read observed a value never written', () => {
    const withRead = simulated(8, 3, 80).filter((events) => events.some(isOkRead));
    fc.assert(
      fc.property(withRead, fc.nat(), (events, pick) => {
        const reads = events.flatMap((e, i) => (isOkRead(e) ? [i] : []));
        const at = reads[pick % reads.length]!;
        const mutated: HistoryEvent = { ...events[at]!, value: 'never-written' };
        const result = checkLinearizable(events.map((e, i) => (i === at ? mutated : e)));
        expect(result).toMatchObject({ ok: false, key: mutated.key });
        if (result.ok === false) expect(result.counterexample).toContain(mutated);
      }),
      { numRuns: 300 },
    );
  });
});

function isOkRead(e: HistoryEvent): boolean {
  return e.type === 'ok' && e.f === 'read';
}

/**
 * One arbitrary operation on key "x", each by its own process so that any overlap is
 * possible. With `values` small, values collide (several producers of each); with it larger,
 * most values have a single producer, which the checker exploits.
 */
interface SmallOp {
  readonly f: 'read' | 'write' | 'cas';
  /** `open`: invoked, never completed. */
  readonly outcome: 'ok' | 'fail' | 'info' | 'open';
  readonly write: number;
  readonly expected: number | null;
  readonly next: number;
  readonly observed: number | null;
  readonly start: number;
  readonly length: number;
}

const smallOp = (values: number): fc.Arbitrary<SmallOp> => {
  const value = fc.integer({ min: 1, max: values });
  return fc.record({
    f: fc.constantFrom('read', 'write', 'cas'),
    outcome: fc.constantFrom('ok', 'ok', 'ok', 'fail', 'info', 'open'),
    write: value,
    expected: fc.option(value, { nil: null }),
    next: value,
    observed: fc.option(value, { nil: null }),
    start: fc.nat(12),
    length: fc.nat(8),
  });
};

function smallHistory(ops: readonly SmallOp[]): HistoryEvent[] {
  const events: { event: HistoryEvent; rank: number }[] = [];
  ops.forEach((op, process) => {
    const value = op.f === 'read' ? null : op.f === 'write' ? op.write : [op.expected, op.next];
    events.push({ rank: 0, event: { process, type: 'invoke', f: op.f, key: 'x', value, time: op.start } });
    if (op.outcome === 'open') return;
    const out = op.f === 'read' ? op.observed : value;
    events.push({ rank: 1, event: { process, type: op.outcome, f: op.f, key: 'x', value: out, time: op.start + op.length } });
  });
  return events.sort((x, y) => x.event.time - y.event.time || x.rank - y.rank).map((x) => x.event);
}

describe('checkLinearizable against a brute-force reference', () => {
  it.each([
    ['colliding values', 2],
    ['mostly distinct values', 6],
  ])('agrees on every small history with %s, linearizable or not', (_name, values) => {
    fc.assert(
      fc.property(fc.array(smallOp(values), { minLength: 1, maxLength: 7 }), (ops) => {
        const events = smallHistory(ops);
        expect(checkLinearizable(events).ok).toBe(referenceLinearizable(events));
      }),
      { numRuns: 2000 },
    );
  });
});
