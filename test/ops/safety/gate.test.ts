import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EndpointStatus, FollowerProgress, MemberInfo } from '../../../src/client/index.js';
import { decide, previewChange, type ChangePreview, type ProposedChange } from '../../../src/ops/safety/gate.js';
import { buildStatusModel, type StatusModel } from '../../../src/ops/status.js';
import { MEMBERS3, down, leader, member, ok } from '../status-fixtures.js';

const healthy3 = buildStatusModel([ok(leader()), ok(member('n2')), ok(member('n3', { lastIndex: 97 }))]);
const oneDown3 = buildStatusModel([ok(leader()), ok(member('n2')), down('127.0.0.1:7783')]);
const noQuorum = buildStatusModel([ok(member('n2', { leaderId: '' })), down('127.0.0.1:7781'), down('127.0.0.1:7783')]);

const codes = (p: ChangePreview) => p.problems.map((x) => x.code);

describe('previewChange: membership', () => {
  it('adds a voter through a learner when it answers and the count stays odd', () => {
    const members4 = [...MEMBERS3, { id: 'n4', address: '127.0.0.1:7784', voter: true }];
    const four = buildStatusModel([ok(leader({ members: members4, progress: [...leader().progress, progress('n4')] })), ok(member('n2', { members: members4 })), ok(member('n3', { members: members4 })), ok(member('n4', { members: members4 }))]);
    const p = previewChange(four, { kind: 'add-voter', id: 'n5', address: '127.0.0.1:7785' }, { newcomer: { reachable: true, answeredAs: 'n5' } });
    expect(p.problems).toEqual([]);
    expect(p.before).toMatchObject({ quorum: 3, canLose: 1 });
    expect(p.after).toMatchObject({ voters: ['n1', 'n2', 'n3', 'n4', 'n5'], quorum: 3, healthyVoters: 5, canLose: 2 });
    expect(p.steps).toEqual(['add n5 at 127.0.0.1:7785 as a learner', 'wait until n5 has caught up with the leader', 'promote n5 to voter']);
  });

  it('refuses a voter that does not answer, naming how to start it', () => {
    const p = previewChange(healthy3, { kind: 'add-voter', id: 'n4', address: '127.0.0.1:7784' }, { newcomer: { reachable: false, problem: 'connection refused' } });
    expect(codes(p)).toEqual(['UNREACHABLE', 'NO_FAULT_TOLERANCE', 'EVEN_VOTERS']);
    expect(p.problems[0]!.message).toBe('n4 at 127.0.0.1:7784 does not answer (connection refused): start it first (fleet node start --id n4 --listen 127.0.0.1:7784 --join …), or add it with --learner');
    expect(p.after).toMatchObject({ quorum: 3, healthyVoters: 3, canLose: 0 });
    expect(decide(p, false)).toMatchObject({ proceed: false, forceable: true });
    expect(decide(p, true)).toMatchObject({ proceed: true });
  });

  it('refuses an address that answers as another member, even forced', () => {
    const p = previewChange(healthy3, { kind: 'add-voter', id: 'n4', address: '127.0.0.1:7782' }, { newcomer: { reachable: true, answeredAs: 'n2' } });
    expect(p.problems).toEqual([{ code: 'INVALID', forceable: false, message: '127.0.0.1:7782 answers as n2, not n4' }]);
    expect(decide(p, true)).toMatchObject({ proceed: false, forceable: false });
  });

  it('adds a learner without changing the quorum', () => {
    const p = previewChange(healthy3, { kind: 'add-learner', id: 'n4', address: '127.0.0.1:7784' }, { newcomer: { reachable: false } });
    expect(p.problems).toEqual([]);
    expect(p.after).toMatchObject({ voters: ['n1', 'n2', 'n3'], learners: ['n4'], canLose: 1 });
    expect(p.notes.join(' ')).toMatch(/does not answer yet/);
  });

  it('refuses a removal that drops the failures survivable to zero and leaves an even count', () => {
    const p = previewChange(healthy3, { kind: 'remove', id: 'n3' });
    expect(codes(p)).toEqual(['NO_FAULT_TOLERANCE', 'EVEN_VOTERS']);
    expect(p.before.canLose).toBe(1);
    expect(p.after).toMatchObject({ voters: ['n1', 'n2'], quorum: 2, canLose: 0 });
    const d = decide(p, false);
    expect(d.proceed).toBe(false);
    expect(!d.proceed && d.reason).toBe('it leaves a cluster that can lose no voter (2 healthy of 2, quorum 2; it can lose 1 now); it leaves 2 voters, an even number: quorum 2, no more failures survivable than with 1');
  });

  it('refuses removing a healthy voter when only a quorum is healthy', () => {
    const p = previewChange(oneDown3, { kind: 'remove', id: 'n2' });
    expect(codes(p)).toEqual(['QUORUM_LOST', 'EVEN_VOTERS']);
    expect(p.problems[0]!.message).toMatch(/leaves 1 healthy of 2 voters, below the quorum of 2/);
  });

  it('hands leadership on before removing the leader, or refuses when nobody can take over', () => {
    const five = fiveMembers();
    const p = previewChange(five, { kind: 'remove', id: 'n1' });
    expect(p.steps).toEqual(['hand leadership from n1 to n2', 'remove n1']);
    expect(p.members.map((m) => [m.id, m.part])).toEqual([['n1', 'leaving'], ['n2', 'new leader']]);
    expect(p.after.leader).toBe('n2');
    expect(codes(p)).toEqual(['EVEN_VOTERS']);
    const twoDown = modelOf(5, 0, ['ok', 'ok', 'ok', 'down', 'down']);
    const nobody = previewChange(twoDown, { kind: 'resize', add: [], remove: ['n2', 'n3', 'n1'] });
    expect(codes(nobody)).toEqual(['LEADER_WITHOUT_HANDOFF', 'QUORUM_LOST', 'EVEN_VOTERS']);
    expect(nobody.problems[0]!.message).toBe('n1 leads and no healthy, caught-up voter can take over: without a hand-off writes stop until an election');
  });

  it('refuses removing the last voter and unknown members, even forced', () => {
    const one = buildStatusModel([ok(leader({ members: [MEMBERS3[0]!], progress: [] }))]);
    expect(codes(previewChange(one, { kind: 'remove', id: 'n1' }))).toEqual(['INVALID']);
    expect(decide(previewChange(healthy3, { kind: 'remove', id: 'n9' }), true)).toMatchObject({ proceed: false, reason: 'n9 is not a member (fleet members list)' });
  });

  it('checks that a promoted learner answers and is caught up', () => {
    const members = [...MEMBERS3, { id: 'n4', address: '127.0.0.1:7784', voter: false }];
    const lagging = buildStatusModel([ok(leader({ members, progress: [...leader().progress, progress('n4', { lag: 5_000 })] })), ok(member('n2', { members })), ok(member('n3', { members })), ok(member('n4', { members }))]);
    const p = previewChange(lagging, { kind: 'promote', id: 'n4' });
    expect(codes(p)).toEqual(['LAGGING', 'NO_FAULT_TOLERANCE', 'EVEN_VOTERS']);
    expect(p.members[0]).toMatchObject({ id: 'n4', part: 'promoted', reachable: true, lag: 5_000, caughtUp: false });
    expect(codes(previewChange(healthy3, { kind: 'promote', id: 'n2' }))).toEqual(['INVALID']);
  });

  it('refuses to promote a read replica, even with --force', () => {
    const members = [...MEMBERS3, { id: 'n4', address: '127.0.0.1:7784', voter: false, readReplica: true }];
    const model = buildStatusModel([ok(leader({ members, progress: [...leader().progress, progress('n4')] })), ok(member('n2', { members })), ok(member('n3', { members })), ok(member('n4', { members, role: 'learner', readReplica: true }))]);
    const p = previewChange(model, { kind: 'promote', id: 'n4' });
    expect(p.problems).toEqual([{ code: 'INVALID', forceable: false, message: 'n4 is a read replica (started with --read-replica): it never votes; start a member without it to add a voter' }]);
    expect(decide(p, true)).toMatchObject({ proceed: false, forceable: false });
  });

  it('refuses everything but says so once when the cluster has no quorum', () => {
    const p = previewChange(noQuorum, { kind: 'remove', id: 'n3' });
    expect(p.problems).toEqual([expect.objectContaining({ code: 'NO_QUORUM', forceable: false })]);
    expect(decide(p, true)).toMatchObject({ proceed: false, unavailable: true });
  });
});

