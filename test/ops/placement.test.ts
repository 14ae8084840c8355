import { describe, expect, it } from 'vitest';
import { placementLabelProblem } from '../../src/common/placement.js';
import { emptiestZone, spreadOverZones, zoneMajority, zoneSlots, zoneTolerance, type PlacedVoter } from '../../src/ops/placement.js';

/** Voters from `zone:id` pairs; ids listed in `down` are unhealthy. */
function voters(layout: string, down: readonly string[] = []): PlacedVoter[] {
  return layout.split(' ').map((pair) => {
    const [zone, id] = pair.split(':') as [string, string];
    return { id, zone: zone === '-' ? null : zone, healthy: !down.includes(id) };
  });
}

const FIVE_OVER_THREE = 'a:n1 b:n2 c:n3 a:n4 b:n5';

describe('zoneTolerance', () => {
  it('is undefined when no voter has a zone', () => {
    expect(zoneTolerance(voters('-:n1 -:n2 -:n3'))).toBeUndefined();
  });

  it('survives the loss of any one zone: five voters over three zones, all healthy', () => {
    const z = zoneTolerance(voters(FIVE_OVER_THREE))!;
    expect(z).toMatchObject({ quorum: 3, healthyVoters: 5, canLose: 1, critical: [], summary: 'survives the loss of any 1 zone' });
    expect(z.zones).toEqual([
      { zone: 'a', voters: ['n1', 'n4'], healthy: ['n1', 'n4'] },
      { zone: 'b', voters: ['n2', 'n5'], healthy: ['n2', 'n5'] },
      { zone: 'c', voters: ['n3'], healthy: ['n3'] },
    ]);
  });

  it('names the zones it can no longer lose once a member is down', () => {
    const z = zoneTolerance(voters(FIVE_OVER_THREE, ['n3']))!;
    expect(z).toMatchObject({ healthyVoters: 4, canLose: 0, critical: ['a', 'b'], summary: 'losing zone a or b loses quorum' });
    // A member down in zone a: zone c (n3) is still affordable, a and b are not.
    expect(zoneTolerance(voters(FIVE_OVER_THREE, ['n1']))).toMatchObject({ canLose: 0, critical: ['b'], summary: 'losing zone b loses quorum' });
  });

  it('counts zones lost together: seven voters over seven zones survive any three', () => {
    const z = zoneTolerance(voters('a:n1 b:n2 c:n3 d:n4 e:n5 f:n6 g:n7'))!;
    expect(z).toMatchObject({ quorum: 4, canLose: 3, summary: 'survives the loss of any 3 zones' });
  });

  it('says so when every voter is in one zone, and when there is no quorum now', () => {
    expect(zoneTolerance(voters('a:n1 a:n2 a:n3'))!.summary).toBe('every voter is in zone a: losing it loses quorum');
    const none = zoneTolerance(voters('a:n1 b:n2 c:n3', ['n1', 'n2']))!;
    expect(none).toMatchObject({ canLose: 0, critical: ['a', 'b', 'c'] });
    expect(none.summary).toMatch(/^no quorum now/);
  });

  it('puts voters without a zone in one domain of their own, listed last', () => {
    const z = zoneTolerance(voters('a:n1 -:n2 -:n3'))!;
    expect(z.zones.map((g) => g.zone)).toEqual(['a', '']);
    expect(z).toMatchObject({ canLose: 0, critical: [''], summary: 'losing zone (no zone) loses quorum' });
  });

  it('agrees with brute force over every loss of zones (random layouts)', () => {
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31), seed % n);
    for (let run = 0; run < 300; run++) {
      const n = 1 + rand(7);
      const vs: PlacedVoter[] = Array.from({ length: n }, (_, i) => ({ id: `n${i + 1}`, zone: 'abcd'[rand(4)]!, healthy: rand(5) > 0 }));
      const z = zoneTolerance(vs)!;
      const names = z.zones.map((g) => g.zone);
      const survives = (lost: readonly string[]) => vs.filter((v) => v.healthy && !lost.includes(v.zone!)).length >= z.quorum;
      const subsets = (k: number): string[][] => (k === 0 ? [[]] : names.flatMap((x, i) => subsets(k - 1).filter((s) => s.every((y) => names.indexOf(y) > i)).map((s) => [x, ...s])));
      let expected = 0;
      for (let k = 1; k < names.length && subsets(k).every(survives); k++) expected = k;
      if (!survives([])) expected = 0;
      expect(z.canLose, JSON.stringify(vs)).toBe(expected);
      expect(z.critical).toEqual(names.filter((x) => !survives([x])));
    }
  });
});

