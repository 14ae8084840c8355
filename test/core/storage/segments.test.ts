import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RaftStorage } from '../../../src/core/storage/index.js';
import { entries, expectLog, hard, segmentPaths, snapMeta, tempDir } from './helpers.js';

const SEGMENT = 16 * 1024;

/** Persists [from, to] in batches of `per`, one term. */
async function fill(storage: RaftStorage, from: number, to: number, term: number, per = 10): Promise<void> {
  for (let i = from; i <= to; i += per) {
    await storage.persist({ entries: entries(i, Math.min(to, i + per - 1), term), hardState: hard(term, i - 1) });
  }
}

describe('segments', () => {
  for (const preallocate of [true, false]) {
    it(`rolls over to new segments near the size limit and replays across them (preallocate: ${preallocate})`, async () => {
      const dir = tempDir();
      const { storage } = await RaftStorage.open(dir, { segmentBytes: SEGMENT, preallocate });
      await fill(storage, 1, 600, 1);
      await storage.persist({ entries: entries(590, 650, 2), hardState: hard(2, 500) });
      await storage.close();

      const files = segmentPaths(dir);
      expect(files.length).toBeGreaterThan(5);
      files.forEach((f, k) => {
        expect(path.basename(f).startsWith(String(k + 1).padStart(16, '0'))).toBe(true);
        // Sealed segments are cut to their records: no preallocated space is left behind.
        if (k < files.length - 1) expect(fs.statSync(f).size).toBeLessThanOrEqual(SEGMENT + 4096);
      });
      // A segment's name carries the first index it was opened for.
      expect(path.basename(files[0] ?? '')).toBe('0000000000000001-0000000000000001.wal');

      const b = await RaftStorage.open(dir, { segmentBytes: SEGMENT, preallocate });
      expectLog(b.entries, [
        [1, 589, 1],
        [590, 650, 2],
      ]);
      expect(b.hardState).toEqual(hard(2, 500));
      expect(b.report.segments).toBe(files.length);
      await b.storage.close();
    });
  }

  it('deletes the segments a snapshot covers, keeping what the older retained snapshot needs', async () => {
    const dir = tempDir();
    const { storage } = await RaftStorage.open(dir, { segmentBytes: SEGMENT, preallocate: false });
    await fill(storage, 1, 1000, 1);
    const before = segmentPaths(dir).length;

    await storage.saveSnapshot(snapMeta(400, 1), new Uint8Array([4]));
    // The only snapshot is also the oldest kept: segments wholly at or below 400 go.
    const afterFirst = segmentPaths(dir);
    expect(afterFirst.length).toBeLessThan(before);
    await storage.saveSnapshot(snapMeta(900, 1), new Uint8Array([9]));
    // With two snapshots kept, the WAL still covers everything after 400, so falling back to it works.
    expect(segmentPaths(dir)).toEqual(afterFirst);
    await storage.saveSnapshot(snapMeta(990, 1), new Uint8Array([9, 9]));
    const afterThird = segmentPaths(dir);
    expect(afterThird.length).toBeLessThan(afterFirst.length);
    await storage.deletionsDone();
    expect(fs.readdirSync(path.join(dir, 'wal')).filter((f) => !f.endsWith('.wal'))).toEqual([]);
    expect(fs.readdirSync(path.join(dir, 'snap')).sort()).toEqual([
      '0000000000000001-0000000000000900.snap',
      '0000000000000001-0000000000000990.snap',
    ]);
    expect(storage.firstIndex).toBe(991);
    await storage.close();

    const b = await RaftStorage.open(dir, { segmentBytes: SEGMENT });
    expect(b.snapshot?.meta.index).toBe(990);
    expect(await b.snapshot?.read()).toEqual(new Uint8Array([9, 9]));
    expectLog(b.entries, [[991, 1000, 1]]);
    await b.storage.close();
  });

  it('compacts a segment that held a long discarded tail once the snapshot passes its live entries', async () => {
    const dir = tempDir();
    const { storage } = await RaftStorage.open(dir, { segmentBytes: SEGMENT, preallocate: false, retainSnapshots: 1 });
    await fill(storage, 1, 300, 1);
    await storage.persist({ entries: entries(50, 60, 2) }); // discards 50..300 of term 1
    await fill(storage, 61, 400, 2);
    await storage.saveSnapshot(snapMeta(380, 2), new Uint8Array([1]));
    await storage.close();
    const b = await RaftStorage.open(dir, { segmentBytes: SEGMENT });
    expectLog(b.entries, [[381, 400, 2]]);
    // Nothing before the segment holding entry 380 is needed any more.
    expect(segmentPaths(dir).length).toBeLessThanOrEqual(3);
    await b.storage.close();
  });

  it('never deletes the active segment, even when a snapshot covers all of it', async () => {
    const dir = tempDir();
    const { storage } = await RaftStorage.open(dir, { retainSnapshots: 1 });
    await storage.persist({ entries: entries(1, 20, 1), hardState: hard(1, 20) });
    await storage.saveSnapshot(snapMeta(20, 1), new Uint8Array([7]));
    expect(segmentPaths(dir)).toHaveLength(1);
    await storage.persist({ entries: entries(21, 22, 1) });
    await storage.close();
    const b = await RaftStorage.open(dir);
    expect(b.hardState).toEqual(hard(1, 20));
    expectLog(b.entries, [[21, 22, 1]]);
    await b.storage.close();
  });
});
