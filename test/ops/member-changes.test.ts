import { describe, expect, it } from 'vitest';
import type { FollowerProgress, MemberInfo, MembersView, MemberStatus } from '../../src/client/index.js';
import { addVoterThroughLearner, type MembershipClient } from '../../src/ops/member-changes.js';
import { catchUpState, isCaughtUp } from '../../src/ops/safety/catch-up.js';
import { MEMBERS3, leader } from './status-fixtures.js';

/** A leader whose view of n4 follows `script`, one entry per poll (the last one repeats). */
function fakeCluster(script: readonly (Partial<FollowerProgress> | undefined)[], start: readonly MemberInfo[] = MEMBERS3) {
  let members = [...start];
  let polls = 0;
  const calls: string[] = [];
  const view = (): MembersView => ({ members, leaderId: 'n1' });
  const client: MembershipClient = {
    listMembers: async () => view(),
    addMember: async (id, address, opts) => {
      calls.push(`add ${id} ${opts.learner ? 'learner' : 'voter'}`);
      members = [...members, { id, address, voter: false }];
      return view();
    },
    promoteMember: async (id) => {
      calls.push(`promote ${id}`);
      members = members.map((m) => (m.id === id ? { ...m, voter: true } : m));
      return view();
    },
    status: async (): Promise<MemberStatus> => {
      const p = script[Math.min(polls++, script.length - 1)];
      const progress = p === undefined ? [] : [{ id: 'n4', match: 0, next: 1, state: 'probe' as const, recentActive: true, learner: true, lag: 100, ...p }];
      return leader({ members, lastIndex: 100, progress });
    },
  };
  return { client, calls };
}

describe('addVoterThroughLearner', () => {
  it('adds a learner, waits until the leader sees it caught up, then promotes it', async () => {
    const { client, calls } = fakeCluster([undefined, { state: 'probe' }, { state: 'replicate', match: 20 }, { state: 'replicate', match: 99 }]);
    const lines: string[] = [];
    const r = await addVoterThroughLearner(client, 'n4', '127.0.0.1:7784', { timeoutMs: 5_000, everyMs: 1, onProgress: (l) => lines.push(l) });
    expect(r.promoted).toBe(true);
    expect(calls).toEqual(['add n4 learner', 'promote n4']);
    expect(r.view.members.find((m) => m.id === 'n4')).toMatchObject({ voter: true });
    expect(lines[0]).toBe('adding n4 as a learner');
    expect(lines).toContain('n4 catching up: 80 entries behind (20/100)');
  });

  it('counts a learner that autopilot promoted meanwhile as promoted (its own promotion is then refused)', async () => {
    const { client, calls } = fakeCluster([{ state: 'replicate', match: 100 }]);
    client.promoteMember = async (id) => {
      calls.push(`promote ${id}`);
      // Autopilot got there first: the leader now refuses, as it does for any voter.
      const view = await client.listMembers();
      Object.assign(view.members.find((m) => m.id === id)!, { voter: true });
      throw new Error(`${id} is not a learner`);
    };
    const r = await addVoterThroughLearner(client, 'n4', '127.0.0.1:7784', { timeoutMs: 1_000, everyMs: 1 });
    expect(r.promoted).toBe(true);
    expect(r.view.members.find((m) => m.id === 'n4')).toMatchObject({ voter: true });
  });

  it('leaves it a learner and says why when it does not catch up by the deadline', async () => {
    const { client, calls } = fakeCluster([{ recentActive: false }]);
    const r = await addVoterThroughLearner(client, 'n4', '127.0.0.1:7784', { timeoutMs: 20, everyMs: 5 });
    expect(r).toMatchObject({ promoted: false });
    expect(!r.promoted && r.reason).toBe('n4 did not catch up within 20ms: the leader n1 has not heard from it (is it running with --join, at the address it was added with?)');
    expect(calls).toEqual(['add n4 learner']);
  });

  it('resumes with a learner added earlier, and does nothing to a voter', async () => {
    const withLearner = [...MEMBERS3, { id: 'n4', address: '127.0.0.1:7784', voter: false }];
    const resumed = fakeCluster([{ state: 'replicate', match: 100 }], withLearner);
    expect((await addVoterThroughLearner(resumed.client, 'n4', '127.0.0.1:7784', { timeoutMs: 1_000, everyMs: 1 })).promoted).toBe(true);
    expect(resumed.calls).toEqual(['promote n4']);
    const voter = fakeCluster([undefined], [...MEMBERS3, { id: 'n4', address: '127.0.0.1:7784', voter: true }]);
    expect((await addVoterThroughLearner(voter.client, 'n4', '127.0.0.1:7784', { timeoutMs: 1_000 })).promoted).toBe(true);
    expect(voter.calls).toEqual([]);
  });

  it('stops at once when aborted', async () => {
    const { client } = fakeCluster([{ state: 'probe' }]);
    const ac = new AbortController();
    const run = addVoterThroughLearner(client, 'n4', '127.0.0.1:7784', { timeoutMs: 60_000, everyMs: 10_000, signal: ac.signal });
    setTimeout(() => ac.abort(new Error('interrupted')), 5);
    await expect(run).rejects.toThrow('interrupted');
  });
});

describe('catch-up', () => {
  it('needs replication within 64 entries of the leader', () => {
    const at = (p: Partial<FollowerProgress>) => leader({ lastIndex: 1_000, progress: [{ id: 'n4', match: 0, next: 1, state: 'replicate', recentActive: true, learner: true, lag: 0, ...p }] });
    expect(isCaughtUp(at({ match: 936 }), 'n4')).toBe(true);
    expect(isCaughtUp(at({ match: 935 }), 'n4')).toBe(false);
    expect(isCaughtUp(at({ match: 999, state: 'snapshot' }), 'n4')).toBe(false);
    expect(catchUpState(at({ match: 500, state: 'snapshot' }), 'n4')).toBe('installing a snapshot (500/1000)');
    expect(catchUpState(leader(), 'n9')).toBe('the leader n1 does not replicate to it (is n9 a member?)');
  });
});
