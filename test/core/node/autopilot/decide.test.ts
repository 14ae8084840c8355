import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideAutopilot, type AutopilotInput } from '../../../../src/core/node/autopilot/decide.js';
import type { MemberHealth } from '../../../../src/core/node/autopilot/health.js';
import { DEFAULT_AUTOPILOT, type AutopilotSettings } from '../../../../src/core/node/autopilot/settings.js';

const ON: AutopilotSettings = { ...DEFAULT_AUTOPILOT, autoPromoteLearners: true, cleanupDeadMembers: true };

function health(id: string, over: Partial<MemberHealth> = {}): MemberHealth {
  return { id, voter: true, lastContactMs: 10, trailingEntries: 0, trailingMs: 0, healthy: true, stable: true, dead: false, healthySince: 0, ...over };
}
const dead = (id: string, voter = true) => health(id, { voter, healthy: false, stable: false, dead: true, lastContactMs: 400_000, healthySince: null });

function input(voters: string[], learners: string[], members: MemberHealth[], over: Partial<AutopilotInput> = {}): AutopilotInput {
  return { settings: ON, health: members, voters, learners, leader: 'n1', changePending: false, ...over };
}

describe('decideAutopilot: promotion', () => {
  it('promotes a stable learner when auto-promotion is on', () => {
    const d = decideAutopilot(input(['n1', 'n2', 'n3'], ['n4'], [health('n1'), health('n2'), health('n3'), health('n4', { voter: false })]));
    expect(d.action).toMatchObject({ kind: 'promote', id: 'n4' });
  });

  it('leaves a learner that is healthy but not yet stable', () => {
    const d = decideAutopilot(input(['n1'], ['n2'], [health('n1'), health('n2', { voter: false, stable: false })]));
    expect(d.action).toBeUndefined();
  });

  it('promotes nothing when auto-promotion is off (the default)', () => {
    const d = decideAutopilot(input(['n1'], ['n2'], [health('n1'), health('n2', { voter: false })], { settings: { ...ON, autoPromoteLearners: false } }));
    expect(d.action).toBeUndefined();
  });

  it('does nothing while a configuration change is pending, and says so', () => {
    const d = decideAutopilot(input(['n1'], ['n2'], [health('n1'), health('n2', { voter: false })], { changePending: true }));
    expect(d.action).toBeUndefined();
    expect(d.held[0]).toMatch(/^promote n2 waits for the configuration change in flight/);
  });

  it('says nothing is held when a change is pending but none is due (a fresh cluster)', () => {
    const d = decideAutopilot(input(['n1', 'n2', 'n3'], [], [health('n1'), health('n2'), health('n3')], { changePending: true }));
    expect(d).toEqual({ action: undefined, held: [] });
  });

  it('never promotes a read replica, however stable, but still promotes the learner after it', () => {
    const members = [health('n1'), health('n2'), health('n3'), health('r1', { voter: false }), health('r2', { voter: false })];
    expect(decideAutopilot(input(['n1', 'n2', 'n3'], ['r1'], members, { replicas: ['r1'] })).action).toBeUndefined();
    expect(decideAutopilot(input(['n1', 'n2', 'n3'], ['r1', 'r2'], members, { replicas: ['r1'] })).action).toMatchObject({ kind: 'promote', id: 'r2' });
  });

  it('promotes before it removes: one change at a time, the one that adds safety first', () => {
    const d = decideAutopilot(input(['n1', 'n2', 'n3', 'n4', 'n5'], ['n6'], [health('n1'), health('n2'), health('n3'), health('n4'), dead('n5'), health('n6', { voter: false })]));
    expect(d.action).toMatchObject({ kind: 'promote', id: 'n6' });
  });
});

