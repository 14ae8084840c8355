import { describe, expect, it } from 'vitest';
import type { PlanView } from '../../src/client/index.js';
import { statusOutcome } from '../../src/cli/status-messages.js';
import { buildStatusModel, collectStatus, shortReason } from '../../src/ops/status.js';
import { renderPreferredRegionLine, renderStatus } from '../../src/ui/status-table.js';
import { palette } from '../../src/ui/colors.js';
import { MEMBERS3, down, leader, member, ok } from './status-fixtures.js';

const plainPalette = () => palette(false);

describe('buildStatusModel', () => {
  it('describes a healthy three-member cluster', () => {
    const m = buildStatusModel([ok(leader()), ok(member('n2')), ok(member('n3', { lastIndex: 97 }))]);
    expect(m.leader).toBe('n1');
    expect(m.term).toBe(3);
    expect(m.clusterName).toBe('fleet');
    expect(m.quorum).toEqual({ voters: 3, size: 2, healthyVoters: 3, failureTolerance: 1, available: true });
    expect(m.members.map((r) => [r.id, r.role, r.lag, r.healthy])).toEqual([
      ['n1', 'leader', 0, true],
      ['n2', 'follower', 0, true],
      ['n3', 'follower', 3, true],
    ]);
  });

  it('reports a member stuck once its applied index stood still past its bound, before any lag', () => {
    const stalled = { appliedIndex: 60, commitIndex: 100, applyStalledMs: 3_200, stuckAfterMs: 3_000 };
    const m = buildStatusModel([ok(leader()), ok(member('n2')), ok(member('n3', stalled))]);
    const n3 = m.members.find((r) => r.id === 'n3')!;
    expect(n3).toMatchObject({ healthy: false, stuck: true, problem: 'stuck: applies nothing (applied 60, committed 100, for 3.2s); check its log, then restart it' });
    expect(m.health.state).toBe('degraded');
    expect(statusOutcome(m).exitCode).toBe(7);
    // Not yet past the bound, or from a member that predates the report: not stuck.
    for (const over of [{ ...stalled, applyStalledMs: 2_900 }, { appliedIndex: 60 }]) {
      const row = buildStatusModel([ok(leader()), ok(member('n2')), ok(member('n3', over))]).members.find((r) => r.id === 'n3')!;
      expect(row.stuck).toBeUndefined();
    }
    // A stuck leader is named too.
    const stuckLeader = buildStatusModel([ok(leader(stalled)), ok(member('n2')), ok(member('n3'))]).members.find((r) => r.id === 'n1')!;
    expect(stuckLeader).toMatchObject({ stuck: true, healthy: false });
  });

  it('names why a member is cut off from the refusals either side reports', () => {
    const cutOff = { role: 'candidate' as const, leaderId: '', lastContactMs: -1 };
    const clock = buildStatusModel([
      ok(leader({ peerRefusals: [{ peer: 'n3', byThisMember: true, reason: 'stale-handshake', detail: 'handshake of n3 is -7200 s old', agoMs: 100 }] })),
      ok(member('n2')),
      ok(member('n3', cutOff)),
    ]);
    expect(clock.members.find((r) => r.id === 'n3')!.problem).toBe("peer streams refused: clock 2.0 h ahead of n1's (handshakes must be within 5 min); fix NTP (no leader known)");
    // Its own evidence alone says the same: it refuses n1's handshakes as from 2 h ago.
    const own = buildStatusModel([ok(leader()), ok(member('n2')), ok(member('n3', { ...cutOff, peerRefusals: [{ peer: 'n1', byThisMember: true, reason: 'stale-handshake', detail: 'handshake of n1 is 7200 s old', agoMs: 5 }] }))]);
    expect(own.members.find((r) => r.id === 'n3')!.problem).toMatch(/^peer streams refused: clock 2\.0 h ahead of n1's/);
    const secret = buildStatusModel([
      ok(leader({ peerRefusals: [{ peer: 'n3', byThisMember: true, reason: 'bad-signature', detail: "handshake of n3 not signed with this cluster's peer secret", agoMs: 100 }] })),
      ok(member('n2')),
      ok(member('n3', { ...cutOff, peerRefusals: [{ peer: 'n2', byThisMember: false, reason: 'bad-signature', detail: '…', agoMs: 5 }] })),
    ]);
    expect(secret.members.find((r) => r.id === 'n3')!.problem).toMatch(/^peer streams refused: bad peer secret \(its handshakes with n1, n2 are signed with another secret\)/);
    // The healthy leader is not blamed for the refusals it reports.
    expect(secret.members.find((r) => r.id === 'n1')!.healthy).toBe(true);
  });

  it('keeps an unreachable member as a row while a quorum answers', () => {
    const m = buildStatusModel([ok(leader()), ok(member('n2')), down('127.0.0.1:7783')]);
    expect(m.quorum).toMatchObject({ healthyVoters: 2, failureTolerance: 0, available: true });
    const n3 = m.members.find((r) => r.id === 'n3')!;
    expect(n3).toMatchObject({ role: 'unreachable', term: null, lag: null, healthy: false, voter: true, address: '127.0.0.1:7783' });
    expect(n3.problem).toBe('unreachable: connection refused');
  });

  it('has no quorum when only a minority answers', () => {
    const m = buildStatusModel([ok(member('n2', { leaderId: '', lastContactMs: 2_000 })), down('127.0.0.1:7781'), down('127.0.0.1:7783')]);
    expect(m.leader).toBeNull();
    expect(m.quorum.available).toBe(false);
    expect(m.members).toHaveLength(3);
    expect(m.members.find((r) => r.id === 'n2')!.problem).toBe('no leader known');
  });

  it('describes a cluster where nobody answers, without throwing', () => {
    const m = buildStatusModel([down('127.0.0.1:1')]);
    expect(m).toMatchObject({ leader: null, term: 0, clusterName: null, quorum: { voters: 0, available: false } });
    expect(m.members).toEqual([expect.objectContaining({ id: null, address: '127.0.0.1:1', role: 'unreachable' })]);
  });

  it('prefers the leader of the highest term and flags a deposed one', () => {
    const old = leader({ term: 2, progress: [] });
    const now = member('n2', { role: 'leader', term: 3, leaderId: 'n2', lastContactMs: 0 });
    const m = buildStatusModel([ok(old), ok(now), ok(member('n3', { leaderId: 'n2' }))]);
    expect(m.leader).toBe('n2');
    expect(m.members.find((r) => r.id === 'n1')!.problem).toBe('stale leader of term 2 (current term 3)');
    expect(m.quorum).toMatchObject({ healthyVoters: 2, available: true });
  });

  it('names the member whose event loop was held past its bound in the last minute, and not one of an older version', () => {
    const m = buildStatusModel([ok(leader({ loopDelayMaxMs: 40, loopHeldBoundMs: 333 })), ok(member('n2', { loopDelayMaxMs: 730, loopHeldBoundMs: 333 })), ok(member('n3', { loopDelayMaxMs: 900 }))]);
    expect(m.loopWarnings).toEqual([expect.stringMatching(/^n2's event loop was held 730 ms in the last minute \(bound 333 ms, a third of its election timeout\)/)]);
    // A held loop is a warning, not a failure: the member answered and follows the leader.
    expect(m.health.state).toBe('healthy');
    expect(renderStatus(m, plainPalette())).toContain("loop: n2's event loop was held 730 ms");
  });

  it('names the member whose wall clock is off from the others by more than a second, leader or follower, and nobody within it', () => {
    // Followers report the leader's clock minus their own.
    const skewedFollower = buildStatusModel([ok(leader()), ok(member('n2', { clockOffsetMs: -7_200_000 })), ok(member('n3', { clockOffsetMs: 40 }))]);
    expect(skewedFollower.clockWarnings).toEqual([expect.stringMatching(/^n2's wall clock is 2\.0 h ahead of the others' \(bound 1 s\): leases and sessions stay safe/)]);
    const skewedLeader = buildStatusModel([ok(leader()), ok(member('n2', { clockOffsetMs: 90_000 })), ok(member('n3', { clockOffsetMs: 89_500 }))]);
    expect(skewedLeader.clockWarnings).toEqual([expect.stringMatching(/^n1's wall clock is 1\.5 min ahead of the others'/)]);
    const behind = buildStatusModel([ok(leader()), ok(member('n2', { clockOffsetMs: 3_000 })), ok(member('n3', { clockOffsetMs: 0 }))]);
    expect(behind.clockWarnings).toEqual([expect.stringMatching(/^n2's wall clock is 3\.0 s behind the others'/)]);
    const fine = buildStatusModel([ok(leader()), ok(member('n2', { clockOffsetMs: 900 })), ok(member('n3'))]);
    expect(fine.clockWarnings).toEqual([]);
    // A skewed clock alone leaves the cluster healthy: nothing it guarantees depends on it.
    expect(skewedFollower.health.state).toBe('healthy');
  });

  it('marks a member whose disk is full, leader or follower, and calls the cluster degraded while a quorum remains', () => {
    const m = buildStatusModel([ok(leader()), ok(member('n2')), ok(member('n3', { storage: 'out-of-space', lastIndex: 60 }))]);
    const n3 = m.members.find((r) => r.id === 'n3')!;
    expect(n3).toMatchObject({ storage: 'out-of-space', healthy: false, problem: 'out of space: its disk is full, it appends nothing until space is freed' });
    expect(m.health.state).toBe('degraded');
    const full = buildStatusModel([ok(leader({ storage: 'out-of-space' })), ok(member('n2')), ok(member('n3'))]);
    expect(full.members.find((r) => r.id === 'n1')).toMatchObject({ storage: 'out-of-space', healthy: false });
    expect(full.health.state).toBe('degraded');
  });

  it('marks followers that lost contact or follow someone else', () => {
    const m = buildStatusModel([ok(leader()), ok(member('n2', { lastContactMs: 9_000 })), ok(member('n3', { leaderId: 'n2' }))]);
    expect(m.members.find((r) => r.id === 'n2')!.problem).toBe('no contact with the leader for 9s');
    expect(m.members.find((r) => r.id === 'n3')!.problem).toBe('follows n2, not n1');
    expect(m.quorum.available).toBe(false);
  });

  it('shows learners and does not count them as voters', () => {
    const members = [...MEMBERS3, { id: 'n4', address: '127.0.0.1:7784', voter: false }];
    const m = buildStatusModel([ok(leader({ members })), ok(member('n2', { members })), ok(member('n3', { members })), ok(member('n4', { members }))]);
    expect(m.members.find((r) => r.id === 'n4')).toMatchObject({ role: 'learner', voter: false, healthy: true });
    expect(m.quorum.voters).toBe(3);
  });

  it('shows a read replica as a replica, also when it is down (as the others heard it announce itself)', () => {
    const members = [...MEMBERS3, { id: 'n4', address: '127.0.0.1:7784', voter: false, readReplica: true }];
    const up = buildStatusModel([ok(leader({ members })), ok(member('n2', { members })), ok(member('n3', { members })), ok(member('n4', { members, role: 'learner', readReplica: true }))]);
    expect(up.members.find((r) => r.id === 'n4')).toMatchObject({ role: 'replica', voter: false, readReplica: true, healthy: true });
    expect(up.members.find((r) => r.id === 'n2')!.readReplica).toBeUndefined();
    expect(up.quorum.voters).toBe(3);
    const gone = buildStatusModel([ok(leader({ members })), ok(member('n2', { members })), ok(member('n3', { members })), down('127.0.0.1:7784')]);
    expect(gone.members.find((r) => r.id === 'n4')).toMatchObject({ role: 'unreachable', readReplica: true });
  });

  it('says when the leader runs outside the preferred region, in the model and on screen', () => {
    const settings = { autoPromoteLearners: false, cleanupDeadMembers: false, deadAfterMs: 1, lastContactThresholdMs: 1, maxTrailingEntries: 1, minQuorum: 3, stabilizationMs: 1, preferredRegion: 'eu' };
    const autopilot = { settings, settingsProblem: null, members: [], held: [], lastAction: null };
    const away = buildStatusModel([ok(leader({ region: 'us', autopilot })), ok(member('n2', { region: 'eu' })), ok(member('n3', { region: 'eu' }))]);
    expect(away.preferredRegion).toEqual({ region: 'eu', leaderRegion: 'us', leaderOutside: true });
    expect(renderPreferredRegionLine(away, plainPalette())).toBe('leader n1 runs outside the preferred region eu (in us): autopilot hands leadership back once a voter there is stable and caught up');
    const home = buildStatusModel([ok(leader({ region: 'eu', autopilot })), ok(member('n2', { region: 'eu' })), ok(member('n3', { region: 'us' }))]);
    expect(home.preferredRegion).toEqual({ region: 'eu', leaderRegion: 'eu', leaderOutside: false });
    expect(renderPreferredRegionLine(home, plainPalette())).toBe('');
    expect(buildStatusModel([ok(leader({ region: 'us' }))]).preferredRegion).toBeNull();
  });

  it('lists members that were not probed, and endpoints outside the membership', () => {
    const m = buildStatusModel([ok(leader()), ok(member('n2')), ok(member('x9', { members: [] }), '127.0.0.1:9999')]);
    expect(m.members.find((r) => r.id === 'n3')).toMatchObject({ role: 'unreachable', problem: 'not probed: its address is not among the endpoints' });
    expect(m.members.find((r) => r.id === 'x9')).toMatchObject({ healthy: false, problem: 'not in the membership', voter: null });
  });

  it('sorts member ids naturally', () => {
    const members = Array.from({ length: 11 }, (_, i) => ({ id: `n${i + 1}`, address: `h:${i + 1}`, voter: true }));
    const m = buildStatusModel([ok(leader({ members, progress: [] }))]);
    expect(m.members.map((r) => r.id).slice(0, 3)).toEqual(['n1', 'n2', 'n3']);
    expect(m.members.at(-1)!.id).toBe('n11');
  });

  it('maps pre-candidates to candidates', () => {
    const m = buildStatusModel([ok(member('n2', { role: 'pre-candidate', leaderId: '' }))]);
    expect(m.members.find((r) => r.id === 'n2')!.role).toBe('candidate');
  });
});

describe('health: what fleet status exits with', () => {
  it('is healthy when every member answers and keeps up and one more voter may fail', () => {
    const m = buildStatusModel([ok(leader()), ok(member('n2')), ok(member('n3', { lastIndex: 97 }))]);
    expect(m.health).toEqual({ state: 'healthy', reasons: [] });
    expect(statusOutcome(m)).toEqual({ exitCode: 0, line: undefined });
  });

  it('is degraded with a member down, naming it and the lost tolerance', () => {
    const m = buildStatusModel([ok(leader()), ok(member('n2')), down('127.0.0.1:7783')]);
    expect(m.health).toEqual({ state: 'degraded', reasons: ['n3: unreachable: connection refused', 'can lose no voter: 2 healthy of 3, quorum 2'] });
    expect(statusOutcome(m)).toEqual({ exitCode: 7, line: 'warning: degraded: n3: unreachable: connection refused; can lose no voter: 2 healthy of 3, quorum 2' });
  });

  it('is degraded when a member lags, even a learner, though the quorum can lose one', () => {
    const members = [...MEMBERS3, { id: 'n4', address: '127.0.0.1:7784', voter: false }];
    const progress = [...leader().progress, { id: 'n4', match: 10, next: 11, state: 'replicate' as const, recentActive: true, learner: true, lag: 5_000 }];
    const m = buildStatusModel([ok(leader({ members, progress })), ok(member('n2', { members })), ok(member('n3', { members })), ok(member('n4', { members }))]);
    expect(m.members.find((r) => r.id === 'n4')).toMatchObject({ healthy: false, problem: 'lagging: 5000 entries behind' });
    expect(m.quorum.failureTolerance).toBe(1);
    expect(m.health).toEqual({ state: 'degraded', reasons: ['n4: lagging: 5000 entries behind'] });
  });

  it('is degraded for a single member: it survives no failure', () => {
    const m = buildStatusModel([ok(leader({ members: [MEMBERS3[0]!], progress: [] }))]);
    expect(m.health).toEqual({ state: 'degraded', reasons: ['can lose no voter: 1 healthy of 1, quorum 1'] });
  });

  it('is unavailable without a quorum, or when nobody answers', () => {
    const m = buildStatusModel([ok(member('n2', { leaderId: '', lastContactMs: 5_000 })), down('127.0.0.1:7781'), down('127.0.0.1:7783')]);
    expect(m.health.state).toBe('unavailable');
    expect(m.health.reasons[0]).toBe('no quorum: 0 of 3 voters healthy, 2 needed');
    expect(statusOutcome(m)).toMatchObject({ exitCode: 3, line: expect.stringMatching(/^error: no leader: n2 answered but none leads \(no leader heard from since \d\d:\d\d:\d\d \(\d+ s ago\)\); 0 of 3 voters healthy/) });
    expect(statusOutcome(buildStatusModel([down('127.0.0.1:1')]))).toMatchObject({ exitCode: 3, line: expect.stringMatching(/^error: no member answered/) });
  });
});

describe('collectStatus', () => {
  it('probes members the membership names outside the endpoints', async () => {
    const asked: string[][] = [];
    const model = await collectStatus({ statusAll: async () => [ok(leader()), ok(member('n2'))] }, async (addresses) => {
      asked.push([...addresses]);
      return [down('127.0.0.1:7783')];
    });
    expect(asked).toEqual([['127.0.0.1:7783']]);
    expect(model.members).toHaveLength(3);
    expect(model.plans).toEqual([]);
  });

  it('does not probe a member whose address the answering member does not know yet', async () => {
    const members = [...MEMBERS3.slice(0, 1), { id: 'n2', address: '', voter: true }, { id: 'n3', address: '', voter: true }, { id: 'n4', address: '127.0.0.1:7784', voter: false }];
    const asked: string[][] = [];
    const model = await collectStatus({ statusAll: async () => [ok(member('n4', { members, role: 'learner' }))] }, async (addresses) => {
      asked.push([...addresses]);
      return [down('127.0.0.1:7781')];
    });
    expect(asked).toEqual([['127.0.0.1:7781']]);
    expect(model.members.map((m) => m.id)).toEqual(['n1', 'n2', 'n3', 'n4']);
  });

  it('shows rebind plans in progress, newest report first, and leaves out finished ones', async () => {
    const plans = [PLAN('old', 'running', 100), PLAN('done', 'completed', 300), PLAN('new', 'paused', 200), PLAN('bad', 'failed', 250)];
    const model = await collectStatus({ statusAll: async () => [ok(leader()), ok(member('n2')), ok(member('n3'))], listPlans: async () => plans }, async () => []);
    expect(model.plans.map((p) => [p.planId, p.state])).toEqual([['new', 'paused'], ['old', 'running']]);
  });

  it('still describes the members when the plans cannot be read', async () => {
    const model = await collectStatus({ statusAll: async () => [down('127.0.0.1:7781')], listPlans: async () => Promise.reject(new Error('no quorum')) }, async () => []);
    expect(model.plans).toEqual([]);
    expect(model.members).toHaveLength(1);
  });
});

function PLAN(planId: string, state: PlanView['state'], updatedAt: number): PlanView {
  return { planId, state, updatedAt, startedBy: 'alice@ops-1', done: 10, total: 40, startedAt: 1, updatedAtIndex: 9 };
}

describe('shortReason', () => {
  it('keeps the gist of transport errors', () => {
    expect(shortReason('h:1: no answer within 500 ms: it may be overloaded', 'h:1')).toBe('timed out');
    expect(shortReason('h:1: this member requires a token: pass --token', 'h:1')).toBe('this member requires a token');
  });
});
