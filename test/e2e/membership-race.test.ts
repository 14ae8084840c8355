/**
 * Racing membership changes (issue 37): a change carries the configuration index it was checked
 * against (what the safety gate previewed), and the leader refuses it, changing nothing, if the
 * membership moved in between — the second of two changes checked against the same membership.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetClientError, exitCodeOf, type FleetClient } from '../../src/client/index.js';
import { TestCluster } from './cluster.js';
import { cliSandbox } from './cli-helpers.js';
import { freePort, runCli } from './processes.js';

let cluster: TestCluster;
let client: FleetClient;
const sandbox = cliSandbox();

beforeAll(async () => {
  cluster = await TestCluster.start();
  client = cluster.client();
}, 60_000);
afterAll(async () => {
  await cluster?.destroy();
  sandbox.cleanup();
});

/** The configuration index `fleet status` shows (healthy or not: learners added here never run): what the safety gate checks a change against. */
async function previewedConfigIndex(): Promise<number> {
  const r = await runCli(['status', '--json', '--endpoints', cluster.endpoints.join(',')], sandbox.env);
  const doc = JSON.parse(r.stdout) as { configIndex?: number | null };
  expect(doc.configIndex).toEqual(expect.any(Number));
  return doc.configIndex!;
}

describe('racing membership changes', () => {
  it('refuses the second of two changes checked against the same membership (exit 4), and changes nothing', async () => {
    await cluster.waitForLeader();
    const seen = await previewedConfigIndex();
    const [a, b] = [`127.0.0.1:${await freePort()}`, `127.0.0.1:${await freePort()}`];
    // Both operators previewed the same membership; the first change lands.
    await client.addMember('n4', a, { learner: true, ifConfigIndex: seen });
    const moved = await previewedConfigIndex();
    expect(moved).toBeGreaterThan(seen);
    const refused = await client.addMember('n5', b, { learner: true, ifConfigIndex: seen }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(FleetClientError);
    expect(exitCodeOf(refused as FleetClientError)).toBe(4);
    expect((refused as Error).message).toContain(`the membership changed since it was checked (configuration of index ${seen}, now ${moved}): nothing was changed`);
    const members = (await client.listMembers()).members.map((m) => m.id).sort();
    expect(members).toEqual(['n1', 'n2', 'n3', 'n4']);
    expect(await previewedConfigIndex()).toBe(moved);
    // Checked against the membership as it is now, the same change is made.
    await client.removeMember('n4', { ifConfigIndex: moved });
    expect((await client.listMembers()).members.map((m) => m.id).sort()).toEqual(['n1', 'n2', 'n3']);
  });

  it('of two changes sent at once against the same membership, exactly one is made', async () => {
    const seen = await previewedConfigIndex();
    const addresses = [`127.0.0.1:${await freePort()}`, `127.0.0.1:${await freePort()}`];
    const outcomes = await Promise.allSettled(['n6', 'n7'].map((id, i) => client.addMember(id, addresses[i]!, { learner: true, ifConfigIndex: seen })));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const [loser] = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(exitCodeOf(loser!.reason as FleetClientError)).toBe(4);
    const learners = (await client.listMembers()).members.filter((m) => !m.voter).map((m) => m.id);
    expect(learners).toHaveLength(1);
  });

  it('refuses a member at an address another member uses (exit 4), and changes nothing (issue 62)', async () => {
    const taken = `127.0.0.1:${cluster.member('n2').port}`;
    for (const learner of [true, false]) {
      const refused = await client.addMember('n8', taken, { learner }).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(refused).toBeInstanceOf(FleetClientError);
      expect(exitCodeOf(refused as FleetClientError)).toBe(4);
      expect((refused as Error).message).toContain(`member n2 already uses the address ${taken}: give n8 its own host:port`);
    }
    expect((await client.listMembers()).members.map((m) => m.id)).not.toContain('n8');
  });
});
