import type { NodeId } from './types.js';

/** The vote of a member that may have voted in its term but lost the record: it votes for no one there. */
export const UNKNOWN_VOTE = '(unknown)';

/**
 * What a member whose disk was damaged must learn before it votes again.
 *
 * The damage may have taken the record of a vote it cast in some term T, and its recovered hard
 * state may be from an older term: left alone, it could vote a second time in T and help elect a
 * second leader there. Any vote it cast helped form a quorum that contains it, and every other
 * member of that quorum has held a term of at least T ever since. So the member asks the other
 * voters for their terms: once the voters that answered meet every quorum it could belong to,
 * the highest term among them is at least T, and the member votes in no term up to it
 * (Protocol-Aware Recovery, Alagappan et al., FAST 2018, learns the term from peers the same way).
 *
 * That bound holds for a vote that helped win an election. A vote in an election still under way
 * (its candidate's other requests in flight, no quorum yet) has formed no quorum: only the
 * candidate is sure to hold its term. The WAL's hard state and its copy (hard-state-copy.ts)
 * keep such a vote through damage to either; when both are damaged (`everyVoter`), the member
 * waits for every other voter, the candidate among them.
 *
 * Each probe carries a number drawn per process, so that an answer to an earlier probe — perhaps
 * sent before the vote that was lost — is never taken for an answer to this one.
 */
export class TermProbe {
  private readonly terms = new Map<NodeId, number>();

  constructor(
    readonly id: number,
    /** Wait for every other voter's term (the vote itself is unknown), not only a quorum's witnesses. */
    private readonly everyVoter = false,
  ) {}

  /** A peer's answer: its term when it answered. */
  record(from: NodeId, term: number, probeId: number): void {
    if (probeId !== this.id) return;
    this.terms.set(from, Math.max(term, this.terms.get(from) ?? 0));
  }

  /**
   * The highest term the answers bound every lost vote by, or undefined while too few voters have
   * answered. A member that is not a voter has no vote to lose: its floor is its own term.
   */
  floor(self: NodeId, voters: readonly NodeId[], ownTerm: number): number | undefined {
    if (!voters.includes(self)) return ownTerm;
    let answered = 0;
    let highest = ownTerm;
    for (const id of voters) {
      const term = id === self ? undefined : this.terms.get(id);
      if (term === undefined) continue;
      answered++;
      highest = Math.max(highest, term);
    }
    const needed = this.everyVoter ? voters.length - 1 : witnessesNeeded(voters.length);
    return answered >= needed && voters.length > 1 ? highest : undefined;
  }
}

/**
 * How many of the other voters meet every quorum of `voterCount` voters that contains a given
 * voter: those quorums leave out at most `voterCount - majority` of the others, so one more than
 * that must answer. It is ceil(n/2): 1 of 2, 2 of 3, 3 of 5. With one voter no one can answer.
 */
export function witnessesNeeded(voterCount: number): number {
  return voterCount <= 1 ? Infinity : Math.ceil(voterCount / 2);
}
