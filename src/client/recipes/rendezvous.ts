/**
 * Rendezvous (highest-random-weight) hashing: which member owns which shard. Every member
 * computes the same answer from the same list of live members, without talking to the others;
 * each shard goes to the member with the highest score for it, so shards spread evenly, and a
 * member joining or leaving moves only the shards it gains or loses (about 1/n of them).
 * Pure: no I/O, no clock, no randomness.
 */
import { createHash } from 'node:crypto';

/** The score of `member` for `shard`: the first 8 bytes of SHA-256 over both, as an unsigned integer. */
export function rendezvousScore(member: string, shard: string): bigint {
  return createHash('sha256').update(member).update('\0').update(shard).digest().readBigUInt64BE(0);
}

/** The owner of `shard` among `members` (undefined when there is none); ties go to the smaller id. */
export function rendezvousOwner(shard: string, members: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = -1n;
  for (const m of members) {
    const score = rendezvousScore(m, shard);
    if (score > bestScore || (score === bestScore && best !== undefined && m < best)) [best, bestScore] = [m, score];
  }
  return best;
}

/** Each shard's owner among `members`. Invariant: every shard has exactly one owner when `members` is not empty. */
export function assignShards(shards: readonly string[], members: readonly string[]): Map<string, string> {
  const owners = new Map<string, string>();
  for (const shard of shards) {
    const owner = rendezvousOwner(shard, members);
    if (owner !== undefined) owners.set(shard, owner);
  }
  return owners;
}
