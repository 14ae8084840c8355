import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/client/index.js';
import { drillCluster, fast, type DrillCluster } from './drill-helpers.js';
import { runCli } from './processes.js';

const ADMIN_TOKEN = 'drill-adm1n-t0ken-0123456789abcdef';

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
    current = await drillCluster({ extraArgs: ['--enable-drills'], adminToken: ADMIN_TOKEN, tokenNames: { adminToken: 'chaos-team' } });
    const token = ['--token', ADMIN_TOKEN];
    const { code, report, stderr } = await current.drill('partition', [...current.target(), ...token, ...fast({ '--rounds': '1', '--isolate': 'leader', '--duration': '4s', '--observe': '2s' })]);
    expect(report.verdict, `${report.reason}\n${stderr}`).toBe('pass');
    expect(code).toBe(0);
    const [r] = report.rounds;
    expect(r!.newLeader).not.toBe(r!.oldLeader);
    for (const name of ['minority-commits-nothing', 'no-disruption-on-heal', 'caught-up-after-restore']) expect(r!.checks.find((c) => c.name === name)).toMatchObject({ ok: true });
    expect(r).toMatchObject({ lost: 0, duplicated: 0, linearizable: true });

    // The drill is in the audit log, recorded by the CLI through the leader: its start and its end with the verdict.
    const audit = await runCli(['audit', '--json', '--endpoints', current.cluster.endpoints.join(','), ...token]);
    expect(audit.code, audit.stderr).toBe(0);
    expect(audit.stdout).not.toContain(ADMIN_TOKEN);
    const drills = (JSON.parse(audit.stdout) as { entries: AuditEntry[] }).entries.filter((e) => e.op === 'drill.start' || e.op === 'drill.end');
    expect(drills.map((e) => [e.op, e.who, e.args.kind])).toEqual([
      ['drill.start', 'chaos-team', 'partition'],
      ['drill.end', 'chaos-team', 'partition'],
    ]);
    const [start, end] = drills;
    expect(start!.args).toMatchObject({ rounds: 1, isolate: 'leader', partitionMs: 4_000 });
    expect(end!.args).toMatchObject({ id: start!.args.id, verdict: 'pass', lost: 0, maxUnavailableMs: report.summary.unavailableMs.max });
    expect(end!.outcome).toMatch(/^pass: max unavailability \d+ ms, 0 lost writes$/);
    expect(end!.client).toMatch(/.@./);
  }, 180_000);

  it('is refused, before anything runs, on members started without --enable-drills', async () => {
    current = await drillCluster();
    const r = await runCli(['drill', 'partition', ...current.target(), ...fast({ '--rounds': '1', '--duration': '2s' })]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/refused the drill: drills are disabled on n\d: start it with --enable-drills/);
    expect(r.stdout).toBe('');
  }, 120_000);
});
