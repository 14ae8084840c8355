/**
 * ReadIndex (Raft dissertation §6.4): which confirmation may release which read. Requests'
 * contexts come from many members and may repeat; the leader's heartbeat rounds may not.
 */
import { describe, expect, it } from 'vitest';
import type { Message } from '../../../src/core/raft/types.js';
import { TestMember, TestNetwork, bytes, text } from './harness.js';

const contexts = (m: TestMember) => m.readStates.map((r) => text(r.context));

/** Drops every heartbeat answer to `leader`, keeping a copy, so a test can deliver them later. */
function holdReadAcks(net: TestNetwork, leader: string): Message[] {
  const held: Message[] = [];
  net.filter = (m) => {
    if (m.type !== 'heartbeat-resp' || m.to !== leader || !m.context) return true;
    held.push(m);
    return false;
  };
  return held;
}

describe('ReadIndex contexts', () => {
  it('serves reads with the same context from different members, none dropped as a duplicate', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    // Each member numbers its requests itself: the same bytes can come from several members.
    for (const id of ['n1', 'n2', 'n3']) net.get(id).node.readIndex(bytes('1'));
    net.settle();
    for (const id of ['n1', 'n2', 'n3']) expect(contexts(net.get(id))).toEqual(['1']);
  });

  it('an answer to a heartbeat sent before a read arrived never confirms that read, whatever its context', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    const held = holdReadAcks(net, 'n1');
    net.get('n1').node.readIndex(bytes('r'));
    net.settle();
    for (const m of held) net.get('n1').node.step(m);
    net.settle();
    expect(contexts(net.get('n1'))).toEqual(['r']);
    const oldAnswers = [...held];

    // n1 is cut off (a new leader may be committing writes it never sees), and a read with
    // the same context arrives: the old round's answers, delivered late, prove nothing about now.
    net.isolate('n1');
    net.get('n1').node.readIndex(bytes('r'));
    net.settle();
    for (const m of oldAnswers) net.get('n1').node.step(m);
    net.settle();
    expect(contexts(net.get('n1'))).toEqual(['r']);
  });

  it('a round confirms only the reads queued before it was sent; later reads wait for a later round', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    const held = holdReadAcks(net, 'n1');
    net.get('n1').node.readIndex(bytes('a'));
    net.settle();
    const firstRound = held.splice(0);
    net.get('n1').node.readIndex(bytes('b'));
    net.settle();
    expect(held.length).toBeGreaterThan(0);

    for (const m of firstRound) net.get('n1').node.step(m);
    net.settle();
    expect(contexts(net.get('n1'))).toEqual(['a']);
    for (const m of held.splice(0)) net.get('n1').node.step(m);
    net.settle();
    expect(contexts(net.get('n1'))).toEqual(['a', 'b']);
  });

  it('a heartbeat round sent at a tick retries the reads whose own round was lost', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    holdReadAcks(net, 'n1');
    net.get('n1').node.readIndex(bytes('lost'));
    net.settle();
    net.filter = () => true;
    net.tick();
    expect(contexts(net.get('n1'))).toEqual(['lost']);
  });

  it('a voter removed while a read waits no longer counts: the smaller quorum confirms the read at once', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3', 'n4']);
    net.elect('n1');
    // n3 and n4 replicate but their read answers are lost: n1 and n2 are no majority of four.
    net.filter = (m) => !(m.type === 'heartbeat-resp' && m.context !== undefined && (m.from === 'n3' || m.from === 'n4'));
    net.get('n1').node.readIndex(bytes('r'));
    net.settle();
    expect(contexts(net.get('n1'))).toEqual([]);
    // Once the removal applies, n1 and n2 are a majority of n1, n2, n3: no further round is needed.
    net.get('n1').node.proposeConfChange({ type: 'remove', node: 'n4' });
    net.settle();
    expect(net.get('n1').node.status().conf.voters).toEqual(['n1', 'n2', 'n3']);
    expect(contexts(net.get('n1'))).toEqual(['r']);
  });
});

describe('deliberately broken reads (UnsafeTestingOptions), which the real-node simulator must catch', () => {
  it('releaseReadsOnStaleConfirmation: a cut-off leader releases a later read on an earlier round', () => {
    for (const unsafe of [false, true]) {
      const net = new TestNetwork(['n1', 'n2', 'n3'], { unsafe: { releaseReadsOnStaleConfirmation: unsafe } });
      net.elect('n1');
      const n1 = net.get('n1');
      n1.node.readIndex(bytes('a'));
      net.settle();
      net.isolate('n1');
      n1.node.readIndex(bytes('b'));
      net.settle();
      expect(contexts(n1)).toEqual(unsafe ? ['a', 'b'] : ['a']);
    }
  });

  it('readBeforeTermCommit: a new leader confirms a read before an entry of its term has committed', () => {
    for (const unsafe of [false, true]) {
      const net = new TestNetwork(['n1', 'n2', 'n3'], { unsafe: { readBeforeTermCommit: unsafe } });
      net.elect('n1');
      // n2's no-op never commits: the acknowledgements of its appends are lost (heartbeats' answers are not).
      net.filter = (m) => !(m.type === 'app-resp' && m.to === 'n2');
      net.elect('n2');
      const n2 = net.get('n2');
      n2.node.readIndex(bytes('r'));
      net.settle();
      expect(n2.node.status().role).toBe('leader');
      expect(contexts(n2)).toEqual(unsafe ? ['r'] : []);
    }
  });
});

describe('a flood of reads', () => {
  it('is capped: past MAX_PENDING_READS the leader refuses its own with a named code, and recovers once they are served', async () => {
    const { MAX_PENDING_READS } = await import('../../../src/core/raft/raft.js');
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    const leader = net.get('n1').node;
    holdReadAcks(net, 'n1');
    for (let i = 0; i < MAX_PENDING_READS; i++) expect(leader.readIndex(bytes(`r${i}`))).toBeUndefined();
    expect(leader.readIndex(bytes('one too many'))).toBe('too-many-pending-reads');
    net.filter = () => true;
    net.settle();
    expect(leader.readIndex(bytes('after'))).toBeUndefined();
  });
});