describe('decideAutopilot: preferred leader region', () => {
  const PREFER_EU: AutopilotSettings = { ...ON, preferredRegion: 'eu' };
  const regions = { n1: 'us', n2: 'eu', n3: 'eu', r1: 'eu' };
  const three = [health('n1'), health('n2'), health('n3'), health('r1', { voter: false })];

  it('hands leadership to a stable, caught-up voter of the preferred region', () => {
    const d = decideAutopilot(input(['n1', 'n2', 'n3'], [], three, { settings: PREFER_EU, regions }));
    expect(d.action).toMatchObject({ kind: 'transfer', id: 'n2' });
  });

  it('waits while the voters there trail or are not yet stable, and never picks a replica', () => {
    const members = [health('n1'), health('n2', { trailingEntries: 3 }), health('n3', { stable: false }), health('r1', { voter: false })];
    const d = decideAutopilot(input(['n1', 'n2', 'n3'], ['r1'], members, { settings: PREFER_EU, regions, replicas: ['r1'] }));
    expect(d.action).toBeUndefined();
    expect(d.held).toEqual(['the leader runs outside the preferred region eu; no voter there is stable and caught up yet (n2, n3)']);
  });

  it('does nothing when the leader is home, no region is preferred, or a membership change comes first', () => {
    expect(decideAutopilot(input(['n1', 'n2', 'n3'], [], three, { settings: PREFER_EU, regions: { ...regions, n1: 'eu' } })).action).toBeUndefined();
    expect(decideAutopilot(input(['n1', 'n2', 'n3'], [], three, { regions })).action).toBeUndefined();
    expect(decideAutopilot(input(['n1', 'n2', 'n3'], ['n4'], [...three, health('n4', { voter: false })], { settings: PREFER_EU, regions })).action).toMatchObject({ kind: 'promote', id: 'n4' });
    expect(decideAutopilot(input(['n1', 'n2', 'n3'], [], three, { settings: { ...PREFER_EU, preferredRegion: 'ap' }, regions })).held).toEqual(['the leader runs outside the preferred region ap, and no voter runs in it']);
  });
});

describe('decideAutopilot: dead-member cleanup', () => {
  it('removes a dead voter of five (four remain, above the minimum quorum of three)', () => {
    const d = decideAutopilot(input(['n1', 'n2', 'n3', 'n4', 'n5'], [], [health('n1'), health('n2'), health('n3'), health('n4'), dead('n5')]));
    expect(d.action).toMatchObject({ kind: 'remove', id: 'n5' });
  });

  it('keeps a dead voter of three: removing it would go below the minimum quorum', () => {
    const d = decideAutopilot(input(['n1', 'n2', 'n3'], [], [health('n1'), health('n2'), dead('n3')]));
    expect(d.action).toBeUndefined();
    expect(d.held).toEqual(['n3 is dead but stays: removing it would leave 2 voters, below the minimum quorum of 3']);
  });

  it('removes a dead voter of three when the operator lowered the minimum quorum to two', () => {
    const d = decideAutopilot(input(['n1', 'n2', 'n3'], [], [health('n1'), health('n2'), dead('n3')], { settings: { ...ON, minQuorum: 2 } }));
    expect(d.action).toMatchObject({ kind: 'remove', id: 'n3' });
  });

  it('reports a dead voter but removes nothing while cleanup is off (the default)', () => {
    const d = decideAutopilot(input(['n1', 'n2', 'n3', 'n4', 'n5'], [], [health('n1'), health('n2'), health('n3'), health('n4'), dead('n5')], { settings: DEFAULT_AUTOPILOT }));
    expect(d.action).toBeUndefined();
    expect(d.held).toEqual(['n5 is dead; dead-member cleanup is off']);
  });

  it('never removes the leader, even if its own record says dead', () => {
    const d = decideAutopilot(input(['n1', 'n2', 'n3', 'n4', 'n5'], [], [dead('n1'), health('n2'), health('n3'), health('n4'), health('n5')]));
    expect(d.action).toBeUndefined();
  });

  it('removes a dead learner whatever the voter count: it holds no vote', () => {
    const d = decideAutopilot(input(['n1', 'n2', 'n3'], ['n4'], [health('n1'), health('n2'), health('n3'), dead('n4', false)]));
    expect(d.action).toMatchObject({ kind: 'remove', id: 'n4' });
  });

  it('refuses a removal that would leave the alive voters short of a majority of the smaller configuration', () => {
    // Seven voters, four dead, minimum quorum 1: a leader could not lead so, but the rule must hold on its own.
    const members = [health('n1'), health('n2'), health('n3'), dead('n4'), dead('n5'), dead('n6'), dead('n7')];
    const d = decideAutopilot(input(['n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7'], [], members, { settings: { ...ON, minQuorum: 1 } }));
    expect(d.action).toBeUndefined();
    expect(d.held[0]).toMatch(/only 3 of the 6 voters left would be alive, fewer than the 4/);
  });
});

