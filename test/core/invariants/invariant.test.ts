/** The check itself: free when it holds (the detail is never built), and naming what broke when not. */
import { describe, expect, it } from 'vitest';
import { checkInvariant, InvariantError } from '../../../src/core/invariant.js';

describe('checkInvariant', () => {
  it('builds no detail when the invariant holds', () => {
    let built = 0;
    checkInvariant(true, 'holds', () => `${++built}`);
    expect(built).toBe(0);
  });

  it('throws InvariantError naming the invariant and the values that broke it', () => {
    const err = (() => {
      try {
        checkInvariant(1 > 2, 'one-above-two', () => `one is ${1}, two is ${2}`);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InvariantError);
    expect((err as InvariantError).invariant).toBe('one-above-two');
    expect((err as Error).message).toBe('invariant one-above-two broken: one is 1, two is 2');
    expect((err as Error).name).toBe('InvariantError');
  });
});
