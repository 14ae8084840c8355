import { describe, expect, it } from 'vitest';
import { palette } from '../../src/ui/colors.js';
import { contextSwitchLine, currentAfterDestroyLine, renderClusterList } from '../../src/ui/local-cluster.js';
import type { PsClusterView } from '../../src/ops/local-cluster/ps.js';

const member = (id: string, role: PsClusterView['members'][number]['role'], pid: number | null) => ({
  id, address: `127.0.0.1:778${id.slice(1)}`, port: 7780 + Number(id.slice(1)), dataDir: `/d/${id}`, state: 'voter' as const, pid, running: pid !== null, metricsPort: null, metricsUrl: null, role,
});

describe('the fleet ps table', () => {
  it('has a ROLE column: what each running member says it is, - for one that is stopped or silent', () => {
    const cluster: PsClusterView = {
      name: 'local', engine: 'fleet', state: 'partial', home: '/h', dataDir: '/d', created: '', heartbeat: '100ms', electionTimeout: '500ms', scrapeConfig: null, leader: 'n2',
      members: [member('n1', 'follower', 11), member('n2', 'leader', 12), member('n3', null, null)],
    };
    const lines = renderClusterList([cluster], palette(false)).split('\n');
    expect(lines[0]!.split(/\s{2,}/)).toEqual(['CLUSTER', 'STATE', 'MEMBER', 'ROLE', 'PROCESS', 'PID', 'ADDRESS', 'METRICS', 'DATA DIR']);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/).slice(-7, -4))).toEqual([['n1', 'follower', 'running'], ['n2', 'leader', 'running'], ['n3', '-', 'stopped']]);
  });
});

describe('the lines on the current context', () => {
  it('fleet init says its context is now current, and what was before', () => {
    const p = palette(false);
    expect(contextSwitchLine('dev', 'local', '/data/dev', p)).toBe('Context "dev" is now current (was "local"; fleet context use local goes back); data in /data/dev.');
    expect(contextSwitchLine('local', null, '/data/local', p)).toBe('Context "local" is now current (there was none); data in /data/local.');
  });

  it('fleet destroy of the current context says which is current now, or how to choose one', () => {
    expect(currentAfterDestroyLine({ now: 'local', remaining: ['local'] })).toBe('Context "local" is now current: the only one left.');
    expect(currentAfterDestroyLine({ now: null, remaining: ['prod', 'staging'] })).toBe('No context is current now: choose one with fleet context use <name> (prod, staging).');
    expect(currentAfterDestroyLine({ now: null, remaining: [] })).toBe('No context is left: fleet init starts a local cluster and makes one.');
  });
});
