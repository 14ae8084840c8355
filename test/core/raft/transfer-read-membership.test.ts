import { describe, expect, it } from 'vitest';
import { encodeConfChange } from '../../../src/core/raft/conf-change.js';
import { TestMember, TestNetwork, bytes, text } from './harness.js';

const normal = (net: TestNetwork, id: string) =>
  net.get(id).applied.filter((e) => e.type === 'normal').map((e) => text(e.data));

describe('leadership transfer', () => {
  it('hands leadership to a caught-up follower at once', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    expect(net.get('n1').node.transferLeader('n3')).toBeUndefined();
    net.settle();
    expect(net.leaders()).toEqual(['n3']);
  });

  it('catches a lagging target up first, and refuses proposals meanwhile', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.isolate('n3');
    for (let i = 0; i < 10; i++) net.get('n1').node.propose([bytes(`v${i}`)]);
    net.settle();
    net.get('n1').node.transferLeader('n3');
    expect(net.get('n1').node.propose([bytes('during')])).toEqual({ ok: false, error: 'transfer-in-progress' });
    net.heal();
    net.tick(3);
    expect(net.leaders()).toEqual(['n3']);
    expect(normal(net, 'n3')).toHaveLength(10);
  });

  it('abandons a transfer that does not finish within an election timeout', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.isolate('n3');
    net.get('n1').node.transferLeader('n3');
    net.tick(12);
    expect(net.leaders()).toEqual(['n1']);
    expect(net.get('n1').node.status().transferee).toBe('');
    expect(net.get('n1').node.propose([bytes('after')]).ok).toBe(true);
  });

  it('refuses a target that is not a voter', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    expect(net.get('n1').node.transferLeader('n9')).toBe('invalid-transferee');
    expect(net.get('n2').node.transferLeader('n3')).toBe('not-leader');
  });
});

describe('ReadIndex', () => {
  it('serves a leader read after a heartbeat round confirms leadership', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.get('n1').node.propose([bytes('x')]);
    net.settle();
    const commit = net.get('n1').node.status().commit;
    net.get('n1').node.readIndex(bytes('r1'));
    net.settle();
    const rs = net.get('n1').readStates;
    expect(rs.map((r) => text(r.context))).toEqual(['r1']);
    expect(rs[0]!.index).toBe(commit);
  });

  it('a follower forwards its read to the leader and gets the read index back', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.get('n2').node.readIndex(bytes('f1'));
    net.settle();
    expect(net.get('n2').readStates.map((r) => text(r.context))).toEqual(['f1']);
  });

  it('a leader cut off from its quorum serves no read', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.isolate('n1');
    net.get('n1').node.readIndex(bytes('stale'));
    net.tick(3);
    expect(net.get('n1').readStates).toEqual([]);
  });

  it('a new leader serves reads only once it has committed an entry of its term', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.filter = (m) => !(m.type === 'app' && m.entries.length > 0 && m.from === 'n2');
    net.elect('n2');
    expect(net.leaders()).toEqual(['n2']);
    net.get('n2').node.readIndex(bytes('early'));
    net.settle();
    expect(net.get('n2').readStates).toEqual([]);
    net.filter = () => true;
    net.tick(2);
    expect(net.get('n2').readStates.map((r) => text(r.context))).toEqual(['early']);
  });
});

describe('membership changes', () => {
  const addMember = (net: TestNetwork, id: string) => {
    const m = new TestMember(id, [], {}, 99);
    net.add(m);
    return m;
  };

  it('a learner replicates without voting, then is promoted once caught up', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    for (let i = 0; i < 5; i++) net.get('n1').node.propose([bytes(`v${i}`)]);
    net.settle();
    addMember(net, 'n4');
    expect(net.get('n1').node.proposeConfChange({ type: 'add-learner', node: 'n4' }).ok).toBe(true);
    net.tick(3);
    expect(net.get('n1').node.status().conf.learners).toEqual(['n4']);
    expect(normal(net, 'n4')).toHaveLength(5);
    const pr = net.get('n1').node.status().progress.get('n4')!;
    expect(pr.learner).toBe(true);
    expect(pr.match).toBe(net.get('n1').node.status().lastIndex);
    expect(net.get('n1').node.proposeConfChange({ type: 'add-voter', node: 'n4' }).ok).toBe(true);
    net.settleCommitted();
    expect(net.get('n4').node.status().conf.voters).toEqual(['n1', 'n2', 'n3', 'n4']);
  });

  it('a learner never campaigns', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    addMember(net, 'n4');
    net.get('n1').node.proposeConfChange({ type: 'add-learner', node: 'n4' });
    net.tick(3);
    net.isolate('n4');
    net.tick(50);
    expect(net.get('n4').node.status().role).toBe('follower');
  });

  it('allows one change at a time', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    expect(net.get('n1').node.proposeConfChange({ type: 'add-learner', node: 'n4' }).ok).toBe(true);
    expect(net.get('n1').node.proposeConfChange({ type: 'add-learner', node: 'n5' })).toEqual({ ok: false, error: 'conf-change-pending' });
    expect(net.get('n1').node.proposeConfChange({ type: 'remove', node: 'n9' }).ok).toBe(false);
  });

  it('refuses a conditional change once the configuration it was checked against has moved', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    const seen = net.get('n1').node.status().confIndex;
    expect(net.get('n1').node.proposeConfChange({ type: 'add-learner', node: 'n4' }, seen).ok).toBe(true);
    net.settleCommitted();
    const now = net.get('n1').node.status().confIndex;
    expect(now).toBeGreaterThan(seen);
    // The second change was checked against the membership before the first: refused, nothing appended.
    const last = net.get('n1').node.status().lastIndex;
    expect(net.get('n1').node.proposeConfChange({ type: 'add-learner', node: 'n5' }, seen)).toEqual({ ok: false, error: 'conf-changed' });
    expect(net.get('n1').node.status().lastIndex).toBe(last);
    expect(net.get('n1').node.proposeConfChange({ type: 'add-learner', node: 'n5' }, now).ok).toBe(true);
  });

  it('removing a follower shrinks the quorum', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.get('n1').node.proposeConfChange({ type: 'remove', node: 'n3' });
    net.settle();
    net.crash('n3');
    net.crash('n2');
    // With voters {n1, n2}, n1 alone is not a quorum: nothing commits.
    const before = net.get('n1').node.status().commit;
    net.get('n1').node.propose([bytes('x')]);
    net.settle();
    expect(net.get('n1').node.status().commit).toBe(before);
    expect(net.get('n1').node.status().conf.voters).toEqual(['n1', 'n2']);
  });

  it('removing the leader itself hands leadership to a caught-up voter', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.get('n1').node.proposeConfChange({ type: 'remove', node: 'n1' });
    net.tick(2);
    const [leader] = net.leaders();
    expect(['n2', 'n3']).toContain(leader);
    expect(net.get(leader!).node.status().conf.voters).toEqual(['n2', 'n3']);
    net.get(leader!).node.propose([bytes('after')]);
    net.settleCommitted();
    expect(normal(net, leader === 'n2' ? 'n3' : 'n2')).toEqual(['after']);
  });

  it('a restarted member re-applies committed membership changes before campaigning', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    addMember(net, 'n4');
    net.get('n1').node.proposeConfChange({ type: 'add-learner', node: 'n4', context: bytes('addr') });
    net.tick(3);
    net.crash('n2');
    net.revive('n2');
    expect(net.get('n2').node.confState().learners).toEqual(['n4']);
    expect(encodeConfChange({ type: 'remove', node: 'x' }).length).toBeGreaterThan(0);
  });
});
