/**
 * A follower that takes appends of two terms before its host takes a Ready (a stalled process
 * catching up on its queue) must not acknowledge, after the persist, entries of the older term
 * that the newer leader's append overwrote before they reached the disk. Found by the real-node
 * simulator (5 members, seed 4195: "acknowledged entries up to 119 in term 3, but its disk never
 * held more than 116").
 */
import { describe, expect, it } from 'vitest';
import type { Entry, Message } from '../../../src/core/raft/types.js';
import { TestMember, bytes } from './harness.js';

const entry = (index: number, term: number): Entry => ({ index, term, type: 'normal', data: bytes(`${index}@${term}`) });

function app(from: string, term: number, prevIndex: number, prevTerm: number, entries: Entry[], commit: number): Message {
  return { type: 'app', from, to: 'n3', term, logTerm: prevTerm, index: prevIndex, entries, commit, reject: false, rejectHint: 0 };
}

describe('acknowledgements across a term change within one Ready', () => {
  it('does not acknowledge entries of the older term that the newer leader overwrote', () => {
    const m = new TestMember('n3', ['n1', 'n3', 'n5']);
    while (m.node.hasReady()) m.handleReady();
    const base = m.node.status().lastIndex;
    // Term 3: n1 appends three entries; the host has not taken a Ready yet.
    m.node.step(app('n1', 3, base, 1, [entry(base + 1, 3), entry(base + 2, 3), entry(base + 3, 3)], base));
    // Term 4: n5, whose log ends at base, overwrites them.
    m.node.step(app('n5', 4, base, 1, [entry(base + 1, 4)], base));
    const rd = m.node.ready();
    const acks = rd.messagesAfterPersist.filter((x) => x.type === 'app-resp' && !x.reject);
    expect(acks.every((x) => x.index <= base + 1)).toBe(true);
    expect(acks.some((x) => x.to === 'n5' && x.term === 4 && x.index === base + 1)).toBe(true);
    expect(rd.entries.at(-1)).toMatchObject({ index: base + 1, term: 4 });
  });
});
