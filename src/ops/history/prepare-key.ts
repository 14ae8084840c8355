import { CAS, READ, WRITE } from './key-search.js';
import type { CompiledKey } from './key-search.js';
import type { Operation } from './operations.js';
import { ValueInterner } from './values.js';

/**
 * One register's operations after simplification, with the compiled form the search runs
 * on; `searched[i]` is op id i. The compiled `end` and `optional` may be tighter than the
 * operations' own (see `prepareKey`), never looser.
 */
export interface PreparedKey {
  readonly searched: readonly Operation[];
  readonly compiled: CompiledKey;
  readonly values: ValueInterner;
}

/** A definite violation found without searching: `impossible` observed a value nothing could have written. `considered` are the ops that count. */
export interface ImpossibleObservation {
  readonly impossible: Operation;
  readonly considered: readonly Operation[];
}

/** An operation as the search sees it: interned values and its effective window. */
interface Candidate {
  readonly op: Operation;
  /** The value the op needs the register to hold (a read's observation, a cas's expectation); 0 for a write. */
  readonly need: number;
  /** The value the op leaves if it takes effect; 0 for a read. */
  readonly leave: number;
  optional: boolean;
  end: number;
}

/**
 * Simplifies one register's operations without changing the verdict, because the search is
 * exponential in what it must guess and slow in what it must carry:
 * - drops `fail` ops (never applied) and `info` reads (they constrain nothing);
 * - keeps an `info` write or cas only if a kept op needs its value (see `keepNeeded`), so
 *   timed-out writes nobody saw do not multiply the search;
 * - gives sole producers of observed values a deadline (see `imposeDeadlines`), so that an
 *   observed `info` write stops being a candidate, retried at every step, forever.
 * Rejects outright an ok op that needs a value nothing produces.
 */
export function prepareKey(ops: readonly Operation[]): PreparedKey | ImpossibleObservation {
  const values = new ValueInterner();
  const considered = ops
    .filter((op) => op.outcome !== 'fail' && !(op.f === 'read' && op.outcome === 'info'))
    .sort(byStart)
    .map((op): Candidate => ({ op, need: values.intern(observedValue(op)), leave: values.intern(newValue(op)), optional: op.outcome === 'info', end: op.end }));
  const producers = new Map<number, Candidate[]>();
  for (const c of considered) {
    if (c.op.f === 'read') continue;
    const list = producers.get(c.leave);
    if (list) list.push(c);
    else producers.set(c.leave, [c]);
  }
  const impossible = considered.find((c) => c.op.outcome === 'ok' && c.need !== 0 && !producers.has(c.need));
  if (impossible) return { impossible: impossible.op, considered: considered.map((c) => c.op) };
  const searched = keepNeeded(considered, producers);
  imposeDeadlines(searched, producers);
  return { searched: searched.map((c) => c.op), compiled: compile(searched), values };
}

/** Whether `c` needs the register to hold a value before it can take effect (reads and cas do). */
function needsValue(c: Candidate): boolean {
  return c.op.f !== 'write';
}

/**
 * The required ops plus, transitively, every optional producer of a value a kept op needs;
 * in start order. Sound: in any linearization, the op that set the value a kept op needs is
 * itself kept, so deleting every dropped op leaves each kept op seeing the same value.
 */
function keepNeeded(considered: readonly Candidate[], producers: ReadonlyMap<number, readonly Candidate[]>): Candidate[] {
  const kept = new Set(considered.filter((c) => !c.optional));
  const work = [...kept];
  for (let c = work.pop(); c !== undefined; c = work.pop()) {
    if (!needsValue(c)) continue;
    for (const p of producers.get(c.need) ?? []) {
      if (kept.has(p)) continue;
      kept.add(p);
      work.push(p);
    }
  }
  return considered.filter((c) => kept.has(c));
}

/**
 * When a required op needs a non-null value that exactly one op produces, that producer must
 * take effect first: it becomes required, and its window ends no later than the consumer's.
 * Deadlines flow back along chains of cas (a producer that is a cas needs a value too); each
 * step only narrows a window, so the work list drains. A window never ends before it starts:
 * if a consumer finished before its producer began, the search finds that no order works.
 */
function imposeDeadlines(kept: readonly Candidate[], producers: ReadonlyMap<number, readonly Candidate[]>): void {
  const work = kept.filter((c) => !c.optional);
  for (let c = work.pop(); c !== undefined; c = work.pop()) {
    if (!needsValue(c) || c.need === 0) continue;
    const sole = producers.get(c.need);
    const p = sole?.length === 1 ? sole[0] : undefined;
    if (p === undefined || p === c) continue;
    const end = Math.max(p.op.start, Math.min(p.end, c.end));
    if (!p.optional && end >= p.end) continue;
    p.optional = false;
    p.end = end;
    work.push(p);
  }
}

/** What an op required the register to hold: a read's observation, a cas's expected value, nothing (null) for a write. */
export function observedValue(op: Operation): unknown {
  if (op.f === 'read') return op.output;
  return op.f === 'cas' ? casPair(op)[0] : null;
}

/** What an op leaves in the register if it takes effect (null for a read, which writes nothing). */
export function newValue(op: Operation): unknown {
  if (op.f === 'write') return op.input;
  return op.f === 'cas' ? casPair(op)[1] : null;
}

function casPair(op: Operation): readonly [unknown, unknown] {
  return op.input as readonly [unknown, unknown];
}

function byStart(x: Operation, y: Operation): number {
  return x.start - y.start || x.invokeIndex - y.invokeIndex;
}

function compile(candidates: readonly Candidate[]): CompiledKey {
  const n = candidates.length;
  const compiled = {
    count: n,
    kind: new Uint8Array(n),
    a: new Int32Array(n),
    b: new Int32Array(n),
    optional: new Uint8Array(n),
    start: new Float64Array(n),
    end: new Float64Array(n),
  };
  candidates.forEach((c, i) => {
    compiled.kind[i] = c.op.f === 'read' ? READ : c.op.f === 'write' ? WRITE : CAS;
    compiled.a[i] = c.op.f === 'write' ? c.leave : c.need;
    compiled.b[i] = c.leave;
    compiled.optional[i] = c.optional ? 1 : 0;
    compiled.start[i] = c.op.start;
    compiled.end[i] = c.end;
  });
  return compiled;
}
