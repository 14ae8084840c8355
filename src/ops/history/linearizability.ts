import { searchKey } from './key-search.js';
import type { SearchOutcome } from './key-search.js';
import { pairOperations } from './operations.js';
import type { Operation } from './operations.js';
import { newValue, observedValue, prepareKey } from './prepare-key.js';
import type { PreparedKey } from './prepare-key.js';
import type { HistoryEvent } from './types.js';
import { canonicalValue } from './values.js';

/** Tuning for `checkLinearizable`. */
export interface CheckOptions {
  /** Search configurations stored per key before the verdict for that key becomes `unknown`. */
  readonly maxStatesPerKey?: number;
}

/** The per-key search budget when none is given: a few seconds and a few hundred MB at worst. */
export const DEFAULT_MAX_STATES_PER_KEY = 2_000_000;

/**
 * The verdict on a history. `ok: false` is definite: no linearization of `key` exists, and
 * `counterexample` holds the events of the smallest window that shows it, in time order.
 * `ok: 'unknown'` means some key's search ran out of budget and no other key failed.
 */
export type LinearizabilityResult =
  | { readonly ok: true; readonly keys: number; readonly ops: number }
  | { readonly ok: false; readonly key: string; readonly counterexample: HistoryEvent[]; readonly message: string }
  | { readonly ok: 'unknown'; readonly key: string; readonly reason: string };

/**
 * Checks a client history against a set of independent registers, one per key (read, write
 * and compare-and-set; every register starts at null). `ok` operations must take effect
 * between invoke and completion, `info` ones at any point after invoke or never, and `fail`
 * ones never. Throws a `HistoryError` when the history itself is malformed. Keys are checked
 * in sorted order, so the verdict and its counterexample are deterministic.
 */
export function checkLinearizable(events: readonly HistoryEvent[], options: CheckOptions = {}): LinearizabilityResult {
  const maxStates = options.maxStatesPerKey ?? DEFAULT_MAX_STATES_PER_KEY;
  const ops = pairOperations(events);
  const byKey = new Map<string, Operation[]>();
  for (const op of ops) {
    const list = byKey.get(op.key);
    if (list) list.push(op);
    else byKey.set(op.key, [op]);
  }
  let unknown: LinearizabilityResult | undefined;
  for (const key of [...byKey.keys()].sort()) {
    const verdict = checkKey(key, byKey.get(key) ?? [], maxStates);
    if (verdict.ok === false) return verdict;
    if (verdict.ok === 'unknown') unknown ??= verdict;
  }
  return unknown ?? { ok: true, keys: byKey.size, ops: ops.length };
}

function checkKey(key: string, ops: readonly Operation[], maxStates: number): LinearizabilityResult {
  const prepared = prepareKey(ops);
  if ('impossible' in prepared) return impossibleObservation(key, prepared.impossible, prepared.considered);
  const outcome = searchKey(prepared.compiled, maxStates);
  switch (outcome.kind) {
    case 'linearizable':
      return { ok: true, keys: 1, ops: ops.length };
    case 'budget':
      return { ok: 'unknown', key, reason: `gave up on key ${JSON.stringify(key)} after ${outcome.states} search states (maxStatesPerKey); the history is too concurrent to decide within the budget` };
    case 'stuck':
      return stuckVerdict(key, prepared, outcome);
  }
}

/** Beyond this many operations a window stops explaining and starts burying the failure. */
const MAX_WINDOW = 64;

function impossibleObservation(key: string, op: Operation, considered: readonly Operation[]): LinearizabilityResult {
  return {
    ok: false,
    key,
    counterexample: eventsOf(considered.filter((o) => overlaps(o, op.start, op.end))),
    message: `key ${JSON.stringify(key)}: ${describeOp(op)} needs the register to hold ${show(observedValue(op))}, a value that no write or cas to this key that could have taken effect produces`,
  };
}

function stuckVerdict(key: string, prepared: PreparedKey, outcome: Extract<SearchOutcome, { kind: 'stuck' }>): LinearizabilityResult {
  const { searched } = prepared;
  const stuck = searched[outcome.op] as Operation;
  const writer = outcome.lastWriter >= 0 ? searched[outcome.lastWriter] : undefined;
  const setBy = writer ? ` (set by ${describeOp(writer)})` : ' (its initial value)';
  return {
    ok: false,
    key,
    counterexample: eventsOf(failureWindow(searched, stuck, prepared.compiled.end[outcome.op] ?? stuck.end, writer)),
    message:
      `key ${JSON.stringify(key)}: ${describeOp(stuck)} cannot be linearized; the longest linearizable prefix found places ` +
      `${outcome.depth} of the ${searched.length} operations that count and leaves the register at ${prepared.values.text(outcome.state)}${setBy}`,
  };
}

/**
 * The operations that explain a failure: everything from the write that set the register's
 * value up to the op that could not be placed. When that span is too long to read, only the
 * ops concurrent with the stuck op, plus that write. `stuckEnd` is the stuck op's effective
 * end, which for an `info` op the search may have narrowed from +Infinity.
 */
function failureWindow(ops: readonly Operation[], stuck: Operation, stuckEnd: number, writer: Operation | undefined): Operation[] {
  const from = Math.min(stuck.start, writer?.start ?? stuck.start);
  const span = ops.filter((op) => overlaps(op, from, stuckEnd));
  if (span.length <= MAX_WINDOW) return span;
  return ops.filter((op) => op === writer || overlaps(op, stuck.start, stuckEnd));
}

/** Whether an op's interval meets [from, to]; touching counts, as in the search. */
function overlaps(op: Operation, from: number, to: number): boolean {
  return op.start <= to && op.end >= from;
}

function eventsOf(ops: readonly Operation[]): HistoryEvent[] {
  const indexed = ops.flatMap((op) => {
    const invoke = { event: op.invoke, index: op.invokeIndex };
    return op.completion ? [invoke, { event: op.completion, index: op.completionIndex }] : [invoke];
  });
  indexed.sort((x, y) => x.event.time - y.event.time || x.index - y.index);
  return indexed.map((x) => x.event);
}

function describeOp(op: Operation): string {
  const what = op.f === 'read' ? `read → ${show(op.output)}` : op.f === 'write' ? `write ${show(newValue(op))}` : `cas ${show(observedValue(op))}→${show(newValue(op))}`;
  const end = op.end === Infinity ? '?' : String(op.end);
  return `process ${op.process}'s ${what} (${op.outcome}, t=${op.start}..${end})`;
}

function show(value: unknown): string {
  const text = canonicalValue(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