describe('previewChange: leadership, scaling, drills and writes', () => {
  it('transfers to a healthy voter, and refuses an unreachable one unless forced', () => {
    expect(previewChange(healthy3, { kind: 'transfer' })).toMatchObject({ problems: [], after: { leader: 'n2' }, steps: ['hand leadership from n1 to n2'] });
    const p = previewChange(oneDown3, { kind: 'transfer', to: 'n3' });
    expect(codes(p)).toEqual(['UNREACHABLE']);
    expect(decide(p, true).proceed).toBe(true);
    expect(codes(previewChange(healthy3, { kind: 'transfer', to: 'n1' }))).toEqual(['INVALID']);
  });

  it('previews a scale from 1 to 3 as safe and 3 to 4 or 3 to 1 as refused', () => {
    const one = buildStatusModel([ok(leader({ members: [MEMBERS3[0]!], progress: [] }))]);
    expect(previewChange(one, { kind: 'resize', add: ['n2', 'n3'], remove: [] })).toMatchObject({ problems: [], after: { voters: ['n1', 'n2', 'n3'], canLose: 1 } });
    expect(codes(previewChange(healthy3, { kind: 'resize', add: ['n4'], remove: [] }))).toEqual(['EVEN_VOTERS']);
    const shrink = previewChange(healthy3, { kind: 'resize', add: [], remove: ['n3', 'n2'] });
    expect(codes(shrink)).toEqual(['NO_FAULT_TOLERANCE']);
    expect(shrink.after).toMatchObject({ voters: ['n1'], quorum: 1, canLose: 0 });
    expect(previewChange(healthy3, { kind: 'resize', add: [], remove: [] })).toMatchObject({ change: 'no change', problems: [] });
  });

  it('lets a drill fault one member of a healthy cluster, and refuses when it would cost the quorum', () => {
    const ok3 = previewChange(healthy3, { kind: 'fault', drill: 'kill-leader', targets: ['n1'] });
    expect(ok3.problems).toEqual([]);
    expect(ok3.during).toMatchObject({ healthyVoters: 2, quorum: 2, canLose: 0, leader: null });
    expect(ok3.after).toEqual(ok3.before);
    expect(ok3.notes).toEqual(['while the fault lasts the cluster survives no further failure']);
    const degraded = previewChange(oneDown3, { kind: 'fault', drill: 'kill-leader', targets: ['n1'] });
    expect(codes(degraded)).toEqual(['QUORUM_LOST']);
    expect(codes(previewChange(oneDown3, { kind: 'fault', drill: 'kill-follower', targets: ['n3'] }))).toEqual(['UNREACHABLE']);
  });

  it('lets a write through with its records, carrying the risks its command names', () => {
    const records = { action: 'remove' as const, count: 2, what: 'clusters', sample: ['c1', 'c2'] };
    const p = previewChange(oneDown3, { kind: 'write', summary: 'prune 2 clusters', records });
    expect(p).toMatchObject({ problems: [], records, members: [{ id: 'n1', part: 'leader', caughtUp: true }] });
    const moved = previewChange(healthy3, { kind: 'write', summary: 'move zone=a', risks: [{ code: 'MOVES_DOMAIN', forceable: true, message: 'zone=a is on s1' }] });
    expect(decide(moved, false)).toMatchObject({ proceed: false, reason: 'zone=a is on s1' });
    expect(decide(moved, true)).toMatchObject({ proceed: true, overridden: [expect.objectContaining({ code: 'MOVES_DOMAIN' })] });
  });
});

