/**
 * The figures a drill reports, computed from the recorded operations (pure functions).
 *
 * Client-visible unavailability is measured the way a client lives it: a window opens at the
 * invoke of the first operation the fault disrupted — or at the last answer before the fault,
 * if that came later: an operation already slow before the fault was not yet unavailable —
 * and closes at the acknowledgement of the first write invoked after the fault (an answer to
 * an older request could still come from the old leader). After a fault that took the leader
 * away, that acknowledgement must also prove a leader is back: it came from another member than
 * the old leader (no member acknowledges a write it did not commit as leader), or it was sent
 * after the next repair (a resumed leader that nobody replaced may serve again). A write the old
 * leader acknowledged was proof of nothing: the fault may not have taken effect yet when it
 * answered. An operation was disrupted when it got no definite answer (an error other than
 * a refusal, or none), when it stalled (far slower than usual), or — for a fault that takes
 * the leader away — when it was in flight at the leader at the moment of the fault: every
 * write and linearizable read goes through the leader, so none of those could complete there.
 * No disrupted operation, no window.
 */
import { nsToMs } from './clock.js';
import type { FigureSummary, OpRecord, UnavailableWindow } from './types.js';

/** Bounds of the stall threshold: below the floor, scheduling noise; above the cap, no failover hides. */
const STALL_FLOOR_MS = 25;
const STALL_CAP_MS = 500;
/** How many times its usual worst latency an operation must take to count as stalled. */
const STALL_FACTOR = 5;

/** The q-quantile (0..1) of numbers, by nearest rank; NaN for none. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/**
 * How long an operation may take before it counts as disrupted: five times the p99 latency of
 * the operations before the fault, kept within 25..500 ms.
 */
export function stallThresholdNs(before: readonly OpRecord[]): number {
  const latencies = before.filter((o) => o.outcome === 'ok').map((o) => o.endNs - o.startNs);
  // Without a baseline, the strictest threshold: better to count a slow operation than hide a stall.
  if (latencies.length === 0) return STALL_FLOOR_MS * 1e6;
  const p99 = quantile(latencies, 0.99);
  return Math.min(STALL_CAP_MS * 1e6, Math.max(STALL_FLOOR_MS * 1e6, STALL_FACTOR * p99));
}

/** A moment the cluster was disturbed: a fault, or a repair (restart, resume, heal). */
export interface Disturbance {
  readonly atNs: number;
  /** Whether it took the leader away (kill, pause, isolation or stop of the leader). */
  readonly hitsLeader: boolean;
  /**
   * The addresses the leader it took away answers at (as the membership and as the client's
   * endpoints spell them); unknown when absent, and then any write sent after it counts.
   */
  readonly leader?: readonly string[] | undefined;
  /** What the timeline calls it (chaos: each fault and repair names itself), and whether it is a repair. */
  readonly label?: string | undefined;
  readonly repair?: boolean | undefined;
}

/** An answer may already be on its way when the fault strikes; it arrives within this. */
const IN_FLIGHT_GRACE_NS = 10e6;

/** Whether an operation was disrupted by `d` (see the file comment). */
export function isDisrupted(op: OpRecord, d: Disturbance, stallNs: number): boolean {
  if (op.outcome === 'info') return true;
  if (op.outcome === 'fail' && op.error !== 'refused') return true;
  if (d.hitsLeader && op.startNs <= d.atNs && op.endNs > d.atNs + IN_FLIGHT_GRACE_NS) return true;
  return op.endNs - op.startNs > stallNs;
}

function isAckedWrite(op: OpRecord): boolean {
  return op.outcome === 'ok' && op.f !== 'read';
}

/**
 * Whether an acknowledged write shows that `d` is over: any does after a repair or a fault that
 * left the leader alone; after one that took the leader away, one from another member or sent
 * once the next disturbance (the repair) had happened. Who answered may be unknown (a client
 * that cannot tell): then the write is taken at its word.
 */
function provesRecovery(op: OpRecord, d: Disturbance, nextNs: number): boolean {
  if (!d.hitsLeader || d.leader === undefined || op.by === undefined) return true;
  return !d.leader.includes(op.by) || op.startNs >= nextNs;
}

/**
 * The unavailability window after each disturbance, from the round's operations (in any
 * order). `disturbances` are in time order; `endNs` is when the workload stopped (the end of a
 * window that never closed). A disturbance's disruptions are those of operations that ended
 * after it (or never) and began before the next one.
 */
export function unavailableWindows(ops: readonly OpRecord[], disturbances: readonly Disturbance[], stallNs: number, endNs: number): UnavailableWindow[] {
  const windows: UnavailableWindow[] = [];
  disturbances.forEach((d, i) => {
    const next = disturbances[i + 1]?.atNs ?? Infinity;
    const disrupted = ops.filter((o) => o.endNs > d.atNs && o.startNs < next && isDisrupted(o, d, stallNs));
    if (disrupted.length === 0) return;
    const lastAnswer = maxOf(ops.filter((o) => o.outcome === 'ok' && o.endNs <= d.atNs).map((o) => o.endNs));
    const from = Math.max(lastAnswer, minOf(disrupted.map((o) => o.startNs)));
    // After a fault that took the leader, only a write sent afterwards and answered by another leader proves a new one; a repair has no such doubt.
    const after = d.hitsLeader ? Math.max(from, d.atNs) : from;
    const acks = ops.filter((o) => isAckedWrite(o) && o.startNs >= after && provesRecovery(o, d, next)).map((o) => o.endNs);
    const to = acks.length === 0 ? endNs : minOf(acks);
    windows.push({ fromMs: nsToMs(from), toMs: nsToMs(to), unrecovered: acks.length === 0 });
  });
  return mergeOverlapping(windows);
}

/**
 * The largest and smallest of `values` (-Infinity and Infinity when empty), in a loop: a spread
 * into Math.max passes every value as an argument, and a chaos run's 190,000 operations
 * overflowed the call stack ("Maximum call stack size exceeded") after five minutes of faults.
 */
function maxOf(values: readonly number[]): number {
  let max = -Infinity;
  for (const v of values) if (v > max) max = v;
  return max;
}

function minOf(values: readonly number[]): number {
  let min = Infinity;
  for (const v of values) if (v < min) min = v;
  return min;
}

/** Windows that overlap are one stretch of unavailability (a repair during the outage of a fault). */
function mergeOverlapping(windows: readonly UnavailableWindow[]): UnavailableWindow[] {
  const merged: UnavailableWindow[] = [];
  for (const w of [...windows].sort((a, b) => a.fromMs - b.fromMs)) {
    const last = merged.at(-1);
    if (last === undefined || w.fromMs > last.toMs) merged.push(w);
    else merged[merged.length - 1] = { fromMs: last.fromMs, toMs: Math.max(last.toMs, w.toMs), unrecovered: w.toMs >= last.toMs ? w.unrecovered : last.unrecovered };
  }
  return merged;
}

/** The length of a window in ms. */
export function windowMs(w: UnavailableWindow): number {
  return Math.round((w.toMs - w.fromMs) * 10) / 10;
}

/** Median and max of the values that apply (nulls are skipped). */
export function summarize(values: readonly (number | null)[]): FigureSummary {
  const present = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (present.length === 0) return { median: null, max: null };
  const sorted = [...present].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median = sorted.length % 2 === 1 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median: Math.round(median * 10) / 10, max: sorted[sorted.length - 1]! };
}
