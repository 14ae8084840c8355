/**
 * fleet drill chaos against real 3-member clusters started with --enable-drills: all five
 * nemeses on a seeded schedule under the recorded workload, with the same verification and
 * verdict as the single-fault drills; its checker's planted-bug twin (members that acknowledge
 * before commit) caught; and a run interrupted mid-fault (SIGINT, as Ctrl-C), after which every
 * member is up, caught up and healed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { drillCluster, fast, processesUnder, type DrillCluster } from './drill-helpers.js';
import { runCli, spawnCli, stopChild, waitFor } from './processes.js';

const ADMIN_TOKEN = 'chaos-adm1n-t0ken-0123456789abcdef';
const token = ['--token', ADMIN_TOKEN];
let current: DrillCluster | undefined;

afterEach(async () => {
  await current?.destroy();
  current = undefined;
});

/** `fleet status --json` against the cluster: its exit code (0 healthy, 7 degraded, 3 no quorum). */
async function statusCode(c: DrillCluster): Promise<number> {
  return (await runCli(['status', '--json', '--timeout', '1s', '--endpoints', c.cluster.endpoints.join(','), ...token])).code;
}

describe('fleet drill chaos', () => {
  it('mixes kills, pauses, partitions, clock skews and disk stalls on a seeded schedule, and passes with every check', async () => {
    current = await drillCluster({ extraArgs: ['--enable-drills'], adminToken: ADMIN_TOKEN });
    const { code, report, stderr } = await current.drill('chaos', [...current.target(), ...token, ...fast({ '--duration': '24s', '--seed': '7', '--with': 'all' })], 240_000);
    expect(report.verdict, `${report.reason}\n${stderr}`).toBe('pass');
    expect(code).toBe(0);
    expect(stderr).toMatch(/^chaos: seed 7, kill, pause, partition, clock, disk-stall, 24s a round \(again: --seed 7\)$/m);
    const [r] = report.rounds;
    expect(r!.checks.find((c) => c.name === 'faults-made')).toMatchObject({ ok: true });
    expect(r!.checks.find((c) => c.name === 'every-member-caught-up')).toMatchObject({ ok: true });
    expect(r).toMatchObject({ lost: 0, duplicated: 0, linearizable: true });
    // Seed 7 on three members schedules every nemesis in 24 s (chaos-schedule.ts is pure: the same seed, the same faults).
    const extra = r!.extra as Record<string, number>;
    for (const n of ['kill', 'pause', 'partition', 'clock', 'disk-stall']) expect(extra[`${n}Faults`], n).toBeGreaterThan(0);
    expect((r!.marks ?? []).filter((m) => m.kind === 'fault').length).toBe(extra.scheduled);
    // Every side workload beside the registers, each checked: lists, locks, first contacts.
    const side = r!.sideWorkloads ?? [];
    expect(side.map((w) => w.name)).toEqual(['list-append', 'lock', 'first-contact']);
    for (const w of side) {
      expect(w.check, w.name).toMatchObject({ ok: true, severity: 'safety' });
      expect(w.acknowledged, w.name).toBeGreaterThan(0);
      expect(r!.checks.find((c) => c.name === w.name)).toMatchObject({ ok: true });
    }
  }, 300_000);

  it('catches a member that acknowledges writes before they commit (its planted-bug twin, exit 6)', async () => {
    current = await drillCluster({ extraArgs: ['--enable-drills', '--unsafe-ack-before-commit'], adminToken: ADMIN_TOKEN });
    // Seed 14 kills the leader four times in 20 s (chaos-schedule.ts is pure).
    const { code, report } = await current.drill('chaos', [...current.target(), ...token, ...fast({ '--duration': '20s', '--seed': '14', '--nemesis': 'kill', '--clients': '8' })], 240_000);
    expect(report.verdict).toBe('unsafe');
    expect(code).toBe(6);
    expect(report.violations.length).toBeGreaterThan(0);
    expect(report.violations[0]!.counterexample.length).toBeGreaterThan(0);
  }, 300_000);

  it('refuses an unknown nemesis, a duration too short for one fault, and members without --enable-drills, before any fault', async () => {
    current = await drillCluster();
    const unknown = await runCli(['drill', 'chaos', ...current.target(), '--nemesis', 'kill,flood']);
    expect([unknown.code, unknown.stderr.trim()]).toEqual([2, expect.stringMatching(/^error: --nemesis: unknown "flood"; choose from kill, pause, partition, clock, disk-stall/)]);
    const short = await runCli(['drill', 'chaos', ...current.target(), '--duration', '3s']);
    expect([short.code, short.stderr]).toEqual([2, expect.stringMatching(/too short for one fault and its recovery: at least 7s/)]);
    const disabled = await runCli(['drill', 'chaos', ...current.target(), ...fast({ '--duration': '10s', '--nemesis': 'partition' })]);
    expect(disabled.code, disabled.stderr).toBe(1);
    expect(disabled.stderr).toMatch(/drills are disabled on n\d: start it with --enable-drills/);
  }, 120_000);

  it('interrupted mid-fault, heals every fault and restarts every member before it exits', async () => {
    current = await drillCluster({ extraArgs: ['--enable-drills'], adminToken: ADMIN_TOKEN });
    const c = current;
    await waitFor('a healthy cluster', async () => ((await statusCode(c)) === 0 ? true : undefined), 30_000);
    const dirs = c.cluster.members.map((m) => m.dataDir);
    const { child, output } = spawnCli(['drill', 'chaos', ...c.target(), ...token, ...fast({ '--duration': '90s', '--seed': '3', '--nemesis': 'kill,partition,disk-stall' })]);
    // A fault is in force once the cluster is no longer healthy (a member killed or cut off).
    await waitFor('a fault in force', async () => ((await statusCode(c)) !== 0 ? true : undefined), 60_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${output()}`);
    });
    await stopChild(child, 'SIGINT', 60_000);
    expect(child.exitCode, output()).not.toBe(0);
    expect(output()).toMatch(/interrupted/i);
    // Everything back: three member processes, a healthy cluster (every peer reachable, none behind).
    await waitFor('a healthy cluster after the interrupt', async () => ((await statusCode(c)) === 0 ? true : undefined), 30_000);
    expect(processesUnder(dirs)).toHaveLength(3);
  }, 240_000);
});
