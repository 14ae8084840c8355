import { describe, expect, it } from 'vitest';
import { palette } from '../../src/ui/colors.js';
import { renderClusterList } from '../../src/ui/local-cluster.js';
import type { PsClusterView } from '../../src/ops/local-cluster/ps.js';

const member = (id: string, role: PsClusterView['members'][number]['role'], pid: number | null) => ({
  id, address: `127.0.0.1:778${id.slice(1)}`, port: 7780 + Number(id.slice(1)), dataDir: `/d/${id}`, state: 'member' as const, pid, running: pid !== null, metricsPort: null, metricsUrl: null, role,
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
