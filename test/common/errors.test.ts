import { describe, expect, it } from 'vitest';
import { CliError, EXIT, UsageError, formatReport, leaseHeldMessage, oneLine, reportOf } from '../../src/common/errors.js';
import { FleetClientError, exitCodeOf } from '../../src/client/index.js';

describe('reportOf', () => {
  it('maps client errors by kind: unreachable and timeouts are 3, preconditions 4, not found 9, others 1', () => {
    const cases: [FleetClientError, number, string][] = [
      [new FleetClientError('unavailable', 'no member reachable'), 3, 'UNAVAILABLE'],
      [new FleetClientError('timeout', 'no answer within 5000 ms'), 3, 'TIMEOUT'],
      [new FleetClientError('precondition', 'cluster "c1" is already bound to shard "s1"', { code: 'ALREADY_BOUND', details: { currentShard: 's1' } }), 4, 'ALREADY_BOUND'],
      [new FleetClientError('precondition', 'kv key holds another value', { code: 'CAS_FAILED' }), 4, 'CAS_FAILED'],
      [new FleetClientError('not-found', 'no shard s9', { code: 'NOT_FOUND' }), 9, 'NOT_FOUND'],
      [new FleetClientError('unauthenticated', 'pass --token'), 1, 'UNAUTHENTICATED'],
      [new FleetClientError('invalid', 'bad'), 1, 'INVALID_ARGUMENT'],
      [new FleetClientError('exhausted', '127.0.0.1:7781: out of space on member n1: its disk is full and no caught-up voter can take over; writes resume once space is freed there'), 1, 'RESOURCE_EXHAUSTED'],
    ];
    for (const [err, exitCode, code] of cases) {
      expect(reportOf(err)).toMatchObject({ exitCode, code, message: err.message });
      // The CLI agrees with the client's own mapping.
      expect(reportOf(err).exitCode).toBe(exitCodeOf(err));
    }
    expect(reportOf(cases[2]![0]).details).toEqual({ currentShard: 's1' });
  });

  it('maps CLI errors by their fields, and anything else to exit 1', () => {
    expect(reportOf(new CliError('refused: risky', { exitCode: EXIT.precondition, hint: 'pass --force' }))).toEqual({ code: 'PRECONDITION', message: 'refused: risky', exitCode: 4, hint: 'pass --force' });
    expect(reportOf(new UsageError('bad flag', 'see fleet x --help'))).toEqual({ code: 'USAGE', message: 'bad flag', exitCode: 2, hint: 'see fleet x --help' });
    expect(reportOf(new Error('boom\n  at line 2'))).toEqual({ code: 'ERROR', message: 'boom at line 2', exitCode: 1 });
    expect(reportOf('weird')).toEqual({ code: 'ERROR', message: 'weird', exitCode: 1 });
  });

  it('gives "not found" its own exit code and code, apart from 8 (not applied)', () => {
    expect(reportOf(new CliError('no key "k"', { exitCode: EXIT.notFound }))).toEqual({ code: 'NOT_FOUND', message: 'no key "k"', exitCode: 9 });
    expect(new Set(Object.values(EXIT)).size).toBe(Object.keys(EXIT).length);
    expect(EXIT.notApplied).toBe(8);
  });
});

describe('formatReport', () => {
  it('prints one line with the hint', () => {
    expect(formatReport({ code: 'USAGE', message: 'Nonexistent flag: --x', exitCode: 2, hint: 'see fleet status --help' })).toBe('error: Nonexistent flag: --x (see fleet status --help)');
    expect(oneLine('a\n\n  b')).toBe('a b');
  });
});

describe('parseMessage', () => {
  it("folds oclif's parse errors into one line", async () => {
    const { parseMessage } = await import('../../src/cli/base-command.js');
    expect(parseMessage(new Error('The following error occurred:\n  Missing required flag shard\nSee more help with --help'))).toBe('missing required flag --shard');
    expect(parseMessage(new Error('Missing 2 required args:\nkey    the key\nvalue  the value\nSee more help with --help'))).toBe('missing arguments KEY VALUE');
    const withNote = 'Missing 1 required arg:\nid  the shard id\n\nNote: --label allows multiple values. Because of this you need to provide all arguments before providing that flag.\nAlternatively, you can use "--" to signify the end of the flags and the beginning of arguments.\nSee more help with --help';
    expect(parseMessage(new Error(withNote))).toBe('missing argument ID (--label takes several values: put the arguments before it, or after --)');
    expect(parseMessage(new Error('Parsing --timeout \n\tinvalid duration "soon"\nSee more help with --help'))).toBe('--timeout: invalid duration "soon"');
  });
});

describe('times in errors', () => {
  it('says when a lease held by another ends as a clock time, not epoch milliseconds', () => {
    const now = new Date(2026, 10, 23, 14, 2, 39).getTime();
    expect(leaseHeldMessage({ name: 'L', holder: 'me', expiresAt: now + 28_000 }, now)).toBe('lease "L" is held by "me" until 14:03:07 (in 28 s), unless renewed or released');
    expect(leaseHeldMessage({ name: 'L', holder: 'me' }, now)).toBeUndefined();
  });
});
