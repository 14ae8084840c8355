/** `fleet top` on an etcd cluster: the view model polls the etcd status model, and the frame shows etcd's figures. */
import { describe, expect, it } from 'vitest';
import type { EtcdMember, EtcdStatus } from '../../../src/client/etcd/index.js';
import { buildEtcdStatusModel, type EtcdProbe } from '../../../src/ops/etcd/status.js';
import { ETCD_NO_REGISTRY } from '../../../src/ops/etcd/top-source.js';
import type { TopSource } from '../../../src/ops/top/source.js';
import { TopViewModel } from '../../../src/ops/top/view-model.js';
import { renderTopFrame } from '../../../src/ui/top/index.js';
import { FakeClock } from './fakes.js';

const IDS = ['1001', '1002', '1003'];
const MEMBERS: EtcdMember[] = IDS.map((id, i) => ({ id, name: `n${i + 1}`, peerUrls: [`http://127.0.0.1:${2380 + i}`], clientUrls: [`http://127.0.0.1:${2379 + 10 * i}`], isLearner: false }));
const ENDPOINTS = MEMBERS.map((m) => m.clientUrls[0]!.replace('http://', ''));

function status(id: string, leaderId: string, term: number, raftIndex: number): EtcdStatus {
  return { memberId: id, leaderId, raftTerm: term, raftIndex, raftAppliedIndex: raftIndex, dbSize: 20_480 * Number(id.slice(-1)), dbSizeInUse: 16_384, isLearner: false, version: '3.4.30', errors: [], revision: 7 };
}

/** An etcd cluster whose answers the test scripts: `answers` per endpoint, undefined for one that is down. */
function etcdSource(answers: () => (EtcdStatus | undefined)[]): TopSource {
  const refuse = () => Promise.reject(new Error('not polled for etcd'));
  return {
    registryAbsent: ETCD_NO_REGISTRY,
    statusModel: async () => {
      const probes: EtcdProbe[] = answers().map((s, i) => (s === undefined ? { endpoint: ENDPOINTS[i]!, ok: false, error: new Error('connection refused'), rttMs: 1 } : { endpoint: ENDPOINTS[i]!, ok: true, status: s, rttMs: 1 }));
      return buildEtcdStatusModel({ probes, members: MEMBERS, alarms: [] });
    },
    statusAll: refuse,
    listShards: refuse,
    counts: refuse,
    listPlans: refuse,
    listClusters: refuse,
    transferLeader: refuse,
    takeSnapshot: refuse,
  };
}

describe('fleet top on etcd', () => {
  it('shows etcd members with raft index, applied, db size and health; no registry is read', async () => {
    const clock = new FakeClock();
    let leader = '1001';
    let term = 2;
    let down: number | undefined = undefined;
    const source = etcdSource(() => IDS.map((id, i) => (i === down ? undefined : status(id, leader, term, 40 + i))));
    const vm = new TopViewModel({ source, clock, intervalMs: 1_000, callDeadlineMs: 1_000, target: { context: 'etcd-lab', endpoints: ENDPOINTS } });
    let s = await vm.pollOnce();
    expect(s.header).toMatchObject({ engine: 'etcd', leader: '00000000000003e9', term: 2, commitIndex: 42, quorum: { voters: 3, available: true } });
    expect(s.members.map((m) => [m.role, m.commitIndex, m.appliedIndex, m.dbSize, m.healthy])).toEqual([
      ['leader', 40, 40, 20_480, true],
      ['follower', 41, 41, 40_960, true],
      ['follower', 42, 42, 61_440, true],
    ]);
    expect(s.registry.absent).toBe(ETCD_NO_REGISTRY);

    // The leader goes down and n2 takes over in a later term: the timeline says so, from the polls alone.
    leader = '1002';
    term = 3;
    down = 0;
    await clock.advance(1_000);
    s = await vm.pollOnce();
    expect(s.header).toMatchObject({ leader: '00000000000003ea', term: 3, quorum: { healthyVoters: 2, available: true } });
    expect(s.events.map((e) => e.text)).toEqual(expect.arrayContaining([expect.stringMatching(/^election 00000000000003e9 → 00000000000003ea · term 3$/), expect.stringMatching(/^00000000000003e9 lost: connection refused/)]));

    const frame = renderTopFrame(s, { columns: 140, color: false });
    expect(frame).toMatch(/^fleet top · etcd · context etcd-lab/);
    expect(frame).toContain('DB SIZE');
    expect(frame).not.toContain('RSS');
    expect(frame).not.toContain('MATCH');
    expect(frame).toMatch(/00000000000003ea +127\.0\.0\.1:2389 +leader +3 +41 +41 .* 40K +3\.4\.30 +ok/);
    expect(frame).toContain(ETCD_NO_REGISTRY);
  });
});