/** Clusters of 1-7 voters and 0-2 learners, each member alive, stable or dead at random. */
const arbitraryCluster = fc
  .record({
    voters: fc.integer({ min: 1, max: 7 }),
    learners: fc.integer({ min: 0, max: 2 }),
    states: fc.array(fc.constantFrom('stable', 'healthy', 'dead'), { minLength: 9, maxLength: 9 }),
    minQuorum: fc.integer({ min: 1, max: 5 }),
    promote: fc.boolean(),
    cleanup: fc.boolean(),
    pending: fc.boolean(),
  })
  .map((c) => {
    const voters = Array.from({ length: c.voters }, (_, i) => `n${i + 1}`);
    const learners = Array.from({ length: c.learners }, (_, i) => `l${i + 1}`);
    const members = [...voters, ...learners].map((id, i) => {
      const state = id === 'n1' ? 'stable' : c.states[i]!;
      return state === 'dead' ? dead(id, voters.includes(id)) : health(id, { voter: voters.includes(id), stable: state === 'stable' });
    });
    // The first learner is a read replica in every other cluster.
    const replicas = c.voters % 2 === 0 ? learners.slice(0, 1) : [];
    return input(voters, learners, members, { settings: { ...ON, minQuorum: c.minQuorum, autoPromoteLearners: c.promote, cleanupDeadMembers: c.cleanup }, changePending: c.pending, replicas });
  });

describe('decideAutopilot: properties', () => {
  it('never leaves fewer voters than the minimum quorum, never touches the leader, acts only when allowed', () => {
    fc.assert(
      fc.property(arbitraryCluster, (inp) => {
        const { action } = decideAutopilot(inp);
        if (action === undefined) return;
        expect(inp.changePending).toBe(false);
        expect(action.id).not.toBe(inp.leader);
        const h = inp.health.find((m) => m.id === action.id)!;
        if (action.kind === 'promote') {
          expect(inp.settings.autoPromoteLearners).toBe(true);
          expect(inp.learners).toContain(action.id);
          expect(inp.replicas ?? []).not.toContain(action.id);
          expect(h.stable && !h.dead).toBe(true);
          return;
        }
        expect(inp.settings.cleanupDeadMembers).toBe(true);
        expect(h.dead).toBe(true);
        if (inp.voters.includes(action.id)) {
          const remaining = inp.voters.filter((v) => v !== action.id);
          expect(remaining.length).toBeGreaterThanOrEqual(inp.settings.minQuorum);
          const alive = remaining.filter((v) => !inp.health.find((m) => m.id === v)!.dead).length;
          expect(alive).toBeGreaterThan(remaining.length / 2);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('is deterministic whatever the order the members come in', () => {
    fc.assert(
      fc.property(arbitraryCluster, (inp) => {
        expect(decideAutopilot({ ...inp, health: [...inp.health].reverse() })).toEqual(decideAutopilot(inp));
      }),
      { numRuns: 500 },
    );
  });
});
