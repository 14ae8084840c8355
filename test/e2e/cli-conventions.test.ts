/**
 * Conventions of the oclif ecosystem, driven through the built CLI: an unknown command names
 * the closest one and exits 2 (usage), and shell completion is there for bash, zsh and fish.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { suggestFlag } from '../../src/cli/suggest.js';
import { closestCommand } from '../../src/cli/hooks/command-not-found.js';
import { cliSandbox } from './cli-helpers.js';
import { CLI_BIN, runCli } from './processes.js';

const sandbox = cliSandbox();
const env = { ...sandbox.env, XDG_CACHE_HOME: join(sandbox.dir, 'cache'), HOME: sandbox.dir };
afterAll(() => sandbox.cleanup());

describe('an unknown command', () => {
  it('suggests the closest command only when it is close', () => {
    const ids = ['status', 'members:list', 'members:add', 'kv:get', 'init'];
    expect(closestCommand('statsu', ids)).toBe('status');
    expect(closestCommand('members:lsit', ids)).toBe('members:list');
    expect(closestCommand('xyzzy', ids)).toBeUndefined();
  });

  it('exits 2 naming the closest one, in scripts too (stdin not a terminal)', async () => {
    const typo = await runCli(['members', 'lsit'], env);
    expect(typo.code).toBe(2);
    expect(typo.stderr.replace(/\s*›\s*/g, ' ')).toMatch(/members lsit is not a fleet command; did you mean `fleet members list`\?/);
    const unknown = await runCli(['xyzzy'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).not.toMatch(/did you mean/);
  });
});

describe('help, as every oclif CLI has it', () => {
  const flat = (s: string) => s.replace(/\s*›\s*/g, ' ');

  it('answers `fleet help`, `fleet help TOPIC COMMAND` and -h everywhere, with exit 0', async () => {
    const top = await runCli(['help'], env);
    expect(top.code, top.stderr).toBe(0);
    expect(top.stdout).toMatch(/^USAGE\n\s+\$ fleet \[COMMAND\]/m);
    expect(top.stdout).toMatch(/^TOPICS\n/m);
    for (const args of [['help', 'status'], ['status', '-h'], ['status', '--help']]) {
      const r = await runCli(args, env);
      expect(r.code, `fleet ${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.stdout, `fleet ${args.join(' ')}`).toMatch(/^USAGE\n\s+\$ fleet status/m);
    }
    for (const args of [['help', 'shards', 'add'], ['shards', 'add', '-h']]) {
      const r = await runCli(args, env);
      expect(r.code, `fleet ${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.stdout, `fleet ${args.join(' ')}`).toMatch(/^USAGE\n\s+\$ fleet shards add ID/m);
    }
    const short = await runCli(['-h'], env);
    expect(short.code, short.stderr).toBe(0);
    expect(short.stdout).toBe(top.stdout);
  });

  it('says an unknown help topic is unknown, exit 2', async () => {
    const r = await runCli(['help', 'xyzzy'], env);
    expect(r.code).toBe(2);
    expect(flat(r.stderr)).toMatch(/xyzzy/);
  });
});

describe('an unknown flag', () => {
  it('suggests the closest flag the command takes, its own or a shared one, only when it is close', () => {
    const err = (flag: string) => new Error(`Nonexistent flag: ${flag}\nSee more help with --help`);
    expect(suggestFlag(err('--nss'), ['ns', 'json', 'consistency'])).toBe('; did you mean --ns?');
    expect(suggestFlag(err('--endpoint=127.0.0.1:1'), ['endpoints', 'context'])).toBe('; did you mean --endpoints?');
    expect(suggestFlag(err('--zzzzzzzz'), ['ns', 'json'])).toBe('');
    expect(suggestFlag(new Error('Expected --ttl=0s to be a positive duration'), ['ttl'])).toBe('');
  });

  it('exits 2 naming the closest flag', async () => {
    const typo = await runCli(['status', '--endpoint', '127.0.0.1:1'], env);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/Nonexistent flag: --endpoint; did you mean --endpoints\?/);
    const own = await runCli(['kv', 'get', '--nss', 'x', 'k'], env);
    expect(own.code).toBe(2);
    expect(own.stderr).toMatch(/did you mean --ns\?/);
    // --json is added by oclif itself, outside the command's flags; a tie goes to the same first letter.
    for (const args of [['status', '--jsn'], ['kv', 'list', '--jsn']]) {
      const r = await runCli(args, env);
      expect(r.code).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/Nonexistent flag: --jsn; did you mean --json\?/);
    }
  });
});

