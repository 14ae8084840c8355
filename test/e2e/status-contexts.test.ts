import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClustersOverview } from '../../src/ops/clusters-overview.js';
import { cliSandbox, ok } from './cli-helpers.js';
import { TestCluster } from './cluster.js';
import { freePort, runCli } from './processes.js';

/**
 * `fleet status --contexts` over real clusters: a healthy 3-member one, a single member (no
 * failure tolerated: degraded), one whose every member is stopped, and one that accepts
 * connections and never answers — which must not hold the others up.
 */
const sandbox = cliSandbox();
let healthy: TestCluster;
let single: TestCluster;
let blackhole: Server;
const sockets: Socket[] = [];

beforeAll(async () => {
  // Keep each cluster that started, so afterAll ends it even when the other failed to start.
  const [h, s] = await Promise.allSettled([TestCluster.start(), TestCluster.start({ size: 1 })]);
  if (h.status === 'fulfilled') healthy = h.value;
  if (s.status === 'fulfilled') single = s.value;
  for (const r of [h, s]) if (r.status === 'rejected') throw r.reason;
  blackhole = createServer((s) => sockets.push(s));
  const hangPort = await freePort();
  await new Promise<void>((resolve) => blackhole.listen(hangPort, '127.0.0.1', resolve));
  const stopped = [await freePort(), await freePort()].map((p) => `127.0.0.1:${p}`);
  await ok(['context', 'add', 'prod', '--endpoints', healthy.endpoints.join(',')], sandbox.env);
  await ok(['context', 'add', 'solo', '--endpoints', single.endpoints.join(',')], sandbox.env);
  await ok(['context', 'add', 'gone', '--endpoints', stopped.join(',')], sandbox.env);
  await ok(['context', 'add', 'hangs', '--endpoints', `127.0.0.1:${hangPort}`], sandbox.env);
}, 120_000);

afterAll(async () => {
  for (const s of sockets) s.destroy();
  blackhole?.close();
  await Promise.all([healthy?.destroy(), single?.destroy()]);
  sandbox.cleanup();
});

describe('fleet status --contexts', () => {
  it('gives one row per cluster, trouble first, and exits with the worst state', async () => {
    const t0 = Date.now();
    const r = await runCli(['status', '--contexts', 'prod,solo,gone,hangs', '--timeout', '2s', '--json'], sandbox.env);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(r.code, r.stderr).toBe(3);
    const o = JSON.parse(r.stdout) as ClustersOverview;
    expect(o.state).toBe('unavailable');
    expect(o.clusters.map((c) => [c.context, c.state, c.unreachable])).toEqual([
      ['gone', 'unavailable', true],
      ['hangs', 'unavailable', true],
      ['solo', 'degraded', false],
      ['prod', 'healthy', false],
    ]);
    expect(o.clusters[3]).toMatchObject({ voters: 3, quorum: 2, failureTolerance: 1, down: [], term: expect.any(Number) });
    expect(o.clusters[3]!.leader).toMatch(/^n[123]$/);
  }, 60_000);

  it('prints a table, and exits 7 when the worst is degraded', async () => {
    const r = await runCli(['status', '--contexts', 'prod,solo', '--timeout', '2s'], sandbox.env);
    expect(r.code, r.stderr).toBe(7);
    expect(r.stdout).toMatch(/solo\s+degraded\s+n1/);
    expect(r.stdout).toMatch(/prod\s+healthy\s+n[123]\s+\d+\s+2 of 3\s+1/);
  }, 60_000);

  it('takes every context with --all-contexts, and refuses an unknown one before asking any (exit 2, a usage error, as --context does)', async () => {
    const all = await runCli(['status', '--all-contexts', '--timeout', '2s', '--json'], sandbox.env);
    expect((JSON.parse(all.stdout) as ClustersOverview).clusters.map((c) => c.context).sort()).toEqual(['gone', 'hangs', 'prod', 'solo']);
    const typo = await runCli(['status', '--contexts', 'prod,prdo'], sandbox.env);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/no context named "prdo"/);
  }, 60_000);
});