describe('zoneMajority', () => {
  it('finds the zone holding a quorum of the voters: 3 of 5 in zone a', () => {
    expect(zoneMajority(voters('a:n1 b:n2 a:n4 b:n5 a:n6'))).toEqual({ zone: 'a', voters: ['n1', 'n4', 'n6'], total: 5, quorum: 3 });
  });

  it('finds none when the voters are spread, in one zone only, or without zones', () => {
    expect(zoneMajority(voters(FIVE_OVER_THREE))).toBeUndefined();
    expect(zoneMajority(voters('a:n1 a:n2 a:n3'))).toBeUndefined();
    expect(zoneMajority(voters('-:n1 -:n2 -:n3'))).toBeUndefined();
    // Half of an even count is no quorum.
    expect(zoneMajority(voters('a:n1 a:n2 b:n3 c:n4'))).toBeUndefined();
  });

  it('never counts the voters without a zone as a majority zone', () => {
    expect(zoneMajority(voters('-:n1 -:n2 a:n3'))).toBeUndefined();
    expect(zoneMajority(voters('a:n1 a:n2 -:n3'))).toMatchObject({ zone: 'a' });
  });
});

describe('laying out a local cluster', () => {
  it('spreads members round-robin over the zones, in their regions', () => {
    const slots = zoneSlots(['a', 'b', 'c'], ['r1', 'r2', 'r3'], 'local', placementLabelProblem);
    expect(spreadOverZones(5, slots).map((s) => `${s!.region}/${s!.zone}`)).toEqual(['r1/a', 'r2/b', 'r3/c', 'r1/a', 'r2/b']);
    expect(zoneSlots(['a', 'b'], [], 'local', placementLabelProblem)).toEqual([{ zone: 'a', region: 'local' }, { zone: 'b', region: 'local' }]);
    expect(zoneSlots(['a', 'b'], ['eu'], 'local', placementLabelProblem).map((s) => s.region)).toEqual(['eu', 'eu']);
    expect(spreadOverZones(2, [])).toEqual([undefined, undefined]);
  });

  it('refuses bad lists with one line naming the flag', () => {
    expect(() => zoneSlots(['a', 'b'], ['r1', 'r2', 'r3'], 'local', placementLabelProblem)).toThrow('--regions names 3 regions for 2 zones: give one region, or one per zone');
    expect(() => zoneSlots(['a', 'a'], [], 'local', placementLabelProblem)).toThrow('--zones names a twice');
    expect(() => zoneSlots(['a', 'b c'], [], 'local', placementLabelProblem)).toThrow(/^--zones must be a label .* got 'b c'$/);
    expect(() => zoneSlots(['a', ''], [], 'local', placementLabelProblem)).toThrow(/--zones must be a label/);
    expect(() => zoneSlots([], ['r1'], 'local', placementLabelProblem)).toThrow('--regions needs --zones');
  });

  it('puts a new member in the zone with the fewest members', () => {
    const slots = zoneSlots(['a', 'b', 'c'], [], 'local', placementLabelProblem);
    expect(emptiestZone(slots, ['a', 'b', 'c', 'a'])?.zone).toBe('b');
    expect(emptiestZone(slots, ['a', 'b', undefined])?.zone).toBe('c');
    expect(emptiestZone([], ['a'])).toBeUndefined();
  });
});
