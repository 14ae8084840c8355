import type { CompletionType, HistoryEvent, OpFunction } from '../../../src/ops/history/index.js';

/**
 * One operation of a hand-written history. `end` undefined means no completion at all (the
 * process crashed); `type` defaults to ok; `out` is the completion's value (a read's
 * observation), defaulting to the invoked value for writes and cas and to null for reads.
 */
export interface OpSpec {
  readonly p: number;
  readonly f: OpFunction;
  readonly key?: string;
  readonly value?: unknown;
  readonly out?: unknown;
  readonly start: number;
  readonly end?: number;
  readonly type?: CompletionType;
}

/** A write of `value` by process `p` over [start, end]; key "x" unless given. */
export function write(p: number, value: unknown, start: number, end?: number, more: Partial<OpSpec> = {}): OpSpec {
  return { p, f: 'write', value, start, end, ...more };
}

/** A read by process `p` over [start, end] that observed `out`; key "x" unless given. */
export function read(p: number, out: unknown, start: number, end?: number, more: Partial<OpSpec> = {}): OpSpec {
  return { p, f: 'read', out, start, end, ...more };
}

/** A cas expected→next by process `p` over [start, end]; key "x" unless given. */
export function cas(p: number, expected: unknown, next: unknown, start: number, end?: number, more: Partial<OpSpec> = {}): OpSpec {
  return { p, f: 'cas', value: [expected, next], start, end, ...more };
}

/**
 * The events of `specs` in time order. At equal times completions come first, so that a
 * process may invoke at the instant its previous operation completed; an operation's own
 * invoke always precedes its completion.
 */
export function history(...specs: OpSpec[]): HistoryEvent[] {
  const tagged: { event: HistoryEvent; op: number; rank: number }[] = [];
  specs.forEach((s, op) => {
    const key = s.key ?? 'x';
    tagged.push({ op, rank: 1, event: { process: s.p, type: 'invoke', f: s.f, key, value: s.f === 'read' ? null : s.value, time: s.start } });
    if (s.end === undefined) return;
    const out = s.out !== undefined ? s.out : s.f === 'read' ? null : s.value;
    tagged.push({ op, rank: 0, event: { process: s.p, type: s.type ?? 'ok', f: s.f, key, value: out, time: s.end } });
  });
  tagged.sort((x, y) => x.event.time - y.event.time || (x.op === y.op ? y.rank - x.rank : x.rank - y.rank));
  return tagged.map((t) => t.event);
}
