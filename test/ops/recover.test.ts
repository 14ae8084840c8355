import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
        const sm = FleetStateMachine.restore(await reopened.snapshot!.read());
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
      expect(FleetStateMachine.restore(await reopened.snapshot!.read()).kvGet('e')?.value).toBe('5');
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
