import { describe, expect, it } from 'vitest';
import type { FollowerProgress, MemberInfo } from '../../../src/client/index.js';
import { decide, newcomerOf, previewChange, type ChangePreview } from '../../../src/ops/safety/gate.js';
import { buildStatusModel, type StatusModel } from '../../../src/ops/status.js';
import { down, leader, member, ok } from '../status-fixtures.js';

const codes = (p: ChangePreview) => p.problems.map((x) => x.code);

function progress(id: string, learner = false): FollowerProgress {
  return { id, match: 100, next: 101, state: 'replicate', recentActive: true, learner, lag: 0 };
}

/**
 * A healthy cluster led by n1 from `zone:id` pairs (n1 first); ids in `learners` are learners.
 * Each member reports its own zone; the membership (as the leader tells it) carries them too.
 */
function cluster(layout: string, learners: readonly string[] = []): StatusModel {
  const placed = layout.split(' ').map((pair) => pair.split(':') as [string, string]);
  const members: MemberInfo[] = placed.map(([zone, id]) => ({ id, address: `127.0.0.1:778${id.slice(1)}`, voter: !learners.includes(id), zone }));
  const statuses = placed.map(([zone, id]) =>
    id === 'n1'
      ? leader({ members, zone, progress: placed.filter(([, x]) => x !== 'n1').map(([, x]) => progress(x, learners.includes(x))) })
      : member(id, { members, zone }),
  );
  return buildStatusModel(statuses.map((s) => ok(s)));
}

describe('the placement gate (ZONE_MAJORITY)', () => {
  const fourOverTwo = cluster('a:n1 b:n2 a:n3 b:n4');

  it('refuses a voter that would put 3 of 5 voters in one zone, naming the zone', () => {
    const p = previewChange(fourOverTwo, { kind: 'add-voter', id: 'n5', address: '127.0.0.1:7785' }, { newcomer: { reachable: true, answeredAs: 'n5', zone: 'a' } });
    expect(codes(p)).toEqual(['ZONE_MAJORITY']);
    const d = decide(p, false);
    expect(d).toMatchObject({ proceed: false, forceable: true });
    expect(!d.proceed && d.reason).toBe('it puts 3 of 5 voters in zone a (n1, n3, n5): losing zone a alone would lose the quorum of 3; place the member in another zone');
    expect(decide(p, true)).toMatchObject({ proceed: true });
  });

  it('lets the same voter through in a third zone, or when its zone is unknown', () => {
    expect(previewChange(fourOverTwo, { kind: 'add-voter', id: 'n5', address: '127.0.0.1:7785' }, { newcomer: { reachable: true, answeredAs: 'n5', zone: 'c' } }).problems).toEqual([]);
    expect(previewChange(fourOverTwo, { kind: 'add-voter', id: 'n5', address: '127.0.0.1:7785' }, { newcomer: { reachable: true, answeredAs: 'n5' } }).problems).toEqual([]);
  });

  it('refuses promoting a learner of the crowded zone', () => {
    const withLearner = cluster('a:n1 b:n2 a:n3 b:n4 a:n5', ['n5']);
    const p = previewChange(withLearner, { kind: 'promote', id: 'n5' });
    expect(codes(p)).toEqual(['ZONE_MAJORITY']);
    expect(p.problems[0]!.message).toMatch(/^it puts 3 of 5 voters in zone a/);
  });

  it('refuses a removal that leaves a quorum in one zone: 4 voters to 3, two of them in zone a', () => {
    const p = previewChange(cluster('a:n1 a:n2 b:n3 c:n4'), { kind: 'remove', id: 'n4' });
    expect(codes(p)).toContain('ZONE_MAJORITY');
    expect(p.problems.find((x) => x.code === 'ZONE_MAJORITY')!.message).toMatch(/^it puts 2 of 3 voters in zone a \(n1, n2\)/);
  });

  it('weighs where a resize puts its new members', () => {
    const three = cluster('a:n1 b:n2 c:n3');
    expect(codes(previewChange(three, { kind: 'resize', add: ['n4', 'n5'], remove: [], zones: { n4: 'a', n5: 'b' } }))).toEqual([]);
    const crowded = previewChange(three, { kind: 'resize', add: ['n4', 'n5'], remove: [], zones: { n4: 'a', n5: 'a' } });
    expect(codes(crowded)).toEqual(['ZONE_MAJORITY']);
  });

  it('does not refuse what it did not cause, nor a cluster in a single zone or without zones', () => {
    // Zone a holds 3 of 5 already: removing n5 (zone b) keeps it a majority, and says nothing new.
    expect(codes(previewChange(cluster('a:n1 a:n2 a:n3 b:n4 b:n5 c:n6 c:n7'), { kind: 'remove', id: 'n7' }))).not.toContain('ZONE_MAJORITY');
    expect(codes(previewChange(cluster('a:n1 a:n2 a:n3 a:n4'), { kind: 'add-voter', id: 'n5', address: '127.0.0.1:7785' }, { newcomer: { reachable: true, answeredAs: 'n5', zone: 'a' } }))).toEqual([]);
    const unzoned = buildStatusModel([ok(leader()), ok(member('n2')), ok(member('n3'))]);
    expect(unzoned.zones).toBeNull();
    expect(codes(previewChange(unzoned, { kind: 'resize', add: ['n4', 'n5'], remove: [] }))).toEqual([]);
  });

  it('reads the newcomer\'s zone from its status answer', () => {
    expect(newcomerOf(ok(member('n5', { zone: 'a' })))).toEqual({ reachable: true, answeredAs: 'n5', zone: 'a' });
    expect(newcomerOf(ok(member('n5')))).toEqual({ reachable: true, answeredAs: 'n5' });
  });
});

