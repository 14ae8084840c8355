import { describe, expect, it } from 'vitest';
import { TestNetwork } from './harness.js';

const activeOf = (net: TestNetwork, leader: string) =>
  Object.fromEntries([...net.get(leader).node.status().progress].filter(([id]) => id !== leader).map(([id, p]) => [id, p.recentActive]));

describe("a leader's status: which followers it heard from recently", () => {
  it('still shows a follower it heard from in the last round as active right after check-quorum resets its marks', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.tick(3);
    expect(activeOf(net, 'n1')).toEqual({ n2: true, n3: true });
    // Tick the leader alone, through a whole check-quorum round, before any follower's answer
    // arrives: the round's reset must not make the status (which `fleet scale`'s safety gate and
    // leadership transfer read) say healthy followers are unreachable.
    const leader = net.get('n1');
    for (let i = 0; i < 10; i++) {
      leader.node.tick();
      leader.handleReady(); // its messages are lost: no answer arrives this round
      expect(activeOf(net, 'n1'), `after the leader's tick ${i + 1}`).toEqual({ n2: true, n3: true });
    }
    expect(leader.node.status().role).toBe('leader');
  });

  it('shows a follower it has not heard from for a whole round as inactive', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.tick(3);
    net.isolate('n3');
    net.tick(25);
    expect(net.get('n1').node.status().role).toBe('leader');
    expect(activeOf(net, 'n1')).toEqual({ n2: true, n3: false });
  });
});
