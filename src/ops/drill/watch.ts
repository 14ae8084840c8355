/**
 * Watching the cluster while a fault is in force: when the survivors agree on a new leader,
 * when a returning member has caught up, what a member's commit index is. Only the members
 * named are asked, so a paused member never slows the watch down.
 */
import type { EndpointStatus, MemberStatus } from '../../client/index.js';
import { pollUntil, type DrillClock } from './clock.js';
import type { ClusterProbe, MemberRef } from './steady-state.js';

/** How often the watch looks: fine enough for figures in tens of milliseconds. */
export const WATCH_EVERY_MS = 20;

/** A leader agreed on, and when the watch first saw the agreement. */
export interface LeaderSeen {
  readonly id: string;
  readonly term: number;
  readonly atNs: number;
}

function answers(statuses: readonly EndpointStatus[]): MemberStatus[] {
  return statuses.flatMap((s) => (s.ok ? [s.status] : []));
}

/**
 * The leader every one of `members` agrees on (all answer, one of them leads, all name it in
 * the same term), or undefined.
 */
export function agreedLeader(statuses: readonly EndpointStatus[], members: readonly MemberRef[]): { id: string; term: number } | undefined {
  const all = answers(statuses);
  if (all.length < members.length) return undefined;
  const leader = all.find((s) => s.role === 'leader');
  if (leader === undefined) return undefined;
  return all.every((s) => s.leaderId === leader.id && s.term === leader.term) ? { id: leader.id, term: leader.term } : undefined;
}

/** Waits until `survivors` agree on a leader other than `old` in a term after `oldTerm`. */
export async function waitForNewLeader(
  probe: ClusterProbe,
  clock: DrillClock,
  o: { survivors: readonly MemberRef[]; old: string; oldTerm: number; deadlineNs: number; signal?: AbortSignal | undefined },
): Promise<LeaderSeen | undefined> {
  const addresses = o.survivors.map((m) => m.address);
  return pollUntil(clock, o.deadlineNs, WATCH_EVERY_MS, async () => {
    const seen = agreedLeader(await probe.statusAll(addresses), o.survivors);
    return seen !== undefined && seen.id !== o.old && seen.term > o.oldTerm ? { ...seen, atNs: clock.nowNs() } : undefined;
  }, o.signal);
}

/** Waits until every one of `members` agrees on some leader; answers it. */
export async function waitForAnyLeader(probe: ClusterProbe, clock: DrillClock, members: readonly MemberRef[], deadlineNs: number, signal?: AbortSignal): Promise<LeaderSeen | undefined> {
  const addresses = members.map((m) => m.address);
  return pollUntil(clock, deadlineNs, WATCH_EVERY_MS, async () => {
    const seen = agreedLeader(await probe.statusAll(addresses), members);
    return seen === undefined ? undefined : { ...seen, atNs: clock.nowNs() };
  }, signal);
}

/**
 * Waits until `member` has applied at least `index` and is within `maxLag` of the commit index
 * of the leader `members` agree on. Answers when it was first seen answering at all and when
 * caught up (undefined for what did not happen by the deadline).
 */
export async function waitForCatchUp(
  probe: ClusterProbe,
  clock: DrillClock,
  o: { member: MemberRef; members: readonly MemberRef[]; index: number; maxLag: number; deadlineNs: number; signal?: AbortSignal | undefined },
): Promise<{ upNs: number | undefined; caughtUpNs: number | undefined }> {
  const addresses = o.members.map((m) => m.address);
  let upNs: number | undefined;
  const caughtUpNs = await pollUntil(clock, o.deadlineNs, WATCH_EVERY_MS, async () => {
    const all = answers(await probe.statusAll(addresses));
    const me = all.find((s) => s.id === o.member.id);
    const leader = all.find((s) => s.role === 'leader');
    if (me !== undefined) upNs ??= clock.nowNs();
    if (me === undefined || leader === undefined) return undefined;
    return me.appliedIndex >= o.index && leader.commitIndex - me.appliedIndex <= o.maxLag ? clock.nowNs() : undefined;
  }, o.signal);
  return { upNs, caughtUpNs };
}

/** One member's status, or undefined when it does not answer. */
export async function statusOf(probe: ClusterProbe, member: MemberRef): Promise<MemberStatus | undefined> {
  const [s] = await probe.statusAll([member.address]);
  return s?.ok ? s.status : undefined;
}
