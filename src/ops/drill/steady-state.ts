/**
 * The steady-state hypothesis every round starts from: every member answers, exactly one
 * leader is agreed on, and every member is caught up. A drill never injects a fault into a
 * cluster that is already unwell: it would measure the old trouble, not the new one.
 */
import type { EndpointStatus, MemberStatus } from '../../client/index.js';
import { pollUntil, type DrillClock } from './clock.js';
import type { CheckResult } from './types.js';

/** A member as the drill addresses it: its id and its gRPC `host:port`. */
export interface MemberRef {
  readonly id: string;
  readonly address: string;
}

/** What the drill reads about the cluster. */
export interface ClusterProbe {
  /** The status of each given member (default: every configured one), asked in parallel; never throws. */
  statusAll(addresses?: readonly string[]): Promise<EndpointStatus[]>;
  close(): void;
}

/** A cluster found in its steady state. */
export interface SteadyState {
  readonly leader: MemberRef;
  readonly term: number;
  readonly commitIndex: number;
  /** Every voter, in id order. */
  readonly members: readonly MemberRef[];
  readonly statuses: ReadonlyMap<string, MemberStatus>;
  /**
   * Every address each member answers at, by id: the one the membership records and the
   * endpoint the drill was given for it, which may be spelled differently.
   */
  readonly addresses: ReadonlyMap<string, readonly string[]>;
}

/** The addresses of each member that answered: its own and the endpoint it answered at. */
function addressesOf(members: readonly MemberRef[], statuses: readonly EndpointStatus[]): Map<string, string[]> {
  const byId = new Map(members.map((m) => [m.id, [m.address]]));
  for (const s of statuses) {
    if (!s.ok) continue;
    const known = byId.get(s.status.id) ?? [];
    for (const a of [s.status.address, s.endpoint]) if (a !== '' && !known.includes(a)) known.push(a);
    byId.set(s.status.id, known);
  }
  return byId;
}

/** The verdict on one look at the cluster. */
export type SteadyStateResult = { readonly ok: true; readonly state: SteadyState; readonly checks: CheckResult[] } | { readonly ok: false; readonly checks: CheckResult[] };

function check(name: string, ok: boolean, detail: string): CheckResult {
  return { name, ok, detail, severity: 'slo' };
}

function answered(statuses: readonly EndpointStatus[]): MemberStatus[] {
  return statuses.flatMap((s) => (s.ok ? [s.status] : []));
}

function reachability(statuses: readonly EndpointStatus[]): CheckResult {
  const down = statuses.filter((s) => !s.ok);
  const detail = down.length === 0 ? `${statuses.length} of ${statuses.length} members answered` : `no answer from ${down.map((s) => `${s.endpoint} (${s.ok ? '' : s.error.message})`).join(', ')}`;
  return check('reachable', down.length === 0 && statuses.length > 0, detail);
}

function oneLeader(all: readonly MemberStatus[]): { result: CheckResult; leader?: MemberStatus } {
  const leaders = all.filter((s) => s.role === 'leader');
  if (leaders.length !== 1) return { result: check('one-leader', false, leaders.length === 0 ? 'no member is the leader' : `${leaders.map((l) => l.id).join(' and ')} all claim to lead`) };
  const leader = leaders[0]!;
  const dissent = all.filter((s) => s.leaderId !== leader.id || s.term !== leader.term);
  if (dissent.length > 0) return { result: check('one-leader', false, `${dissent.map((s) => `${s.id} follows ${s.leaderId || 'nobody'} in term ${s.term}`).join(', ')}, not ${leader.id} in term ${leader.term}`) };
  return { result: check('one-leader', true, `${leader.id} leads term ${leader.term}`), leader };
}

function membership(leader: MemberStatus, all: readonly MemberStatus[]): CheckResult {
  const seen = new Set(all.map((s) => s.id));
  const missing = leader.members.filter((m) => !seen.has(m.id));
  if (missing.length > 0) return check('all-members-observed', false, `${missing.map((m) => `${m.id} (${m.address})`).join(', ')} not among the endpoints: pass every member's address`);
  const learners = leader.members.filter((m) => !m.voter);
  if (learners.length > 0) return check('all-members-observed', false, `${learners.map((m) => m.id).join(', ')} ${learners.length === 1 ? 'is a learner' : 'are learners'}: promote or remove before drilling`);
  return check('all-members-observed', true, `${leader.members.length} voters`);
}

function caughtUp(leader: MemberStatus, all: readonly MemberStatus[], maxLag: number): CheckResult {
  const behind = all.filter((s) => leader.commitIndex - s.appliedIndex > maxLag);
  if (behind.length > 0) return check('caught-up', false, `${behind.map((s) => `${s.id} applied ${s.appliedIndex}`).join(', ')}; the leader committed ${leader.commitIndex} (max lag ${maxLag})`);
  return check('caught-up', true, `every member within ${maxLag} entries of ${leader.commitIndex}`);
}

/** Judges one look at the cluster (pure). */
export function checkSteadyState(statuses: readonly EndpointStatus[], maxLag: number): SteadyStateResult {
  const checks = [reachability(statuses)];
  const all = answered(statuses);
  const { result, leader } = oneLeader(all);
  checks.push(result);
  if (leader === undefined) return { ok: false, checks };
  checks.push(membership(leader, all), caughtUp(leader, all, maxLag));
  if (checks.some((c) => !c.ok)) return { ok: false, checks };
  const members = [...leader.members].sort((a, b) => a.id.localeCompare(b.id)).map((m) => ({ id: m.id, address: m.address }));
  const state: SteadyState = {
    leader: { id: leader.id, address: leader.address },
    term: leader.term,
    commitIndex: leader.commitIndex,
    members,
    statuses: new Map(all.map((s) => [s.id, s])),
    addresses: addressesOf(members, statuses),
  };
  return { ok: true, state, checks };
}

/**
 * Looks until the steady state holds or `settleMs` passes; the failure names the checks that
 * failed on the last look.
 */
export async function waitForSteadyState(probe: ClusterProbe, clock: DrillClock, settleMs: number, maxLag: number, signal?: AbortSignal): Promise<SteadyStateResult> {
  let last: SteadyStateResult = { ok: false, checks: [check('reachable', false, 'not looked yet')] };
  const found = await pollUntil(clock, clock.nowNs() + settleMs * 1e6, 100, async () => {
    last = checkSteadyState(await probe.statusAll(), maxLag);
    return last.ok ? last : undefined;
  }, signal);
  return found ?? last;
}
