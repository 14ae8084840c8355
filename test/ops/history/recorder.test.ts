import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkLinearizable, HistoryError, HistoryRecorder, parseJsonLines, toJsonLines } from '../../../src/ops/history/index.js';
import type { HistoryEvent } from '../../../src/ops/history/index.js';

/** A clock that advances one unit per reading, so recorded times are predictable. */
function ticking(): () => number {
  let now = 0;
  return () => now++;
}

describe('HistoryRecorder', () => {
  it('records invokes and completions with the conventional values', () => {
    const rec = new HistoryRecorder(ticking());
    rec.invoke(0, 'write', 'x', 1);
    rec.invoke(1, 'read', 'x');
    rec.complete(0, 'ok');
    rec.complete(1, 'ok', 1);
    rec.invoke(0, 'cas', 'x', [1, 2]);
    rec.complete(0, 'fail');
    expect(rec.events()).toEqual([
      { process: 0, type: 'invoke', f: 'write', key: 'x', value: 1, time: 0 },
      { process: 1, type: 'invoke', f: 'read', key: 'x', value: null, time: 1 },
      { process: 0, type: 'ok', f: 'write', key: 'x', value: 1, time: 2 },
      { process: 1, type: 'ok', f: 'read', key: 'x', value: 1, time: 3 },
      { process: 0, type: 'invoke', f: 'cas', key: 'x', value: [1, 2], time: 4 },
      { process: 0, type: 'fail', f: 'cas', key: 'x', value: [1, 2], time: 5 },
    ]);
  });

  it('records a read that found the key absent as null', () => {
    const rec = new HistoryRecorder(ticking());
    rec.invoke(0, 'read', 'x');
    expect(rec.complete(0, 'ok').value).toBeNull();
  });

  it('returns a copy of the history, and leaves open operations open (checked as info)', () => {
    const rec = new HistoryRecorder(ticking());
    rec.invoke(0, 'write', 'x', 1);
    const snapshot = rec.events();
    rec.invoke(1, 'read', 'x');
    rec.complete(1, 'ok', 1);
    expect(snapshot).toHaveLength(1);
    expect(checkLinearizable(rec.events())).toMatchObject({ ok: true });
  });

  it('refuses to make a history malformed', () => {
    const rec = new HistoryRecorder(ticking());
    rec.invoke(0, 'write', 'x', 1);
    expect(() => rec.invoke(0, 'read', 'x')).toThrow(HistoryError);
    expect(() => rec.complete(1, 'ok')).toThrow(HistoryError);
    expect(() => rec.invoke(1, 'cas', 'x', 5)).toThrow(/expected, new/);
    expect(() => rec.invoke(-1, 'read', 'x')).toThrow(HistoryError);
  });

  it('refuses a clock that runs backwards', () => {
    const times = [5, 3];
    const rec = new HistoryRecorder(() => times.shift() ?? 0);
    rec.invoke(0, 'write', 'x', 1);
    expect(() => rec.complete(0, 'ok')).toThrow(/clock/);
  });

  it('uses a monotonic clock by default', () => {
    const rec = new HistoryRecorder();
    rec.invoke(0, 'write', 'x', 1);
    rec.complete(0, 'ok');
    const [a, b] = rec.events();
    expect(b!.time).toBeGreaterThanOrEqual(a!.time);
  });
});

describe('JSON lines', () => {
  const sample: HistoryEvent[] = [
    { process: 0, type: 'invoke', f: 'cas', key: 'k', value: [null, { a: [1, 'two'] }], time: 0 },
    { process: 0, type: 'info', f: 'cas', key: 'k', value: [null, { a: [1, 'two'] }], time: 1.5 },
  ];

  it('writes one JSON object per line and reads it back unchanged', () => {
    const text = toJsonLines(sample);
    expect(text.split('\n')).toHaveLength(3);
    expect(parseJsonLines(text)).toEqual(sample);
  });

  // JSON has no -0, so the expectation goes through JSON too: parsing must add or lose nothing else.
  it('round-trips any event with a JSON value', () => {
    const event = fc.record({
      process: fc.nat(),
      type: fc.constantFrom('invoke', 'ok', 'fail', 'info'),
      f: fc.constantFrom('read', 'write'),
      key: fc.string(),
      value: fc.jsonValue(),
      time: fc.nat(),
    });
    fc.assert(
      fc.property(fc.array(event), (events) => {
        expect(parseJsonLines(toJsonLines(events as HistoryEvent[]))).toEqual(JSON.parse(JSON.stringify(events)));
      }),
    );
  });

  it('skips blank lines and drops unknown fields', () => {
    const text = '\n{"process":1,"type":"invoke","f":"read","key":"x","value":null,"time":3,"node":"n1"}\n\n';
    expect(parseJsonLines(text)).toEqual([{ process: 1, type: 'invoke', f: 'read', key: 'x', value: null, time: 3 }]);
  });

  it.each([
    ['not JSON', '{"process":'],
    ['not an object', '[1,2]'],
    ['a negative process', '{"process":-1,"type":"ok","f":"read","key":"x","value":null,"time":0}'],
    ['an unknown type', '{"process":0,"type":"done","f":"read","key":"x","value":null,"time":0}'],
    ['an unknown f', '{"process":0,"type":"ok","f":"append","key":"x","value":null,"time":0}'],
    ['a numeric key', '{"process":0,"type":"ok","f":"read","key":7,"value":null,"time":0}'],
    ['a missing value', '{"process":0,"type":"ok","f":"read","key":"x","time":0}'],
    ['a string time', '{"process":0,"type":"ok","f":"read","key":"x","value":null,"time":"0"}'],
    ['a cas without a pair', '{"process":0,"type":"invoke","f":"cas","key":"x","value":1,"time":0}'],
  ])('names the line of %s', (_what, bad) => {
    const text = toJsonLines(sample) + bad + '\n';
    expect(() => parseJsonLines(text)).toThrow(HistoryError);
    expect(() => parseJsonLines(text)).toThrow(/^history line 3: /);
  });
});

describe("a completion's error", () => {
  it('round-trips through the JSON lines only where it is set, and is refused when not a string', () => {
    let t = 0;
    const r = new HistoryRecorder(() => t++);
    r.invoke(0, 'cas', 'k', [null, 'v']);
    r.complete(0, 'fail', undefined, 'compare-failed');
    r.invoke(0, 'write', 'k', 'w');
    r.complete(0, 'ok', undefined, 'ignored on ok');
    const text = toJsonLines(r.events());
    expect(text.split('\n')[1]).toBe('{"process":0,"type":"fail","f":"cas","key":"k","value":[null,"v"],"time":1,"error":"compare-failed"}');
    expect(text.split('\n')[3]).not.toContain('error');
    expect(parseJsonLines(text)).toEqual(r.events());
    expect(() => parseJsonLines('{"process":0,"type":"fail","f":"cas","key":"k","value":null,"time":1,"error":5}')).toThrow(/"error" must be a string/);
  });
});