/** A healthy cluster led by n1 from `region/zone:id` triples, each member reporting its own place. */
function regionCluster(layout: string): StatusModel {
  const placed = layout.split(' ').map((t) => {
    const [where, id] = t.split(':') as [string, string];
    const [region, zone] = where.split('/') as [string, string];
    return { id, region, zone };
  });
  const members: MemberInfo[] = placed.map((m) => ({ id: m.id, address: `127.0.0.1:778${m.id.slice(1)}`, voter: true, zone: m.zone, region: m.region }));
  return buildStatusModel(
    placed.map((m) =>
      ok(m.id === 'n1' ? leader({ members, zone: m.zone, region: m.region, progress: placed.slice(1).map((x) => progress(x.id)) }) : member(m.id, { members, zone: m.zone, region: m.region })),
    ),
  );
}

describe('the placement gate (REGION_MAJORITY)', () => {
  const fourOverTwoRegions = regionCluster('us/a:n1 eu/b:n2 us/c:n3 eu/d:n4');

  it('refuses a voter that would put 3 of 5 voters in one region, though every zone differs', () => {
    const p = previewChange(fourOverTwoRegions, { kind: 'add-voter', id: 'n5', address: '127.0.0.1:7785' }, { newcomer: { reachable: true, answeredAs: 'n5', zone: 'e', region: 'us' } });
    expect(codes(p)).toEqual(['REGION_MAJORITY']);
    const d = decide(p, false);
    expect(!d.proceed && d.reason).toBe('it puts 3 of 5 voters in region us (n1, n3, n5): losing region us alone would lose the quorum of 3; place the member in another region');
    expect(decide(p, true)).toMatchObject({ proceed: true });
    expect(previewChange(fourOverTwoRegions, { kind: 'add-voter', id: 'n5', address: '127.0.0.1:7785' }, { newcomer: { reachable: true, answeredAs: 'n5', zone: 'e', region: 'ap' } }).problems).toEqual([]);
  });

  it('weighs the regions a resize puts its new members in', () => {
    const three = regionCluster('us/a:n1 eu/b:n2 ap/c:n3');
    const crowded = previewChange(three, { kind: 'resize', add: ['n4', 'n5'], remove: [], zones: { n4: 'd', n5: 'e' }, regions: { n4: 'us', n5: 'us' } });
    expect(codes(crowded)).toEqual(['REGION_MAJORITY']);
    expect(codes(previewChange(three, { kind: 'resize', add: ['n4', 'n5'], remove: [], zones: { n4: 'd', n5: 'e' }, regions: { n4: 'us', n5: 'eu' } }))).toEqual([]);
  });

  it('says nothing of regions when every voter is in one', () => {
    const oneRegion = regionCluster('us/a:n1 us/b:n2 us/c:n3 us/a:n4');
    expect(codes(previewChange(oneRegion, { kind: 'add-voter', id: 'n5', address: '127.0.0.1:7785' }, { newcomer: { reachable: true, answeredAs: 'n5', zone: 'b', region: 'us' } }))).toEqual([]);
    expect(newcomerOf(ok(member('n5', { zone: 'a', region: 'us' })))).toEqual({ reachable: true, answeredAs: 'n5', zone: 'a', region: 'us' });
    // A newcomer that names no region does not make one region a majority of two (seen end to end in zones.long.test.ts).
    expect(codes(previewChange(oneRegion, { kind: 'add-voter', id: 'n5', address: '127.0.0.1:7785' }, { newcomer: { reachable: true, answeredAs: 'n5', zone: 'b' } }))).toEqual([]);
  });
});

describe('the status model with zones', () => {
  it('gives every member its zone and region, and the per-zone tolerance', () => {
    const m = cluster('a:n1 b:n2 c:n3 a:n4 b:n5');
    expect(m.members.map((r) => [r.id, r.zone])).toEqual([['n1', 'a'], ['n2', 'b'], ['n3', 'c'], ['n4', 'a'], ['n5', 'b']]);
    expect(m.zones).toMatchObject({ canLose: 1, summary: 'survives the loss of any 1 zone' });
  });

  it('keeps the zone of a member that does not answer, as the others heard it', () => {
    const members: MemberInfo[] = ['a:n1', 'b:n2', 'c:n3'].map((pair) => {
      const [zone, id] = pair.split(':') as [string, string];
      return { id, address: `127.0.0.1:778${id.slice(1)}`, voter: true, zone, region: 'eu' };
    });
    const m = buildStatusModel([ok(leader({ members, zone: 'a', region: 'eu' })), ok(member('n2', { members: members.map(({ zone: _z, region: _r, ...rest }) => rest), zone: 'b', region: 'eu' })), down('127.0.0.1:7783')]);
    expect(m.members.find((r) => r.id === 'n3')).toMatchObject({ role: 'unreachable', zone: 'c', region: 'eu' });
    expect(m.zones).toMatchObject({ canLose: 0, critical: ['a', 'b'], summary: 'losing zone a or b loses quorum' });
  });
});
