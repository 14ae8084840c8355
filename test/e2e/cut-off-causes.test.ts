/**
 * A member cut off from its peers says why in `fleet status` (issue 37): one whose wall clock runs
 * 2 h ahead (its handshakes fall outside the peers' 5-minute window, theirs outside its own), and
 * one holding a wrong peer secret. Each cause is named on that member's row, exit 7. The clock is
 * skewed with the test-only `--unsafe-clock-offset`.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster } from './cluster.js';
import { cliSandbox } from './cli-helpers.js';
import { runCli, waitFor } from './processes.js';

interface StatusDoc {
  members: { id: string | null; role: string; healthy: boolean; problem?: string }[];
}

let cluster: TestCluster;
let victim: string;
const sandbox = cliSandbox();
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  cluster = await TestCluster.start();
  env = { ...sandbox.env, FLEET_ENDPOINTS: cluster.endpoints.join(',') };
  const leader = await cluster.waitForLeader();
  victim = ['n1', 'n2', 'n3'].find((id) => id !== leader)!;
}, 60_000);
afterAll(async () => {
  await cluster?.destroy();
  sandbox.cleanup();
});

/** `fleet status --json` until the victim's row matches `cause` (exit 7); its problem then. */
async function causeShown(cause: RegExp): Promise<string> {
  let last = '';
  return waitFor(`fleet status to name the cause on ${victim}'s row`, async () => {
    const r = await runCli(['status', '--json'], env);
    const row = (JSON.parse(r.stdout) as StatusDoc).members.find((m) => m.id === victim);
    last = `exit ${r.code}: ${row?.problem ?? '(no problem)'}`;
    return r.code === 7 && row?.healthy === false && cause.test(row.problem ?? '') ? row.problem! : undefined;
  }, 30_000, 250).catch((err: Error) => {
    throw new Error(`${err.message}; last: ${last}\n${cluster.logs()}`);
  });
}

describe('a member cut off from its peers', () => {
  it('with its wall clock 2 h ahead: status names the clock', async () => {
    await cluster.kill(victim, 'SIGTERM');
    cluster.restart(victim, ['--unsafe-clock-offset', '2h']);
    const problem = await causeShown(/clock/);
    expect(problem).toMatch(/^peer streams refused: clock 2\.0 h ahead of n\d's \(handshakes must be within 5 min\); fix NTP \(/);
    const table = await runCli(['status'], env);
    expect(table.code).toBe(7);
    expect(table.stdout).toMatch(new RegExp(`^${victim}\\s.*clock 2\\.0 h ahead of n\\d's`, 'm'));
  });

  it('with a wrong peer secret: status names the secret', async () => {
    await cluster.kill(victim, 'SIGTERM');
    const wrong = cluster.secretFile('wrong-peer-secret', randomBytes(32).toString('hex'));
    // Its own clock again; a peer secret none of the others holds (the later flag wins).
    cluster.restart(victim, ['--peer-secret-file', wrong]);
    const problem = await causeShown(/secret/);
    // The first status may name only the peer that refused it first; the other follows within a retry.
    expect(problem).toMatch(/^peer streams refused: bad peer secret \(its handshakes with n\d(, n\d)? (is|are) signed with another secret\); give it the cluster's --peer-secret-file \(/);
  });
});
