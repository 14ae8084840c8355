/**
 * The WAN drill end to end: a local cluster laid out over three regions with the WAN timing
 * profile (`fleet init --profile wan --zones a,b,c --regions us,eu,ap`), and `fleet drill wan`
 * at 40/80/120 ms emulated round trips. The drill must pass, and its figures must show the
 * delays took effect: a write cannot commit faster than the round trip to the nearest quorum
 * (40 ms from us or eu, 80 ms from ap), and a leader is elected again after the kill. Bad
 * --latency values are usage errors (exit 2) before any fault.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destroyLocalCluster } from './drill-helpers.js';
import { freePorts, runCli, tempDir } from './processes.js';

interface WanReport {
  verdict: string;
  rounds: { oldLeader: string; newLeader: string | null; unavailableMs: number; extra: { writeP50Ms: number | null; writeP99Ms: number | null; writes: number }; checks: { name: string; ok: boolean }[] }[];
}

let home: { path: string; cleanup: () => void };
let env: NodeJS.ProcessEnv;

function fleet(...args: string[]) {
  return runCli(args, env, 120_000);
}

beforeAll(async () => {
  home = tempDir('fleet-wan-');
  env = { FLEET_CONFIG_DIR: join(home.path, 'config'), XDG_DATA_HOME: join(home.path, 'data'), FLEET_ENDPOINTS: '', FLEET_CONTEXT: '', FLEET_TOKEN: '' };
  const init = await fleet('init', '--profile', 'wan', '--zones', 'a,b,c', '--regions', 'us,eu,ap', '--base-port', String(await freePorts(3)), '--json');
  expect(init.code, init.stderr).toBe(0);
}, 120_000);

afterAll(() => destroyLocalCluster(env, home), 120_000);

describe('fleet drill wan', () => {
  it('refuses a malformed --latency, or a pair of regions in use without a round trip, as usage errors (exit 2)', async () => {
    const malformed = await fleet('drill', 'wan', '--latency', 'us=40ms');
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain("--latency: 'us=40ms' is not REGION-REGION=DURATION");
    const missing = await fleet('drill', 'wan', '--latency', 'us-eu=40ms,us-ap=80ms');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no round trip given for regions (eu and ap|ap and eu)/);
    // The other drills' range checks are usage errors too (they exited 1 before).
    expect((await fleet('drill', 'partition', '--duration', '0s')).code).toBe(2);
    expect((await fleet('drill', 'pause-leader', '--pause', '0s')).code).toBe(2);
  });

  it('passes over three regions at 40/80/120 ms, with writes no faster than the nearest quorum allows', async () => {
    const r = await fleet('drill', 'wan', '--latency', 'us-eu=40ms,us-ap=80ms,eu-ap=120ms', '--rounds', '1', '--observe', '4s', '--json');
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as WanReport;
    expect(report.verdict).toBe('pass');
    const [round] = report.rounds;
    expect(round!.checks.filter((c) => !c.ok)).toEqual([]);
    expect(round!.newLeader).not.toBeNull();
    // The leader's nearest quorum is one other member: 40 ms away from us or eu, 80 ms from ap.
    const nearest = { n1: 40, n2: 40, n3: 80 }[round!.oldLeader as 'n1' | 'n2' | 'n3'];
    expect(round!.extra.writes).toBeGreaterThan(10);
    expect(round!.extra.writeP50Ms).toBeGreaterThanOrEqual(nearest);
  }, 180_000);
});
