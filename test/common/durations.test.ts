/** Durations as operators write them, and a lease's TTL as etcdctl users write it (issue 62). */
import { describe, expect, it } from 'vitest';
import { parseLeaseTtl } from '../../src/common/durations.js';

describe('a lease TTL', () => {
  it('is seconds when bare, as etcdctl lease grant 30 (it was 30 ms: the lease expired before the command returned)', () => {
    expect(parseLeaseTtl('30')).toBe(30_000);
    expect(parseLeaseTtl(' 1.5 ')).toBe(1_500);
  });

  it('takes any duration with a unit', () => {
    expect(parseLeaseTtl('30s')).toBe(30_000);
    expect(parseLeaseTtl('5m')).toBe(300_000);
    expect(parseLeaseTtl('1500ms')).toBe(1_500);
    expect(parseLeaseTtl('24h')).toBe(86_400_000);
  });

  it('refuses under a second and over a day, and what is not a duration, saying why', () => {
    expect(() => parseLeaseTtl('5ms')).toThrow('must be at least 1s (a bare number is seconds), got "5ms"');
    expect(() => parseLeaseTtl('0')).toThrow(/at least 1s/);
    expect(() => parseLeaseTtl('25h')).toThrow('must be at most 24h, got "25h"');
    expect(() => parseLeaseTtl('soon')).toThrow(/invalid duration "soon"/);
  });
});
