import { describe, expect, it } from 'vitest';
import { humanSpan, humanTime } from '../../src/common/times.js';

describe('humanTime', () => {
  const now = new Date(2026, 10, 23, 14, 2, 39).getTime();

  it('gives the local clock time and how far off it is', () => {
    expect(humanTime(now + 28_000, now)).toBe('14:03:07 (in 28 s)');
    expect(humanTime(now - 12_000, now)).toBe('14:02:27 (12 s ago)');
    expect(humanTime(now + 300, now)).toBe('14:02:39 (now)');
  });
});

describe('humanSpan', () => {
  it('rounds to whole units an operator reads at a glance', () => {
    expect(humanSpan(28_400)).toBe('28 s');
    expect(humanSpan(119_000)).toBe('119 s');
    expect(humanSpan(4 * 60_000 + 10_000)).toBe('4 min');
    expect(humanSpan(125 * 60_000)).toBe('2 h 05 min');
    expect(humanSpan(76 * 3_600_000)).toBe('3 d 4 h');
  });
});
