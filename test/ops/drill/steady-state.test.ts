import { describe, expect, it } from 'vitest';
import { checkSteadyState } from '../../../src/ops/drill/steady-state.js';
import { FakeCluster } from './fakes.js';

function statuses(c: FakeCluster) {
  return c.members.map((m) => c.status(m.id));
}

describe('the steady-state hypothesis', () => {
  it('holds for a healthy cluster and names the leader and voters', () => {
    const r = checkSteadyState(statuses(new FakeCluster()), 100);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.state).toMatchObject({ leader: { id: 'n1' }, term: 1, members: [{ id: 'n1' }, { id: 'n2' }, { id: 'n3' }] });
  });

  it('fails on an unreachable member, naming it', () => {
    const r = checkSteadyState(statuses(new FakeCluster({ unreachable: 'n2' })), 100);
    expect(r.ok).toBe(false);
    expect(r.checks.find((c) => !c.ok)).toMatchObject({ name: 'reachable' });
  });

  it('fails without exactly one agreed leader', () => {
    const c = new FakeCluster();
    c.leader = null;
    expect(checkSteadyState(statuses(c), 100).checks.find((x) => !x.ok)).toMatchObject({ name: 'one-leader', detail: 'no member is the leader' });
  });

  it('fails when a member lags', () => {
    const c = new FakeCluster();
    const all = statuses(c).map((s) => (s.ok && s.status.id === 'n3' ? { ...s, status: { ...s.status, appliedIndex: 1 } } : s));
    const r = checkSteadyState(all, 5);
    expect(r.checks.find((x) => !x.ok)).toMatchObject({ name: 'caught-up' });
    expect(r.checks.find((x) => !x.ok)?.detail).toContain('n3 applied 1');
  });
});
