import { describe, expect, it } from 'vitest';
import { printable } from '../../src/common/printable.js';

describe('printable', () => {
  it('escapes control characters and leaves the rest alone', () => {
    expect(printable('\x1b[2J\x1b]0;pwned\x07ok')).toBe('\\x1b[2J\\x1b]0;pwned\\x07ok');
    expect(printable('a\nb\rc\td\x7f\x9b')).toBe('a\\x0ab\\x0dc\\x09d\\x7f\\x9b');
    expect(printable('line\u2028sep')).toBe('line\\u2028sep');
    expect(printable('zone=eu-1a ünïcödé 🚀')).toBe('zone=eu-1a ünïcödé 🚀');
  });

  it('escapes bidirectional formatting characters: a U+202E cannot show a name backwards (issue 62)', () => {
    expect(printable('shard-\u202Ecod.exe')).toBe('shard-\\u202ecod.exe');
    expect(printable('\u2066a\u2069\u200e\u200f\u061c\u202a')).toBe('\\u2066a\\u2069\\u200e\\u200f\\u061c\\u202a');
    // Letters of right-to-left scripts are text, not controls.
    expect(printable('שלום مرحبا')).toBe('שלום مرحبا');
  });
});
