import { describe, expect, it } from 'vitest';
import { TestMember, TestNetwork } from './harness.js';

describe('elections', () => {
  it('elects exactly one leader by randomized timeout, without any campaign call', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.tick(30);
    expect(net.leaders()).toHaveLength(1);
    const leader = net.leaders()[0]!;
    for (const id of ['n1', 'n2', 'n3']) expect(net.get(id).node.status().leader).toBe(leader);
  });

  it('pre-vote: a partitioned follower does not inflate its term or disrupt the leader when it returns', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    const term = net.get('n1').node.status().term;
    net.isolate('n3');
    net.tick(100);
    expect(net.get('n3').node.status().term).toBe(term);
    net.heal();
    net.tick(5);
    expect(net.leaders()).toEqual(['n1']);
    expect(net.get('n1').node.status().term).toBe(term);
  });

  it('without pre-vote the same partition would bump the term (the scenario is not vacuous)', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3'], { preVote: false, checkQuorum: false });
    net.elect('n1');
    const term = net.get('n1').node.status().term;
    net.isolate('n3');
    net.tick(100);
    expect(net.get('n3').node.status().term).toBeGreaterThan(term);
  });

  it('check-quorum: a leader that cannot hear a quorum steps down', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.isolate('n1');
    net.tick(25);
    expect(net.get('n1').node.status().role).toBe('follower');
  });

  it('check-quorum: followers that hear a live leader ignore a higher-term vote request', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3'], { preVote: false });
    net.elect('n1');
    const term = net.get('n1').node.status().term;
    // n3 cannot hear the leader but can reach n2: its vote requests must not depose n1.
    net.cutLink('n1', 'n3');
    net.tick(40);
    expect(net.get('n2').node.status().term).toBe(term);
    expect(net.leaders()).toContain('n1');
    expect(net.get('n1').node.status().role).toBe('leader');
  });

  it('grants at most one vote per term', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3'], { preVote: false });
    net.isolate('n1');
    net.get('n2').node.campaign();
    net.get('n3').node.campaign();
    net.settle();
    net.heal();
    // Same term, both candidates: at most one can have a majority.
    const t2 = net.get('n2').node.status();
    const t3 = net.get('n3').node.status();
    expect(t2.term).toBe(t3.term);
    expect([t2.role, t3.role].filter((r) => r === 'leader').length).toBeLessThanOrEqual(1);
  });

  it('rejects a candidate whose log is behind', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.isolate('n3');
    net.get('n1').node.propose([new Uint8Array([1])]);
    net.settle();
    net.heal();
    net.crash('n1');
    net.get('n3').node.campaign();
    net.settle();
    expect(net.get('n3').node.status().role).not.toBe('leader');
    net.get('n2').node.campaign();
    net.settle();
    expect(net.get('n2').node.status().role).toBe('leader');
  });

  it('fast failover: a follower told its connection to the leader closed campaigns within a few ticks', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.crash('n1');
    net.get('n2').node.leaderConnectionLost();
    net.get('n3').node.leaderConnectionLost();
    net.tick(3);
    expect(net.leaders().filter((id) => id !== 'n1')).toHaveLength(1);
  });

  it('fast failover asks again within heartbeats while a member that has not noticed yet ignores the pre-vote', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.crash('n1');
    net.delivered = [];
    // Only n2 saw its connection close; n3 still trusts n1 (in lease for 10 ticks) and ignores it.
    net.get('n2').node.leaderConnectionLost();
    net.tick(6);
    const rounds = net.delivered.filter((m) => m.type === 'pre-vote' && m.from === 'n2' && m.to === 'n3').length;
    // Without quick retries, one round and then a whole election timeout (10-14 ticks).
    expect(rounds).toBeGreaterThanOrEqual(2);
    expect(net.leaders()).toEqual([]);
    // Once n3 stops trusting n1, a retry wins well before an election timeout.
    net.tick(6);
    expect(net.leaders()).toHaveLength(1);
  });

  it('fast failover retries a split vote soon: both followers noticed at once and granted each other\'s pre-vote', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    const term = net.get('n1').node.status().term;
    net.crash('n1');
    net.get('n2').node.leaderConnectionLost();
    net.get('n3').node.leaderConnectionLost();
    // Both pre-vote before either hears the other: each grants, both stand in the same term, each refuses the other.
    net.get('n2').node.campaign();
    net.get('n3').node.campaign();
    net.settle();
    expect([net.get('n2').node.status(), net.get('n3').node.status()].map((s) => [s.role, s.term])).toEqual([
      ['candidate', term + 1],
      ['candidate', term + 1],
    ]);
    // Without the retry, the next election waits out a randomized election timeout (10-14 ticks).
    net.tick(5);
    expect(net.leaders().filter((id) => id !== 'n1')).toHaveLength(1);
  });

  it('retries a split vote soon when the followers\' election timeouts fired together (a silent leader)', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.crash('n1');
    // Tick both followers one tick at a time without delivering, until both stand as candidates.
    for (let i = 0; i < 40 && ['n2', 'n3'].some((id) => net.get(id).node.status().role === 'follower'); i++) {
      for (const id of ['n2', 'n3']) if (net.get(id).node.status().role === 'follower') net.get(id).node.tick();
    }
    net.settle();
    expect(['n2', 'n3'].map((id) => net.get(id).node.status().role)).toEqual(['candidate', 'candidate']);
    net.tick(5);
    expect(net.leaders().filter((id) => id !== 'n1')).toHaveLength(1);
  });

  it('asks again within heartbeats when a silent leader\'s other follower still trusted it at the first pre-vote', () => {
    // Every random draw at its largest: election timeouts of 14 ticks, retries 2 ticks apart.
    const net = new TestNetwork(['n1', 'n2', 'n3'], { random: (n) => n - 1 });
    net.elect('n1');
    net.crash('n1'); // a pause: no connection closes, only the silence tells
    // n2 times out first; n3 heard the last heartbeat later (its clock lags here) and ignores the pre-vote.
    for (let i = 0; i < 14; i++) net.get('n2').node.tick();
    net.settle();
    expect(net.get('n2').node.status().role).toBe('pre-candidate');
    // n3's lease on n1 runs out (10 ticks), before its own timeout (14).
    for (let i = 0; i < 10; i++) net.get('n3').node.tick();
    net.settle();
    // Without the quick retry, n2 waits out another whole timeout (14 ticks) and n3 its own (4 more).
    net.tick(3);
    expect(net.leaders()).toEqual(['n2']);
  });

  it('fast failover does not depose a live leader: a follower whose own link is up keeps refusing', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    const term = net.get('n1').node.status().term;
    net.cutLink('n1', 'n3');
    net.get('n3').node.leaderConnectionLost();
    net.tick(3);
    expect(net.get('n1').node.status().role).toBe('leader');
    expect(net.get('n1').node.status().term).toBe(term);
  });
});

describe('a permanent non-voter (a read replica)', () => {
  /** n1 leads, then dies: n2 can win only with n3's vote. */
  function afterLeaderDies(n3: { nonVoting?: boolean }): TestNetwork {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.add(new TestMember('n3', ['n1', 'n2', 'n3'], n3, 3));
    net.elect('n1');
    net.crash('n1');
    net.tick(100);
    return net;
  }

  it('grants no vote and never campaigns, even where the membership makes it a voter', () => {
    const net = afterLeaderDies({ nonVoting: true });
    expect(net.leaders()).toEqual([]);
    expect(['follower', 'pre-candidate', 'candidate']).toContain(net.get('n2').node.status().role);
    expect(net.get('n3').node.status().role).toBe('follower');
  });

  it('without it, the same cluster elects n2 or n3 (the scenario is not vacuous)', () => {
    expect(afterLeaderDies({}).leaders()).toHaveLength(1);
  });
});
