/**
 * A follower's `submitWrite`, forwarded to the leader over fleet.v1's `Submit` (which every
 * embedded member serves, whatever `apis` says), with the host's token, on the member's one path
 * to the leader (src/core/server/leader-path.ts, by way of write-forwarder.ts): the path fleet.v1's
 * and etcd's writes and relayed keep-alives take, with its half-open breaker per leader address.
 * Once the leader could not be reached, writes fail at once (LEADER_UNREACHABLE) for the path's
 * cool-down (BREAKER_OPEN_MS) instead of each waiting out a timeout, then one write probes it.
 *
 * A leader that moved refuses the write before proposing it and names its successor: the write
 * follows that hint, to a few leaders at most and within one deadline.
 */
import { FORWARD_TIMEOUT_MS, type LeaderHint } from '../core/server/leader-path.js';
import type { WriteForwarder } from '../core/server/write-forwarder.js';
import { MemberError } from './errors.js';
import { forwardedFailure } from './failures.js';

/** How many leaders one write is sent to at most, each having named the next (a leader that moved meanwhile). */
const MAX_LEADERS = 3;

/** Who forwards: the member, the token it presents (the host's), and its one way to the leader. */
export interface Forwarding {
  readonly memberId: string;
  readonly token: string | undefined;
  readonly forwarder: WriteForwarder;
}

/** Sends `op` with `payload` to the leader `hint` names; rejects with a MemberError (LEADER_UNREACHABLE, NO_LEADER, OUTCOME_UNKNOWN, …). */
export async function forwardWrite(via: Forwarding, op: string, payload: Uint8Array, hint: LeaderHint): Promise<{ value: unknown; index: number }> {
  const deadline = Date.now() + FORWARD_TIMEOUT_MS;
  const tried = new Set<string>();
  let leader: LeaderHint = { leaderId: hint.leaderId, leaderAddress: hint.leaderAddress };
  for (;;) {
    tried.add(leader.leaderAddress);
    const to = { id: leader.leaderId, address: leader.leaderAddress };
    const r = await via.forwarder.submit({ op, payload }, via.token, leader, deadline);
    if ('held' in r) {
      throw new MemberError('LEADER_UNREACHABLE', `member ${via.memberId}: the leader ${to.id} at ${to.address} could not be reached just now; the write was not sent`, { leaderId: to.id, leaderAddress: to.address });
    }
    if ('response' in r) return { value: JSON.parse(r.response.resultJson || 'null') as unknown, index: r.response.index };
    const next = r.movedTo;
    if (next === undefined || tried.has(next.leaderAddress) || tried.size >= MAX_LEADERS) throw forwardedFailure(r.error, via.memberId, to);
    leader = next;
  }
}
