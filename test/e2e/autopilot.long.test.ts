/**
 * Autopilot with real members: settings set through the built CLI (`fleet autopilot set`),
 * replicated, and acted on by the leader with no further command. Short thresholds keep each
 * test to seconds: stabilization 2 s, dead after 2 s.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AutopilotSettingsView } from '../../src/client/index.js';
import type { StatusModel } from '../../src/ops/status.js';
import { cliSandbox, json, type ErrorDoc } from './cli-helpers.js';
import { TestCluster } from './cluster.js';
import { runCli, waitFor } from './processes.js';

let cluster: TestCluster | undefined;
let sandbox: ReturnType<typeof cliSandbox> | undefined;

afterEach(async () => {
  await cluster?.destroy();
  sandbox?.cleanup();
  cluster = undefined;
  sandbox = undefined;
});

async function start(size: number): Promise<{ c: TestCluster; env: NodeJS.ProcessEnv }> {
  cluster = await TestCluster.start({ size });
  sandbox = cliSandbox();
  return { c: cluster, env: { ...sandbox.env, FLEET_ENDPOINTS: cluster.endpoints.join(',') } };
}

async function voters(c: TestCluster): Promise<string[]> {
  const view = await c.client().listMembers();
  return view.members.filter((m) => m.voter).map((m) => m.id).sort();
}

/** `fleet status --json`, whatever its exit code (7 while a member is down). */
async function status(env: NodeJS.ProcessEnv): Promise<StatusModel> {
  const r = await runCli(['status', '--json', '--timeout', '1s'], env);
  return JSON.parse(r.stdout) as StatusModel;
}

/** Kills a voter that does not lead (SIGKILL, by the PID of the process the cluster started). */
async function killFollower(c: TestCluster, alive: readonly string[]): Promise<string> {
  const leader = await c.waitForLeader();
  const victim = [...alive].reverse().find((id) => id !== leader)!;
  await c.kill(victim, 'SIGKILL');
  return victim;
}

describe('autopilot', () => {
  it('promotes a learner once it has been stable for the stabilization period, with no further command', async () => {
    const { c, env } = await start(3);
    const set = await json<AutopilotSettingsView & { changed: string[] }>(['autopilot', 'set', '--promote-learners', 'on', '--stabilization', '2s'], env);
    expect(set.settings).toMatchObject({ autoPromoteLearners: true, cleanupDeadMembers: false, stabilizationMs: 2_000, minQuorum: 3 });
    expect(set.changed).toEqual(['autoPromoteLearners', 'stabilizationMs']);
    // Malformed (refused by the CLI) and ill-fitting (refused by the leader) values: exit 2, nothing changed.
    expect((await json<ErrorDoc>(['autopilot', 'set', '--dead-after', 'soon'], env, 2)).error.message).toMatch(/--dead-after.*invalid duration "soon"/);
    const misfit = await json<ErrorDoc>(['autopilot', 'set', '--dead-after', '1s', '--last-contact-threshold', '5s'], env, 2);
    expect(misfit.error.message).toBe('--dead-after (1000 ms) must be at least --last-contact-threshold (5000 ms)');
    // Replicated: read back through another member's endpoint.
    const got = await json<AutopilotSettingsView>(['autopilot', 'get', '--endpoints', c.endpoints[2]!], env);
    expect(got.settings).toEqual(set.settings);

    const n4 = await c.addJoiner('n4');
    const added = Date.now();
    await c.client().addMember('n4', `127.0.0.1:${n4.port}`, { learner: true });
    c.launch(n4);
    await waitFor('autopilot to promote n4', async () => ((await voters(c)).includes('n4') ? true : undefined), 30_000, 100);
    expect(Date.now() - added).toBeGreaterThanOrEqual(2_000);
    const s = await status(env);
    expect(s.autopilot).toMatchObject({ settings: { autoPromoteLearners: true }, lastAction: expect.stringMatching(/^promote n4: done/) });
    expect(s.members.find((m) => m.id === 'n4')).toMatchObject({ voter: true, autopilot: { healthy: true, dead: false } });
  });

  it('removes a dead voter of five, and again of four, but keeps the third of three (minimum quorum 3)', async () => {
    const { c, env } = await start(5);
    await json(['autopilot', 'set', '--cleanup-dead', 'on', '--dead-after', '2s', '--last-contact-threshold', '1s'], env);
    let alive = ['n1', 'n2', 'n3', 'n4', 'n5'];
    for (const remaining of [4, 3]) {
      const victim = await killFollower(c, alive);
      alive = alive.filter((id) => id !== victim);
      await waitFor(`autopilot to remove ${victim}`, async () => ((await voters(c)).length === remaining ? true : undefined), 30_000, 100);
      expect(await voters(c)).toEqual(alive);
    }

    const victim = await killFollower(c, alive);
    const seen = await waitFor(`${victim} reported dead and kept for 2 s past dead-after`, async () => {
      const s = await status(env);
      const row = s.members.find((m) => m.id === victim);
      return row?.autopilot?.dead && row.autopilot.lastContactMs > 4_000 ? s : undefined;
    }, 30_000, 200);
    expect(seen.autopilot?.dead).toEqual([victim]);
    expect(seen.autopilot?.held).toEqual([`${victim} is dead but stays: removing it would leave 2 voters, below the minimum quorum of 3`]);
    expect(seen.members.find((m) => m.id === victim)?.problem).toMatch(/^dead: no contact for \d+s$/);
    expect(await voters(c)).toEqual(alive);
  });
});
