import type { HistoryEvent } from '../../../src/ops/history/index.js';

interface RefOp {
  readonly f: HistoryEvent['f'];
  readonly outcome: 'ok' | 'fail' | 'info';
  readonly input: unknown;
  readonly output: unknown;
  readonly start: number;
  readonly end: number;
}

/**
 * The definition of linearizability for one register, by brute force: try every order of
 * the operations that respects real time, with each `info` op placed somewhere or left out.
 * Exponential, so only for histories of a handful of operations; the fast checker must
 * agree with it. Values must be primitives.
 */
export function referenceLinearizable(events: readonly HistoryEvent[]): boolean {
  const ops = pair(events).filter((op) => op.outcome !== 'fail' && !(op.f === 'read' && op.outcome === 'info'));
  const placed = new Set<RefOp>();
  const search = (state: unknown): boolean => {
    if (ops.every((op) => op.outcome !== 'ok' || placed.has(op))) return true;
    for (const op of ops) {
      if (placed.has(op) || ops.some((r) => r !== op && !placed.has(r) && r.end < op.start)) continue;
      const next = apply(op, state);
      if (next === undefined) continue;
      placed.add(op);
      if (search(next.state)) return true;
      placed.delete(op);
    }
    return false;
  };
  return search(null);
}

function apply(op: RefOp, state: unknown): { state: unknown } | undefined {
  if (op.f === 'write') return { state: op.input };
  if (op.f === 'read') return op.output === state ? { state } : undefined;
  const [expected, next] = op.input as [unknown, unknown];
  return expected === state ? { state: next } : undefined;
}

function pair(events: readonly HistoryEvent[]): RefOp[] {
  const open = new Map<number, HistoryEvent>();
  const ops: RefOp[] = [];
  for (const e of events) {
    if (e.type === 'invoke') {
      open.set(e.process, e);
      continue;
    }
    const inv = open.get(e.process)!;
    open.delete(e.process);
    const outcome = e.type;
    ops.push({ f: inv.f, outcome, input: inv.value, output: e.value, start: inv.time, end: outcome === 'info' ? Infinity : e.time });
  }
  for (const inv of open.values()) ops.push({ f: inv.f, outcome: 'info', input: inv.value, output: null, start: inv.time, end: Infinity });
  return ops;
}
