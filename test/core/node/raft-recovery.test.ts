import { describe, expect, it } from 'vitest';
import type { FleetNodeOptions } from '../../../src/core/node/node-types.js';
import { recoverRaft, TICKS_PER_HEARTBEAT } from '../../../src/core/node/raft-recovery.js';
import type { NodeStorage, RecoveredState } from '../../../src/core/node/storage-port.js';
import type { RawNode } from '../../../src/core/raft/raw-node.js';
import { fakeRuntime, recordingLogger } from './fake-runtime.js';

const founders = new Map([
  ['n2', 'h2:1'],
  ['n1', 'h1:1'],
  ['n3', 'h3:1'],
]);

function options(recovered: Partial<RecoveredState>, over: Partial<FleetNodeOptions> = {}): FleetNodeOptions {
  const storage = { recovered: { entries: [], members: new Map(), ...recovered } } as Pick<NodeStorage, 'recovered'> as NodeStorage;
  return {
    id: 'n1',
    clusterName: 'test',
    address: 'h1:1',
    founders,
    heartbeatMs: 100,
    electionTimeoutMs: 1_000,
    snapshotEvery: 10_000,
    storage,
    logger: recordingLogger(),
    version: '0',
    // randomInt draws 0: every election timeout is exactly the base one.
    runtime: fakeRuntime(0).rt,
    ...over,
  };
}

/** Ticks until the member leaves the follower role; the number of ticks it took. */
function ticksToCampaign(raw: RawNode, limit = 1_000): number {
  for (let i = 1; i <= limit; i++) {
    raw.tick();
    if (raw.status().role !== 'follower') return i;
  }
  return -1;
}

describe('recoverRaft', () => {
  it('founds a new cluster from the founders, in id order, when the data dir holds nothing', () => {
    const raw = recoverRaft(options({}));
    const st = raw.status();
    expect(st.conf.voters).toEqual(['n1', 'n2', 'n3']);
    expect(st.lastIndex).toBe(3);
    expect(st.term).toBe(1);
  });

  it('writes the same founding entries on every founder, whatever order its list came in', () => {
    const reversed = new Map([...founders].reverse());
    const a = recoverRaft(options({})).ready().entries;
    const b = recoverRaft(options({}, { founders: reversed })).ready().entries;
    expect(a.length).toBe(3);
    expect(b).toEqual(a);
  });

  it('refuses a founder without Raft state in an existing cluster: it may have lost votes', () => {
    let thrown: unknown;
    try {
      recoverRaft(options({}, { initialClusterState: 'existing' }));
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).name).toBe('MemberStateLostError');
    expect((thrown as Error).message).toMatch(/fleet members remove n1; fleet members add n1 h1:1 --learner/);
  });

  it('treats a term without a vote, log or snapshot as no state, and bootstraps', () => {
    const raw = recoverRaft(options({ hardState: { term: 3, vote: '', commit: 0 } }));
    expect(raw.status().conf.voters).toEqual(['n1', 'n2', 'n3']);
  });

  it('restarts from the recovered hard state and log, not from the founders', () => {
    const log = [1, 2, 3].map((index) => ({ term: 1, index, type: 'conf-change' as const, data: new TextEncoder().encode(JSON.stringify({ type: 'add-voter', node: `n${index}` })) }));
    const raw = recoverRaft(options({ hardState: { term: 5, vote: 'n2', commit: 3 }, entries: [...log, { term: 5, index: 4, type: 'noop', data: new Uint8Array(0) }] }, { initialClusterState: 'existing' }));
    const st = raw.status();
    expect([st.term, st.vote, st.lastIndex, st.commit]).toEqual([5, 'n2', 4, 3]);
    expect(st.conf.voters).toEqual(['n1', 'n2', 'n3']);
  });

  it('a member repairing a damaged log neither founds a cluster nor campaigns', () => {
    const raw = recoverRaft(options({ repair: { file: 'log/1.seg', offset: 0, reason: 'checksum', since: 'then' } }, { initialClusterState: 'existing' }));
    expect(raw.repairing).toBe(true);
    expect(raw.status().lastIndex).toBe(0);
    expect(ticksToCampaign(raw, 200)).toBe(-1);
  });

  it('counts the election timeout in ticks of a tenth of a heartbeat', () => {
    expect(TICKS_PER_HEARTBEAT).toBe(10);
    // 1000 ms / 100 ms per heartbeat × 10 ticks per heartbeat.
    expect(ticksToCampaign(recoverRaft(options({})))).toBe(100);
    expect(ticksToCampaign(recoverRaft(options({}, { electionTimeoutMs: 250 })))).toBe(25);
    // Never shorter than a heartbeat and a tick.
    expect(ticksToCampaign(recoverRaft(options({}, { electionTimeoutMs: 50 })))).toBe(TICKS_PER_HEARTBEAT + 1);
  });

  it('makes a read replica a permanent non-voter', () => {
    const raw = recoverRaft(options({}, { placement: { zone: 'z', region: 'r', readReplica: true } }));
    expect(ticksToCampaign(raw, 500)).toBe(-1);
  });
});
