import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeEtcdEntry, splitImage } from '../../src/core/app-format.js';
import { encodeEtcdRequestBinary } from '../../src/core/etcd-store/request-codec.js';
import { offlineState } from '../../src/core/node/state/offline-state.js';
import { FleetStateMachine, encodeCommand } from '../../src/core/fleet/index.js';
import { encodeConfChange, type Entry } from '../../src/core/raft/index.js';
import { RaftStorage } from '../../src/core/storage/index.js';
import { planRecovery, recoverDataDir } from '../../src/ops/recover.js';

let dir: string;
let dataDir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-recover-unit-'));
  dataDir = join(dir, 'n1');
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

const put = (index: number, term: number, key: string, value: string): Entry => ({
  index,
  term,
  type: 'normal',
  data: encodeCommand({ clientId: 'c1', seq: index, firstIncomplete: index, time: 1_000 + index, op: { type: 'kv.put', key, value } }),
});
const voter = (index: number, node: string): Entry => ({ index, term: 1, type: 'conf-change', data: encodeConfChange({ type: 'add-voter', node }) });

/** A member's data dir: n1, n2, n3 voters; puts at 4–8 (committed through 7), a snapshot at 5 when asked. */
async function seed(opts: { snapshotAt?: number } = {}): Promise<void> {
  const { storage } = await RaftStorage.open(join(dataDir, 'raft'), { preallocate: false });
  const entries = [voter(1, 'n1'), voter(2, 'n2'), voter(3, 'n3'), put(4, 2, 'a', '1'), put(5, 2, 'b', '2'), put(6, 2, 'c', '3'), put(7, 3, 'd', '4'), put(8, 3, 'e', '5')];
  await storage.persist({ hardState: { term: 3, vote: 'n2', commit: 7 }, entries });
  if (opts.snapshotAt !== undefined) {
    const sm = new FleetStateMachine();
    for (const e of entries.filter((x) => x.index <= opts.snapshotAt!)) {
      if (e.type === 'normal') sm.apply(e.index, e.data);
      else sm.markApplied(e.index);
    }
    await storage.saveSnapshot({ index: opts.snapshotAt, term: 2, conf: { voters: ['n1', 'n2', 'n3'], learners: [] } }, sm.snapshot());
  }
  await storage.close();
}

