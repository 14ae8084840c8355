/**
 * `fleet top` as an operator runs it: the built CLI in a real pseudo-terminal (tmux), against a
 * real 3-member cluster. The screen is read back with capture-pane.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliSandbox } from './cli-helpers.js';
import { TestCluster } from './cluster.js';
import { CLI_BIN, waitFor } from './processes.js';
import { privateTmux, sh } from './tmux.js';

const server = privateTmux('top');
const tmux = server.run;

function screen(): string {
  return tmux('capture-pane', '-p', '-t', 'top');
}

let cluster: TestCluster;
const sandbox = cliSandbox();
const exitFile = join(sandbox.dir, 'top.exit');

beforeAll(async () => {
  cluster = await TestCluster.start();
  const env = Object.entries({ ...sandbox.env, NO_COLOR: '1' }).map(([k, v]) => `${k}=${sh(v)}`);
  // An operator's terminal: CI runners set CI, under which fleet top prints one frame and exits.
  const top = ['env', '-u', 'CI', '-u', 'CONTINUOUS_INTEGRATION', ...env, sh(process.execPath), sh(CLI_BIN), 'top', '--endpoints', cluster.endpoints.join(','), '--interval', '250ms'].join(' ');
  // The shell records how fleet top ended: tmux 3.3 now and then leaves an exited pane's process
  // unreaped for seconds, so pane_dead is not a reliable sign that it ended.
  tmux('new-session', '-d', '-s', 'top', '-x', '110', '-y', '32', `${top}; echo $? > ${sh(exitFile)}`);
  // Keep the pane when the process ends, to read how it ended.
  tmux('set-option', '-t', 'top', 'remain-on-exit', 'on');
}, 60_000);

afterAll(async () => {
  server.kill();
  await cluster?.destroy();
  sandbox.cleanup();
});

/** Waits until the screen matches; fails with the last screen. */
async function until(what: string, test: (s: string) => RegExpMatchArray | null | boolean, timeoutMs = 15_000): Promise<string> {
  let last = '';
  try {
    return await waitFor(what, () => {
      last = screen();
      return test(last) ? last : undefined;
    }, timeoutMs, 100);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- screen:\n${last}\n--- members:\n${cluster.logs().slice(-2000)}`, { cause: err });
  }
}

const leaderOf = (s: string) => /^leader (n\d) /m.exec(s)?.[1];

describe('fleet top in a terminal', () => {
  it('shows the cluster and registry changes, transfers leadership on t + y, and follows a killed leader to the new one', async () => {
    // A healthy member's HEALTH is "ok", with a note after it when its loop was held in the last
    // minute ("ok · loop held 427ms", seen on a loaded CI machine right after start).
    const first = await until('a leader and three healthy members', (s) => leaderOf(s) !== undefined && /can lose 1\b/.test(s) && (s.match(/^[› ] n\d .* ok( · .*)?$/gm) ?? []).length === 3, 30_000);
    expect(first).toMatch(/^fleet top · cluster fleet · 127\.0\.0\.1:\d+ \+2 · every 250ms/m);
    expect(first).toContain('watching n1 n2 n3: leader');

    // A registry write while top runs comes into the timeline from the watch, not from a poll.
    const client = cluster.client();
    await client.registerShard({ id: 's7', address: '10.0.0.7:443', region: 'eu', zone: 'eu-1a', capacity: 10 });
    await client.setShardState('s7', 'draining');
    await until('the registry change events', (s) => s.includes('shard s7 registered in eu/eu-1a') && s.includes('shard s7 drained (was active)'));

    // Select a follower (n1 when it follows, else n2) and hand it the leadership.
    const before = leaderOf(first)!;
    const target = before === 'n1' ? 'n2' : 'n1';
    if (target === 'n2') tmux('send-keys', '-t', 'top', 'Down');
    await until(`${target} selected`, (s) => new RegExp(`^› ${target} `, 'm').test(s));
    tmux('send-keys', '-t', 'top', 't');
    await until('the confirmation line', (s) => s.includes(`transfer leadership ${before} → ${target}?`));
    tmux('send-keys', '-t', 'top', 'y');
    const moved = await until('the transfer event', (s) => leaderOf(s) === target && new RegExp(`transfer ${before} → ${target} · term \\d+`).test(s));
    expect(moved).toMatch(new RegExp(`transfer accepted: ${before} → ${target}|q quit`));

    // SIGKILL the leader: within seconds the screen must show the new leader and the election,
    // and once the survivors have heard from it, a quorum with nothing more to lose.
    await cluster.kill(target);
    const after = await until('a new leader, the election event and the quorum', (s) => {
      const now = leaderOf(s);
      return now !== undefined && now !== target && new RegExp(`election ${target} → ${now} · term \\d+`).test(s) && /can lose 0 \(1 down\)/.test(s);
    }, 20_000);
    expect(after).toMatch(new RegExp(`^[› ] ${target} .*unreachable .*down \\d`, 'm'));
    expect(after).toMatch(new RegExp(`${target} lost: `));

    // The watch outlives the leader it may have read from: it resumes on a survivor.
    await client.acquireLease('top-e2e', 'e2e', 30_000);
    await until('the lease event after the leader change', (s) => /lease top-e2e acquired by e2e \(token \d+\)/.test(s), 20_000);

    // q quits cleanly.
    tmux('send-keys', '-t', 'top', 'q');
    const ended = await waitFor('fleet top to exit', () => (existsSync(exitFile) ? readFileSync(exitFile, 'utf8').trim() || undefined : undefined), 10_000, 100).catch((err: Error) => {
      throw new Error(`${err.message}\n--- screen:\n${screen()}`, { cause: err });
    });
    expect(ended).toBe('0');
  });
});