// ---------------------------------------------------------------------------------------------
// Properties over random clusters
// ---------------------------------------------------------------------------------------------

type Health = 'ok' | 'down' | 'lagging';

/** A random cluster: 1–7 voters and 0–2 learners, each healthy, down or lagging; n1 leads when it is up. */
const clusterArb = fc
  .record({
    voters: fc.integer({ min: 1, max: 7 }),
    learners: fc.integer({ min: 0, max: 2 }),
    health: fc.array(fc.constantFrom<Health>('ok', 'ok', 'ok', 'down', 'lagging'), { minLength: 9, maxLength: 9 }),
    leaderUp: fc.boolean(),
  })
  .map(({ voters, learners, health, leaderUp }) => modelOf(voters, learners, [leaderUp ? 'ok' : 'down', ...health.slice(1)]));

const changeArb = (ids: readonly string[], learners: readonly string[]): fc.Arbitrary<ProposedChange> => {
  const id = fc.constantFrom(...ids, 'n9');
  // Mostly a newcomer to add and a learner to promote: with any member equally likely, the
  // approved promotions were so rare (1-4 in 1,500) that the check below failed now and then.
  const newcomer = fc.oneof({ arbitrary: fc.constant('n9'), weight: 3 }, { arbitrary: id, weight: 1 });
  const promotable = learners.length > 0 ? fc.oneof({ arbitrary: fc.constantFrom(...learners), weight: 3 }, { arbitrary: id, weight: 1 }) : id;
  return fc.oneof(
    fc.record({ kind: fc.constant('add-voter' as const), id: newcomer, address: fc.constant('127.0.0.1:7799') }),
    fc.record({ kind: fc.constant('add-learner' as const), id: newcomer, address: fc.constant('127.0.0.1:7799') }),
    fc.record({ kind: fc.constant('promote' as const), id: promotable }),
    fc.record({ kind: fc.constant('remove' as const), id }),
    fc.record({ kind: fc.constant('transfer' as const), to: fc.option(id, { nil: undefined }) }),
    fc.record({ kind: fc.constant('resize' as const), add: fc.subarray(['n10', 'n11', 'n12']), remove: fc.subarray([...ids]) }),
    fc.record({ kind: fc.constant('fault' as const), drill: fc.constant('kill-leader'), targets: fc.subarray([...ids], { minLength: 1, maxLength: Math.min(3, ids.length) }) }),
  );
};

