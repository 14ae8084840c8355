import { HistoryError, isCasValue } from './types.js';
import type { HistoryEvent, OpFunction } from './types.js';

/**
 * One client operation: an invoke paired with its completion. Invariant: `end >= start`, and
 * `end` is +Infinity exactly when the outcome is `info` (an operation with an unknown outcome
 * may take effect at any point after its invoke, even after the history ends).
 */
export interface Operation {
  readonly process: number;
  readonly f: OpFunction;
  readonly key: string;
  readonly outcome: 'ok' | 'fail' | 'info';
  /** The invoked value: the written value, or `[expected, new]` for a cas. */
  readonly input: unknown;
  /** The completion's value: what an ok read observed. Null when there is no completion. */
  readonly output: unknown;
  readonly start: number;
  readonly end: number;
  /** The invoke event, for counterexamples. */
  readonly invoke: HistoryEvent;
  /** Position of the invoke in the history; orders operations that start at the same time. */
  readonly invokeIndex: number;
  /** The completion event, if there was one. */
  readonly completion: HistoryEvent | undefined;
  /** Position of the completion in the history, or -1. */
  readonly completionIndex: number;
}

/**
 * Pairs each invoke with its process's next completion. Throws a `HistoryError` naming the
 * event when the history breaks the format's invariants; an invoke still open at the end of
 * the history becomes an `info` operation.
 */
export function pairOperations(history: readonly HistoryEvent[]): Operation[] {
  const ops: Operation[] = [];
  const open = new Map<number, { event: HistoryEvent; index: number }>();
  history.forEach((event, index) => {
    if (!Number.isFinite(event.time)) throw new HistoryError(`event ${index}: time must be a finite number`);
    const pending = open.get(event.process);
    if (event.type === 'invoke') {
      if (pending) throw new HistoryError(`event ${index}: process ${event.process} invoked again while its invoke at event ${pending.index} is outstanding`);
      if (event.f === 'cas' && !isCasValue(event.value)) throw new HistoryError(`event ${index}: a cas must carry [expected, new]`);
      open.set(event.process, { event, index });
      return;
    }
    if (!pending) throw new HistoryError(`event ${index}: process ${event.process} completed an operation it never invoked`);
    checkCompletion(pending.event, event, index);
    ops.push(makeOperation(pending.event, pending.index, event, index));
    open.delete(event.process);
  });
  for (const { event, index } of open.values()) ops.push(makeOperation(event, index, undefined, -1));
  return ops;
}

function checkCompletion(invoke: HistoryEvent, done: HistoryEvent, index: number): void {
  if (done.f !== invoke.f || done.key !== invoke.key) {
    throw new HistoryError(`event ${index}: process ${done.process} completed ${done.f} of ${JSON.stringify(done.key)} but invoked ${invoke.f} of ${JSON.stringify(invoke.key)}`);
  }
  if (!(done.time >= invoke.time)) throw new HistoryError(`event ${index}: completed at ${done.time}, before its invoke at ${invoke.time}`);
}

function makeOperation(invoke: HistoryEvent, invokeIndex: number, done: HistoryEvent | undefined, doneIndex: number): Operation {
  const outcome = done?.type === 'ok' || done?.type === 'fail' ? done.type : 'info';
  return {
    process: invoke.process,
    f: invoke.f,
    key: invoke.key,
    outcome,
    input: invoke.value,
    output: done ? done.value : null,
    start: invoke.time,
    end: outcome === 'info' ? Infinity : (done as HistoryEvent).time,
    invoke,
    invokeIndex,
    completion: done,
    completionIndex: doneIndex,
  };
}
