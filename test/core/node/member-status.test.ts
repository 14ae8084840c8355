import { describe, expect, it } from 'vitest';
import { MemberList } from '../../../src/core/node/member-list.js';
import { describeMember, type StatusParts } from '../../../src/core/node/member-status.js';
import type { NodeStorage } from '../../../src/core/node/storage-port.js';
import type { ProgressStatus, Status } from '../../../src/core/raft/types.js';
import { recordingLogger } from './fake-runtime.js';

const progress = (match: number, extra: Partial<ProgressStatus> = {}): ProgressStatus => ({ match, next: match + 1, state: 'replicate', recentActive: true, learner: false, inflight: 0, ...extra });

const STATUS: Status = {
  id: 'n1',
  term: 4,
  vote: 'n1',
  commit: 90,
  applied: 88,
  lastIndex: 100,
  snapshotIndex: 50, firstIndex: 50 + 1,
  role: 'leader',
  leader: 'n1',
  conf: { voters: ['n1', 'n2'], learners: ['n3'] },
  transferee: '',
  repairing: false,
  confChangeBlocked: false,
  confIndex: 12,
  progress: new Map([
    ['n1', progress(100)],
    ['n2', progress(97)],
    ['n3', progress(120, { learner: true, state: 'probe', recentActive: false })],
  ]),
};

function parts(over: Partial<StatusParts> = {}): StatusParts {
  const storage = { recovered: { entries: [], members: new Map() }, saveMembers: () => Promise.resolve() } as Pick<NodeStorage, 'recovered' | 'saveMembers'> as NodeStorage;
  const founders = new Map([
    ['n1', 'h1:1'],
    ['n2', 'h2:1'],
    ['n3', 'h3:1'],
  ]);
  const members = new MemberList({ id: 'n1', placement: { zone: 'a', region: 'eu' } }, founders, storage, recordingLogger());
  members.learnPlacement('n2', { zone: 'b', region: 'eu' });
  return {
    st: STATUS,
    members,
    identity: { id: 'n1', address: 'h1:1', clusterName: 'prod', version: '9.9.9' },
    appliedIndex: 88,
    lastContactMs: 0,
    uptimeMs: 5_000,
    rssBytes: 1_024,
    snapshotsTaken: 2,
    elections: 1,
    repair: undefined,
    repairsCompleted: 0,
    outOfSpace: false,
    applyStalledMs: 0,
    stuckAfterMs: 30_000,
    loopDelayMaxMs: 3,
    loopHeldBoundMs: 100,
    ...over,
  };
}

describe('describeMember', () => {
  it('lists voters then learners with their addresses and placements', () => {
    const s = describeMember(parts());
    expect(s.members).toEqual([
      { id: 'n1', voter: true, address: 'h1:1', zone: 'a', region: 'eu' },
      { id: 'n2', voter: true, address: 'h2:1', zone: 'b', region: 'eu' },
      { id: 'n3', voter: false, address: 'h3:1' },
    ]);
    expect(s).toMatchObject({ id: 'n1', role: 'leader', term: 4, leaderId: 'n1', leaderAddress: 'h1:1', commitIndex: 90, appliedIndex: 88, lastIndex: 100, snapshotIndex: 50, configIndex: 12, zone: 'a', region: 'eu' });
  });

  it('shows the followers’ progress without the leader’s own, lag never below zero', () => {
    const s = describeMember(parts());
    expect(s.progress).toEqual([
      { id: 'n2', match: 97, next: 98, state: 'replicate', recentActive: true, learner: false, lag: 3 },
      { id: 'n3', match: 120, next: 121, state: 'probe', recentActive: false, learner: true, lag: 0 },
    ]);
  });

  it('names a learner’s role so, and shows storage and repair state only as they are', () => {
    const learner = describeMember(parts({ st: { ...STATUS, id: 'n3', role: 'follower', leader: 'n1', progress: new Map() }, identity: { id: 'n3', address: 'h3:1', clusterName: 'prod', version: '9.9.9' } }));
    expect(learner.role).toBe('learner');
    expect(learner.progress).toEqual([]);
    const plain = describeMember(parts());
    expect(plain.storage).toBe('ok');
    expect('repair' in plain).toBe(false);
    const repair = { file: 'log/0001.seg', reason: 'checksum', since: '2026-01-01T00:00:00Z' };
    const damaged = describeMember(parts({ outOfSpace: true, repair, repairsCompleted: 1 }));
    expect(damaged.storage).toBe('out-of-space');
    expect(damaged.repair).toEqual(repair);
    expect(damaged.repairsCompleted).toBe(1);
  });
});
