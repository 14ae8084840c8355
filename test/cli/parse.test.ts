import { describe, expect, it } from 'vitest';
import { parseEndpoints } from '../../src/common/addresses.js';
import { parseDuration } from '../../src/common/durations.js';
import { UsageError } from '../../src/common/errors.js';
import { parseCounts, parsePair, parsePairs } from '../../src/cli/parse.js';

describe('operator input', () => {
  it('parses KEY=VALUE pairs', () => {
    expect(parsePair('zone=eu-1a', 'domain')).toEqual(['zone', 'eu-1a']);
    expect(parsePair('a=b=c', 'label')).toEqual(['a', 'b=c']);
    expect(() => parsePair('zone', 'domain')).toThrow(UsageError);
    expect(parsePairs(['a=1', 'b=2'], 'label')).toEqual({ a: '1', b: '2' });
    expect(() => parsePairs(['a=1', 'a=2'], 'label')).toThrow(/given twice/);
    expect(parseCounts(['s1=4'], 'slice')).toEqual({ s1: 4 });
    expect(() => parseCounts(['s1=-1'], 'slice')).toThrow(/whole number/);
  });

  it('parses endpoints and durations', () => {
    expect(parseEndpoints('127.0.0.1:1, [::1]:2')).toEqual(['127.0.0.1:1', '[::1]:2']);
    expect(() => parseEndpoints('host')).toThrow(/invalid endpoint/);
    expect(parseDuration('7d')).toBe(7 * 86_400_000);
    expect(parseDuration('1.5s')).toBe(1_500);
  });
});
