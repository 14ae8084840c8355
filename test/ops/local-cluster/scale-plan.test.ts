import { describe, expect, it } from 'vitest';
import { chooseRemovals, isCaughtUp, removalRisk, transferTarget } from '../../../src/ops/local-cluster/scale/scale-plan.js';
import { memberStatus, progress } from './status-fixtures.js';

const voters = (...ids: string[]) => ids.map((id) => ({ id, address: '', voter: true }));

describe('which members a shrink removes', () => {
  const members = [
    { id: 'n1', state: 'voter' as const },
    { id: 'n2', state: 'voter' as const },
    { id: 'n3', state: 'voter' as const },
    { id: 'n10', state: 'voter' as const },
    { id: 'n11', state: 'joining' as const },
  ];

  it('removes joining members first, then the newest voters, never the leader while others remain', () => {
    expect(chooseRemovals(members, 'n1', 2)).toEqual(['n11', 'n10']);
    expect(chooseRemovals(members, 'n10', 2)).toEqual(['n11', 'n3']);
    expect(chooseRemovals(members, 'n3', 4)).toEqual(['n11', 'n10', 'n2', 'n1']);
    expect(chooseRemovals(members, 'n3', 5)).toEqual(['n11', 'n10', 'n2', 'n1', 'n3']);
    expect(chooseRemovals(members, undefined, 0)).toEqual([]);
  });
});

describe('whether a removal keeps a healthy quorum', () => {
  it('allows removing a member when a majority of the rest is healthy', () => {
    const leader = memberStatus('n1', { role: 'leader', members: voters('n1', 'n2', 'n3'), progress: [progress('n2'), progress('n3')] });
    expect(removalRisk(leader, 'n3')).toBeUndefined();
  });

  it('refuses a removal that would leave the voters without a healthy majority', () => {
    const leader = memberStatus('n1', {
      role: 'leader',
      members: voters('n1', 'n2', 'n3', 'n4'),
      progress: [progress('n2', { recentActive: false }), progress('n3', { recentActive: false }), progress('n4')],
    });
    // Left with n1, n2, n3 of which only n1 is healthy: 1 of the 2 needed.
    expect(removalRisk(leader, 'n4')).toMatch(/only 1 healthy of the 2 needed \(n2, n3 unreachable or behind\)/);
    expect(removalRisk(memberStatus('n1', { role: 'leader', members: voters('n1') }), 'n1')).toMatch(/no voter/);
  });

  it('ignores learners when counting the quorum', () => {
    const leader = memberStatus('n1', {
      role: 'leader',
      members: [...voters('n1', 'n2'), { id: 'n3', address: '', voter: false }],
      progress: [progress('n2'), progress('n3', { learner: true, recentActive: false })],
    });
    expect(removalRisk(leader, 'n3')).toBeUndefined();
  });
});

describe('learners catching up and leadership hand-off', () => {
  it('promotes a learner only when it replicates close to the leader', () => {
    const at = (match: number, state: 'probe' | 'replicate' = 'replicate') => memberStatus('n1', { role: 'leader', lastIndex: 1000, progress: [progress('n2', { learner: true, match, state })] });
    expect(isCaughtUp(at(990), 'n2')).toBe(true);
    expect(isCaughtUp(at(900), 'n2')).toBe(false);
    expect(isCaughtUp(at(1000, 'probe'), 'n2')).toBe(false);
    expect(isCaughtUp(at(1000), 'n3')).toBe(false);
  });

  it('hands leadership to the most caught-up active voter that stays', () => {
    const leader = memberStatus('n1', {
      role: 'leader',
      progress: [progress('n2', { match: 90 }), progress('n3', { match: 99 }), progress('n4', { match: 100, learner: true }), progress('n5', { match: 100, recentActive: false })],
    });
    expect(transferTarget(leader, new Set(['n1']))).toBe('n3');
    expect(transferTarget(leader, new Set(['n1', 'n3']))).toBe('n2');
    expect(transferTarget(leader, new Set(['n1', 'n2', 'n3']))).toBeUndefined();
  });
});
