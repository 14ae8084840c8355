/** Fixtures for the status model: members as they answer `Status`, and probes as `statusAll` returns them. */
import type { EndpointStatus, FleetClientError, MemberInfo, MemberStatus } from '../../src/client/index.js';

export const MEMBERS3: MemberInfo[] = [
  { id: 'n1', address: '127.0.0.1:7781', voter: true },
  { id: 'n2', address: '127.0.0.1:7782', voter: true },
  { id: 'n3', address: '127.0.0.1:7783', voter: true },
];

/** A member's status; a follower of n1 at term 3 by default. */
export function member(id: string, over: Partial<MemberStatus> = {}): MemberStatus {
  return {
    id,
    address: `127.0.0.1:778${id.slice(1)}`,
    clusterName: 'fleet',
    role: 'follower',
    term: 3,
    leaderId: 'n1',
    leaderAddress: '127.0.0.1:7781',
    commitIndex: 100,
    appliedIndex: 100,
    lastIndex: 100,
    snapshotIndex: 0,
    members: MEMBERS3,
    progress: [],
    lastContactMs: 40,
    uptimeMs: 60_000,
    version: '0.1.0',
    rssBytes: 1,
    snapshotsTaken: 0,
    elections: 1,
    repair: null,
    repairsCompleted: 0,
    storage: 'ok',
    ...over,
  };
}

/** The leader n1, with its view of its followers. */
export function leader(over: Partial<MemberStatus> = {}): MemberStatus {
  return member('n1', {
    role: 'leader',
    lastContactMs: 0,
    progress: [
      { id: 'n2', match: 100, next: 101, state: 'replicate', recentActive: true, learner: false, lag: 0 },
      { id: 'n3', match: 97, next: 98, state: 'replicate', recentActive: true, learner: false, lag: 3 },
    ],
    ...over,
  });
}

export function ok(status: MemberStatus, endpoint = status.address): EndpointStatus {
  return { endpoint, ok: true, reachable: true, rttMs: 1, status };
}

export function down(endpoint: string, message = `${endpoint}: No connection established. Last error: connect ECONNREFUSED ${endpoint}: is it running? (fleet status)`): EndpointStatus {
  // Only the fields the model reads: name, kind and message.
  const error = Object.assign(new Error(message), { name: 'FleetClientError', kind: 'unavailable' }) as unknown as FleetClientError;
  return { endpoint, ok: false, reachable: false, rttMs: 5, error };
}
