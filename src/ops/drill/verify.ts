/**
 * Verification of a round (pure): every acknowledged write is present, nothing was applied
 * twice, and the history is linearizable. The first two are also implied by the third, but an
 * operator asks "was anything lost?" in those words, so they are counted and named explicitly:
 *
 * - lost: an acknowledged write whose key's final value was written by an operation that had
 *   completed before the acknowledged one was even invoked (so it cannot have overwritten it),
 *   or fewer versions of the key than acknowledged writes;
 * - duplicated: more versions than writes that may have applied, or a value read again after
 *   a read in between had seen another (values are unique, so it came back: applied twice).
 */
import { checkLinearizable, type HistoryEvent, type LinearizabilityResult } from '../history/index.js';
import type { RegisterValue } from './register-client.js';
import type { OpRecord, Violation } from './types.js';

/** A register's value at the end of a round, and the read that saw it. */
export interface FinalRead extends RegisterValue {
  readonly key: string;
  readonly read: OpRecord;
}

/** What verification found in one round. */
export interface RoundVerification {
  readonly lost: number;
  readonly duplicated: number;
  readonly linearizable: boolean | null;
  readonly violations: Violation[];
}

/** The value a write or cas would leave in its register. */
function newValue(op: OpRecord): unknown {
  return op.f === 'cas' ? (op.input as readonly unknown[])[1] : op.input;
}

function isAcked(op: OpRecord): boolean {
  return op.outcome === 'ok' && op.f !== 'read';
}

/** The invoke and completion events of operations, in time order (a counterexample). */
export function eventsOf(ops: readonly OpRecord[]): HistoryEvent[] {
  const events = ops.flatMap((op): HistoryEvent[] => [
    { process: op.process, type: 'invoke', f: op.f, key: op.key, value: op.f === 'read' ? null : op.input, time: op.startNs },
    { process: op.process, type: op.outcome, f: op.f, key: op.key, value: op.f === 'read' ? op.output : op.input, time: op.endNs },
  ]);
  return events.sort((a, b) => a.time - b.time || (a.type === 'invoke' ? -1 : 1));
}

function groupByKey(ops: readonly OpRecord[]): Map<string, OpRecord[]> {
  const byKey = new Map<string, OpRecord[]>();
  for (const op of ops) {
    const list = byKey.get(op.key);
    if (list) list.push(op);
    else byKey.set(op.key, [op]);
  }
  return byKey;
}

function show(v: unknown): string {
  return v === null ? 'absent' : JSON.stringify(v);
}

/** Lost writes of one key: by the final value's writer, and by the version count. */
function lostOf(round: number, ops: readonly OpRecord[], final: FinalRead): { count: number; violations: Violation[] } {
  const acked = ops.filter(isAcked);
  const key = final.key;
  const writers = ops.filter((o) => o.f !== 'read' && newValue(o) === final.value);
  const writer = writers.find((o) => o.outcome !== 'fail');
  if (final.value !== null && writer === undefined) {
    const refused = writers[0];
    const message = refused
      ? `key ${key}: the final value ${show(final.value)} was written by a ${refused.f} the cluster refused`
      : `key ${key}: the final value ${show(final.value)} was never written by the workload`;
    return { count: 0, violations: [{ kind: 'unknown-value', round, key, message, counterexample: eventsOf([...writers, final.read]) }] };
  }
  // An info writer may take effect any time after its invoke, so it can follow every ack.
  const writtenBy = writer === undefined ? -Infinity : writer.outcome === 'ok' ? writer.endNs : Infinity;
  const overwritten = acked.filter((w) => w !== writer && w.startNs > writtenBy);
  const byVersion = Math.max(0, acked.length - final.version);
  const count = Math.max(overwritten.length, byVersion);
  if (count === 0) return { count, violations: [] };
  const first = overwritten[0];
  const message = first
    ? `key ${key}: the ${first.f} of ${show(newValue(first))} was acknowledged, but the final value is ${show(final.value)}${writer ? `, written by an operation that completed before it began` : ''} (${count} acknowledged write${count === 1 ? '' : 's'} lost)`
    : `key ${key}: ${acked.length} writes were acknowledged but the register holds only ${final.version} version${final.version === 1 ? '' : 's'}`;
  const shown = first ? [first, ...(writer ? [writer] : []), final.read] : [...acked.slice(-3), final.read];
  return { count, violations: [{ kind: 'lost', round, key, message, counterexample: eventsOf(shown) }] };
}

/** A value read, then another value read strictly later, then the first value read strictly later again. */
function resurrections(reads: readonly OpRecord[]): { value: string; between: OpRecord; first: OpRecord; again: OpRecord }[] {
  const found: { value: string; between: OpRecord; first: OpRecord; again: OpRecord }[] = [];
  const byValue = groupByKey(reads.filter((r) => r.output !== null).map((r) => ({ ...r, key: r.output as string })));
  for (const [value, seen] of byValue) {
    const first = seen.reduce((a, b) => (b.endNs < a.endNs ? b : a));
    const again = seen.reduce((a, b) => (b.startNs > a.startNs ? b : a));
    const between = reads.find((r) => r.output !== value && r.startNs > first.endNs && r.endNs < again.startNs);
    if (between) found.push({ value, between, first, again });
  }
  return found;
}

/** Writes applied twice in one key: by the version count, and by values that came back. */
function duplicatedOf(round: number, ops: readonly OpRecord[], final: FinalRead): { count: number; violations: Violation[] } {
  const mayHaveApplied = ops.filter((o) => o.f !== 'read' && o.outcome !== 'fail').length;
  const excess = Math.max(0, final.version - mayHaveApplied);
  const reads = ops.filter((o) => o.f === 'read' && o.outcome === 'ok');
  const back = resurrections(reads);
  const count = Math.max(excess, back.length);
  if (count === 0) return { count, violations: [] };
  const r = back[0];
  const key = final.key;
  const message = r
    ? `key ${key}: ${show(r.value)} was read, then ${show(r.between.output)}, then ${show(r.value)} again: a value came back after it was overwritten`
    : `key ${key}: the register holds ${final.version} versions but at most ${mayHaveApplied} writes could have applied`;
  const shown = r ? [r.first, r.between, r.again] : [final.read];
  return { count, violations: [{ kind: 'duplicated', round, key, message, counterexample: eventsOf(shown) }] };
}

/** The linearizability verdict as a violation (or none). */
export function linearizabilityViolation(round: number, result: LinearizabilityResult): Violation | undefined {
  if (result.ok !== false) return undefined;
  return { kind: 'not-linearizable', round, key: result.key, message: result.message, counterexample: result.counterexample };
}

/**
 * Verifies one round: `ops` are its operations (the final reads included), `finals` one per
 * key, `events` the round's history for the linearizability check.
 */
export function verifyRound(round: number, ops: readonly OpRecord[], finals: readonly FinalRead[], events: readonly HistoryEvent[]): RoundVerification {
  const byKey = groupByKey(ops);
  const violations: Violation[] = [];
  let lost = 0;
  let duplicated = 0;
  for (const final of finals) {
    const keyOps = byKey.get(final.key) ?? [];
    const l = lostOf(round, keyOps, final);
    const d = duplicatedOf(round, keyOps, final);
    lost += l.count;
    duplicated += d.count;
    violations.push(...l.violations, ...d.violations);
  }
  const result = checkLinearizable(events);
  const nonLinear = linearizabilityViolation(round, result);
  if (nonLinear) violations.push(nonLinear);
  return { lost, duplicated, linearizable: result.ok === 'unknown' ? null : result.ok, violations };
}
