import { FleetClientError, type EndpointStatus, type FollowerProgress, type MemberStatus } from '../../../src/client/index.js';

/** A member's status with sensible defaults; `over` replaces fields. */
export function memberStatus(id: string, over: Partial<MemberStatus> = {}): MemberStatus {
  return {
    id, address: `127.0.0.1:${7780 + Number(id.slice(1))}`, clusterName: 'local', role: 'follower', term: 2, leaderId: 'n1', leaderAddress: '127.0.0.1:7781',
    commitIndex: 4, appliedIndex: 4, lastIndex: 4, snapshotIndex: 0, members: [], progress: [], lastContactMs: 10, uptimeMs: 1000,
    version: '0.1.0', rssBytes: 1, snapshotsTaken: 0, elections: 0, repair: null, repairsCompleted: 0, storage: 'ok', ...over,
  };
}

/** A follower's progress as its leader sees it. */
export function progress(id: string, over: Partial<FollowerProgress> = {}): FollowerProgress {
  return { id, match: 4, next: 5, state: 'replicate', recentActive: true, learner: false, lag: 0, ...over };
}

/** `statusAll()` answers: a status answers ok, `null` is an unreachable member at that endpoint. */
export function answers(...list: (MemberStatus | { unreachable: string })[]): EndpointStatus[] {
  return list.map((s) =>
    'unreachable' in s
      ? { endpoint: s.unreachable, ok: false as const, reachable: false, rttMs: 0, error: new FleetClientError('unavailable', `${s.unreachable} is unreachable`) }
      : { endpoint: s.address, ok: true as const, reachable: true as const, rttMs: 1, status: s },
  );
}
