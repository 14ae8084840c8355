import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeCommand } from '../../../src/core/fleet/index.js';
import { FleetMember } from '../../../src/core/node/fleet-member.js';
import type { PeerSender } from '../../../src/core/node/fleet-node.js';
import type { TrailLimits } from '../../../src/core/node/snapshots/log-trail.js';
import type { NodeStorage } from '../../../src/core/node/storage-port.js';
import { RaftStorage } from '../../../src/core/storage/raft-storage.js';
import type { Entry, Message } from '../../../src/core/raft/types.js';
import { quiet, until } from './helpers.js';


/** A member's real storage in a fresh directory, recording how far the member had applied at each fsync's start. */
async function recordingStorage(dir: string, appliedNow: () => number) {
  const appliedAtFsync: number[] = [];
  const { storage } = await RaftStorage.open(dir, { unsafe: { beforeFsync: () => void appliedAtFsync.push(appliedNow()) } });
  const port: NodeStorage = {
    recovered: { entries: [], members: new Map() },
    persist: (batch, sync) => storage.persist(batch, { sync }),
    installSnapshot: () => Promise.resolve(),
    beginSnapshot: () => {
      throw new Error('unused');
    },
    latestSnapshot: () => Promise.resolve(undefined),
    readLatestSnapshot: () => Promise.resolve(undefined),
    saveMembers: () => Promise.resolve(),
    close: () => storage.close(),
  };
  return { port, appliedAtFsync };
}

function kvPutEntry(index: number): Entry {
  const op = { type: 'kv.put', ns: 'default', key: `k${index}`, value: 'v' };
  return { term: 1, index, type: 'normal', data: encodeCommand({ clientId: 'c', seq: index, firstIncomplete: index, time: 1, op } as never) };
}

function append(entries: Entry[], prevIndex: number, commit: number): Message {
  return { type: 'app', from: 'n2', to: 'n1', term: 1, logTerm: 1, index: prevIndex, entries, commit, reject: false, rejectHint: 0 };
}

