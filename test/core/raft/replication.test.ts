import { describe, expect, it } from 'vitest';
import type { Message } from '../../../src/core/raft/types.js';
import { TestNetwork, bytes, text } from './harness.js';

const normal = (net: TestNetwork, id: string) =>
  net.get(id).applied.filter((e) => e.type === 'normal').map((e) => text(e.data));

describe('log replication', () => {
  it('appends a no-op at the start of each term', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    const first = net.get('n2').applied.find((e) => e.type !== 'conf-change')!;
    expect(first.type).toBe('noop');
    expect(first.term).toBe(net.get('n1').node.status().term);
  });

  it('commits once a majority holds an entry, not before', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.isolate('n2');
    net.isolate('n3');
    net.get('n1').node.propose([bytes('x')]);
    net.settle();
    const commitBefore = net.get('n1').node.status().commit;
    expect(normal(net, 'n1')).toEqual([]);
    net.heal();
    net.tick(2);
    expect(net.get('n1').node.status().commit).toBeGreaterThan(commitBefore);
    expect(normal(net, 'n1')).toEqual(['x']);
  });

  it('batches proposals made between two Readies into one append per follower', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.delivered = [];
    const leader = net.get('n1').node;
    for (let i = 0; i < 100; i++) leader.propose([bytes(`v${i}`)]);
    net.settleCommitted();
    const apps = net.delivered.filter((m) => m.type === 'app' && m.entries.length > 0);
    expect(apps.filter((m) => m.to === 'n2')).toHaveLength(1);
    expect(apps.find((m) => m.to === 'n2')!.entries).toHaveLength(100);
    expect(normal(net, 'n3')).toHaveLength(100);
  });

  it('a follower learns the commit index of a lone write at once, not at the next append or tick (issue 58)', () => {
    // Heartbeats (which carry the commit index too) only every 10 ticks, so no tick can be what tells it.
    const net = new TestNetwork(['n1', 'n2', 'n3'], { heartbeatTicks: 10, electionTicks: 100 });
    net.elect('n1');
    net.delivered = [];
    net.get('n1').node.propose([bytes('x')]);
    net.settle();
    const toN2 = net.delivered.filter((m) => m.to === 'n2' || m.from === 'n2').map((m) => `${m.type}:${m.entries.length}`);
    expect(toN2, 'the write, then its commit index').toEqual(['app:1', 'app-resp:0', 'app:0', 'app-resp:0']);
    expect(net.get('n2').node.status().commit).toBe(net.get('n1').node.status().commit);
    expect(normal(net, 'n2')).toEqual(['x']);
  });

  it('writes in a pipeline send no commit-only append while later entries are still unanswered', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3'], { heartbeatTicks: 10, electionTicks: 100 });
    net.elect('n1');
    const held: Message[] = [];
    net.filter = (m) => {
      if (m.type !== 'app-resp') return true;
      held.push(m);
      return false;
    };
    const leader = net.get('n1').node;
    leader.propose([bytes('x')]);
    net.settle();
    leader.propose([bytes('y')]);
    net.settle();
    const [forX, forY] = [held.filter((m) => m.index === held[0]!.index), held.filter((m) => m.index !== held[0]!.index)];
    expect(forX).toHaveLength(2);
    net.filter = () => true;
    net.delivered = [];
    for (const m of forX) leader.step(m);
    net.settle();
    expect(normal(net, 'n1'), 'x committed, y still in flight').toEqual(['x']);
    expect(net.delivered.filter((m) => m.type === 'app'), 'no commit-only append yet').toEqual([]);
    for (const m of forY) leader.step(m);
    net.settle();
    const apps = net.delivered.filter((m) => m.type === 'app').map((m) => `${m.to}:${m.entries.length}`);
    expect(apps.sort(), 'the last commit index, once, to each follower').toEqual(['n2:0', 'n3:0']);
    expect(normal(net, 'n2')).toEqual(['x', 'y']);
  });

  it('a follower whose read the leader confirms knows the commit index by then (the read round\'s heartbeat carries it)', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3'], { heartbeatTicks: 10, electionTicks: 100 });
    net.elect('n1');
    net.get('n1').node.propose([bytes('x')]);
    net.settle();
    net.get('n2').node.readIndex(bytes('r'));
    net.settle();
    const [rs] = net.get('n2').readStates;
    expect(rs?.index).toBe(net.get('n1').node.status().commit);
    expect(net.get('n2').node.status().commit).toBeGreaterThanOrEqual(rs!.index);
    expect(normal(net, 'n2')).toEqual(['x']);
  });

  it('bounds the appends in flight to a follower (flow control) and resumes as acks arrive', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3'], { maxInflight: 4, maxMsgBytes: 1 });
    net.elect('n1');
    const held: Message[] = [];
    net.filter = (m) => {
      if (m.type === 'app-resp' && m.from === 'n2') {
        held.push(m);
        return false;
      }
      return true;
    };
    net.delivered = [];
    for (let i = 0; i < 20; i++) net.get('n1').node.propose([bytes(`v${i}`)]);
    net.settle();
    expect(net.delivered.filter((m) => m.type === 'app' && m.to === 'n2' && m.entries.length > 0)).toHaveLength(4);
    net.filter = () => true;
    net.tick(3);
    expect(normal(net, 'n2')).toHaveLength(20);
  });

  it('backs off over a whole term of conflicting entries in one round trip', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    // n1 writes 50 entries that only it has, in its term.
    net.isolate('n1');
    for (let i = 0; i < 50; i++) net.get('n1').node.propose([bytes(`lost${i}`)]);
    net.settle();
    net.heal();
    net.crash('n1');
    net.elect('n2');
    expect(net.leaders()).toEqual(['n2']);
    net.get('n2').node.propose([bytes('kept')]);
    net.settle();
    net.revive('n1');
    net.delivered = [];
    net.tick(3);
    const rejects = net.delivered.filter((m) => m.type === 'app-resp' && m.from === 'n1' && m.reject);
    expect(rejects.length).toBeLessThanOrEqual(2);
    expect(normal(net, 'n1')).toEqual(['kept']);
  });

  it('Figure 8: a leader never commits an entry of an earlier term by counting replicas', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3', 'n4', 'n5']);
    // New leaders' no-ops are held back, so that only the entries we choose reach other members.
    const withoutNoops = (m: Message): Message | boolean => {
      if (m.type !== 'app') return true;
      const cut = m.entries.findIndex((e) => e.type === 'noop');
      return cut < 0 ? true : { ...m, entries: m.entries.slice(0, cut) };
    };
    net.elect('n1');
    // n1 gets entry A onto n2 only.
    net.filter = (m) => !(m.from === 'n1' && m.to !== 'n2');
    net.get('n1').node.propose([bytes('A')]);
    net.settle();
    net.crash('n1');
    net.crash('n2');
    // n5 leads a newer term with votes from n3 and n4 and writes B at A's index, only locally.
    net.filter = withoutNoops;
    net.elect('n5');
    expect(net.leaders()).toEqual(['n5']);
    net.isolate('n5');
    net.get('n5').node.propose([bytes('B')]);
    net.settle();
    net.crash('n5');
    net.heal();
    // n1 and n2 return; one of them leads a newer term still and replicates A: A is then on a
    // majority of replicas, but it is of an earlier term and must stay uncommitted until an entry
    // of the leader's own term is.
    net.revive('n1');
    net.revive('n2');
    net.elect('n1'); // cannot win at n5's term: n3 and n4 voted there already
    for (let i = 0; i < 100 && net.leaders().length === 0; i++) net.tick(1);
    const [leader] = net.leaders();
    expect(['n1', 'n2']).toContain(leader);
    net.tick(2);
    const aIndex = net.get(leader!).log.find((e) => text(e.data) === 'A')!.index;
    expect(net.get('n3').log.some((e) => text(e.data) === 'A') || net.get('n4').log.some((e) => text(e.data) === 'A')).toBe(true);
    expect(net.get(leader!).node.status().commit).toBeLessThan(aIndex);
    // Once the leader's own no-op reaches a majority, A commits with it.
    net.filter = () => true;
    net.tick(2);
    expect(net.get(leader!).node.status().commit).toBeGreaterThan(aIndex);
  });

  it('a restarted member recovers its log and term from what it persisted', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.get('n1').node.propose([bytes('a'), bytes('b')]);
    net.settle();
    const before = net.get('n2').node.status();
    net.crash('n2');
    net.revive('n2');
    const after = net.get('n2').node.status();
    expect(after.term).toBe(before.term);
    expect(after.lastIndex).toBe(before.lastIndex);
    net.tick(2);
    expect(normal(net, 'n2')).toEqual(['a', 'b']);
  });

  it('refuses proposals on a follower', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    expect(net.get('n2').node.propose([bytes('x')])).toEqual({ ok: false, error: 'not-leader' });
  });
});

