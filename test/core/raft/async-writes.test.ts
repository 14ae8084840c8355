/**
 * Asynchronous storage writes (RawNode.handedOff / persisted): the next Ready may be taken
 * while the previous one's writes are in flight, but nothing counts on a write before it is
 * reported durable.
 */
import { describe, expect, it } from 'vitest';
import { RawNode } from '../../../src/core/raft/raw-node.js';
import type { Message } from '../../../src/core/raft/types.js';
import { seeded } from './harness.js';

const data = (s: string) => new TextEncoder().encode(s);

/** A single-voter leader, its start-up Readies handled synchronously. */
function soloLeader(): { node: RawNode } {
  const node = new RawNode({ id: 'n1', heartbeatTicks: 1, electionTicks: 10, random: seeded(1) }, { bootstrap: { voters: ['n1'], learners: [] } });
  node.campaign();
  // Persist everything up to leadership synchronously, as a starting point.
  while (node.hasReady()) node.advance(node.ready());
  return { node };
}

describe('asynchronous storage writes', () => {
  it('does not commit a leader’s entry until its write is reported durable', () => {
    const { node } = soloLeader();
    const r = node.propose([data('x')]);
    expect(r.ok).toBe(true);
    const first = node.ready();
    expect(first.entries.map((e) => e.index)).toContain(r.ok ? r.firstIndex : -1);
    node.handedOff(first);
    // The next Ready can be taken at once, but the entry is not committed: the only voter's copy is not durable.
    node.propose([data('y')]);
    const second = node.ready();
    expect(second.committedEntries).toHaveLength(0);
    node.handedOff(second);
    expect(node.status().commit).toBeLessThan(r.ok ? r.firstIndex : 0);

    node.persisted(first);
    expect(node.hasReady()).toBe(true);
    const third = node.ready();
    expect(third.committedEntries.map((e) => new TextDecoder().decode(e.data))).toEqual(['x']);
    node.handedOff(third);
    node.persisted(second);
    node.persisted(third);
    const fourth = node.ready();
    expect(fourth.committedEntries.map((e) => new TextDecoder().decode(e.data))).toEqual(['y']);
    node.advance(fourth);
  });

  it('refuses reports out of order and Readies taken twice', () => {
    const { node } = soloLeader();
    node.propose([data('a')]);
    const a = node.ready();
    node.handedOff(a);
    node.propose([data('b')]);
    const b = node.ready();
    node.handedOff(b);
    expect(() => node.persisted(b)).toThrow(/out of order/);
    expect(() => node.handedOff(b)).toThrow(/without an outstanding Ready/);
    node.persisted(a);
    node.persisted(b);
  });

  it('answers a heartbeat at once while its last append is still being written', () => {
    // A ReadIndex round waits for a majority of heartbeat answers: held behind a follower's
    // fsync of the write just before it, every read after a write paid that fsync again.
    const node = new RawNode({ id: 'n2', heartbeatTicks: 1, electionTicks: 10, random: seeded(2) }, { bootstrap: { voters: ['n1', 'n2', 'n3'], learners: [] } });
    while (node.hasReady()) node.advance(node.ready());
    const base = { from: 'n1', to: 'n2', term: 2, logTerm: 0, index: 0, commit: 0, reject: false, rejectHint: 0 };
    const last = node.status().lastIndex;
    const append: Message = { ...base, type: 'app', index: last, logTerm: node.status().term, entries: [{ index: last + 1, term: 2, type: 'normal', data: data('x') }] };
    node.step(append);
    const writing = node.ready();
    expect(writing.entries).toHaveLength(1);
    expect(writing.messagesAfterPersist.map((m) => m.type)).toEqual(['app-resp']);
    node.handedOff(writing);

    node.step({ ...base, type: 'heartbeat', entries: [], commit: last, context: data('round-1') });
    const answering = node.ready();
    expect(answering.messages.map((m) => m.type)).toEqual(['heartbeat-resp']);
    expect(answering.messagesAfterPersist).toHaveLength(0);
    node.handedOff(answering);
    node.persisted(writing);
    node.persisted(answering);
  });
});
