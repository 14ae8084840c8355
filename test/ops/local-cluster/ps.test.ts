import { describe, expect, it } from 'vitest';
import type { LocalClusterView, LocalMemberView } from '../../../src/ops/local-cluster/cluster-state.js';
import { withRoles } from '../../../src/ops/local-cluster/ps.js';
import { buildStatusModel } from '../../../src/ops/status.js';
import { answers, memberStatus, progress } from './status-fixtures.js';

function member(id: string, running = true): LocalMemberView {
  const port = 7780 + Number(id.slice(1));
  return { id, address: `127.0.0.1:${port}`, port, dataDir: `/d/${id}`, state: 'voter', pid: running ? 1000 + port : null, running, metricsPort: null, metricsUrl: null };
}

function view(members: LocalMemberView[]): LocalClusterView {
  return { name: 'local', engine: 'fleet', state: 'running', home: '/h', dataDir: '/d', created: '', heartbeat: '100ms', electionTimeout: '500ms', members, scrapeConfig: null };
}

const membership = ['n1', 'n2', 'n3'].map((id) => ({ id, address: `127.0.0.1:${7780 + Number(id.slice(1))}`, voter: true }));

describe('fleet ps: roles from the status model', () => {
  it("gives each running member the role fleet status gives it, and the leader's id", () => {
    const model = buildStatusModel(
      answers(
        memberStatus('n1', { role: 'leader', members: membership, progress: [progress('n2'), progress('n3')] }),
        memberStatus('n2', { members: membership }),
        { unreachable: '127.0.0.1:7783' },
      ),
    );
    const ps = withRoles(view([member('n1'), member('n2'), member('n3')]), model);
    expect(ps.leader).toBe('n1');
    expect(ps.members.map((m) => [m.id, m.role, m.pid])).toEqual([['n1', 'leader', 8781], ['n2', 'follower', 8782], ['n3', null, 8783]]);
  });

  it('shows no role for a stopped member, and no leader when none leads or nobody was asked', () => {
    const model = buildStatusModel(answers(memberStatus('n1', { role: 'candidate', leaderId: '', members: membership })));
    expect(withRoles(view([member('n1'), member('n2', false)]), model).members.map((m) => m.role)).toEqual(['candidate', null]);
    expect(withRoles(view([member('n1'), member('n2', false)]), model).leader).toBeNull();
    const unasked = withRoles(view([member('n1', false)]), undefined);
    expect(unasked).toMatchObject({ leader: null, members: [{ id: 'n1', role: null }] });
  });
});
