import { describe, expect, it } from 'vitest';
import { parseTokenText } from '../../src/client/transport/token-file.js';

describe('token files', () => {
  it('reads a bare token, unnamed', () => {
    expect(parseTokenText('abc123\n')).toEqual({ token: 'abc123', name: undefined });
  });

  it('reads a name line and comments around the token', () => {
    expect(parseTokenText('# operators\nname: ops-team\n\nabc123\n')).toEqual({ token: 'abc123', name: 'ops-team' });
    expect(parseTokenText('abc123\nName:ci\n')).toEqual({ token: 'abc123', name: 'ci' });
  });

  it('refuses a file without a token, with two tokens, or with an empty name', () => {
    expect(() => parseTokenText('name: x\n')).toThrow(/no token/);
    expect(() => parseTokenText('a\nb\n')).toThrow(/more than one token line/);
    expect(() => parseTokenText('name:\nabc\n')).toThrow(/gives no name/);
  });
});