describe('timeouts', () => {
  it('refuses a deadline longer than a timer can wait instead of expiring at once or hanging (exit 2)', async () => {
    for (const args of [['status', '--timeout', '9999999999999h'], ['kv', 'put', 'k', 'v', '--timeout', '25d'], ['down', '--timeout', '30d']]) {
      const r = await runCli([...args, '--endpoints', '127.0.0.1:1'], env);
      expect(r.code, `fleet ${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/--timeout.*must be at most 24d \(the longest a timer can wait\)/);
    }
  });
});

describe('shell completion', () => {
  it.each(['bash', 'zsh'])('prints %s setup instructions and writes a completion script', async (shell) => {
    const help = await runCli(['autocomplete', shell], env);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/fleet/);
    const script = await runCli(['autocomplete', 'script', shell], env);
    expect(script.code, script.stderr).toBe(0);
    expect(script.stdout).toMatch(new RegExp(`${shell === 'bash' ? 'bash' : 'zsh'}`, 'i'));
  });

  // oclif's plugin has no fish script: ours is checked by fish itself (Debian's fish, installed by .ci/run).
  it('writes a fish script that completes command words, flags and context names in fish', async () => {
    expect((await runCli(['context', 'add', 'prod-eu', '--endpoints', '127.0.0.1:7781'], env)).code).toBe(0);
    const script = await runCli(['autocomplete', 'fish'], env);
    expect(script.code, script.stderr).toBe(0);
    const file = join(sandbox.dir, 'fleet.fish');
    writeFileSync(file, script.stdout);
    // `fleet` on PATH, as the script calls it for context names.
    const bin = join(sandbox.dir, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'fleet'), `#!/bin/sh\nexec "${process.execPath}" "${CLI_BIN}" "$@"\n`, { mode: 0o755 });
    const complete = (line: string): string[] => {
      const r = spawnSync('fish', ['--no-config', '-c', `source ${file}; complete -C '${line}'`], { env: { ...process.env, ...env, PATH: `${bin}:${process.env.PATH}` }, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return r.stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[0]!);
    };
    expect(complete('fleet mem')).toEqual(['members']);
    expect(complete('fleet members l')).toEqual(['list']);
    expect(complete('fleet kv get --n')).toEqual(['--ns']);
    expect(complete('fleet status --context ')).toEqual(['prod-eu']);
    // A flag's value is not a command word: the words after it still complete.
    expect(complete('fleet --context prod-eu members l')).toEqual(['list']);
  });
});

describe("the operator's NODE_ENV", () => {
  // oclif reads NODE_ENV=development or test as "run from the sources": it loaded TypeScript and
  // looked for .ts files on every command, doubling start-up. The built CLI must not care.
  it.each(['development', 'test'])('NODE_ENV=%s loads no TypeScript', async (nodeEnv) => {
    const marker = join(sandbox.dir, `typescript-${nodeEnv}`);
    const hook = join(sandbox.dir, 'typescript-hook.cjs');
    writeFileSync(hook, [
      "const Module = require('node:module');",
      'const load = Module._load;',
      "Module._load = function (request, ...rest) { if (request === 'typescript') require('node:fs').writeFileSync(process.env.TYPESCRIPT_MARKER, request); return load.call(this, request, ...rest); };",
    ].join('\n'));
    const r = await runCli(['context', 'list', '--json'], { ...env, NODE_ENV: nodeEnv, NODE_OPTIONS: `--require ${hook}`, TYPESCRIPT_MARKER: marker });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(marker), 'the CLI loaded typescript').toBe(false);
  });
});
