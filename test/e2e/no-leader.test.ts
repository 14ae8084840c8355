/**
 * A cluster that answers but has lost its quorum says so: which members answered, that none
 * leads and since when, not "no member reachable … is the cluster running?".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliSandbox } from './cli-helpers.js';
import { TestCluster } from './cluster.js';
import { runCli, waitFor } from './processes.js';

let cluster: TestCluster;
const sandbox = cliSandbox();

beforeAll(async () => {
  cluster = await TestCluster.start({ size: 3 });
  const leader = await cluster.waitForLeader();
  const others = cluster.members.map((m) => m.id).filter((id) => id !== leader);
  // Keep one follower: it answers, but alone it can elect nobody.
  await cluster.kill(leader);
  await cluster.kill(others[0]!);
  const survivor = cluster.client({ endpoints: [cluster.endpoints[cluster.members.findIndex((m) => m.id === others[1])]!] });
  await waitFor('the survivor to forget its leader', async () => {
    const [s] = await survivor.statusAll();
    return s?.ok && s.status.leaderId === '' ? true : undefined;
  }, 20_000);
}, 90_000);

afterAll(async () => {
  await cluster?.destroy();
  sandbox.cleanup();
});

describe('a cluster without a leader', () => {
  it('a read says which member answered, that none leads, and since when (exit 3)', async () => {
    const survivor = cluster.members.find((m) => m.child)!.id;
    const r = await runCli(['kv', 'get', 'x', '--endpoints', cluster.endpoints.join(','), '--timeout', '3s'], sandbox.env);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr.trim()).toMatch(new RegExp(`^error: no leader at \\S+: ${survivor} answered \\(1 of 3, term \\d+\\) but none leads; no leader heard from since \\d\\d:\\d\\d:\\d\\d \\(\\d+ s ago\\)`));
    expect(r.stderr).not.toMatch(/is the cluster running/);
  });

  it('status says the same under its table (exit 3)', async () => {
    const survivor = cluster.members.find((m) => m.child)!.id;
    const r = await runCli(['status', '--endpoints', cluster.endpoints.join(',')], sandbox.env);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr.trim()).toMatch(new RegExp(`^error: no leader: ${survivor} answered but none leads \\(no leader heard from since \\d\\d:\\d\\d:\\d\\d`));
  });
});
