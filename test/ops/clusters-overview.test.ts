import { describe, expect, it } from 'vitest';
import { clusterRow, collectOverview } from '../../src/ops/clusters-overview.js';
import { buildStatusModel, type StatusModel } from '../../src/ops/status.js';
import { palette } from '../../src/ui/colors.js';
import { renderClusters } from '../../src/ui/clusters-table.js';
import { down, leader, member, ok } from './status-fixtures.js';

const healthy = (): StatusModel => buildStatusModel([ok(leader()), ok(member('n2')), ok(member('n3'))]);
const degraded = (): StatusModel => buildStatusModel([ok(leader()), ok(member('n2')), down('127.0.0.1:7783')]);
const dead = (): StatusModel => buildStatusModel([down('127.0.0.1:7781'), down('127.0.0.1:7782'), down('127.0.0.1:7783')]);

describe('clusterRow', () => {
  it('takes the leader, term, quorum, tolerance, members down and the worst lag from a status model', () => {
    expect(clusterRow('eu', degraded())).toMatchObject({ context: 'eu', state: 'degraded', unreachable: false, leader: 'n1', term: 3, voters: 3, quorum: 2, failureTolerance: 0, down: ['n3'], plan: null });
    expect(clusterRow('us', healthy())).toMatchObject({ state: 'healthy', reason: null, down: [], failureTolerance: 1, worstLag: 3 });
    expect(clusterRow('ap', dead())).toMatchObject({ state: 'unavailable', unreachable: true, leader: null, term: null, worstLag: null });
  });
});

describe('collectOverview', () => {
  it('asks every cluster at once, marks one that hangs at the deadline, and puts trouble first', async () => {
    const started: string[] = [];
    const t0 = Date.now();
    const o = await collectOverview(
      ['us', 'hangs', 'eu', 'broken'],
      async (c) => {
        started.push(c);
        if (c === 'hangs') return new Promise<StatusModel>(() => undefined);
        if (c === 'broken') throw new Error('cannot read /etc/fleet/token: no such file');
        return c === 'eu' ? degraded() : healthy();
      },
      300,
    );
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(started).toEqual(['us', 'hangs', 'eu', 'broken']);
    expect(o.state).toBe('unavailable');
    expect(o.clusters.map((r) => [r.context, r.state, r.unreachable])).toEqual([
      ['broken', 'unavailable', true],
      ['hangs', 'unavailable', true],
      ['eu', 'degraded', false],
      ['us', 'healthy', false],
    ]);
    expect(o.clusters[1]!.reason).toBe('no answer within 0.3s');
    const table = renderClusters(o, palette(false));
    expect(table).toMatch(/hangs\s+UNREACHABLE/);
    expect(table).toMatch(/eu\s+degraded\s+n1\s+3\s+2 of 3\s+0\s+n3/);
    expect(table).toContain('broken: cannot read /etc/fleet/token: no such file');
  });

  it('is healthy only when every cluster is', async () => {
    expect((await collectOverview(['a', 'b'], async () => healthy(), 1_000)).state).toBe('healthy');
    expect((await collectOverview(['a', 'b'], async (c) => (c === 'a' ? healthy() : degraded()), 1_000)).state).toBe('degraded');
  });
});
