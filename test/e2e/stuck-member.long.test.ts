/**
 * A member that answers but applies nothing is stuck (issue 37): `fleet status` says so on its
 * row and exits 7 within the time its help states (three election timeouts, 3 s here, plus one
 * probe), and `fleet top` shows it. Applying is stopped with the test-only hook
 * `--unsafe-stop-applying-after INDEX`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster } from './cluster.js';
import { cliSandbox } from './cli-helpers.js';
import { runCli, waitFor } from './processes.js';

interface StatusRow {
  id: string | null;
  healthy: boolean;
  stuck?: boolean;
  problem?: string;
  commitIndex: number | null;
  appliedIndex: number | null;
}
interface StatusDoc {
  leader: string | null;
  health: { state: string; reasons: string[] };
  members: StatusRow[];
}

/** Three election timeouts at the cluster's 1 s (ApplyWatch.stuckAfterMs), as `fleet status --help` states. */
const STUCK_AFTER_MS = 3_000;
/** What one probe takes on a loaded machine: the CLI's start and its round trip. */
const PROBE_SLACK_MS = 4_000;

let cluster: TestCluster;
const sandbox = cliSandbox();
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  cluster = await TestCluster.start();
  env = { ...sandbox.env, FLEET_ENDPOINTS: cluster.endpoints.join(',') };
}, 60_000);
afterAll(async () => {
  await cluster?.destroy();
  sandbox.cleanup();
});

async function status(): Promise<{ code: number; doc: StatusDoc }> {
  const r = await runCli(['status', '--json'], env);
  return { code: r.code, doc: JSON.parse(r.stdout) as StatusDoc };
}

function healthy(): Promise<StatusDoc> {
  return waitFor('a healthy cluster (fleet status exits 0)', async () => {
    const s = await status();
    return s.code === 0 ? s.doc : undefined;
  }, 30_000, 200);
}

describe('a member that applies nothing', () => {
  it('is reported stuck by fleet status (exit 7) within the stated time, and by fleet top', async () => {
    const leader = await cluster.waitForLeader();
    const victim = ['n1', 'n2', 'n3'].find((id) => id !== leader)!;
    const before = await healthy();
    const stopAt = Math.max(...before.members.map((m) => m.commitIndex ?? 0)) + 5;
    await cluster.kill(victim, 'SIGTERM');
    cluster.restart(victim, ['--unsafe-stop-applying-after', String(stopAt)]);
    // Caught up to what is committed (below the index it stops at): healthy, not stuck.
    const caughtUp = await healthy();
    expect(caughtUp.members.find((m) => m.id === victim)?.stuck).toBeUndefined();

    const client = cluster.client();
    for (let i = 0; i < 20; i++) await client.kvPut(`stuck-${i}`, 'v');
    const wroteAt = Date.now();
    const seen = await waitFor('fleet status to report the member stuck', async () => {
      const s = await status();
      return s.code === 7 && s.doc.members.find((m) => m.id === victim)?.stuck === true ? s.doc : undefined;
    }, 30_000, 100).catch((err: Error) => {
      throw new Error(`${err.message}\n${cluster.logs()}`);
    });
    expect(Date.now() - wroteAt).toBeLessThan(STUCK_AFTER_MS + PROBE_SLACK_MS);
    const row = seen.members.find((m) => m.id === victim)!;
    expect(row.healthy).toBe(false);
    expect(row.appliedIndex).toBe(stopAt);
    expect(row.problem).toMatch(new RegExp(`^stuck: applies nothing \\(applied ${stopAt}, committed \\d+, for \\d+(\\.\\d)?s\\); check its log, then restart it$`));
    expect(seen.health).toMatchObject({ state: 'degraded' });
    // The others are fine: only the stuck member is named.
    expect(seen.members.filter((m) => m.stuck === true).map((m) => m.id)).toEqual([victim]);

    const table = await runCli(['status'], env);
    expect(table.code).toBe(7);
    expect(table.stdout).toMatch(new RegExp(`^${victim}\\s.*stuck: applies nothing`, 'm'));
    expect(table.stderr).toContain(`warning: degraded: ${victim}: stuck: applies nothing`);

    const top = await runCli(['top', '--once'], env);
    expect(top.stdout).toMatch(new RegExp(`${victim}\\s.*stuck`));
  });
});
