/** RepeatedWarnings on a fake clock: the first line, then one per interval per key with the count held back. */
import { describe, expect, it } from 'vitest';
import { RepeatedWarnings, withHeld } from '../../../../src/core/server/guard/repeated-warnings.js';

describe('RepeatedWarnings', () => {
  it('logs the first, holds back repeats within the interval, then logs one with their count', () => {
    let now = 0;
    const w = new RepeatedWarnings(10_000, () => now);
    expect(w.take('refused:n2')).toEqual({ held: 0 });
    // 66 refusals in 6.5 s (what issue 62 saw): none logged.
    for (let i = 0; i < 66; i++) {
      now += 100;
      expect(w.take('refused:n2')).toBeUndefined();
    }
    now = 10_000;
    expect(w.take('refused:n2')).toEqual({ held: 66 });
    expect(w.take('refused:n2')).toBeUndefined();
    now = 25_000;
    expect(w.take('refused:n2')).toEqual({ held: 1 });
  });

  it('keeps each key apart, and forgets the oldest beyond maxKeys', () => {
    let now = 0;
    const w = new RepeatedWarnings(10_000, () => now, 2);
    expect(w.take('a')).toEqual({ held: 0 });
    expect(w.take('b')).toEqual({ held: 0 });
    expect(w.take('a')).toBeUndefined();
    expect(w.take('c')).toEqual({ held: 0 }); // forgets a
    expect(w.take('a')).toEqual({ held: 0 });
    now = 5_000;
    expect(w.take('c')).toBeUndefined();
  });

  it('says how many were held back', () => {
    expect(withHeld('a peer refused this member', 0, 60_000)).toBe('a peer refused this member');
    expect(withHeld('a peer refused this member', 1234, 60_000)).toBe('a peer refused this member (and 1,234 more times in the last 60 s, not logged one by one)');
  });
});
