import { describe, expect, it } from 'vitest';
import type { DrillAuditRecord } from '../../../src/client/index.js';
import { drillAuditTrail } from '../../../src/ops/drill/audit-trail.js';
import type { DrillReport } from '../../../src/ops/drill/index.js';
import { fastOptions } from './fakes.js';

function report(overrides: Partial<DrillReport> = {}): DrillReport {
  const round = { lost: 0, duplicated: 0 } as DrillReport['rounds'][number];
  return {
    drill: 'pause-leader',
    verdict: 'pass',
    reason: '1 round: nothing lost',
    startedAt: '2025-01-01T00:00:00.000Z',
    elapsedMs: 10_000,
    options: fastOptions(),
    injector: 'local',
    rounds: [round],
    summary: { unavailableMs: { median: 845, max: 845 }, newLeaderMs: { median: 312, max: 312 }, catchupMs: { median: null, max: null } },
    linearizable: true,
    violations: [],
    aborted: null,
    historyEvents: 100,
    ...overrides,
  };
}

/** A recorder that keeps what it is given, or fails every call with `failure`. */
function recorder(failure?: Error | 'hang') {
  const records: DrillAuditRecord[] = [];
  const record = (r: DrillAuditRecord): Promise<void> => {
    if (failure === 'hang') return new Promise(() => {});
    if (failure !== undefined) return Promise.reject(failure);
    records.push(r);
    return Promise.resolve();
  };
  return { records, record };
}

describe('the audit trail of a drill', () => {
  it('records the start with the options of its kind and the end with the verdict and its figures, paired by id', async () => {
    const { records, record } = recorder();
    const trail = drillAuditTrail({ ...fastOptions(), drill: 'pause-leader', pauseMs: 8_000 }, record, 1_000, 'abc123');
    expect(await trail.start()).toBeUndefined();
    expect(await trail.end(report())).toBeUndefined();
    expect(records[0]).toMatchObject({ phase: 'start', kind: 'pause-leader', args: { id: 'abc123', pauseMs: 8_000 } });
    expect(records[0]!.args).not.toHaveProperty('partitionMs');
    expect(records[1]).toEqual({
      phase: 'end',
      kind: 'pause-leader',
      args: { id: 'abc123', verdict: 'pass', rounds: 1, elapsedMs: 10_000, maxUnavailableMs: 845, maxNewLeaderMs: 312, lost: 0, duplicated: 0, linearizable: true },
      outcome: 'pass: max unavailability 845 ms, 0 lost writes',
    });
  });

  it('names a failed verdict in words with its reason, and an interrupted drill as interrupted', async () => {
    const { records, record } = recorder();
    const trail = drillAuditTrail(fastOptions(), record, 1_000, 'x');
    await trail.start();
    await trail.end(report({ verdict: 'unsafe', reason: 'safety violation — round 1: lost a write', rounds: [{ lost: 2, duplicated: 0 } as DrillReport['rounds'][number]] }));
    await trail.end(report({ verdict: 'slo-missed', reason: 'round 1: unavailability — 9s > 5s' }));
    await trail.failed(new Error('interrupted (Ctrl-C)'), true);
    expect(records.slice(1).map((r) => r.outcome)).toEqual([
      'safety violation: max unavailability 845 ms, 2 lost writes — round 1: lost a write',
      'SLO missed: max unavailability 845 ms, 0 lost writes — round 1: unavailability — 9s > 5s',
      'interrupted',
    ]);
  });

  it('turns a record that fails or outlives its deadline into one warning line, and skips the end of a drill never started on record', async () => {
    const failing = drillAuditTrail(fastOptions(), recorder(new Error('no leader')).record, 1_000);
    expect(await failing.start()).toBe("warning: the drill's start was not recorded in the audit log: no leader");
    expect(await failing.failed(new Error('boom'), false)).toBeUndefined();
    const hanging = drillAuditTrail(fastOptions(), recorder('hang').record, 50);
    expect(await hanging.end(report())).toBe("warning: the drill's end was not recorded in the audit log: no answer within 0.05s");
  });
});
