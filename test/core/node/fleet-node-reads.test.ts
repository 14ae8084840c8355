/**
 * Reads on a member that restarted with a commit index short of what it had applied and
 * answered: the hard state carrying the commit of the last write never reached the disk.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { encodeCommand } from '../../../src/core/fleet/index.js';
import type { FleetStateMachine } from '../../../src/core/fleet/index.js';
import { ERR_FUTURE } from '../../../src/core/etcd-store/mvcc.js';
import { FUTURE_REVISION_WAIT_MS, FleetMember } from '../../../src/core/node/fleet-member.js';
import type { RecoveredState } from '../../../src/core/node/storage-port.js';
import { encodeConfChange } from '../../../src/core/raft/conf-change.js';
import type { Entry } from '../../../src/core/raft/types.js';
import { FOUNDING, quiet, slowDisk, until } from './helpers.js';

/** How long each disk write takes: long enough that a test acts between an election and its first commit. */
const DISK_MS = 300;

/** A single-voter n1 whose log holds an acknowledged put of k=v at index 2, with commit 1 on disk. */
function afterCrash(): RecoveredState {
  const op = { type: 'kv.put', ns: '', key: 'k', value: 'v' };
  const put: Entry = { term: 1, index: 2, type: 'normal', data: encodeCommand({ clientId: 'c', seq: 1, firstIncomplete: 1, time: 1, op } as never) };
  return { hardState: { term: 1, vote: 'n1', commit: 1 }, entries: [FOUNDING, put], members: new Map() };
}

async function restartedLeader(): Promise<FleetMember> {
  const founders = new Map([['n1', '127.0.0.1:1']]);
  const n = await FleetMember.open({ id: 'n1', clusterName: 't', address: '127.0.0.1:1', founders, heartbeatMs: 10, electionTimeoutMs: 50, snapshotEvery: 1_000_000, storage: slowDisk(afterCrash(), DISK_MS), logger: quiet, version: 'test' });
  node = n;
  n.start({ send() {}, setPeers() {} }, (err) => {
    throw err;
  });
  // `elections` counts once the member has handled the Ready that made it leader.
  await until(() => n.status().role === 'leader' && n.status().elections === 1, 'leadership');
  // Its first entry of the term is on its way to the disk: nothing of this term is committed yet.
  expect(n.status().commitIndex).toBe(1);
  return n;
}

const valueOfK = (sm: FleetStateMachine) => sm.kvGet('k')?.value;

let node: FleetMember | undefined;
afterEach(() => {
  node?.stop();
  node = undefined;
});

describe('FleetNode reads on a leader that has not committed an entry of its term', () => {
  it('a linearizable read waits for the first commit of the term, and sees the acknowledged write', async () => {
    const n = await restartedLeader();
    const read = await n.read({ mode: 'linearizable' }, valueOfK);
    expect(read.value).toBe('v');
    expect(read.index).toBeGreaterThanOrEqual(2);
  });

  it('a max-staleness read waits for the leader to catch up rather than being served from the stale state', async () => {
    const n = await restartedLeader();
    const read = await n.read({ mode: 'max-staleness', ms: 60_000 }, valueOfK);
    expect(read.value).toBe('v');
    expect(read.index).toBeGreaterThanOrEqual(2);
  });
});

describe('a member outside the membership it applied', () => {
  async function opened(id: string, founders: Map<string, string>, recovered: RecoveredState): Promise<FleetMember> {
    const n = await FleetMember.open({ id, clusterName: 't', address: '127.0.0.1:2', founders, heartbeatMs: 10, electionTimeoutMs: 50, snapshotEvery: 1_000_000, storage: slowDisk(recovered, DISK_MS), logger: quiet, version: 'test' });
    node = n;
    n.start({ send() {}, setPeers() {} }, (err) => {
      throw err;
    });
    return n;
  }

  it('refuses reads at once when it was removed, instead of waiting for entries it is never sent', async () => {
    const cc = (index: number, type: 'add-voter' | 'remove', id: string): Entry => ({ term: 1, index, type: 'conf-change', data: encodeConfChange({ type, node: id }) });
    const n2 = await opened('n2', new Map(), { hardState: { term: 1, vote: 'n1', commit: 3 }, entries: [cc(1, 'add-voter', 'n1'), cc(2, 'add-voter', 'n2'), cc(3, 'remove', 'n2')], members: new Map() });
    await until(() => n2.status().appliedIndex === 3, 'the removal applied');
    for (const consistency of [{ mode: 'linearizable' as const }, { mode: 'min-index' as const, index: 1 }, { mode: 'max-staleness' as const, ms: 60_000 }]) {
      await expect(n2.read(consistency, (sm: FleetStateMachine) => sm.appliedIndex)).rejects.toThrow('member n2 was removed from the cluster (fleet members remove): it serves no reads; read from another member');
    }
  });

  it('refuses reads before it was added (started with --join)', async () => {
    const joiner = await opened('n4', new Map(), { entries: [], members: new Map() });
    await expect(joiner.read({ mode: 'min-index', index: 0 }, (sm: FleetStateMachine) => sm.appliedIndex)).rejects.toThrow('member n4 has not been added to a cluster yet');
  });
});

