import { describe, expect, it } from 'vitest';
import { assessHealth, leaderOf } from '../../../src/ops/local-cluster/health.js';
import { answers, memberStatus } from './status-fixtures.js';

const expected = new Map([['127.0.0.1:7781', 'n1'], ['127.0.0.1:7782', 'n2'], ['127.0.0.1:7783', 'n3']]);
const leader = memberStatus('n1', { role: 'leader' });

describe('when a local cluster is healthy', () => {
  it('is healthy when all answer, agree on a leader that leads, and applied what it committed', () => {
    expect(assessHealth(answers(leader, memberStatus('n2'), memberStatus('n3')), expected)).toEqual({ healthy: true, leader: 'n1', stage: 'healthy', waitingFor: '' });
  });

  it('waits for members that do not answer yet, naming them', () => {
    const v = assessHealth(answers(leader, { unreachable: '127.0.0.1:7782' }, memberStatus('n3')), expected);
    expect(v).toMatchObject({ healthy: false, stage: 'answering', waitingFor: 'n2 to answer' });
  });

  it('waits for an election while there is no leader or the members disagree', () => {
    const none = ['n1', 'n2', 'n3'].map((id) => memberStatus(id, { leaderId: '', role: 'candidate' }));
    expect(assessHealth(answers(...none), expected)).toMatchObject({ stage: 'election', waitingFor: 'a leader to be elected' });
    const split = [leader, memberStatus('n2'), memberStatus('n3', { leaderId: '' })];
    expect(assessHealth(answers(...split), expected).healthy).toBe(false);
    // Everyone names n1, but n1 no longer says it leads.
    const stale = [memberStatus('n1'), memberStatus('n2'), memberStatus('n3')];
    expect(assessHealth(answers(...stale), expected).healthy).toBe(false);
  });

  it('waits for the leader to commit its first entry of the term', () => {
    const v = assessHealth(answers(memberStatus('n1', { role: 'leader', commitIndex: 3, lastIndex: 4 }), memberStatus('n2'), memberStatus('n3')), expected);
    expect(v).toMatchObject({ healthy: false, leader: 'n1', stage: 'commit', waitingFor: 'n1 to commit its first entry' });
  });

  it('waits for members to apply what the leader committed', () => {
    const v = assessHealth(answers(memberStatus('n1', { role: 'leader', commitIndex: 5, appliedIndex: 5, lastIndex: 5 }), memberStatus('n2', { appliedIndex: 3 }), memberStatus('n3', { appliedIndex: 5 })), expected);
    expect(v).toMatchObject({ healthy: false, leader: 'n1', stage: 'apply', waitingFor: 'n2 to apply the first entries' });
  });

  it('refuses a different member answering at a member\'s address', () => {
    const impostor = memberStatus('n9', { address: '127.0.0.1:7782' });
    expect(assessHealth(answers(leader, impostor, memberStatus('n3')), expected).waitingFor).toMatch(/to be n2 \(it says n9\)/);
  });

  it('names the leader of the highest term among those that say they lead', () => {
    expect(leaderOf(answers(memberStatus('n1', { role: 'leader', term: 2 }), memberStatus('n2', { role: 'leader', term: 3 })))).toBe('n2');
    expect(leaderOf(answers(memberStatus('n1'), { unreachable: '127.0.0.1:7782' }))).toBeUndefined();
  });
});
