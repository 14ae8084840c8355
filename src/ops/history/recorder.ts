import { EVENT_TYPES, HistoryError, OP_FUNCTIONS, isCasValue } from './types.js';
import type { CompletionType, EventType, HistoryEvent, OpFunction } from './types.js';

/** A monotonic clock for a recorder; the unit is the caller's (the default is nanoseconds). */
export type HistoryClock = () => number;

const COMPLETION_TYPES: readonly CompletionType[] = ['ok', 'fail', 'info'];

/** Nanoseconds since the clock was made; relative so that values stay exact as doubles. */
function monotonicNanos(): HistoryClock {
  const origin = process.hrtime.bigint();
  return () => Number(process.hrtime.bigint() - origin);
}

/**
 * Records a client history as it happens. It refuses anything that would make the history
 * malformed — a second invoke from a busy process, a completion nobody invoked, a clock that
 * runs backwards — so every history it returns satisfies the invariants of `HistoryEvent`.
 */
export class HistoryRecorder {
  private readonly log: HistoryEvent[] = [];
  private readonly outstanding = new Map<number, HistoryEvent>();
  private lastTime = -Infinity;

  /** `clock` is injected so that a simulator can record in simulated time. */
  constructor(private readonly clock: HistoryClock = monotonicNanos()) {}

  /** Records the start of an operation; see `HistoryEvent` for what `value` carries. */
  invoke(process: number, f: OpFunction, key: string, value: unknown = null): HistoryEvent {
    if (!Number.isSafeInteger(process) || process < 0) throw new HistoryError(`process must be a non-negative integer, got ${process}`);
    const busy = this.outstanding.get(process);
    if (busy) throw new HistoryError(`process ${process} invoked ${f} while its ${busy.f} of ${JSON.stringify(busy.key)} is outstanding`);
    if (f === 'cas' && !isCasValue(value)) throw new HistoryError(`a cas must carry [expected, new], got ${JSON.stringify(value)}`);
    const event = this.append({ process, type: 'invoke', f, key, value: f === 'read' ? null : value });
    this.outstanding.set(process, event);
    return event;
  }

  /**
   * Records how a process's outstanding operation ended. `value` is what a read observed
   * (omitted = null, the key was absent); for writes and cas it defaults to the invoked value.
   * `error` says why a `fail` or `info` ended so (see HistoryEvent.error).
   */
  complete(process: number, type: CompletionType, value?: unknown, error?: string): HistoryEvent {
    const invoke = this.outstanding.get(process);
    if (!invoke) throw new HistoryError(`process ${process} completed an operation it never invoked`);
    if (!COMPLETION_TYPES.includes(type)) throw new HistoryError(`complete() takes ok, fail or info, got ${JSON.stringify(type)}`);
    const fallback = invoke.f === 'read' ? null : invoke.value;
    const event = this.append({ process, type, f: invoke.f, key: invoke.key, value: value === undefined ? fallback : value, ...(error === undefined || type === 'ok' ? {} : { error }) });
    this.outstanding.delete(process);
    return event;
  }

  /** The history so far, in recording order; operations still outstanding count as `info`. */
  events(): readonly HistoryEvent[] {
    return [...this.log];
  }

  private append(partial: Omit<HistoryEvent, 'time'>): HistoryEvent {
    const time = this.clock();
    if (!Number.isFinite(time) || time < this.lastTime) throw new HistoryError(`the clock went from ${this.lastTime} to ${time}`);
    this.lastTime = time;
    const event: HistoryEvent = { ...partial, time };
    this.log.push(event);
    return event;
  }
}

/** One JSON object per line, each with exactly the fields of `HistoryEvent`; undefined values become null, and `error` appears only when set. */
export function toJsonLines(events: readonly HistoryEvent[]): string {
  return events
    .map((e) => JSON.stringify({ process: e.process, type: e.type, f: e.f, key: e.key, value: e.value === undefined ? null : e.value, time: e.time, ...(e.error === undefined ? {} : { error: e.error }) }) + '\n')
    .join('');
}

/**
 * Parses `toJsonLines` output. Blank lines are skipped and unknown fields dropped; any other
 * defect throws a `HistoryError` naming the 1-based line, so a corrupt recording is never
 * silently checked. It validates each event alone; pairing is the checker's job.
 */
export function parseJsonLines(text: string): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      events.push(parseEvent(JSON.parse(line) as unknown));
    } catch (err) {
      throw new HistoryError(`history line ${i + 1}: ${(err as Error).message}`);
    }
  });
  return events;
}

function parseEvent(raw: unknown): HistoryEvent {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('not a JSON object');
  const o = raw as Record<string, unknown>;
  if (typeof o.process !== 'number' || !Number.isSafeInteger(o.process) || o.process < 0) throw new Error('"process" must be a non-negative integer');
  if (!EVENT_TYPES.includes(o.type as EventType)) throw new Error(`"type" must be one of ${EVENT_TYPES.join(', ')}`);
  if (!OP_FUNCTIONS.includes(o.f as OpFunction)) throw new Error(`"f" must be one of ${OP_FUNCTIONS.join(', ')}`);
  if (typeof o.key !== 'string') throw new Error('"key" must be a string');
  if (!('value' in o)) throw new Error('"value" is missing');
  if (o.type === 'invoke' && o.f === 'cas' && !isCasValue(o.value)) throw new Error('a cas invoke\'s "value" must be [expected, new]');
  if (typeof o.time !== 'number' || !Number.isFinite(o.time)) throw new Error('"time" must be a finite number');
  if (o.error !== undefined && o.error !== null && typeof o.error !== 'string') throw new Error('"error" must be a string when present');
  const error = typeof o.error === 'string' ? { error: o.error } : {};
  return { process: o.process, type: o.type as EventType, f: o.f as OpFunction, key: o.key, value: o.value, time: o.time, ...error };
}