describe('snapshots', () => {
  it('sends a snapshot to a follower whose next entry was compacted away, then resumes appends', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.crash('n3');
    for (let i = 0; i < 30; i++) net.get('n1').node.propose([bytes(`v${i}`)]);
    net.settle();
    net.get('n1').compact();
    net.get('n2').compact();
    net.revive('n3');
    net.delivered = [];
    net.tick(3);
    expect(net.delivered.some((m) => m.type === 'snap' && m.to === 'n3')).toBe(true);
    const n3 = net.get('n3');
    expect(n3.snapshot?.meta.index).toBe(net.get('n1').snapshot!.meta.index);
    net.get('n1').node.propose([bytes('after')]);
    net.settleCommitted();
    expect(normal(net, 'n3')).toEqual(['after']);
    expect(n3.node.status().commit).toBe(net.get('n1').node.status().commit);
  });

  it('sends a follower behind within the log kept after a snapshot entries, not the snapshot', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    const behind = net.get('n3').node.status().lastIndex;
    net.crash('n3');
    for (let i = 0; i < 30; i++) net.get('n1').node.propose([bytes(`v${i}`)]);
    net.settle();
    const n1 = net.get('n1');
    const kept = n1.log.find((e) => e.index === behind)!;
    const applied = n1.node.status().applied;
    const taken = { index: applied, term: n1.node.status().term, conf: n1.node.confState() };
    n1.node.compact({ index: behind, term: kept.term, conf: n1.node.confState() }, taken);
    expect(n1.node.status()).toMatchObject({ snapshotIndex: applied, firstIndex: behind + 1 });
    net.revive('n3');
    net.delivered = [];
    net.tick(3);
    net.settleCommitted();
    expect(net.delivered.some((m) => m.type === 'snap')).toBe(false);
    expect(normal(net, 'n3')).toHaveLength(30);
    expect(net.get('n3').node.status().commit).toBe(n1.node.status().commit);
  });

  it('a restarted member starts from its snapshot', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    for (let i = 0; i < 10; i++) net.get('n1').node.propose([bytes(`v${i}`)]);
    net.settleCommitted();
    net.get('n2').compact();
    net.crash('n2');
    net.revive('n2');
    expect(net.get('n2').node.status().snapshotIndex).toBe(net.get('n2').snapshot!.meta.index);
    net.get('n1').node.propose([bytes('z')]);
    net.settleCommitted();
    expect(normal(net, 'n2')).toEqual(['z']);
  });
});
