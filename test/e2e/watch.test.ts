/**
 * `fleet watch` against real members: a watch that reads from the leader survives the leader's
 * death without losing or repeating a change, and an index no member keeps any more is refused
 * with exit 4 naming the oldest one still available.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { FleetClient } from '../../src/client/index.js';
import { cliSandbox, type ErrorDoc } from './cli-helpers.js';
import { TestCluster } from './cluster.js';
import { CLI_BIN, runCli, stopChild, waitFor } from './processes.js';

interface WatchedLine {
  index: number;
  registry: string;
  type: string;
  ns: string;
  key: string;
  old: unknown;
  new: unknown;
}

let cluster: TestCluster | undefined;
let sandbox: ReturnType<typeof cliSandbox> | undefined;
let watcher: ChildProcess | undefined;
afterEach(async () => {
  if (watcher) await stopChild(watcher, 'SIGKILL');
  watcher = undefined;
  await cluster?.destroy();
  cluster = undefined;
  sandbox?.cleanup();
  sandbox = undefined;
});

/** Starts `fleet watch` as a real process; its stdout lines are parsed as they come. */
function startWatch(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [CLI_BIN, 'watch', ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  watcher = child;
  const lines: WatchedLine[] = [];
  let partial = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    partial += d.toString();
    const done = partial.split('\n');
    partial = done.pop()!;
    for (const line of done) if (line.trim() !== '') lines.push(JSON.parse(line) as WatchedLine);
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
  return { child, lines, stderr: () => stderr, exited };
}

/** Puts `count` keys one after the other; answers what was acknowledged, by key. */
async function putKeys(client: FleetClient, from: number, count: number, acked: Map<string, { value: string; index: number }>): Promise<void> {
  for (let i = from; i < from + count; i++) {
    const key = `w/${i}`;
    try {
      const r = await client.kvPut(key, `v${i}`);
      acked.set(key, { value: `v${i}`, index: r.index });
    } catch {
      // Not acknowledged (the leader died under it): it may or may not have committed.
    }
  }
}

describe('fleet watch', () => {
  it('streams every acknowledged write once, in order, across the death of the leader it reads from', async () => {
    cluster = await TestCluster.start();
    sandbox = cliSandbox();
    const leader = await cluster.waitForLeader();
    const leaderEndpoint = `127.0.0.1:${cluster.member(leader).port}`;
    // The leader first: the watch reads from the first endpoint that answers.
    const endpoints = [leaderEndpoint, ...cluster.endpoints.filter((e) => e !== leaderEndpoint)].join(',');
    const client = cluster.client();
    const acked = new Map<string, { value: string; index: number }>();
    await client.kvPut('other/ignored', 'x');
    const watch = startWatch(['--json', '--endpoints', endpoints, '--from-index', '1', 'w/'], sandbox.env);

    await putKeys(client, 0, 30, acked);
    const firstLast = Math.max(...[...acked.values()].map((a) => a.index));
    await waitFor('the watch to see the first writes', () => watch.lines.some((l) => l.index === firstLast) || undefined, 20_000);

    // Kill the leader while writes are in flight, then go on writing under the next one.
    const inFlight = putKeys(client, 30, 20, acked);
    await cluster.kill(leader);
    await inFlight;
    await cluster.waitForLeader();
    await putKeys(client, 50, 30, acked);
    const last = Math.max(...[...acked.values()].map((a) => a.index));
    await waitFor('the watch to see the last acknowledged write', () => watch.lines.some((l) => l.index >= last) || undefined, 30_000);

    watch.child.kill('SIGTERM');
    expect(await watch.exited, watch.stderr()).toBe(0);
    expect(watch.stderr()).toMatch(/resuming at index \d+ on another member/);

    const lines = watch.lines;
    // In order, each index once, and only the prefix asked for.
    const indexes = lines.map((l) => l.index);
    expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
    expect(new Set(indexes).size).toBe(indexes.length);
    expect(lines.every((l) => l.key.startsWith('w/') && l.type === 'put' && l.registry === 'kv' && l.old === null)).toBe(true);
    // Every acknowledged write, at the index it was acknowledged at, with its value.
    const byIndex = new Map(lines.map((l) => [l.index, l]));
    const missing = [...acked].filter(([key, a]) => byIndex.get(a.index)?.key !== key || byIndex.get(a.index)?.new !== a.value);
    expect(missing, `missing: ${JSON.stringify(missing.slice(0, 5))}`).toEqual([]);
    // Nothing else but writes that were attempted (an unacknowledged one may have committed), each key once.
    expect(new Set(lines.map((l) => l.key)).size).toBe(lines.length);
    expect(lines.every((l) => /^w\/\d+$/.test(l.key) && l.new === `v${l.key.slice(2)}`)).toBe(true);
    expect(acked.size).toBeGreaterThanOrEqual(60);
  }, 120_000);

  it('refuses an index every member has compacted away, naming the oldest still available (exit 4)', async () => {
    cluster = await TestCluster.start({ snapshotEvery: 20 });
    sandbox = cliSandbox();
    const client = cluster.client();
    for (let i = 0; i < 60; i++) await client.kvPut(`k/${i}`, String(i));
    // Restarted from their snapshots, the members keep changes only from there on.
    for (const m of cluster.members) await cluster.kill(m.id, 'SIGTERM');
    for (const m of cluster.members) cluster.restart(m.id);
    await cluster.waitForLeader();
    const r = await runCli(['watch', '--json', '--endpoints', cluster.endpoints.join(','), '--from-index', '1'], sandbox.env);
    expect(r.code, r.stderr + r.stdout).toBe(4);
    const doc = JSON.parse(r.stdout) as ErrorDoc;
    expect(doc.error.message).toMatch(/index 1 has been compacted on every member: the oldest index still available is \d+/);
    const oldest = doc.error.details?.oldestIndex as number;
    expect(oldest).toBeGreaterThan(20);

    // From the oldest index on, the watch resumes and sees what came after it.
    const watch = startWatch(['--json', '--endpoints', cluster.endpoints.join(','), '--from-index', String(oldest), 'k/'], sandbox.env);
    const put = await client.kvPut('k/after', 'yes');
    await waitFor('the watch to see a write after the restart', () => watch.lines.some((l) => l.index === put.index) || undefined, 20_000);
    expect(watch.lines[0]!.index).toBeGreaterThanOrEqual(oldest);
  }, 120_000);

  it('refuses a bad registry and --ns with a registry as usage errors (exit 2)', async () => {
    sandbox = cliSandbox();
    const bad = await runCli(['watch', '--registry', 'nope', '--endpoints', '127.0.0.1:1'], sandbox.env);
    expect(bad.code).toBe(2);
    const ns = await runCli(['watch', '--registry', 'shards', '--ns', 'x', '--endpoints', '127.0.0.1:1'], sandbox.env);
    expect(ns.code).toBe(2);
    expect(ns.stderr).toMatch(/--ns applies to the KV store only/);
  }, 60_000);
});
