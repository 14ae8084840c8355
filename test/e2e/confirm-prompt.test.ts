/**
 * A bulk delete on a terminal asks before it removes anything: the built CLI in a real
 * pseudo-terminal (tmux) against a real cluster. "n" changes nothing; "y" removes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliSandbox } from './cli-helpers.js';
import { TestCluster } from './cluster.js';
import { CLI_BIN, waitFor } from './processes.js';
import { privateTmux, sh } from './tmux.js';

const server = privateTmux('confirm');
const tmux = server.run;

let cluster: TestCluster;
const sandbox = cliSandbox();

beforeAll(async () => {
  cluster = await TestCluster.start();
  for (let i = 0; i < 5; i++) await cluster.client().kvPut(`p/${i}`, 'x');
}, 60_000);

afterAll(async () => {
  server.kill();
  await cluster?.destroy();
  sandbox.cleanup();
});

/** Runs `fleet ARGS` in a terminal, answers its prompt with `answer`, and returns its exit code and screen. */
async function answered(session: string, args: string[], answer: string): Promise<{ code: number; screen: string }> {
  const exitFile = join(sandbox.dir, `${session}.exit`);
  const env = Object.entries({ ...sandbox.env, NO_COLOR: '1' }).map(([k, v]) => `${k}=${sh(v)}`);
  const cmd = ['env', ...env, sh(process.execPath), sh(CLI_BIN), ...args.map(sh)].join(' ');
  tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '40', `${cmd}; echo $? > ${sh(exitFile)}; sleep 30`);
  const screen = () => tmux('capture-pane', '-p', '-t', session);
  await waitFor('the prompt', () => (/\[y\/N\]/.test(screen()) ? true : undefined), 30_000, 100);
  tmux('send-keys', '-t', session, answer, 'Enter');
  const code = await waitFor('the command to end', () => {
    try {
      return Number(readFileSync(exitFile, 'utf8').trim());
    } catch {
      return undefined;
    }
  }, 30_000, 100);
  const shown = screen();
  tmux('kill-session', '-t', session);
  return { code, screen: shown };
}

describe('confirmation of a bulk delete on a terminal', () => {
  it('"n" removes nothing (exit 1); "y" removes the keys (exit 0)', async () => {
    const args = ['kv', 'del', '--prefix', 'p/', '--endpoints', cluster.endpoints.join(',')];
    const no = await answered('no', args, 'n');
    expect(no.code, no.screen).toBe(1);
    expect(no.screen).toMatch(/not confirmed: nothing changed/);
    expect((await cluster.client().kvList({ prefix: 'p/' })).items.length).toBe(5);

    const yes = await answered('yes', args, 'y');
    expect(yes.code, yes.screen).toBe(0);
    expect((await cluster.client().kvList({ prefix: 'p/' })).items.length).toBe(0);
  }, 90_000);
});