let node: FleetMember | undefined;
let storage: NodeStorage | undefined;
const dirs: string[] = [];
afterEach(async () => {
  node?.stop();
  await storage?.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('FleetNode, as a follower', () => {
  it('submits new entries to the disk before applying the committed ones, so the fsync overlaps the apply', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-node-'));
    dirs.push(dir);
    const recording = await recordingStorage(dir, () => node!.status().appliedIndex);
    storage = recording.port;
    const founders = new Map([['n1', '127.0.0.1:1'], ['n2', '127.0.0.1:2'], ['n3', '127.0.0.1:3']]);
    node = await FleetMember.open({ id: 'n1', clusterName: 't', address: '127.0.0.1:1', founders, heartbeatMs: 1_000, electionTimeoutMs: 60_000, snapshotEvery: 1_000_000, storage: recording.port, logger: quiet, version: 'test' });
    const acks: Message[] = [];
    const transport: PeerSender = { send: (ms) => acks.push(...ms.filter((m) => m.type === 'app-resp')), setPeers() {} };
    node.start(transport, (err) => {
      throw err;
    });

    // The founding membership entries come first; the leader's entries follow them.
    const base = node.status().lastIndex;
    await until(() => node!.status().appliedIndex === base, 'the founding entries applied');
    node.step(append([kvPutEntry(base + 1)], base, base));
    await until(() => acks.length === 1, 'the first acknowledgement');
    // The next entry arrives with the commit of the first: one Ready holds both.
    node.step(append([kvPutEntry(base + 2)], base + 1, base + 1));
    await until(() => node!.status().appliedIndex === base + 1 && acks.length === 2, 'the first entry applied and the second acknowledged');

    const { appliedAtFsync } = recording;
    // The last fsync (the second entry's) started before the first entry was applied.
    expect(appliedAtFsync[appliedAtFsync.length - 1]).toBe(base);
  });
});

/** A single-member leader on real storage whose snapshot writes fail with ENOSPC while `diskFull()` says so. */
async function snapshottingLeader(diskFull: () => boolean, snapshotTrail?: TrailLimits) {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-node-'));
  dirs.push(dir);
  const { storage: raft } = await RaftStorage.open(dir);
  const port: NodeStorage = {
    recovered: { entries: [], members: new Map() },
    persist: (batch, sync) => raft.persist(batch, { sync }),
    installSnapshot: (meta, data) => raft.installSnapshot(meta, data),
    beginSnapshot: (meta) => {
      const writer = raft.beginSnapshot(meta);
      return {
        write: (bytes, offset) => {
          if (diskFull() && offset > 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
          writer.write(bytes, offset);
        },
        settle: () => writer.settle(),
        commit: async (length) => (await writer.commit(length)).path,
        abort: () => writer.abort(),
      };
    },
    // As the member's own port does (storage-adapter.ts): a stub answering "none" made a request
    // that met a snapshot covering everything write the same index again, and fail, whenever the
    // entry put between the two requests was applied before the first began (seen in CI).
    latestSnapshot: () => {
      const f = raft.latestSnapshotFile();
      return Promise.resolve(f ? { index: f.meta.index, term: f.meta.term, path: f.path } : undefined);
    },
    readLatestSnapshot: () => raft.loadLatestSnapshot(),
    saveMembers: () => Promise.resolve(),
    close: () => raft.close(),
  };
  storage = port;
  const leader = await FleetMember.open({ id: 'n1', clusterName: 't', address: '127.0.0.1:1', founders: new Map([['n1', '127.0.0.1:1']]), heartbeatMs: 20, electionTimeoutMs: 100, snapshotEvery: 1_000_000, snapshotTrail, storage: port, logger: quiet, version: 'test' });
  node = leader;
  leader.start({ send() {}, setPeers() {} }, (err) => {
    throw err;
  });
  await until(() => leader.status().role === 'leader', 'leadership');
  const put = (seq: number) => leader.write({ clientId: 'c', seq, firstIncomplete: seq, op: { type: 'kv.put', ns: '', key: `k${seq}`, value: 'v'.repeat(4_000) } });
  return { leader, dir, raft, put };
}

describe('FleetNode snapshots', () => {
  it('abandons a snapshot the disk cannot take (ENOSPC) whole, goes on serving, and snapshots once there is room', async () => {
    let diskFull = true;
    const { leader, dir, raft, put } = await snapshottingLeader(() => diskFull);
    for (let seq = 1; seq <= 400; seq++) await put(seq);

    await expect(leader.takeSnapshot()).rejects.toThrow(/ENOSPC/);
    expect(readdirSync(join(dir, 'snap'))).toEqual([]);
    await put(401);

    diskFull = false;
    const taken = await leader.takeSnapshot();
    expect(taken.index).toBe(leader.status().appliedIndex);
    expect(readdirSync(join(dir, 'snap'))).toEqual([taken.path.split('/').at(-1)]);
    expect((await raft.loadLatestSnapshot())?.data.length).toBe(taken.bytes);
  });

  it('keeps the log behind its newest snapshot, as far as the trail allows, for a follower a little behind', async () => {
    const { leader, put } = await snapshottingLeader(() => false, { entries: 100, bytes: 1 << 20 });
    let seq = 0;
    const snapshotAfter = async (writes: number) => {
      for (const end = seq + writes; seq < end; ) await put(++seq);
      return (await leader.takeSnapshot()).index;
    };
    const first = await snapshotAfter(50);
    expect(leader.raftStatus()).toMatchObject({ snapshotIndex: first, firstIndex: 1 });
    const second = await snapshotAfter(60);
    // The log's start is more than 100 entries behind the second: it now starts at the first.
    expect(leader.raftStatus()).toMatchObject({ snapshotIndex: second, firstIndex: first + 1 });
    const third = await snapshotAfter(60);
    expect(leader.raftStatus()).toMatchObject({ snapshotIndex: third, firstIndex: second + 1 });
    expect(leader.status().snapshotIndex).toBe(third);
  });

  it('keeps no more log behind its newest snapshot than the byte limit', async () => {
    // 30 entries of 4,000 bytes between snapshots: more than the limit.
    const { leader, put } = await snapshottingLeader(() => false, { entries: 5_000, bytes: 100_000 });
    for (let seq = 1; seq <= 30; seq++) await put(seq);
    const taken = await leader.takeSnapshot();
    expect(leader.raftStatus()).toMatchObject({ snapshotIndex: taken.index, firstIndex: taken.index + 1 });
  });

  it("waits for a snapshot already being written instead of failing the operator's request", async () => {
    const { leader, put } = await snapshottingLeader(() => false);
    for (let seq = 1; seq <= 200; seq++) await put(seq);
    // The first stands for the automatic snapshot; the second for `fleet snapshot save` meeting it.
    const first = leader.takeSnapshot();
    const written = put(201);
    const second = leader.takeSnapshot();
    await written;
    const [a, b] = await Promise.all([first, second]);
    expect(b.index).toBeGreaterThanOrEqual(a.index);
    expect(b.index).toBeGreaterThanOrEqual(200);
  });
});
