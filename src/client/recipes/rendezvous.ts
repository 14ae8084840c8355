/**
 * Rendezvous (highest-random-weight) hashing with bounded loads: which member owns which shard.
 * Every member computes the same answer from the same list of live members, without talking to
 * the others. Each (shard, member) pair has a score; the pairs are taken from the highest score
 * down, and a shard goes to the member of its best remaining pair that still has room. Room is
 * what keeps the spread even: of S shards over M members, S mod M members may hold ⌈S/M⌉ and the
 * others ⌊S/M⌋, so no two loads differ by more than one (12 over 4: 3 each). Because the scores
 * do not depend on who else is a member, a join or a leave moves the shards the member gains or
 * loses, and a few more to keep the loads even (about a quarter as many again, on average:
 * test/client/rendezvous.test.ts). Pure: no I/O, no clock, no randomness.
 */
import { createHash } from 'node:crypto';

/** The score of `member` for `shard`: the first 8 bytes of SHA-256 over both, as an unsigned integer. */
export function rendezvousScore(member: string, shard: string): bigint {
  return createHash('sha256').update(member).update('\0').update(shard).digest().readBigUInt64BE(0);
}

/** The owner of `shard` among `members` by score alone, with no bound on loads (undefined when there is none); ties go to the smaller id. */
export function rendezvousOwner(shard: string, members: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = -1n;
  for (const m of members) {
    const score = rendezvousScore(m, shard);
    if (score > bestScore || (score === bestScore && best !== undefined && m < best)) [best, bestScore] = [m, score];
  }
  return best;
}

interface Pair {
  readonly shard: string;
  readonly member: string;
  readonly score: bigint;
}

/** Highest score first; ties by member, then shard, so the order is total and the same everywhere. */
function byScore(a: Pair, b: Pair): number {
  if (a.score !== b.score) return a.score > b.score ? -1 : 1;
  if (a.member !== b.member) return a.member < b.member ? -1 : 1;
  return a.shard < b.shard ? -1 : a.shard > b.shard ? 1 : 0;
}

/**
 * Each shard's owner among `members`, every load within one of the others. Invariants: every
 * shard has exactly one owner when `members` is not empty; each member owns ⌊S/M⌋ or ⌈S/M⌉; the
 * answer depends on the sets given, not on their order.
 */
export function assignShards(shards: readonly string[], members: readonly string[]): Map<string, string> {
  const owners = new Map<string, string>();
  const distinct = [...new Set(members)];
  if (distinct.length === 0) return owners;
  const floor = Math.floor(shards.length / distinct.length);
  const extra = shards.length % distinct.length; // how many members may hold one more
  const pairs: Pair[] = [];
  for (const shard of new Set(shards)) for (const member of distinct) pairs.push({ shard, member, score: rendezvousScore(member, shard) });
  pairs.sort(byScore);
  const load = new Map<string, number>();
  let atCeiling = 0;
  for (const p of pairs) {
    if (owners.has(p.shard)) continue;
    const held = load.get(p.member) ?? 0;
    if (held > floor || (held === floor && atCeiling >= extra)) continue; // no room left
    owners.set(p.shard, p.member);
    load.set(p.member, held + 1);
    if (held + 1 > floor) atCeiling++;
  }
  return owners;
}
