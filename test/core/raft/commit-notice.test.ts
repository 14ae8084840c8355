import { describe, expect, it } from 'vitest';
import { RawNode } from '../../../src/core/raft/raw-node.js';
import type { Config, Entry, Message, UnsafeTestingOptions } from '../../../src/core/raft/types.js';
import { TestNetwork, bytes, seeded } from './harness.js';

/**
 * The commit notice (types.ts, `commit-notice`): the leader's commit index, unanswered. What it
 * promises is only that a follower holding the entry it names may commit up to it; a notice
 * reordered, repeated, stale or about a log that differs must change nothing else.
 */

const entry = (index: number, term: number): Entry => ({ index, term, type: 'normal', data: bytes(`e${index}`) });

/** A follower of n1 in `term` whose log holds entries of the given terms (index 1, 2, …), committed up to `commit`. */
function follower(terms: readonly number[], term: number, commit: number, unsafe?: UnsafeTestingOptions): RawNode {
  const config: Config = { id: 'n2', heartbeatTicks: 1, electionTicks: 10, random: seeded(2), ...(unsafe ? { unsafe } : {}) };
  return new RawNode(config, {
    hardState: { term, vote: '', commit },
    entries: terms.map((t, i) => entry(i + 1, t)),
    snapshot: { index: 0, term: 0, conf: { voters: ['n1', 'n2', 'n3'], learners: [] } },
  });
}

function notice(term: number, commit: number, logTerm: number, from = 'n1'): Message {
  return { type: 'commit-notice', from, to: 'n2', term, logTerm, index: commit, entries: [], commit, reject: false, rejectHint: 0 };
}

/** Takes and handles every Ready; returns the messages they carried. */
function drain(node: RawNode): Message[] {
  const out: Message[] = [];
  while (node.hasReady()) {
    const rd = node.ready();
    out.push(...rd.messages, ...rd.messagesAfterPersist);
    node.advance(rd);
  }
  return out;
}

describe('commit notice, follower side', () => {
  it('commits up to the named entry when the log holds it, and answers nothing', () => {
    const n = follower([1, 2, 2, 2], 2, 1);
    drain(n);
    n.step(notice(2, 3, 2));
    expect(n.status().commit).toBe(3);
    expect(n.status().leader).toBe('n1');
    expect(drain(n)).toEqual([]);
  });

  it('changes nothing when the named entry is of another term (the log differs from the leader\'s there)', () => {
    // Entries 3 and 4 came from a leader of term 2 that lost them; the leader of term 3 committed its own 4.
    const n = follower([1, 2, 2, 2], 3, 2);
    drain(n);
    n.step(notice(3, 4, 3));
    expect(n.status().commit).toBe(2);
  });

  it('changes nothing when the log does not reach the named entry yet', () => {
    const n = follower([1, 2], 2, 1);
    drain(n);
    n.step(notice(2, 5, 2));
    expect(n.status().commit).toBe(1);
  });

  it('a stale notice (an old leader\'s term) is dropped and answered with nothing', () => {
    const n = follower([1, 2, 2], 3, 1);
    drain(n);
    n.step(notice(2, 3, 2, 'n3'));
    expect(n.status().commit).toBe(1);
    expect(n.status().term).toBe(3);
    expect(drain(n)).toEqual([]);
  });

  it('a notice of a newer term makes its sender the leader, but commits only what matches', () => {
    const n = follower([1, 1, 1], 1, 1);
    drain(n);
    n.step(notice(4, 3, 4, 'n3'));
    expect(n.status()).toMatchObject({ term: 4, leader: 'n3', commit: 1 });
    n.step(notice(4, 2, 1, 'n3'));
    expect(n.status().commit).toBe(2);
  });

  it('notices reordered or repeated never move the commit index back', () => {
    const n = follower([1, 2, 2, 2, 2], 2, 1);
    drain(n);
    for (const c of [4, 2, 4, 3, 5, 1, 5]) n.step(notice(2, c, c === 1 ? 1 : 2));
    expect(n.status().commit).toBe(5);
  });

  it('a member repairing a damaged log takes no notice', () => {
    const config: Config = { id: 'n2', heartbeatTicks: 1, electionTicks: 10, random: seeded(2) };
    const n = new RawNode(config, {
      hardState: { term: 2, vote: '', commit: 1 },
      entries: [entry(1, 1), entry(2, 2), entry(3, 2)],
      snapshot: { index: 0, term: 0, conf: { voters: ['n1', 'n2', 'n3'], learners: [] } },
      repairing: true,
    });
    drain(n);
    n.step(notice(2, 3, 2));
    expect(n.status().commit).toBe(1);
  });

  it('the planted bug (commitNoticeUnchecked) commits the entry the log does not share: what the checks exist to stop', () => {
    const n = follower([1, 2, 2, 2], 3, 2, { commitNoticeUnchecked: true });
    drain(n);
    n.step(notice(3, 4, 3));
    expect(n.status().commit).toBe(4);
  });
});

describe('commit notice, leader side', () => {
  it('a burst of writes between two Readies costs one notice per follower', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3'], { heartbeatTicks: 10, electionTicks: 100 });
    net.elect('n1');
    net.delivered = [];
    for (let i = 0; i < 50; i++) net.get('n1').node.propose([bytes(`v${i}`)]);
    net.settle();
    const toN2 = net.delivered.filter((m) => m.to === 'n2').map((m) => `${m.type}:${m.entries.length}`);
    expect(toN2).toEqual(['app:50', 'commit-notice:0']);
    expect(net.get('n2').node.status().commit).toBe(net.get('n1').node.status().commit);
  });

  it('a follower whose notice was lost learns the commit index from the next heartbeat', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3'], { heartbeatTicks: 3, electionTicks: 30 });
    net.elect('n1');
    net.filter = (m) => m.type !== 'commit-notice';
    net.get('n1').node.propose([bytes('x')]);
    net.settle();
    const commit = net.get('n1').node.status().commit;
    expect(net.get('n2').node.status().commit).toBeLessThan(commit);
    net.tick(3);
    expect(net.get('n2').node.status().commit).toBe(commit);
  });

  it('a notice the leader sends names its commit index\'s own entry', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3'], { heartbeatTicks: 10, electionTicks: 100 });
    net.elect('n1');
    net.delivered = [];
    net.get('n1').node.propose([bytes('x')]);
    net.settle();
    const status = net.get('n1').node.status();
    const notices = net.delivered.filter((m) => m.type === 'commit-notice');
    expect(notices.map((m) => m.to).sort()).toEqual(['n2', 'n3']);
    for (const m of notices) expect(m).toMatchObject({ term: status.term, commit: status.commit, index: status.commit, logTerm: status.term });
  });
});
