import { afterEach, describe, expect, it } from 'vitest';
import { drillCluster, fast, type DrillCluster } from './drill-helpers.js';
import { runCli } from './processes.js';

/**
 * partition against real 3-member clusters started with --enable-drills: the isolated member's
 * peer traffic is dropped inside its transport through the Drills admin API.
 */
let current: DrillCluster | undefined;

afterEach(async () => {
  await current?.destroy();
  current = undefined;
});

describe('fleet drill partition', () => {
  it('isolates the leader: the majority elects another, the minority commits nothing, the heal disrupts nobody', async () => {
    current = await drillCluster({ extraArgs: ['--enable-drills'] });
    const { code, report, stderr } = await current.drill('partition', [...current.target(), ...fast({ '--rounds': '1', '--isolate': 'leader', '--duration': '4s', '--observe': '2s' })]);
    expect(report.verdict, `${report.reason}\n${stderr}`).toBe('pass');
    expect(code).toBe(0);
    const [r] = report.rounds;
    expect(r!.newLeader).not.toBe(r!.oldLeader);
    for (const name of ['minority-commits-nothing', 'no-disruption-on-heal', 'caught-up-after-restore']) expect(r!.checks.find((c) => c.name === name)).toMatchObject({ ok: true });
    expect(r).toMatchObject({ lost: 0, duplicated: 0, linearizable: true });
  }, 180_000);

  it('is refused, before anything runs, on members started without --enable-drills', async () => {
    current = await drillCluster();
    const r = await runCli(['drill', 'partition', ...current.target(), ...fast({ '--rounds': '1', '--duration': '2s' })]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/refused the drill: drills are disabled on n\d: start it with --enable-drills/);
    expect(r.stdout).toBe('');
  }, 120_000);
});
