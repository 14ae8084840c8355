/**
 * The operator who changes the membership, one server at a time: add a non-member as a
 * learner, promote a learner once it has nearly caught up, remove a voter (now and then the
 * leader itself). Voters never drop below three, so the liveness phase can still demand a
 * quorum. The core decides whether a change is allowed now; its refusals are counted, not
 * worked around.
 */
import type { ConfChange, ConfState, NodeId } from '../../src/core/raft/types.js';
import type { Prng } from './prng.js';

/** A learner is promoted once its match index is this close to the leader's last index. */
const PROMOTE_WITHIN = 5;

/** The fewest voters the driver leaves. */
const MIN_VOTERS = 3;

/** What the choice needs of a leader's status (real/cluster.ts reads it off a FleetNode's). */
export interface LeaderMembership {
  readonly id: NodeId;
  readonly lastIndex: number;
  readonly conf: ConfState;
  readonly progress: ReadonlyMap<NodeId, { readonly match: number }>;
}

/** Chooses the next single-server change for a leader's membership, or undefined when none fits. */
export function chooseConfChange(prng: Prng, status: LeaderMembership, allNodes: readonly NodeId[], isAlive: (id: NodeId) => boolean): ConfChange | undefined {
  const { voters, learners } = status.conf;
  const caughtUp = learners.filter((id) => (status.progress.get(id)?.match ?? 0) >= status.lastIndex - PROMOTE_WITHIN);
  if (caughtUp.length > 0) return { type: 'add-voter', node: prng.pick(caughtUp) };
  const outsiders = allNodes.filter((id) => !voters.includes(id) && !learners.includes(id) && isAlive(id));
  if (outsiders.length > 0 && prng.chance(0.7)) return { type: 'add-learner', node: prng.pick(outsiders) };
  if (voters.length > MIN_VOTERS) {
    const others = voters.filter((id) => id !== status.id);
    const node = prng.chance(0.25) ? status.id : prng.pick(others);
    return { type: 'remove', node };
  }
  return undefined;
}
