import { afterEach, describe, expect, it } from 'vitest';
import { drillCluster, fast, type DrillCluster } from './drill-helpers.js';

/** pause-leader and rolling-restart against real 3-member clusters (see drill-kill.test.ts). */
let current: DrillCluster | undefined;

afterEach(async () => {
  await current?.destroy();
  current = undefined;
});

describe('fleet drill pause-leader', () => {
  it('elects a new leader while the old one is stopped; the old one steps down and nothing is lost', async () => {
    current = await drillCluster();
    const { code, report, stderr } = await current.drill('pause-leader', [...current.target(), ...fast({ '--rounds': '1', '--pause': '8s', '--slo-election': '8s' })]);
    expect(report.verdict, `${report.reason}\n${stderr}`).toBe('pass');
    expect(code).toBe(0);
    const [r] = report.rounds;
    expect(r!.newLeader).not.toBe(r!.oldLeader);
    expect(r!.extra.deposedMs).not.toBeNull();
    expect(r).toMatchObject({ killed: null, lost: 0, duplicated: 0, linearizable: true });
  }, 180_000);
});

describe('fleet drill rolling-restart', () => {
  it('restarts every member, the leader last, with writes available throughout', async () => {
    current = await drillCluster();
    const { code, report, stderr } = await current.drill('rolling-restart', [...current.target(), ...fast({ '--rounds': '1' })]);
    expect(report.verdict, `${report.reason}\n${stderr}`).toBe('pass');
    expect(code).toBe(0);
    const [r] = report.rounds;
    const order = r!.target.split(',');
    expect(order).toHaveLength(3);
    expect(order.at(-1)).toBe(r!.oldLeader);
    expect(r).toMatchObject({ lost: 0, duplicated: 0, linearizable: true });
  }, 240_000);
});
