/**
 * A new leader serves no read until an entry of its own term has committed (Raft dissertation
 * §6.4): until then its commit index may be short of what earlier leaders, or itself before a
 * crash, committed and acknowledged. Whatever the cluster size.
 */
import { describe, expect, it } from 'vitest';
import { TestMember, TestNetwork, bytes, text } from './harness.js';

const contexts = (m: TestMember) => m.readStates.map((r) => text(r.context));

/** Handles a lone member's Readies until it has none; its messages go nowhere. */
function drain(m: TestMember): void {
  while (m.node.hasReady()) m.handleReady();
}

describe('ReadIndex on a new leader', () => {
  it('a single voter restarted with a commit index short of what it applied serves no read below its own term', () => {
    const m = new TestMember('n1', ['n1']);
    m.node.campaign();
    drain(m);
    m.node.propose([bytes('acknowledged')]);
    drain(m);
    const write = m.appliedIndex;
    expect(m.applied.at(-1)?.index).toBe(write);

    // The write was applied and answered, but the hard state carrying its commit never reached disk.
    m.hard = { ...m.hard, commit: write - 1 };
    m.restart();
    m.node.campaign();
    expect(m.node.status().role).toBe('leader');
    m.node.readIndex(bytes('after-restart'));
    drain(m);
    expect(contexts(m)).toEqual(['after-restart']);
    expect(m.readStates[0]!.index).toBeGreaterThan(write);
  });

  it('a single voter with a learner obeys the same rule', () => {
    const m = new TestMember('n1', ['n1']);
    m.node.campaign();
    drain(m);
    m.node.proposeConfChange({ type: 'add-learner', node: 'n2' });
    m.node.propose([bytes('acknowledged')]);
    drain(m);
    const write = m.appliedIndex;
    m.hard = { ...m.hard, commit: write - 1 };
    m.restart();
    m.node.campaign();
    m.node.readIndex(bytes('r'));
    drain(m);
    expect(m.readStates.every((r) => r.index > write)).toBe(true);
    expect(contexts(m)).toEqual(['r']);
  });

  it('three voters restarted with stale commit indices: reads wait for the new leader\'s first commit, then see every write', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.get('n1').node.propose([bytes('acknowledged')]);
    net.settleCommitted();
    const write = net.get('n1').appliedIndex;
    for (const id of ['n1', 'n2', 'n3']) {
      net.crash(id);
      const m = net.get(id);
      m.hard = { ...m.hard, commit: write - 1 };
      net.revive(id);
    }
    // The new leader's entries do not reach the followers yet: nothing of its term commits.
    net.filter = (m) => !(m.type === 'app' && m.entries.length > 0 && m.from === 'n2');
    net.elect('n2');
    expect(net.leaders()).toEqual(['n2']);
    net.get('n2').node.readIndex(bytes('leader'));
    net.get('n3').node.readIndex(bytes('follower'));
    net.tick(3);
    expect(contexts(net.get('n2'))).toEqual([]);
    expect(contexts(net.get('n3'))).toEqual([]);

    net.filter = () => true;
    net.tick(2);
    expect(contexts(net.get('n2'))).toEqual(['leader']);
    expect(contexts(net.get('n3'))).toEqual(['follower']);
    for (const id of ['n2', 'n3']) expect(net.get(id).readStates[0]!.index).toBeGreaterThan(write);
  });
});
