/**
 * Protocol-aware repair in the core: a member whose disk lost entries it had acknowledged (the
 * host found damage and cut its log there) must not help elect a leader that lacks them, and its
 * old acknowledgements must stop counting, until the leader has given it the whole log back.
 */
import { describe, expect, it } from 'vitest';
import type { Message } from '../../../src/core/raft/types.js';
import { TestMember, TestNetwork, bytes, text } from './harness.js';

/** The member's disk lost every entry after `keep`: its log and commit index are cut there. */
function loseEntriesAfter(net: TestNetwork, id: string, keep: number): void {
  const m = net.get(id);
  m.log = m.log.filter((e) => e.index <= keep);
  m.hard = { ...m.hard, commit: Math.min(m.hard.commit, keep) };
  m.repairing = true;
}

/**
 * `id` restarts having lost every entry after the first and repairs; its first marked heartbeat
 * answer is delivered and also kept, for the test to deliver again late.
 */
function repairKeepingFirstAnswer(net: TestNetwork, id: string): Message[] {
  net.crash(id);
  loseEntriesAfter(net, id, 1);
  net.revive(id);
  const late: Message[] = [];
  net.filter = (m) => {
    if (m.from === id && m.type === 'heartbeat-resp' && m.repair !== undefined && late.length === 0) late.push(m);
    return true;
  };
  net.tick(5);
  net.filter = () => true;
  return late;
}

const holds = (net: TestNetwork, id: string, value: string) => net.get(id).log.some((e) => text(e.data) === value);

