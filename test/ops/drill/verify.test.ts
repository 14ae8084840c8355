import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../../src/ops/history/index.js';
import { eventsOf, verifyRound, type FinalRead } from '../../../src/ops/drill/verify.js';
import type { OpRecord } from '../../../src/ops/drill/types.js';
import { op, read, write } from './ops.js';

function final(key: string, value: string | null, version: number, atMs = 1_000): FinalRead {
  return { key, value, version, read: read(key, value, atMs, atMs + 1, { process: 99 }) };
}

function verify(ops: OpRecord[], finals: FinalRead[]) {
  const all = [...ops, ...finals.map((f) => f.read)];
  const events: HistoryEvent[] = eventsOf(all);
  return verifyRound(1, all, finals, events);
}

describe('verification of a round', () => {
  it('passes a clean history', () => {
    const ops = [write('k', 'a', 0, 10), read('k', 'a', 20, 30, { process: 1 }), op('cas', 'k', 40, 50, { input: ['a', 'b'] })];
    const v = verify(ops, [final('k', 'b', 2)]);
    expect(v).toMatchObject({ lost: 0, duplicated: 0, linearizable: true, violations: [] });
  });

  it('finds an acknowledged write whose value vanished, with the smallest counterexample', () => {
    const ops = [write('k', 'a', 0, 10), write('k', 'b', 20, 30, { process: 1 })];
    const v = verify(ops, [final('k', 'a', 1)]);
    expect(v.lost).toBe(1);
    const lost = v.violations.find((x) => x.kind === 'lost')!;
    expect(lost.message).toContain('"b" was acknowledged');
    // The lost write, the write whose value remained, and the final read.
    expect(lost.counterexample).toHaveLength(6);
    expect(v.linearizable).toBe(false);
  });

  it('counts lost writes by version when the final value alone cannot show them', () => {
    const ops = [write('k', 'a', 0, 10), write('k', 'b', 20, 30)];
    const v = verify(ops, [final('k', 'b', 1)]);
    expect(v.lost).toBe(1);
  });

  it('does not call an indeterminate write lost, nor a write it may have overwritten', () => {
    const ops = [write('k', 'a', 0, 10), write('k', 'b', 5, 40, { process: 1, outcome: 'info', error: 'timeout' })];
    const v = verify(ops, [final('k', 'b', 2)]);
    expect(v).toMatchObject({ lost: 0, duplicated: 0, linearizable: true });
    const gone = verify(ops, [final('k', 'a', 1)]);
    expect(gone).toMatchObject({ lost: 0, linearizable: true });
  });

  it('finds a value that came back after being overwritten (applied twice)', () => {
    const ops = [
      write('k', 'a', 0, 10),
      read('k', 'a', 20, 30, { process: 1 }),
      write('k', 'b', 40, 50),
      read('k', 'b', 60, 70, { process: 1 }),
      read('k', 'a', 80, 90, { process: 1 }),
    ];
    const v = verify(ops, [final('k', 'a', 3)]);
    expect(v.duplicated).toBeGreaterThanOrEqual(1);
    expect(v.violations.map((x) => x.kind)).toContain('duplicated');
  });

  it('counts more versions than writes that could have applied as duplicates', () => {
    const v = verify([write('k', 'a', 0, 10)], [final('k', 'a', 2)]);
    expect(v.duplicated).toBe(1);
  });

  it('flags a final value nobody wrote', () => {
    const v = verify([write('k', 'a', 0, 10)], [final('k', 'zzz', 2)]);
    expect(v.violations[0]).toMatchObject({ kind: 'unknown-value' });
  });
});
