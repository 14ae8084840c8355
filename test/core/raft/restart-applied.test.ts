/**
 * Restarting from a host's applied index: a host that records how far its state machine got
 * may restart with `applied` above the snapshot index. The membership must still include every
 * change up to there, or the member comes back with no voters and never campaigns.
 */
import { describe, expect, it } from 'vitest';
import { RawNode } from '../../../src/core/raft/raw-node.js';
import { InvalidInitialStateError } from '../../../src/core/raft/errors.js';
import type { Config, InitialState } from '../../../src/core/raft/types.js';
import { TestMember, TestNetwork, bytes, seeded } from './harness.js';

const config = (id: string): Config => ({ id, heartbeatTicks: 1, electionTicks: 10, random: seeded(7) });

/** Restarts `m`'s node from its disk, telling it the host applied everything it had. */
function restartApplied(m: TestMember, applied = m.appliedIndex, extra: Partial<InitialState> = {}): RawNode {
  return new RawNode(config(m.id), {
    hardState: m.hard,
    entries: m.log,
    ...(m.snapshot ? { snapshot: m.snapshot.meta } : {}),
    applied,
    ...extra,
  });
}

/** Whether the node asks for votes within two election timeouts. */
function campaigns(node: RawNode): boolean {
  for (let i = 0; i < 20; i++) {
    node.tick();
    if (!node.hasReady()) continue;
    const rd = node.ready();
    node.advance(rd);
    if ([...rd.messages, ...rd.messagesAfterPersist].some((m) => m.type === 'pre-vote' || m.type === 'vote')) return true;
  }
  return false;
}

describe('restarting with an applied index above the snapshot index', () => {
  it('keeps the founding membership when no snapshot was taken', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.get('n1').node.propose([bytes('x')]);
    net.settleCommitted();
    const node = restartApplied(net.get('n2'));
    expect(node.status().conf).toEqual({ voters: ['n1', 'n2', 'n3'], learners: [] });
    expect(campaigns(node)).toBe(true);
  });

  it('replays the membership changes between the snapshot and the applied index', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.get('n1').node.propose([bytes('x')]);
    net.settleCommitted();
    net.get('n2').compact();
    net.add(new TestMember('n4', [], {}, 9));
    expect(net.get('n1').node.proposeConfChange({ type: 'add-learner', node: 'n4' }).ok).toBe(true);
    net.settleCommitted();
    const m = net.get('n2');
    expect(m.appliedIndex).toBeGreaterThan(m.snapshot!.meta.index);
    const node = restartApplied(m);
    expect(node.status().conf).toEqual({ voters: ['n1', 'n2', 'n3'], learners: ['n4'] });
  });

  it('hands out no entry the host already applied, even past the commit index its hard state recorded', () => {
    const m = new TestMember('n1', ['n1']);
    m.node.campaign();
    while (m.node.hasReady()) m.handleReady();
    m.node.propose([bytes('x')]);
    while (m.node.hasReady()) m.handleReady();
    const applied = m.appliedIndex;
    const node = restartApplied(m, applied, { hardState: { ...m.hard, commit: applied - 1 } });
    expect(node.status().commit).toBe(applied);
    expect(node.hasReady() ? node.ready().committedEntries : []).toEqual([]);
  });

  it('refuses, by a typed error, an applied index the log does not reach', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    const m = net.get('n2');
    expect(() => restartApplied(m, m.appliedIndex + 5)).toThrow(InvalidInitialStateError);
    expect(() => restartApplied(m, m.appliedIndex + 5)).toThrow(/applied index \d+ is beyond the last log index \d+/);
  });
});
