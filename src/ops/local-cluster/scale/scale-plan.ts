/**
 * The pure decisions of `fleet scale`: which members to remove, whether a removal keeps a
 * healthy quorum, and when a learner has caught up. No I/O here, so each rule is tested alone.
 */
import type { FollowerProgress, MemberStatus } from '../../../client/index.js';
import { CAUGHT_UP_LAG } from '../../safety/catch-up.js';

export { CAUGHT_UP_LAG, isCaughtUp } from '../../safety/catch-up.js';

/** Sizes `fleet scale` accepts. */
export const MIN_NODES = 1;
export const MAX_NODES = 7;

/**
 * The members to remove, in order: joining members (learners) first, then the newest voters;
 * the leader last of all, and only if nothing else is left to remove (it never is while more
 * than one member remains, so scaling down avoids a leader change whenever it can).
 */
export function chooseRemovals(members: readonly { id: string; state: 'joining' | 'voter' }[], leaderId: string | undefined, count: number): string[] {
  const num = (id: string) => Number(/\d+$/.exec(id)?.[0] ?? 0);
  const rank = (m: { id: string; state: string }) => (m.id === leaderId ? 2 : m.state === 'joining' ? 0 : 1);
  const order = [...members].sort((a, b) => rank(a) - rank(b) || num(b.id) - num(a.id));
  return order.slice(0, Math.max(0, count)).map((m) => m.id);
}

/** A follower counts as healthy when the leader heard from it recently and it is not far behind. */
export function isHealthyFollower(p: FollowerProgress | undefined): boolean {
  return p !== undefined && p.recentActive && p.lag <= CAUGHT_UP_LAG * 16;
}

/**
 * Whether removing `id` leaves a voter set of which a majority is healthy (the leader counts
 * as healthy): otherwise the removal could make the cluster lose its quorum. Answers the
 * reason when it would not.
 */
export function removalRisk(leader: MemberStatus, id: string): string | undefined {
  const voters = leader.members.filter((m) => m.voter && m.id !== id).map((m) => m.id);
  if (voters.length === 0) return `removing ${id} would leave no voter`;
  const healthy = voters.filter((v) => v === leader.id || isHealthyFollower(leader.progress.find((p) => p.id === v)));
  const quorum = Math.floor(voters.length / 2) + 1;
  if (healthy.length >= quorum) return undefined;
  const sick = voters.filter((v) => !healthy.includes(v));
  return `removing ${id} would leave ${voters.join(', ')} with only ${healthy.length} healthy of the ${quorum} needed (${sick.join(', ')} unreachable or behind)`;
}

/** The voter to hand leadership to before the leader is removed: the most caught-up healthy one that stays. */
export function transferTarget(leader: MemberStatus, leaving: ReadonlySet<string>): string | undefined {
  const candidates = leader.progress.filter((p) => !p.learner && !leaving.has(p.id) && p.id !== leader.id && p.recentActive);
  candidates.sort((a, b) => b.match - a.match);
  return candidates[0]?.id;
}
