import { describe, expect, it } from 'vitest';
import { addressOfPeerUrls, ETCD_MEMBER_ERRORS as E, etcdReconfigProblem, memberIdOfAddress, startedMembers, type ReconfigView } from '../../../../src/core/server/etcd-api/etcd-reconfig.js';

/** A cluster led by n1: `voters` and `learners` by id, `down` heard from by no one lately, `match` per follower (default: the last index). */
function view(voters: string[], learners: string[] = [], down: string[] = [], match: Record<string, number> = {}): ReconfigView {
  const members = [...voters.map((id) => ({ id, address: `h:${id.slice(1)}`, voter: true })), ...learners.map((id) => ({ id, address: `h:${id.slice(1)}`, voter: false }))];
  const progress = members.filter((m) => m.id !== 'n1').map((m) => ({ id: m.id, match: match[m.id] ?? 100 }));
  return { self: 'n1', members, started: members.map((m) => m.id).filter((id) => !down.includes(id)), progress, lastIndex: 100 };
}

describe("etcd's reconfiguration rules over the leader's view", () => {
  it('adds a voter while the started voters stay a quorum of the larger cluster, a learner always', () => {
    expect(etcdReconfigProblem(view(['n1', 'n2', 'n3']), { kind: 'add', id: 'n4', address: 'h:4', learner: false })).toBeUndefined();
    expect(etcdReconfigProblem(view(['n1']), { kind: 'add', id: 'n2', address: 'h:2', learner: false }), 'one to two, as etcd allows').toBeUndefined();
    // 3 of 5 voters up, a sixth: 3 + the newcomer = 4 = quorum of 6.
    expect(etcdReconfigProblem(view(['n1', 'n2', 'n3', 'n4', 'n5'], [], ['n4', 'n5']), { kind: 'add', id: 'n6', address: 'h:6', learner: false })).toBeUndefined();
    expect(etcdReconfigProblem(view(['n1', 'n2', 'n3', 'n4', 'n5'], [], ['n3', 'n4', 'n5']), { kind: 'add', id: 'n6', address: 'h:6', learner: false })).toBe(E.notEnoughStarted);
    expect(etcdReconfigProblem(view(['n1', 'n2', 'n3'], [], ['n2', 'n3']), { kind: 'add', id: 'n4', address: 'h:4', learner: false })).toBe(E.notEnoughStarted);
    expect(etcdReconfigProblem(view(['n1', 'n2', 'n3'], [], ['n2', 'n3']), { kind: 'add', id: 'n4', address: 'h:4', learner: true })).toBeUndefined();
  });

  it('refuses an id or an address a member holds', () => {
    expect(etcdReconfigProblem(view(['n1', 'n2', 'n3']), { kind: 'add', id: 'n2', address: 'h:9', learner: true })).toBe(E.memberExist);
    expect(etcdReconfigProblem(view(['n1', 'n2', 'n3']), { kind: 'add', id: 'n9', address: 'h:2', learner: true })).toBe(E.peerUrlExist);
    expect(etcdReconfigProblem(view(['n1', 'n2', 'n3']), { kind: 'update', id: 'n3', address: 'h:2' })).toBe(E.peerUrlExist);
    expect(etcdReconfigProblem(view(['n1', 'n2', 'n3']), { kind: 'update', id: 'n3', address: 'h:3' })).toBeUndefined();
  });

  it('removes a voter only while the others started stay a quorum of the rest; a learner or a down voter freely', () => {
    expect(etcdReconfigProblem(view(['n1', 'n2', 'n3']), { kind: 'remove', id: 'n3' })).toBeUndefined();
    expect(etcdReconfigProblem(view(['n1', 'n2', 'n3'], [], ['n3']), { kind: 'remove', id: 'n3' }), 'the one that is down').toBeUndefined();
    expect(etcdReconfigProblem(view(['n1', 'n2', 'n3'], [], ['n3']), { kind: 'remove', id: 'n2' }), 'leaves n1 of n1, n3').toBe(E.notEnoughStarted);
    expect(etcdReconfigProblem(view(['n1', 'n2', 'n3'], ['n4'], ['n2', 'n3']), { kind: 'remove', id: 'n4' })).toBeUndefined();
    expect(etcdReconfigProblem(view(['n1']), { kind: 'remove', id: 'n1' }), 'the last voter').toBe(E.notEnoughStarted);
    expect(etcdReconfigProblem(view(['n1', 'n2', 'n3']), { kind: 'remove', id: 'n7' })).toBe(E.memberNotFound);
  });

  it('promotes a learner in sync with the leader, and only a learner', () => {
    expect(etcdReconfigProblem(view(['n1', 'n2', 'n3'], ['n4']), { kind: 'promote', id: 'n4' })).toBeUndefined();
    expect(etcdReconfigProblem(view(['n1', 'n2', 'n3'], ['n4'], [], { n4: 89 }), { kind: 'promote', id: 'n4' })).toBe(E.learnerNotReady);
    expect(etcdReconfigProblem(view(['n1', 'n2', 'n3'], ['n4'], ['n4']), { kind: 'promote', id: 'n4' }), 'not heard from').toBe(E.learnerNotReady);
    expect(etcdReconfigProblem(view(['n1', 'n2', 'n3'], ['n4'], ['n2', 'n3']), { kind: 'promote', id: 'n4' })).toBe(E.notEnoughStarted);
    expect(etcdReconfigProblem(view(['n1', 'n2', 'n3']), { kind: 'promote', id: 'n2' })).toBe(E.memberNotLearner);
    expect(etcdReconfigProblem(view(['n1', 'n2', 'n3']), { kind: 'promote', id: 'n9' })).toBe(E.memberNotFound);
  });
});

describe('the members the leader heard from', () => {
  it("are autopilot's within its contact threshold once it has assessed, else Raft's active marks; the leader always", () => {
    const progress = [{ id: 'n2', recentActive: true }, { id: 'n3', recentActive: false }] as never;
    expect(startedMembers({ id: 'n1', progress, autopilot: undefined })).toEqual(['n1', 'n2']);
    const health = [{ id: 'n1', lastContactMs: 0 }, { id: 'n2', lastContactMs: 2_500 }, { id: 'n3', lastContactMs: 40 }];
    expect(startedMembers({ id: 'n1', progress, autopilot: { settings: { lastContactThresholdMs: 2_000 }, health } as never })).toEqual(['n1', 'n3']);
  });
});

describe('peer URLs and the ids made of them', () => {
  it('takes one http(s) URL with a port and no path', () => {
    expect(addressOfPeerUrls(['http://127.0.0.1:7004'])).toBe('127.0.0.1:7004');
    expect(addressOfPeerUrls(['https://node-4.example:2380'])).toBe('node-4.example:2380');
    expect(addressOfPeerUrls(['http://[::1]:7004'])).toBe('[::1]:7004');
    for (const bad of [[], ['http://a:1', 'http://b:2'], ['127.0.0.1:7004'], ['unix://x:1'], ['http://a'], ['http://a:1/p'], ['http://u@a:1'], ['http://a:99999'], ['not a url']]) {
      expect(addressOfPeerUrls(bad), JSON.stringify(bad)).toBeUndefined();
    }
  });

  it('makes a valid member id of any address', () => {
    expect(memberIdOfAddress('127.0.0.1:7004')).toBe('127.0.0.1-7004');
    expect(memberIdOfAddress('[::1]:7004')).toBe('1--7004');
    expect(memberIdOfAddress(`${'a'.repeat(80)}:1`)).toHaveLength(63);
  });
});
