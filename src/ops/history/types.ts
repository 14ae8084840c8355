/**
 * The client-history format shared by the Raft simulator and `fleet drill`: Jepsen-style
 * events on independent registers, one register per key.
 */

/** Whether an event starts an operation or says how it ended. */
export type EventType = 'invoke' | 'ok' | 'fail' | 'info';

/** How an operation ended: `fail` means it definitely did not apply; `info` means unknown. */
export type CompletionType = Exclude<EventType, 'invoke'>;

/** The register operations a client can run. */
export type OpFunction = 'read' | 'write' | 'cas';

/**
 * One line of a client history. Value conventions: a write carries the written value; a cas
 * carries `[expected, new]`; a read invocation carries null and its `ok` completion the value
 * it observed (null = the key is absent, which is also every register's initial value).
 *
 * Invariants of a well-formed history: a process has at most one operation outstanding; an
 * invoke is followed by exactly one completion of the same `f` and `key` from that process, or
 * by none (which counts as `info`); `time` is a monotonic clock in any unit, and a completion
 * is never earlier than its invoke.
 */
export interface HistoryEvent {
  readonly process: number;
  readonly type: EventType;
  readonly f: OpFunction;
  readonly key: string;
  readonly value: unknown;
  readonly time: number;
  /**
   * Why a `fail` or `info` completion ended so, as Jepsen's `:error`: `compare-failed` marks a
   * cas that found another value (a definite, expected answer, not a fault). Absent otherwise.
   */
  readonly error?: string;
}

/** The `error` of a cas that found another value than the expected one. */
export const COMPARE_FAILED = 'compare-failed';

/** Every event type, for validation; the order is the order of `EventType`. */
export const EVENT_TYPES: readonly EventType[] = ['invoke', 'ok', 'fail', 'info'];

/** Every register operation, for validation. */
export const OP_FUNCTIONS: readonly OpFunction[] = ['read', 'write', 'cas'];

/**
 * A history that breaks the format's invariants (as opposed to one that is well formed but
 * not linearizable). Its message names the offending event or line.
 */
export class HistoryError extends Error {
  override readonly name = 'HistoryError';
}

/** True when `value` has the `[expected, new]` shape a cas invocation must carry. */
export function isCasValue(value: unknown): value is readonly [unknown, unknown] {
  return Array.isArray(value) && value.length === 2;
}