describe('recovery from one member\'s data', () => {
  for (const snapshotAt of [undefined, 5]) {
    it(`reports, then keeps what was committed and drops the rest (${snapshotAt === undefined ? 'log only' : 'snapshot and log'})`, async () => {
      await seed(snapshotAt === undefined ? {} : { snapshotAt });
      const plan = await planRecovery(dataDir, 'n1');
      expect(plan).toMatchObject({ lastIndex: 8, lastTerm: 3, term: 3, commitIndex: 7, commitTerm: 3, snapshotIndex: snapshotAt ?? 0, dropped: ['n2', 'n3'], after: { voters: ['n1'] } });
      expect(plan.uncommitted).toMatchObject({ count: 1, fromIndex: 8, toIndex: 8 });
      expect(plan.uncommitted.entries[0]?.summary).toBe('kv.put');
      expect(plan.counts.kvKeys).toBe(4);

      const done = await recoverDataDir(dataDir, 'n1');
      expect(existsSync(join(done.movedAside, 'raft'))).toBe(true);
      const dropped = JSON.parse(readFileSync(done.droppedFile, 'utf8')) as { droppedMembers: string[]; droppedEntries: { index: number; data: string }[] };
      expect(dropped.droppedMembers).toEqual(['n2', 'n3']);
      expect(dropped.droppedEntries.map((e) => e.index)).toEqual([8]);

      const reopened = await RaftStorage.open(join(dataDir, 'raft'));
      try {
        expect(reopened.snapshot?.meta).toEqual({ index: 7, term: 3, conf: { voters: ['n1'], learners: [] } });
        expect(reopened.hardState).toMatchObject({ term: 3, commit: 7, vote: '' });
        expect(reopened.entries).toEqual([]);
        const sm = FleetStateMachine.restore(splitImage(await reopened.snapshot!.read()).registry);
        expect(['a', 'b', 'c', 'd'].map((k) => sm.kvGet(k)?.value)).toEqual(['1', '2', '3', '4']);
        expect(sm.kvGet('e')).toBeUndefined();
      } finally {
        await reopened.storage.close();
      }
    });
  }

  it('with keepUncommitted keeps and commits every entry held, as etcd --force-new-cluster does', async () => {
    await seed({ snapshotAt: 5 });
    const done = await recoverDataDir(dataDir, 'n1', { keepUncommitted: true });
    expect(done.plan).toMatchObject({ commitIndex: 7, kept: { throughIndex: 8, term: 3, uncommitted: true }, uncommitted: { count: 1 } });
    const dropped = JSON.parse(readFileSync(done.droppedFile, 'utf8')) as { droppedEntries: unknown[]; keptUncommittedEntries: { index: number }[] };
    expect(dropped.droppedEntries).toEqual([]);
    expect(dropped.keptUncommittedEntries.map((e) => e.index)).toEqual([8]);
    const reopened = await RaftStorage.open(join(dataDir, 'raft'));
    try {
      expect(reopened.snapshot?.meta).toEqual({ index: 8, term: 3, conf: { voters: ['n1'], learners: [] } });
      expect(FleetStateMachine.restore(splitImage(await reopened.snapshot!.read()).registry).kvGet('e')?.value).toBe('5');
    } finally {
      await reopened.storage.close();
    }
  });

  it('refuses an id that is not a member, and a dir without a log, changing nothing', async () => {
    await seed();
    await expect(planRecovery(dataDir, 'n9')).rejects.toMatchObject({ exitCode: 4, code: 'NOT_A_MEMBER' });
    await expect(recoverDataDir(join(dir, 'empty'), 'n1')).rejects.toMatchObject({ exitCode: 4 });
    expect((await planRecovery(dataDir, 'n1')).lastIndex).toBe(8);
  });
});

describe('recovery of a member whose KV lives in the etcd keyspace', () => {
  // Refused before: "holds … an etcd keyspace beside the registry". Every cluster whose members
  // read data format 5 keeps its KV there, so recover rebuilds the keyspace with the registry.
  it('applies the keyspace entries too, and the recovered image serves the keys', async () => {
    const version = JSON.stringify({ version: '1.0.0', dataFormat: 5 });
    const cas: Entry = { index: 4, term: 2, type: 'normal', data: encodeCommand({ clientId: '', seq: 0, firstIncomplete: 0, time: 1_004, op: { type: 'kv.cas', ns: 'fleet.system', key: 'cluster-version', expected: null, value: version } }) };
    const etcdPut: Entry = { index: 6, term: 2, type: 'normal', data: encodeEtcdEntry(encodeEtcdRequestBinary({ at: 1_006, op: { type: 'txn', txn: { success: [{ put: { key: Buffer.from('from-etcd'), value: Buffer.from('e') } }] } } }), true) };
    const { storage } = await RaftStorage.open(join(dataDir, 'raft'), { preallocate: false });
    await storage.persist({ hardState: { term: 2, vote: 'n1', commit: 6 }, entries: [voter(1, 'n1'), voter(2, 'n2'), voter(3, 'n3'), cas, put(5, 2, 'from-fleet', 'f'), etcdPut] });
    await storage.close();

    const done = await recoverDataDir(dataDir, 'n1');
    expect(done.plan.counts.kvKeys).toBe(4); // two keys, the cluster version, the mark that the KV moved
    const reopened = await RaftStorage.open(join(dataDir, 'raft'));
    try {
      const state = await offlineState(await reopened.snapshot!.read());
      expect(state.sm.kvGet('from-fleet')?.value).toBe('f');
      expect(state.sm.kvGet('from-etcd')?.value).toBe('e');
      expect(Buffer.from(state.etcd.store.range({ key: Buffer.from('from-fleet') }).kvs[0]!.value).toString()).toBe('f');
    } finally {
      await reopened.storage.close();
    }
  });
});
