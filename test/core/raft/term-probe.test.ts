import { describe, expect, it } from 'vitest';
import { TermProbe, witnessesNeeded } from '../../../src/core/raft/term-probe.js';

describe('TermProbe', () => {
  it('needs ceil(n/2) of the other voters: every quorum that holds this member meets them', () => {
    expect([1, 2, 3, 4, 5, 7].map(witnessesNeeded)).toEqual([Infinity, 1, 2, 2, 3, 4]);
  });

  it('bounds a lost vote by the highest term of enough answers, ignoring answers to other probes', () => {
    const p = new TermProbe(42);
    const voters = ['n1', 'n2', 'n3', 'n4', 'n5'];
    p.record('n2', 9, 42);
    p.record('n3', 12, 41);
    expect(p.floor('n1', voters, 5)).toBeUndefined();
    p.record('n3', 7, 42);
    expect(p.floor('n1', voters, 5)).toBeUndefined();
    p.record('n4', 8, 42);
    expect(p.floor('n1', voters, 5)).toBe(9);
    p.record('n2', 3, 42);
    expect(p.floor('n1', voters, 5)).toBe(9);
  });

  it('with the vote itself lost, waits for every other voter: the candidate it voted for may be the only one to know the term', () => {
    const p = new TermProbe(7, true);
    const voters = ['n1', 'n2', 'n3', 'n4', 'n5'];
    for (const id of ['n1', 'n4', 'n5']) p.record(id, 4, 7);
    // Enough to meet every quorum holding n2, not enough for a vote in an election still under way.
    expect(new TermProbe(7).floor('n2', voters, 4)).toBeUndefined();
    expect(p.floor('n2', voters, 4)).toBeUndefined();
    p.record('n3', 5, 7);
    expect(p.floor('n2', voters, 4)).toBe(5);
  });

  it('gives a non-voter its own term at once, and a lone voter no floor ever', () => {
    const p = new TermProbe(1);
    expect(p.floor('n9', ['n1', 'n2', 'n3'], 4)).toBe(4);
    expect(p.floor('n1', ['n1'], 4)).toBeUndefined();
  });
});
