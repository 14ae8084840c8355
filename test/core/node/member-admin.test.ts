import { describe, expect, it } from 'vitest';
import { NodeError } from '../../../src/core/node/api.js';
import { MemberAdmin, type AdminHost } from '../../../src/core/node/member-admin.js';
import { MemberList } from '../../../src/core/node/member-list.js';
import type { NodeStorage } from '../../../src/core/node/storage-port.js';
import { decodeConfChange } from '../../../src/core/raft/conf-change.js';
import { TestMember, TestNetwork, bytes } from '../raft/harness.js';
import { fakeRuntime, recordingLogger } from './fake-runtime.js';

/** n1 leading a three-member cluster of the raft test harness, administered through MemberAdmin. */
function cluster() {
  const f = fakeRuntime();
  const net = new TestNetwork(['n1', 'n2', 'n3']);
  net.elect('n1');
  const storage = { recovered: { entries: [], members: new Map() }, saveMembers: () => Promise.resolve() } as Pick<NodeStorage, 'recovered' | 'saveMembers'> as NodeStorage;
  const addresses = new Map([
    ['n1', 'h1:1'],
    ['n2', 'h2:1'],
    ['n3', 'h3:1'],
  ]);
  const members = new MemberList({ id: 'n1' }, addresses, storage, recordingLogger());
  const n1 = net.get('n1');
  const host: AdminHost = {
    id: 'n1',
    get raw() {
      return n1.node;
    },
    rt: f.rt,
    members,
    electionTimeoutMs: 1_000,
    isLeader: () => n1.node.status().role === 'leader',
    stopped: () => false,
    appliedIndex: () => n1.appliedIndex,
    schedule: () => net.settle(),
    notLeader: () => new NodeError('UNAVAILABLE', 'not the leader'),
  };
  return { f, net, members, admin: new MemberAdmin(host) };
}

async function failure(p: Promise<unknown>): Promise<NodeError> {
  try {
    await p;
  } catch (err) {
    return err as NodeError;
  }
  throw new Error('expected a failure');
}

describe('MemberAdmin, leadership', () => {
  it('picks the most caught-up voter heard from recently as the transfer target', () => {
    const { net, admin } = cluster();
    net.isolate('n3');
    net.get('n1').node.propose([bytes('only n2 has this')]);
    net.settle();
    expect(admin.bestTransferTarget()).toBe('n2');
  });

  it('passes over a voter that is further along but has not been heard from lately', () => {
    const { net, admin } = cluster();
    // n2 answers heartbeats but never receives the new entry; n3 gets it, then goes silent.
    net.filter = (m) => !(m.type === 'app' && m.to === 'n2' && m.entries.length > 0);
    net.get('n1').node.propose([bytes('n2 misses this')]);
    net.settle();
    net.isolate('n3');
    net.tick(21); // past two of the leader's check-quorum rounds: a whole round without an answer
    const progress = net.get('n1').node.status().progress;
    expect(progress.get('n3')!.match).toBeGreaterThan(progress.get('n2')!.match);
    expect(progress.get('n3')!.recentActive).toBe(false);
    expect(admin.bestTransferTarget()).toBe('n2');
  });

  it('hands leadership over and says to whom', async () => {
    const { net, admin } = cluster();
    const r = await admin.transferLeadership('n3');
    expect(r).toMatchObject({ from: 'n1', to: 'n3' });
    expect(net.leaders()).toEqual(['n3']);
  });

  it('refuses on a follower, and a target outside the voters', async () => {
    const { net, admin } = cluster();
    expect((await failure(admin.transferLeadership('n9'))).code).toBe('INVALID_ARGUMENT');
    net.elect('n2');
    expect((await failure(admin.transferLeadership('n3'))).message).toBe('not the leader');
  });
});

describe('MemberAdmin, membership', () => {
  it('adds a learner once the change is applied, recording its address in the change', async () => {
    const { net, admin } = cluster();
    net.add(new TestMember('n4', [], {}, 44));
    await admin.addMember('n4', 'h4:1', true);
    const conf = net.get('n1').node.status().conf;
    expect(conf.learners).toEqual(['n4']);
    const change = decodeConfChange(net.get('n1').applied.at(-1)!.data);
    expect(change.type).toBe('add-learner');
    expect(JSON.parse(new TextDecoder().decode(change.context))).toEqual({ address: 'h4:1' });
  });

  it('refuses, before proposing anything, a second member at an address in use', async () => {
    const { net, admin } = cluster();
    const last = net.get('n1').node.status().lastIndex;
    const err = await failure(admin.addMember('n4', 'h2:1', false));
    expect(err.code).toBe('FAILED_PRECONDITION');
    expect(err.message).toMatch(/member n2 already uses the address h2:1/);
    expect(net.get('n1').node.status().lastIndex).toBe(last);
  });

  it('promotes only a learner, never a read replica', async () => {
    const { members, admin } = cluster();
    expect((await failure(admin.promoteMember('n2'))).message).toBe('n2 is not a learner');
    await admin.addMember('n4', 'h4:1', true);
    members.learnPlacement('n4', { zone: 'z', region: 'r', readReplica: true });
    expect((await failure(admin.promoteMember('n4'))).message).toMatch(/read replica/);
  });

  it('refuses a conditional change when the configuration moved since it was read', async () => {
    const { net, admin } = cluster();
    const confIndex = net.get('n1').node.status().confIndex;
    await admin.addMember('n4', 'h4:1', true);
    const err = await failure(admin.removeMember('n4', confIndex));
    expect(err.code).toBe('FAILED_PRECONDITION');
    expect(err.message).toMatch(/the membership changed since it was checked/);
  });

  it('times out when the change cannot commit, after five election timeouts of its clock', async () => {
    const { f, net, admin } = cluster();
    net.isolate('n1');
    const pending = failure(admin.removeMember('n3'));
    f.advance(4_999);
    await Promise.resolve();
    let settled = false;
    void pending.then(() => (settled = true));
    await new Promise<void>((r) => setImmediate(r));
    expect(settled).toBe(false);
    f.advance(10);
    const err = await pending;
    expect(err.code).toBe('TIMEOUT');
  });
});