describe('a member repairing a damaged log', () => {
  it('refuses to vote for a candidate that lacks the entries it lost, so a committed write survives', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.isolate('n3');
    net.get('n1').node.propose([bytes('committed by n1 and n2')]);
    net.settleCommitted();
    const index = net.get('n1').log.at(-1)!.index;
    expect(net.get('n1').node.status().commit).toBe(index);

    // n2's disk loses the write it acknowledged; the leader that also holds it goes down.
    net.crash('n2');
    loseEntriesAfter(net, 'n2', index - 1);
    net.revive('n2');
    net.crash('n1');
    net.heal();
    net.tick(100);
    expect(net.get('n2').node.status().repairing).toBe(true);
    // n3 lacks the write: n2 must not make it leader. Unavailable, not lossy.
    expect(net.leaders()).toEqual([]);

    net.revive('n1');
    net.tick(100);
    expect(net.leaders()).toEqual(['n1']);
    expect(net.get('n2').node.status().repairing).toBe(false);
    for (const id of ['n1', 'n2', 'n3']) expect(holds(net, id, 'committed by n1 and n2')).toBe(true);
  });

  it('joins elections again once repaired, its vote in the leader\'s term spent on that leader', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.get('n1').node.propose([bytes('a')]);
    net.settleCommitted();
    net.crash('n2');
    loseEntriesAfter(net, 'n2', 1);
    net.revive('n2');
    net.tick(5);
    const status = net.get('n2').node.status();
    expect(status.repairing).toBe(false);
    expect(status.vote).toBe('n1');
    expect(holds(net, 'n2', 'a')).toBe(true);
    net.crash('n1');
    net.tick(100);
    expect(net.leaders().length).toBe(1);
  });

  it('an acknowledgement sent before the damage does not count once the member said it is repairing', () => {
    const ids = ['n1', 'n2', 'n3', 'n4', 'n5'];
    const net = new TestNetwork(ids);
    net.elect('n1');
    const stale: Message[] = [];
    // n3's answers are lost and n2's is held back: the write is on n1 and n2 only.
    net.filter = (m) => {
      if (m.from === 'n3' && m.type === 'app-resp') return false;
      if (m.from === 'n2' && m.type === 'app-resp' && m.index > 0 && !m.reject) {
        stale.push(m);
        return false;
      }
      return true;
    };
    net.isolate('n4');
    net.isolate('n5');
    net.get('n1').node.propose([bytes('on two of five')]);
    net.settle();
    const index = net.get('n1').log.at(-1)!.index;
    expect(stale.some((m) => m.index >= index)).toBe(true);

    net.crash('n2');
    loseEntriesAfter(net, 'n2', index - 1);
    net.revive('n2');
    // n2 says it is repairing (on a heartbeat answer) but gets nothing back yet.
    net.filter = (m) => !(m.from === 'n1' && m.to === 'n2' && m.type === 'app') && m.from !== 'n3';
    net.tick(3);
    const leader = net.get('n1').node;
    for (const m of stale) leader.step(m);
    expect(leader.status().progress.get('n2')?.match ?? 0).toBeLessThan(index);
    // With n3's acknowledgement the write has three real copies only once n2 has it again.
    net.filter = () => true;
    net.tick(5);
    expect(leader.status().commit).toBeGreaterThanOrEqual(index);
    expect(holds(net, 'n2', 'on two of five')).toBe(true);
    // Its log is whole, but only n1 and n3 of the four others told their terms: it may have lost
    // a vote, and two witnesses do not meet every quorum of five it could have voted in.
    expect(net.get('n2').node.status().repairing).toBe(true);
    net.heal();
    net.tick(3);
    expect(net.get('n2').node.status().repairing).toBe(false);
  });

  it('a late answer of a repair that ended does not start it again (reordered messages)', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.get('n1').node.propose([bytes('a')]);
    net.settleCommitted();
    const late = repairKeepingFirstAnswer(net, 'n2');
    expect(net.get('n2').node.status().repairing).toBe(false);
    expect(late.length).toBe(1);
    // The network delivers the first answer of the repair again, after it ended.
    net.get('n1').node.step(late[0]!);
    net.get('n1').node.propose([bytes('after')]);
    net.settleCommitted();
    const leader = net.get('n1').node.status();
    expect(leader.progress.get('n2')?.match).toBe(leader.lastIndex);
    expect(net.get('n2').node.status().commit).toBe(leader.commit);
    expect(holds(net, 'n2', 'after')).toBe(true);
  });

  it('a late answer of an earlier repair, after a second one ended, neither counts nor starts a repair (sim seed 8356)', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.get('n1').node.propose([bytes('a')]);
    net.settleCommitted();
    // First damage: keep one answer of that repair back.
    const late = repairKeepingFirstAnswer(net, 'n2');
    expect(late.length).toBe(1);
    // Second damage: another process, another repair id, seen through to the end.
    net.get('n1').node.propose([bytes('b')]);
    net.settleCommitted();
    net.get('n2').seed = 22; // a new process draws a new repair id
    net.crash('n2');
    loseEntriesAfter(net, 'n2', 1);
    net.revive('n2');
    net.tick(5);
    expect(net.get('n2').node.status().repairing).toBe(false);
    // The first process's answer arrives now; n2 no longer marks its answers.
    const leader = net.get('n1').node;
    leader.step(late[0]!);
    leader.propose([bytes('after')]);
    net.settleCommitted();
    net.tick(5);
    const status = leader.status();
    expect(status.progress.get('n2')?.match).toBe(status.lastIndex);
    expect(holds(net, 'n2', 'after')).toBe(true);
    expect(net.get('n2').node.status().commit).toBe(status.commit);
  });

  it('never votes twice in a term whose vote its damaged hard state lost (it learns the term from the other voters)', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    const leaderTerm = net.get('n1').node.status().term;
    const before = { ...net.get('n2').hard };
    // n3, cut off from n1, runs an election in the next term and n2 votes for it; the vote never
    // reaches n3 (so no one leads that term yet) and n1 never hears of the term.
    net.filter = (m) => m.to !== 'n1' && !(m.from === 'n2' && m.to === 'n3');
    const n3 = net.get('n3').node;
    n3.step({ type: 'timeout-now', from: 'n3', to: 'n3', term: leaderTerm, logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0 });
    net.settle();
    const lost = leaderTerm + 1;
    expect(net.get('n2').hard).toMatchObject({ term: lost, vote: 'n3' });
    expect(net.get('n3').hard).toMatchObject({ term: lost, vote: 'n3' });

    // n2's disk loses the hard state that recorded that vote: it restarts from the older one.
    net.crash('n2');
    net.get('n2').hard = before;
    net.get('n2').repairing = true;
    net.revive('n2');
    // n1 and n3 stay cut off from each other (n3's pre-votes, ignored by n2 while n1 leads, never
    // raise its term); n2 reaches both.
    net.filter = () => true;
    net.cutLink('n1', 'n3');
    net.tick(5);
    expect(net.get('n2').node.status().repairing).toBe(false);

    // Another candidate asks for n2's vote in that same term: granting it could elect a second leader there.
    net.get('n2').node.step(voteRequest('n1', 'n2', lost, net.get('n1').log.at(-1)!.index, net.get('n1').log.at(-1)!.term));
    const answers = drain(net.get('n2'));
    const grant = answers.find((m) => m.type === 'vote-resp' && m.to === 'n1');
    expect(grant?.reject ?? true).toBe(true);
    expect(net.get('n2').hard.term).toBeGreaterThanOrEqual(lost);
  });

  it('with both copies of its hard state damaged, never votes again in the term of an election still under way (5 voters)', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3', 'n4', 'n5']);
    net.elect('n1');
    const leaderTerm = net.get('n1').node.status().term;
    const before = { ...net.get('n2').hard };
    // n3 campaigns in the next term; only n2 hears it and votes. n3's requests to n4 and n5 are
    // still in flight (held here): the election is under way, no quorum holds the term yet.
    const held: Message[] = [];
    net.filter = (m) => {
      if (m.from === 'n3' && m.type === 'vote' && (m.to === 'n4' || m.to === 'n5')) held.push(m);
      return m.from === 'n3' ? m.to === 'n2' : m.to !== 'n3' && !(m.from === 'n2' && m.to === 'n3');
    };
    const n3 = net.get('n3').node;
    n3.step({ type: 'timeout-now', from: 'n3', to: 'n3', term: leaderTerm, logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0 });
    net.settle();
    const lost = leaderTerm + 1;
    expect(net.get('n2').hard).toMatchObject({ term: lost, vote: 'n3' });
    expect(held.length).toBe(2);

    // n2's disk loses both copies of the hard state that recorded that vote.
    net.crash('n2');
    net.get('n2').hard = before;
    net.get('n2').repairing = true;
    net.get('n2').voteLost = true;
    net.revive('n2');
    // n1, n4 and n5 answer n2's probes (three witnesses: enough if the vote had won); n3 is cut off.
    net.filter = (m) => m.from !== 'n3' && m.to !== 'n3';
    net.tick(5);
    expect(net.get('n2').node.status().repairing).toBe(true);
    // Asked in that term by another candidate, it refuses: n3 may yet win it with n4 and n5.
    net.get('n2').node.step(voteRequest('n1', 'n2', lost, net.get('n1').log.at(-1)!.index, net.get('n1').log.at(-1)!.term));
    const grant = drain(net.get('n2')).find((m) => m.type === 'vote-resp' && m.to === 'n1');
    expect(grant?.reject ?? true).toBe(true);

    // Once n3 answers too, n2 moves past the term and votes again after it.
    net.filter = () => true;
    net.tick(5);
    expect(net.get('n2').node.status().repairing).toBe(false);
    expect(net.get('n2').hard.term).toBeGreaterThanOrEqual(lost);
  });

  it('does not commit the superseded entries its damaged log brought back on the leader\'s heartbeat (sim seed 5780)', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    // n1, cut off, appends a write no one else gets: it is never committed.
    net.isolate('n1');
    net.get('n1').node.propose([bytes('never committed')]);
    net.settle();
    const superseded = { log: [...net.get('n1').log], hard: { ...net.get('n1').hard } };
    const at = superseded.log.at(-1)!.index;
    // n2 leads, commits its own entries over that index, and n1 takes them, truncating its write.
    net.elect('n2');
    net.get('n2').node.propose([bytes('committed by n2')]);
    net.settleCommitted();
    net.heal();
    net.tick(3);
    expect(holds(net, 'n1', 'never committed')).toBe(false);
    expect(net.get('n2').node.status().progress.get('n1')?.match ?? 0).toBeGreaterThanOrEqual(at);

    // n1's disk loses the records that rewrote that index: the older write comes back, its commit
    // index (from before) below it. The leader still believes n1 holds its log.
    net.crash('n1');
    net.get('n1').log = superseded.log;
    net.get('n1').hard = superseded.hard;
    net.get('n1').repairing = true;
    net.revive('n1');
    net.tick(5);
    expect(net.get('n1').applied.map((e) => text(e.data))).not.toContain('never committed');
    expect(net.get('n1').node.status().repairing).toBe(false);
    expect(holds(net, 'n1', 'committed by n2')).toBe(true);
    expect(net.get('n1').node.status().commit).toBe(net.get('n2').node.status().commit);
  });

  it('does not vote or campaign while fewer voters than it needs have told their terms', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.crash('n2');
    net.get('n2').repairing = true;
    net.revive('n2');
    net.isolate('n3');
    net.tick(5);
    // The log is whole again (n1 leads), but n3 has not answered: n2 may have voted with n3 alone.
    expect(net.get('n2').node.status().repairing).toBe(true);
    net.crash('n1');
    net.tick(100);
    expect(net.leaders()).toEqual([]);
    net.heal();
    net.revive('n1');
    net.tick(100);
    expect(net.leaders().length).toBe(1);
    expect(net.get('n2').node.status().repairing).toBe(false);
  });
});

function voteRequest(from: string, to: string, term: number, index: number, logTerm: number): Message {
  return { type: 'vote', from, to, term, logTerm, index, entries: [], commit: 0, reject: false, rejectHint: 0, transfer: true };
}

/** Handles n's pending Readies without delivering their messages; returns them. */
function drain(member: TestMember): Message[] {
  const out: Message[] = [];
  while (member.node.hasReady()) out.push(...member.handleReady());
  return out;
}
