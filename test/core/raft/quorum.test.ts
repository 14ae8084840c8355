import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { committedIndex, hasQuorum, quorumSize, voteResult } from '../../../src/core/raft/quorum.js';

/** The definition, naively: the highest index that at least a majority of voters hold. */
function naiveCommitted(matches: readonly number[]): number {
  if (matches.length === 0) return 0;
  const q = Math.floor(matches.length / 2) + 1;
  let best = 0;
  for (const candidate of matches) if (matches.filter((m) => m >= candidate).length >= q) best = Math.max(best, candidate);
  return best;
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => `n${i + 1}`);

describe('quorum', () => {
  it('is a majority', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(quorumSize)).toEqual([1, 2, 2, 3, 3, 4, 4]);
  });

  it("commits the index a majority holds, as a naive count over every candidate index says", () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 50 }), { minLength: 0, maxLength: 9 }), (matches) => {
        const voters = ids(matches.length);
        expect(committedIndex(voters, (id) => matches[voters.indexOf(id)]!)).toBe(naiveCommitted(matches));
      }),
      { numRuns: 2_000 },
    );
  });

  it('wins a vote once a majority grants, loses once a majority cannot, and ignores non-voters', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 7 }), fc.array(fc.constantFrom<boolean | undefined>(true, false, undefined), { minLength: 7, maxLength: 7 }), (n, answers) => {
        const voters = ids(n);
        const votes = new Map<string, boolean>();
        voters.forEach((id, i) => answers[i] !== undefined && votes.set(id, answers[i]!));
        votes.set('outsider', true);
        const granted = voters.filter((id) => votes.get(id) === true).length;
        const rejected = voters.filter((id) => votes.get(id) === false).length;
        const expected = granted >= quorumSize(n) ? 'won' : n - rejected < quorumSize(n) ? 'lost' : 'pending';
        expect(voteResult(voters, votes)).toBe(expected);
        expect(hasQuorum(voters, (id) => votes.get(id) === true)).toBe(granted >= quorumSize(n));
      }),
      { numRuns: 2_000 },
    );
  });
});