const scenarioArb = clusterArb.chain((model) =>
  fc.tuple(
    fc.constant(model),
    changeArb(
      model.members.map((m) => m.id!),
      model.members.filter((m) => m.voter === false).map((m) => m.id!),
    ),
    fc.boolean(),
  ),
);

describe('the gate never approves an unsafe change', () => {
  it('never leaves fewer healthy voters than a quorum, an even count, or no tolerance where there was some', () => {
    const approved = new Map<string, number>();
    fc.assert(
      fc.property(scenarioArb, ([model, change, reachable]) => {
        const p = previewChange(model, change, { newcomer: { reachable } });
        if (!decide(p, false).proceed) return;
        approved.set(change.kind, (approved.get(change.kind) ?? 0) + 1);
        expect(model.quorum.available).toBe(true);
        if (p.after.voters.length > 0) expect(p.after.healthyVoters).toBeGreaterThanOrEqual(p.after.quorum);
        if (p.during !== undefined) expect(p.during.healthyVoters).toBeGreaterThanOrEqual(p.during.quorum);
        if (p.after.voters.length !== p.before.voters.length) {
          expect(p.after.voters.length % 2).toBe(1);
          if (p.before.canLose > 0) expect(p.after.canLose).toBeGreaterThan(0);
        }
        for (const m of p.members) if (m.part === 'promoted' || m.part === 'new leader' || m.part === 'fault target') expect(m.caughtUp).toBe(true);
      }),
      { numRuns: 1_500 },
    );
    // Not vacuous: every kind of change was approved some of the time.
    expect([...approved.keys()].sort()).toEqual(['add-learner', 'add-voter', 'fault', 'promote', 'remove', 'resize', 'transfer']);
  });

  it('approves nothing, even forced, without a quorum; and --force overrides only forceable problems', () => {
    fc.assert(
      fc.property(scenarioArb, ([model, change]) => {
        const p = previewChange(model, change, { newcomer: { reachable: true } });
        const forced = decide(p, true);
        if (!model.quorum.available) expect(forced.proceed).toBe(false);
        expect(forced.proceed).toBe(p.problems.every((x) => x.forceable));
        expect(decide(p, false).proceed).toBe(p.problems.length === 0);
      }),
      { numRuns: 1_000 },
    );
  });

  it('says how many failures the cluster survives, consistently with the quorum', () => {
    fc.assert(
      fc.property(scenarioArb, ([model, change]) => {
        const p = previewChange(model, change);
        for (const s of [p.before, p.after, ...(p.during ? [p.during] : [])]) {
          expect(s.quorum).toBe(s.voters.length === 0 ? 0 : Math.floor(s.voters.length / 2) + 1);
          expect(s.canLose).toBe(Math.max(0, s.healthyVoters - s.quorum));
        }
        expect(p.before.canLose).toBe(model.quorum.available ? model.quorum.failureTolerance : p.before.canLose);
      }),
      { numRuns: 500 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

function progress(id: string, over: Partial<FollowerProgress> = {}): FollowerProgress {
  return { id, match: 100, next: 101, state: 'replicate', recentActive: true, learner: false, lag: 0, ...over };
}

function fiveMembers(): StatusModel {
  return modelOf(5, 0, ['ok', 'ok', 'ok', 'ok', 'ok']);
}

/** A model of `voters` voters and `learners` learners, n1 the leader when it is up. */
function modelOf(voters: number, learners: number, health: readonly Health[]): StatusModel {
  const members: MemberInfo[] = Array.from({ length: voters + learners }, (_, i) => ({ id: `n${i + 1}`, address: `127.0.0.1:${7781 + i}`, voter: i < voters }));
  const leaderUp = health[0] !== 'down';
  const probes: EndpointStatus[] = members.map((m, i) => {
    const h = health[i] ?? 'ok';
    if (h === 'down' || (i > 0 && !leaderUp && h === 'lagging')) return down(m.address);
    if (i === 0) {
      const prog = members.slice(1).map((f, j) => progress(f.id, { learner: !f.voter, lag: health[j + 1] === 'lagging' ? 5_000 : 0 }));
      return ok(member('n1', { role: 'leader', address: m.address, members, progress: prog, lastContactMs: 0 }));
    }
    return ok(member(m.id, { address: m.address, members, leaderId: leaderUp ? 'n1' : '', lastContactMs: leaderUp ? 40 : 9_000 }));
  });
  return buildStatusModel(probes);
}
