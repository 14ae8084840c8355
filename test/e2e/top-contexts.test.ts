/**
 * `fleet top --contexts` as an operator runs it: the built CLI in a real pseudo-terminal (tmux)
 * over three single-member clusters, one of them stopped, and an address that accepts
 * connections and never answers. Both must show as unreachable while the live clusters keep
 * refreshing, and q must end it cleanly.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliSandbox, ok } from './cli-helpers.js';
import { TestCluster } from './cluster.js';
import type { ContextsTopState } from '../../src/ops/top/contexts.js';
import { CLI_BIN, freePort, runCli, waitFor } from './processes.js';
import { privateTmux, sh } from './tmux.js';

const server = privateTmux('top-contexts');
const tmux = server.run;
const sandbox = cliSandbox();
const exitFile = join(sandbox.dir, 'top.exit');
let clusters: TestCluster[] = [];
let blackhole: Server | undefined;
const sockets: Socket[] = [];

function screen(): string {
  return tmux('capture-pane', '-p', '-t', 'top');
}

beforeAll(async () => {
  // Keep every cluster that started, so afterAll ends it even when another failed to start.
  const started = await Promise.allSettled([1, 2, 3].map(() => TestCluster.start({ size: 1 })));
  clusters = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  for (const [i, name] of ['a', 'b', 'c'].entries()) await ok(['context', 'add', name, '--endpoints', clusters[i]!.endpoints.join(',')], sandbox.env);
  await clusters[2]!.kill('n1');
  blackhole = createServer((socket) => sockets.push(socket));
  const hangPort = await freePort();
  await new Promise<void>((resolve) => blackhole!.listen(hangPort, '127.0.0.1', resolve));
  await ok(['context', 'add', 'hangs', '--endpoints', `127.0.0.1:${hangPort}`], sandbox.env);
}, 120_000);

afterAll(async () => {
  server.kill();
  for (const socket of sockets) socket.destroy();
  blackhole?.close();
  await Promise.all(clusters.map((c) => c.destroy()));
  sandbox.cleanup();
});

/** Waits until the screen passes `test`; fails with the last screen. */
async function until(what: string, test: (s: string) => boolean, timeoutMs = 15_000): Promise<string> {
  let last = '';
  try {
    return await waitFor(what, () => {
      last = screen();
      return test(last) ? last : undefined;
    }, timeoutMs, 100);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- screen:\n${last}`, { cause: err });
  }
}

/** The CHECKED time (the last column) of a context's row. */
const checkedOf = (s: string, context: string) => new RegExp(`^ {2}${context} .* (\\d\\d:\\d\\d:\\d\\d)$`, 'm').exec(s)?.[1];

describe('fleet top --contexts in a terminal', () => {
  it('shows every cluster, the stopped one unreachable, keeps refreshing, and quits on q', async () => {
    const env = Object.entries({ ...sandbox.env, NO_COLOR: '1' }).map(([k, v]) => `${k}=${sh(v)}`);
    // An operator's terminal: under CI fleet top prints one frame and exits.
    const top = ['env', '-u', 'CI', '-u', 'CONTINUOUS_INTEGRATION', ...env, sh(process.execPath), sh(CLI_BIN), 'top', '--contexts', 'a,b,c,hangs', '--interval', '250ms'].join(' ');
    // The shell records how fleet top ended (see top.test.ts: pane_dead is not reliable).
    tmux('new-session', '-d', '-s', 'top', '-x', '110', '-y', '24', `${top}; echo $? > ${sh(exitFile)}`);
    tmux('set-option', '-t', 'top', 'remain-on-exit', 'on');

    const first = await until('every cluster, c and hangs unreachable', (s) => /^ {2}a +degraded +n1 /m.test(s) && /^ {2}b +degraded +n1 /m.test(s) && /^ {2}c +UNREACHABLE /m.test(s) && /^ {2}hangs +UNREACHABLE /m.test(s));
    expect(first).toMatch(/^fleet top · 4 contexts · every 250ms +\d\d:\d\d:\d\d$/m);
    expect(first).toContain('2 unreachable · 2 degraded');
    expect(first).toMatch(/└ unreachable: timed out · never answered/);
    expect(first).toMatch(/└ unreachable: connection refused · never answered/);
    expect(first).toMatch(/^ {2}a +degraded +n1 +\d+ +\d+ +\d+ +0 1 of 1, can lose 0 /m);

    // Polls go on, of the live clusters and of the stopped one alike, while the hanging one
    // keeps timing out: each row's time moves, twice.
    const seen = (s: string) => ['a', 'b', 'c'].map((c) => checkedOf(s, c));
    let before = seen(first);
    expect(before.every((t) => t !== undefined), first).toBe(true);
    for (let round = 0; round < 2; round++) {
      const now = await until('a later poll of a, b and c', (s) => seen(s).every((t, i) => t !== undefined && t !== before[i]), 5_000);
      before = seen(now);
    }

    // Keys answer at once: p pauses, p resumes.
    tmux('send-keys', '-t', 'top', 'p');
    await until('PAUSED', (s) => s.includes('PAUSED'), 5_000);
    tmux('send-keys', '-t', 'top', 'p');
    await until('resumed', (s) => !s.includes('PAUSED'), 5_000);

    tmux('send-keys', '-t', 'top', 'q');
    const ended = await waitFor('fleet top to exit', () => (existsSync(exitFile) ? readFileSync(exitFile, 'utf8').trim() || undefined : undefined), 10_000, 100).catch((err: Error) => {
      throw new Error(`${err.message}\n--- screen:\n${screen()}`, { cause: err });
    });
    expect(ended).toBe('0');
  });

  it('off a terminal (--json here) polls each cluster once and exits 3 when one is unreachable', async () => {
    const withStopped = await runCli(['top', '--contexts', 'a,c', '--json'], sandbox.env);
    expect(withStopped.code, withStopped.stderr).toBe(3);
    const state = JSON.parse(withStopped.stdout) as ContextsTopState;
    expect(state.contexts.map((t) => [t.context, t.unreachable, t.problem])).toEqual([
      ['a', false, 'can lose no voter: 1 healthy of 1, quorum 1'],
      ['c', true, 'unreachable: connection refused'],
    ]);
  }, 60_000);
});
