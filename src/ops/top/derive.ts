/**
 * Pure derivations of the dashboard's figures from one poll's probes and what earlier polls
 * left behind: member rows (with the leader's match index and how long a member has been
 * down), the banner, and the commit rate.
 */
import type { EndpointStatus, MemberStatus } from '../../client/index.js';
import type { StatusMember, StatusModel } from '../status.js';
import type { TopMember } from './model.js';

/** A probe that answered. */
export type Answered = Extract<EndpointStatus, { ok: true }>;

/** What each answering member said about itself, by member id. */
export function statusById(probes: readonly EndpointStatus[]): Map<string, MemberStatus> {
  const byId = new Map<string, MemberStatus>();
  for (const p of probes) if (p.ok) byId.set(p.status.id, p.status);
  return byId;
}

/** The key a member is tracked by across polls: its id, or its address while its id is unknown. */
export function memberKey(m: Pick<StatusMember, 'id' | 'address'>): string {
  return m.id ?? `@${m.address}`;
}

/**
 * When each unreachable member was first seen down, carried over from the previous poll.
 * Invariant: only members unreachable in this poll have an entry.
 */
export function nextDownSince(model: StatusModel, previous: ReadonlyMap<string, number>, now: number): Map<string, number> {
  const next = new Map<string, number>();
  for (const m of model.members) {
    if (m.role !== 'unreachable') continue;
    const key = memberKey(m);
    next.set(key, previous.get(key) ?? now);
  }
  return next;
}

/** One row per member: the status row plus what only the leader knows (match index, replication state) and the member's RSS. */
export function topMembers(model: StatusModel, byId: ReadonlyMap<string, MemberStatus>, downSince: ReadonlyMap<string, number>): TopMember[] {
  const leader = model.leader === null ? undefined : byId.get(model.leader);
  return model.members.map((m) => {
    const own = m.id === null ? undefined : byId.get(m.id);
    const progress = leader?.progress.find((p) => p.id === m.id);
    const isLeader = leader !== undefined && m.id === leader.id;
    return {
      id: m.id,
      address: m.address,
      region: m.region ?? null,
      zone: m.zone ?? null,
      role: m.role,
      voter: m.voter,
      term: m.term,
      commitIndex: m.commitIndex,
      appliedIndex: m.appliedIndex,
      matchIndex: isLeader ? leader.lastIndex : (progress?.match ?? null),
      lag: m.lag,
      replication: isLeader ? null : (progress?.state ?? null),
      lastContactMs: m.lastContactMs,
      rttMs: m.rttMs,
      rssBytes: own?.rssBytes ?? null,
      dbSize: m.etcd?.dbSize ?? null,
      version: m.version,
      uptimeMs: m.uptimeMs,
      healthy: m.healthy,
      problem: m.problem ?? null,
      loopHeldMs: loopHeld(own),
      downSince: downSince.get(memberKey(m)) ?? null,
    };
  });
}

/** The member's longest loop delay of the last minute when past its bound, as `fleet status`'s loop line judges it. */
function loopHeld(s: MemberStatus | undefined): number | null {
  const bound = s?.loopHeldBoundMs ?? 0;
  const held = s?.loopDelayMaxMs ?? 0;
  return bound > 0 && held > bound ? held : null;
}

/** The highest commit index any member reported, or null when none answered. */
export function highestCommit(model: StatusModel): number | null {
  const commits = model.members.flatMap((m) => (m.commitIndex === null ? [] : [m.commitIndex]));
  return commits.length === 0 ? null : Math.max(...commits);
}

/** The banner: why the cluster cannot make progress, or null when it can. */
export function bannerOf(model: StatusModel): string | null {
  const q = model.quorum;
  const answered = model.members.filter((m) => m.role !== 'unreachable').length;
  if (answered === 0) return 'NO MEMBER ANSWERS: is the cluster running? (fleet ps, or check the endpoints)';
  if (model.leader === null) {
    const reachable = model.members.filter((m) => m.voter === true && m.role !== 'unreachable').length;
    return q.voters === 0 ? `NO LEADER (term ${model.term})` : `NO LEADER (term ${model.term}): ${reachable} of ${q.voters} voters reachable, ${q.size} needed to elect one`;
  }
  if (!q.available) return `NO QUORUM: ${q.healthyVoters} of ${q.voters} voters healthy, ${q.size} needed; writes will stall`;
  return null;
}

/** A commit index seen at a time. */
export interface CommitSample {
  readonly at: number;
  readonly commit: number;
}

/** Entries committed per second between two samples; 0 when the index went back (a rebuilt cluster). */
export function rateBetween(from: CommitSample, to: CommitSample): number {
  const seconds = (to.at - from.at) / 1_000;
  if (seconds <= 0) return 0;
  return Math.max(0, (to.commit - from.commit) / seconds);
}

/** How far back the header's writes/s looks: long enough to smooth batching, short enough to show a stall. */
export const RATE_WINDOW_MS = 5_000;

/**
 * The samples worth keeping for the windowed rate: everything inside the window plus the
 * newest one before it, so the window is always covered.
 */
export function trimSamples(samples: readonly CommitSample[], now: number): CommitSample[] {
  const inside = samples.findIndex((s) => now - s.at <= RATE_WINDOW_MS);
  if (inside === -1) return samples.slice(-1);
  return samples.slice(Math.max(0, inside - 1));
}

/** Writes/s over the window: from the oldest kept sample to the newest; null with fewer than two. */
export function windowRate(samples: readonly CommitSample[]): number | null {
  if (samples.length < 2) return null;
  return rateBetween(samples[0]!, samples[samples.length - 1]!);
}
