/** A member's status as `fleet status` shows it, from what the node knows this instant. */
import type { Status } from '../raft/index.js';
import type { MemberInfo, MemberStatus, RepairStatus } from './api.js';
import type { MemberList } from './member-list.js';

export interface StatusParts {
  readonly st: Status;
  readonly members: MemberList;
  readonly identity: { readonly id: string; readonly address: string; readonly clusterName: string; readonly version: string };
  readonly appliedIndex: number;
  readonly lastContactMs: number;
  readonly uptimeMs: number;
  readonly rssBytes: number;
  readonly snapshotsTaken: number;
  readonly elections: number;
  readonly repair: RepairStatus | undefined;
  readonly repairsCompleted: number;
  readonly outOfSpace: boolean;
  readonly applyStalledMs: number;
  readonly stuckAfterMs: number;
  readonly loopDelayMaxMs: number;
  readonly loopHeldBoundMs: number;
}

/** The status without what the services around the node add (autopilot, clock offset, versions: see FleetMember.status). */
export function describeMember(p: StatusParts): MemberStatus {
  const { st, members: list, identity } = p;
  const members: MemberInfo[] = [...st.conf.voters.map((id) => ({ id, voter: true })), ...st.conf.learners.map((id) => ({ id, voter: false }))].map((m) => ({
    ...m,
    address: list.addressOf(m.id),
    ...list.placementOf(m.id),
  }));
  const progress = [...st.progress].filter(([id]) => id !== identity.id).map(([id, pr]) => ({
    id,
    match: pr.match,
    next: pr.next,
    state: pr.state,
    recentActive: pr.recentActive,
    learner: pr.learner,
    lag: Math.max(0, st.lastIndex - pr.match),
  }));
  return {
    id: identity.id,
    address: identity.address,
    clusterName: identity.clusterName,
    role: st.conf.learners.includes(identity.id) ? 'learner' : st.role,
    term: st.term,
    leaderId: st.leader,
    leaderAddress: list.addressOf(st.leader),
    commitIndex: st.commit,
    appliedIndex: p.appliedIndex,
    lastIndex: st.lastIndex,
    snapshotIndex: st.snapshotIndex,
    members,
    progress,
    lastContactMs: p.lastContactMs,
    uptimeMs: p.uptimeMs,
    version: identity.version,
    rssBytes: p.rssBytes,
    snapshotsTaken: p.snapshotsTaken,
    elections: p.elections,
    ...(p.repair ? { repair: p.repair } : {}),
    repairsCompleted: p.repairsCompleted,
    autopilot: undefined,
    storage: p.outOfSpace ? 'out-of-space' : 'ok',
    configIndex: st.confIndex,
    applyStalledMs: p.applyStalledMs,
    stuckAfterMs: p.stuckAfterMs,
    loopDelayMaxMs: p.loopDelayMaxMs,
    loopHeldBoundMs: p.loopHeldBoundMs,
    ...list.placementOf(identity.id),
  };
}