describe('the clock offset a follower reports', () => {
  it('is not taken from entries replayed at start, stamped before the process started', async () => {
    // Three founders; n2 restarts with entries of its current term 1, stamped at time 1 (1970).
    const cc = (index: number, id: string): Entry => ({ term: 1, index, type: 'conf-change', data: encodeConfChange({ type: 'add-voter', node: id }) });
    const op = { type: 'kv.put', ns: '', key: 'k', value: 'v' };
    const put: Entry = { term: 1, index: 4, type: 'normal', data: encodeCommand({ clientId: 'c', seq: 1, firstIncomplete: 1, time: 1, op } as never) };
    const warnings: string[] = [];
    const logger = { ...quiet, warn: (_f: object, msg: string) => void warnings.push(msg) };
    const n2 = await FleetMember.open({
      id: 'n2', clusterName: 't', address: '127.0.0.1:2', founders: new Map(), heartbeatMs: 10, electionTimeoutMs: 1_000, snapshotEvery: 1_000_000, logger, version: 'test',
      storage: slowDisk({ hardState: { term: 1, vote: 'n1', commit: 4 }, entries: [cc(1, 'n1'), cc(2, 'n2'), cc(3, 'n3'), put], members: new Map() }, DISK_MS),
    });
    node = n2;
    n2.start({ send() {}, setPeers() {} }, (err) => {
      throw err;
    });
    await until(() => n2.status().appliedIndex === 4, 'the replay');
    expect(n2.status().clockOffsetMs).toBeUndefined();
    expect(warnings.filter((w) => w.includes('wall clock'))).toEqual([]);
  });
});

/** A single-voter n1 with a disk taking 50 ms a write: a put's revision comes that long after it is proposed. */
async function leader(): Promise<FleetMember> {
  const founders = new Map([['n1', '127.0.0.1:1']]);
  const recovered: RecoveredState = { hardState: { term: 1, vote: 'n1', commit: 1 }, entries: [FOUNDING], members: new Map() };
  const n = await FleetMember.open({ id: 'n1', clusterName: 't', address: '127.0.0.1:1', founders, heartbeatMs: 10, electionTimeoutMs: 50, snapshotEvery: 1_000_000, storage: slowDisk(recovered, 50), logger: quiet, version: 'test' });
  node = n;
  n.start({ send() {}, setPeers() {} }, (err) => {
    throw err;
  });
  await until(() => n.status().role === 'leader' && n.status().commitIndex >= 2, 'leadership');
  return n;
}

describe('a serializable etcd read of a revision this member has not applied yet (issue 58)', () => {
  const key = new Uint8Array(Buffer.from('k'));

  it('waits for the revision and answers from it, where etcd would answer "future revision"', async () => {
    const n = await leader();
    const before = n.etcdStore().revision;
    const put = n.submitEtcd({ type: 'txn', txn: { success: [{ put: { key, value: new Uint8Array(Buffer.from('v')) } }] } });
    const read = await n.readEtcd(false, (store) => store.range({ key, revision: before + 1 }), before + 1);
    expect(read.value.kvs.map((kv) => Buffer.from(kv.value).toString())).toEqual(['v']);
    expect((await put).value).toMatchObject({ revision: before + 1 });
  });

  it('refuses a revision that does not come, with etcd\'s error, after a moment', async () => {
    const n = await leader();
    const future = n.etcdStore().revision + 5;
    const t0 = performance.now();
    await expect(n.readEtcd(false, (store) => store.range({ key, revision: future }), future)).rejects.toThrow(ERR_FUTURE);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(FUTURE_REVISION_WAIT_MS - 5);
  });
});

describe("an etcd lease's time to live", () => {
  // python3-etcd3's check saw 31 for a new 30 s lease: read on the leader's first look at leases in
  // its term, the look was taken after the time it was compared with, so a whole TTL from the look
  // ended after a whole TTL from now.
  it('is never more than the TTL granted, on the first look of a term too', async () => {
    const n = await leader();
    for (let id = 1; id <= 20; id++) {
      await n.submitEtcd({ type: 'lease-grant', id, ttl: 30 });
      const { value } = await n.etcdLeaseTimeToLive(id);
      expect(value.ttl?.ttl, `lease ${id}`).toBeLessThanOrEqual(30);
      expect(value.ttl?.ttl, `lease ${id}`).toBeGreaterThanOrEqual(29);
    }
  });
});
