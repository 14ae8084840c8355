/**
 * The README as a test: its shell examples run as written against one local cluster (the one its
 * own `fleet init` starts, on free ports), in an isolated HOME and XDG dirs and a temp working
 * dir, with `fleet` on PATH as this checkout's bin/run.js; each line must end with the exit code
 * its `# exit N` comment gives (0 without one). Examples for other machines, and the ones marked
 * long, are checked against the commands' definitions instead. The conventions are in
 * readme-examples.ts.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCommandManifest, type CommandManifest } from '../../scripts/commands-markdown.js';
import { CLI_BIN, freePorts, tempDir } from './processes.js';
import { checkInvocation, fleetInvocations, namesAnotherMachine, shellBlocks, type ExampleBlock } from './readme-examples.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const README = join(root, 'README.md');
const readme = readFileSync(README, 'utf8');
const blocks = shellBlocks(readme);

/** The other documents whose shell examples run as written, each against a cluster of its own. */
const RUN_AS_WRITTEN = ['docs/etcd-api.md'];

/**
 * Blocks this machine can run: not long, naming no other machine, every line a fleet command, a
 * `curl` to a loopback address (the etcd gateway's examples) or a variable set for the lines after.
 */
function runnable(block: ExampleBlock): boolean {
  const runs = (text: string): boolean => fleetInvocations(text).length > 0 || /^curl\b.*\bhttps?:\/\/127\./.test(text) || /^[A-Z_][A-Z0-9_]*=\$\(cat /.test(text);
  return !block.long && block.lines.length > 0 && !block.lines.some((l) => namesAnotherMachine(l.text) || l.text.includes('…')) && block.lines.every((l) => runs(l.text));
}

describe('README.md', () => {
  let manifest: CommandManifest;
  beforeAll(async () => {
    manifest = await loadCommandManifest(root);
  });

  it('spells every fleet command as the commands define it', () => {
    const problems: string[] = [];
    let checked = 0;
    for (const block of blocks) {
      for (const line of [...block.lines, ...block.setup.map((text) => ({ line: block.line, text, exit: 0 }))]) {
        for (const args of fleetInvocations(line.text)) {
          checked++;
          // A line documented to fail with a usage error (exit 2) may well be misspelled on purpose.
          if (line.exit !== 2) problems.push(...checkInvocation(manifest, args).map((p) => `README.md:${line.line}: ${p}`));
        }
      }
    }
    expect(checked).toBeGreaterThan(50);
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('catches a misspelled or incomplete example', () => {
    expect(checkInvocation(manifest, ['rebind', 'c1', '--to', 's2', '--form', 's1'])).toContain('fleet rebind: unknown flag --form');
    expect(checkInvocation(manifest, ['rebind', 'c1'])).toEqual(['fleet rebind: --to is required']);
    expect(checkInvocation(manifest, ['node', 'start', '--id', 'n1', '--data-dir', '/d', '--listen', '10.0.0.1:7781', '--peers', 'n1=10.0.0.1:7781'])).toEqual([
      'fleet node start --listen 10.0.0.1:7781 would refuse to start without --token-file, --admin-token-file, --peer-secret-file (or --tls-ca)',
    ]);
    expect(checkInvocation(manifest, ['shards', 'frobnicate'])[0]).toMatch(/^(no command|fleet shards)/);
  });

  it('links only to files inside the repository that exist', () => {
    const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((l) => !/^(https?:|mailto:|#)/.test(l));
    expect(links.length).toBeGreaterThan(0);
    const bad = links.filter((l) => {
      const target = resolve(dirname(README), l.split('#')[0]!);
      return relative(root, target).startsWith('..') || !existsSync(target);
    });
    expect(bad, `links outside the repository or to missing files: ${bad.join(', ')}`).toEqual([]);
  });

  it('promises no fixed first fencing token: a token is the keyspace revision of its grant (test/core/node/leases-in-keyspace.test.ts)', () => {
    expect(readme).not.toMatch(/1 on a new cluster|--fencing-token 1\b/);
    expect(readme).toMatch(/the revision of the cluster's keyspace at which the lease was granted/);
  });

  it('says how to put fleet on PATH, and never runs node on an empty path', () => {
    expect(readme).toMatch(/npm link/);
    expect(readme).not.toMatch(/"\$\(command -v fleet\)"/);
  });

  runsAsWritten('README.md', blocks, 4);
});

for (const doc of RUN_AS_WRITTEN) {
  describe(doc, () => runsAsWritten(doc, shellBlocks(readFileSync(join(root, doc), 'utf8')), 1));
}

/** Runs `file`'s runnable blocks in one sandbox, in order; each line must end with its documented exit code. */
function runsAsWritten(file: string, examples: readonly ExampleBlock[], atLeast: number): void {
  describe('the local examples, run as written', () => {
    const sandbox = tempDir('fleet-readme-');
    const env = sandboxEnv(sandbox.path);
    let initialised = false;
    afterAll(async () => {
      if (initialised) await runScript('fleet destroy --yes', env, sandbox.path, 60_000);
      sandbox.cleanup();
    }, 90_000);

    it('every line ends with its documented exit code', async () => {
      const toRun = examples.filter(runnable);
      expect(toRun.length, `runnable ${file} blocks`).toBeGreaterThanOrEqual(atLeast);
      const basePort = await freePorts(3);
      const failures: string[] = [];
      for (const block of toRun) {
        const steps = [
          ...block.setup.map((text) => ({ line: block.line, text, exit: 0, setup: true })),
          ...block.lines.map((l) => ({ ...l, setup: false })),
        ].map((s) => ({ ...s, text: asRun(s.text, basePort) }));
        initialised ||= steps.some((s) => /\bfleet init\b/.test(s.text));
        // The marker on a line of its own, also after output without a final newline (curl's).
        const script = steps.map((s, i) => `${s.text}\nprintf '\\n@@step ${i} %s\\n' "$?"`).join('\n');
        const { output } = await runScript(script, env, join(sandbox.path, 'work'), 240_000);
        const results = parseSteps(output);
        steps.forEach((s, i) => {
          const got = results.get(i);
          if (got?.code !== s.exit) failures.push(`${file}:${s.line}${s.setup ? ' (setup)' : ''}: \`${s.text}\` exited ${got?.code ?? 'never'}, the document says ${s.exit}\n${(got?.output ?? output).trim().slice(-1500)}`);
        });
      }
      // A line that failed on a loaded machine (an election, a slow start) is explained by the members' own lines.
      expect(failures, [...failures, memberLogTails(sandbox.path)].join('\n\n')).toEqual([]);
      // About 30 commands, each a CLI start-up: 240 s when measured on 2 cores at load 17.
    }, 600_000);
  });
}

/** The last lines of every local member's log under `dir` (fleet's clusters/NAME/logs/ID.log). */
function memberLogTails(dir: string): string {
  const logs = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /(^|\/)logs\/[^/]+\.log$/.test(f));
  return logs.map((f) => `--- ${f}\n${readFileSync(join(dir, f), 'utf8').trimEnd().split('\n').slice(-25).join('\n')}`).join('\n') || '(no member logs)';
}

/** As the test runs a line: `./bin/run.js` is `fleet`, `fleet init` gets free ports, and the README's 127.0.0.1:778N are the members on them. */
function asRun(text: string, basePort: number): string {
  const local = text.replace(/\b127\.0\.0\.1:778([1-5])\b/g, (_m: string, n: string) => `127.0.0.1:${basePort + Number(n) - 1}`);
  const spelled = local.replace(/(^|[\s;&|(])\.\/bin\/run\.js\b/g, '$1fleet');
  return spelled.replace(/\bfleet init\b([^&;|]*)/g, (m: string, rest: string) => (rest.includes('--base-port') ? m : `fleet init --base-port ${basePort}${rest}`));
}

/** HOME, XDG dirs and PATH of their own, with `fleet` this checkout's bin/run.js; no FLEET_* from outside. */
function sandboxEnv(dir: string): NodeJS.ProcessEnv {
  const home = join(dir, 'home');
  const bin = join(dir, 'bin');
  for (const d of [home, bin, join(dir, 'work')]) mkdirSync(d, { recursive: true });
  symlinkSync(CLI_BIN, join(bin, 'fleet'));
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('FLEET_') || name.startsWith('XDG_')) delete env[name];
  return {
    ...env, HOME: home, PATH: `${bin}:${process.env.PATH ?? ''}`, NO_COLOR: '1',
    XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local', 'share'), XDG_STATE_HOME: join(home, '.local', 'state'), XDG_CACHE_HOME: join(home, '.cache'),
  };
}

/** Runs a bash script (stdin not a terminal, stderr into stdout); kills its process group at the deadline. */
function runScript(script: string, env: NodeJS.ProcessEnv, cwd: string, timeoutMs: number): Promise<{ code: number; output: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn('bash', ['-c', `exec 2>&1\n${script}`], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      output += `\n(killed after ${timeoutMs} ms)`;
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? 1, output });
    });
  });
}

/** Each step's exit code and output, from the `@@step I CODE` lines the script printed after it. */
function parseSteps(output: string): Map<number, { code: number; output: string }> {
  const steps = new Map<number, { code: number; output: string }>();
  let current = '';
  for (const line of output.split('\n')) {
    const m = /^@@step (\d+) (\d+)$/.exec(line);
    if (m) {
      steps.set(Number(m[1]), { code: Number(m[2]), output: current });
      current = '';
    } else current += `${line}\n`;
  }
  return steps;
}

