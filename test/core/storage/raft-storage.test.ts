import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  RaftStorage,
  StorageClosedError,
  StorageFailedError,
  StorageLayoutError,
  StorageUsageError,
} from '../../../src/core/storage/index.js';
import { entries, expectLog, hard, tempDir } from './helpers.js';

describe('RaftStorage round trips', () => {
  it('opens a new directory empty and creates its layout', async () => {
    const dir = tempDir();
    const { storage, hardState, entries: log, snapshot, report } = await RaftStorage.open(dir);
    expect(hardState).toEqual({ term: 0, vote: '', commit: 0 });
    expect(log).toEqual([]);
    expect(snapshot).toBeUndefined();
    expect(report.tornTailBytes).toBe(0);
    expect(storage.firstIndex).toBe(1);
    expect(storage.lastIndex).toBe(0);
    expect(fs.readdirSync(dir).sort()).toEqual(['HARDSTATE', 'LOCK', 'snap', 'wal']);
    await storage.close();
    expect(fs.existsSync(path.join(dir, 'LOCK'))).toBe(false);
  });

  it('recovers entries and the latest hard state after reopening', async () => {
    const dir = tempDir();
    const a = await RaftStorage.open(dir);
    await a.storage.persist({ entries: entries(1, 10, 1), hardState: hard(1, 0) });
    await a.storage.persist({ entries: entries(11, 20, 2), hardState: hard(2, 15, 'n2') });
    await a.storage.persist({ hardState: hard(2, 18, 'n2') });
    await a.storage.close();

    const b = await RaftStorage.open(dir);
    expectLog(b.entries, [
      [1, 10, 1],
      [11, 20, 2],
    ]);
    expect(b.hardState).toEqual(hard(2, 18, 'n2'));
    expect(b.storage.lastIndex).toBe(20);
    expect(b.report.records).toBeGreaterThan(0);
    await b.storage.close();
  });

  it('applies truncations on recovery: a later entry at index i replaces everything from i on', async () => {
    const dir = tempDir();
    const a = await RaftStorage.open(dir);
    await a.storage.persist({ entries: entries(1, 30, 1) });
    await a.storage.persist({ entries: entries(21, 25, 2) }); // drops 21..30 of term 1
    await a.storage.persist({ entries: entries(24, 40, 3) }); // drops 24..25 of term 2
    expect(a.storage.lastIndex).toBe(40);
    await a.storage.close();

    const b = await RaftStorage.open(dir);
    expectLog(b.entries, [
      [1, 20, 1],
      [21, 23, 2],
      [24, 40, 3],
    ]);
    // And appending after reopen continues that log.
    await b.storage.persist({ entries: entries(41, 41, 3) });
    await b.storage.persist({ entries: entries(10, 12, 4) });
    await b.storage.close();
    const c = await RaftStorage.open(dir);
    expectLog(c.entries, [
      [1, 9, 1],
      [10, 12, 4],
    ]);
    await c.storage.close();
  });

  it('keeps entries of every type and empty payloads', async () => {
    const dir = tempDir();
    const a = await RaftStorage.open(dir);
    const log = [
      { index: 1, term: 1, type: 'conf-change' as const, data: new Uint8Array([1, 2, 3]) },
      { index: 2, term: 2, type: 'noop' as const, data: new Uint8Array(0) },
      { index: 3, term: 2, type: 'normal' as const, data: new Uint8Array(5000).fill(9) },
    ];
    await a.storage.persist({ entries: log, hardState: { term: 2, vote: 'ñode-ü', commit: 1 } });
    await a.storage.close();
    const b = await RaftStorage.open(dir);
    expect(b.entries).toEqual(log);
    expect(b.hardState).toEqual({ term: 2, vote: 'ñode-ü', commit: 1 });
    await b.storage.close();
  });

  it('makes a sync:false commit update durable at close and with the next synced batch', async () => {
    const dir = tempDir();
    let fsyncs = 0;
    const a = await RaftStorage.open(dir, { onFsync: () => fsyncs++ });
    await a.storage.persist({ entries: entries(1, 5, 1), hardState: hard(1, 0) });
    const before = fsyncs;
    await a.storage.persist({ hardState: hard(1, 3) }, { sync: false });
    expect(fsyncs).toBe(before);
    expect(a.storage.hardState).toEqual(hard(1, 3));
    await a.storage.persist({}, { sync: false }); // an empty batch is a no-op, not an error
    await a.storage.close();
    expect(fsyncs).toBe(before + 1);
    const b = await RaftStorage.open(dir);
    expect(b.hardState).toEqual(hard(1, 3));
    await b.storage.close();
  });

  it('rejects batches that break the log or hard state invariants, without harming the storage', async () => {
    const dir = tempDir();
    const { storage } = await RaftStorage.open(dir);
    await storage.persist({ entries: entries(1, 5, 2), hardState: hard(2, 0, 'n1') });
    const bad = [
      storage.persist({ entries: entries(7, 8, 2) }), // gap
      storage.persist({ entries: [...entries(6, 6, 2), ...entries(8, 8, 2)] }), // not contiguous
      storage.persist({ entries: entries(6, 6, 1) }), // term goes down
      storage.persist({ hardState: hard(1, 0) }), // term goes down
      storage.persist({ hardState: hard(2, 0, 'n3') }), // second vote in a term
      storage.persist({ entries: entries(6, 6, 2) }, { sync: false }), // entries must sync
      storage.persist({ hardState: hard(3, 0, '') }, { sync: false }), // term change must sync
    ];
    for (const p of bad) await expect(p).rejects.toBeInstanceOf(StorageUsageError);
    await storage.persist({ entries: entries(6, 6, 2) });
    expect(storage.lastIndex).toBe(6);
    await storage.close();
  });

  it('refuses writes after close and closes idempotently', async () => {
    const { storage } = await RaftStorage.open(tempDir());
    await Promise.all([storage.close(), storage.close()]);
    await expect(storage.persist({ entries: entries(1, 1, 1) })).rejects.toBeInstanceOf(StorageClosedError);
  });

  it('fails every pending and later write after an fsync error, and recovers on reopen', async () => {
    const dir = tempDir();
    let fail = false;
    const beforeFsync = () => {
      if (fail) throw Object.assign(new Error('EIO: i/o error (injected)'), { code: 'EIO' });
    };
    const { storage } = await RaftStorage.open(dir, { unsafe: { beforeFsync } });
    await storage.persist({ entries: entries(1, 3, 1) });
    fail = true;
    const first = storage.persist({ entries: entries(4, 4, 1) });
    const second = storage.persist({ entries: entries(5, 5, 1) });
    await expect(first).rejects.toBeInstanceOf(StorageFailedError);
    await expect(second).rejects.toBeInstanceOf(StorageFailedError);
    await expect(storage.persist({ entries: entries(6, 6, 1) })).rejects.toBeInstanceOf(StorageFailedError);
    await storage.close();
    const b = await RaftStorage.open(dir);
    expect(b.entries.slice(0, 3)).toEqual(entries(1, 3, 1));
    await b.storage.close();
  });

  it('refuses a directory holding files it does not know', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'hello');
    await expect(RaftStorage.open(dir)).rejects.toBeInstanceOf(StorageLayoutError);
    expect(fs.existsSync(path.join(dir, 'LOCK'))).toBe(false);
  });

  it('refuses a directory whose WAL vanished while snapshots remain', async () => {
    const dir = tempDir();
    const a = await RaftStorage.open(dir);
    await a.storage.persist({ entries: entries(1, 5, 1) });
    await a.storage.saveSnapshot({ index: 5, term: 1, conf: { voters: ['n1'], learners: [] } }, new Uint8Array([1]));
    await a.storage.close();
    for (const f of fs.readdirSync(path.join(dir, 'wal'))) fs.unlinkSync(path.join(dir, 'wal', f));
    await expect(RaftStorage.open(dir)).rejects.toThrow(/term and vote are lost/);
  });

  it('reports sizes and indexes for metrics', async () => {
    const { storage } = await RaftStorage.open(tempDir());
    await storage.persist({ entries: entries(1, 50, 1), hardState: hard(1, 10) });
    const stats = storage.stats();
    expect(stats).toMatchObject({ firstIndex: 1, lastIndex: 50, durableLastIndex: 50, walSegments: 1, pendingOperations: 0 });
    expect(stats.walBytes).toBeGreaterThan(50 * 40);
    expect(stats.fsyncs).toBeGreaterThanOrEqual(1);
    await storage.close();
  });
});
