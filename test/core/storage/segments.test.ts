import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RaftStorage } from '../../../src/core/storage/index.js';
import { firstSegmentToRead } from '../../../src/core/storage/recovery.js';
import { preallocationAfterCut } from '../../../src/core/storage/wal-writer.js';
import { entries, expectLog, hard, segmentPaths, snapMeta, tempDir } from './helpers.js';

const SEGMENT = 16 * 1024;
/** Segments far larger than these logs: every segment boundary is a snapshot's cut. */
const CUT_ONLY = { segmentBytes: 1 << 20, preallocate: false };

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
    // The cut each snapshot queues (a new segment from 1001) has gone through.
    await storage.persist({});
    // The only snapshot is also the oldest kept: segments wholly at or below 400 go.
    const afterFirst = segmentPaths(dir);
    expect(afterFirst.length).toBeLessThan(before + 1);
    expect(path.basename(afterFirst.at(-1)!)).toMatch(/-0000000000001001\.wal$/);
    await storage.saveSnapshot(snapMeta(900, 1), new Uint8Array([9]));
    await storage.persist({});
    // With two snapshots kept, the WAL still covers everything after 400, so falling back to it works.
    expect(segmentPaths(dir)).toEqual(afterFirst);
    await storage.saveSnapshot(snapMeta(990, 1), new Uint8Array([9, 9]));
    await storage.persist({});
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

  it('starts a new segment after each snapshot, and a restart leaves the segments the snapshot covers unread', async () => {
    const dir = tempDir();
    const { storage } = await RaftStorage.open(dir, CUT_ONLY);
    await fill(storage, 1, 300, 1);
    await storage.saveSnapshot(snapMeta(200, 1), new Uint8Array([2]));
    await fill(storage, 301, 400, 1);
    await storage.saveSnapshot(snapMeta(350, 1), new Uint8Array([3]));
    await fill(storage, 401, 500, 1);
    await storage.close();
    expect(segmentPaths(dir).map((f) => path.basename(f))).toEqual([
      '0000000000000001-0000000000000001.wal',
      '0000000000000002-0000000000000301.wal',
      '0000000000000003-0000000000000401.wal',
    ]);
    // Damage in the first segment: only a restart that needs it may notice.
    const first = segmentPaths(dir)[0]!;
    const bytes = fs.readFileSync(first);
    bytes[bytes.length - 20] ^= 0xff;
    fs.writeFileSync(first, bytes);

    const b = await RaftStorage.open(dir, CUT_ONLY);
    expect(b.snapshot?.meta.index).toBe(350);
    expectLog(b.entries, [[351, 500, 1]]);
    expect(b.report.segments).toBe(3);
    expect(b.report.segmentsSkipped).toBe(1);
    // Read: the two later segments' entries (301..500), their hard states and marks; nothing of 1..300.
    expect(b.report.records).toBeLessThan(2 * 200 + 50);
    await b.storage.close();

    // Without the newest snapshot, the older one (200) needs the first segment: now it is read, and its damage found.
    fs.rmSync(path.join(dir, 'snap', '0000000000000001-0000000000000350.snap'));
    await expect(RaftStorage.open(dir, CUT_ONLY)).rejects.toThrow(/checksum mismatch|0000000000000001-0000000000000001\.wal/);
  });

  it('reads the segment before a last one whose header a crash tore during the cut, and goes on writing in it', async () => {
    const dir = tempDir();
    const { storage } = await RaftStorage.open(dir, CUT_ONLY);
    await fill(storage, 1, 300, 1);
    await storage.saveSnapshot(snapMeta(300, 1), new Uint8Array([3]));
    await storage.persist({});
    await storage.close();
    const [sealed, cut] = segmentPaths(dir);
    expect(path.basename(cut!)).toBe('0000000000000002-0000000000000301.wal');
    fs.truncateSync(cut!, 10);

    const b = await RaftStorage.open(dir, CUT_ONLY);
    expect(b.report.segmentsSkipped).toBe(0);
    expect(b.report.removedFiles).toEqual([path.join('wal', path.basename(cut!))]);
    expect(b.hardState).toEqual(hard(1, 290));
    await fill(b.storage, 301, 320, 1);
    await b.storage.close();
    expect(segmentPaths(dir)[0]).toBe(sealed);
    const c = await RaftStorage.open(dir, CUT_ONLY);
    expectLog(c.entries, [[301, 320, 1]]);
    await c.storage.close();
  });

  it('drops a segment cut at a snapshot once the older kept snapshot covers it', async () => {
    const dir = tempDir();
    const { storage } = await RaftStorage.open(dir, CUT_ONLY);
    await fill(storage, 1, 300, 1);
    await storage.saveSnapshot(snapMeta(300, 1), new Uint8Array([1]));
    await fill(storage, 301, 600, 1);
    await storage.saveSnapshot(snapMeta(600, 1), new Uint8Array([2]));
    await fill(storage, 601, 700, 1);
    // Two snapshots kept (300, 600): the log must still reach back to 301; 1..300 may go.
    expect(segmentPaths(dir).map((f) => path.basename(f))).toEqual(['0000000000000002-0000000000000301.wal', '0000000000000003-0000000000000601.wal']);
    // Kept: 600 and 700. The segment of 301..600 goes, the one from 601 stays (falling back to 600 needs it).
    await storage.saveSnapshot(snapMeta(700, 1), new Uint8Array([3]));
    await fill(storage, 701, 710, 1);
    expect(segmentPaths(dir).map((f) => path.basename(f))).toEqual(['0000000000000003-0000000000000601.wal', '0000000000000004-0000000000000701.wal']);
    await storage.close();
    const b = await RaftStorage.open(dir, { segmentBytes: 1 << 20 });
    expectLog(b.entries, [[701, 710, 1]]);
    await b.storage.close();
  });

  it('firstSegmentToRead skips only segments wholly at or below the snapshot, never the last, nor the one before a last with a torn header', () => {
    const files = [1, 301, 401, 501].map((firstIndex, k) => ({ seq: k + 1, firstIndex, name: `s${k + 1}` }));
    expect(firstSegmentToRead(files, 0, true)).toBe(0);
    expect(firstSegmentToRead(files, 299, true)).toBe(0);
    expect(firstSegmentToRead(files, 300, true)).toBe(1);
    expect(firstSegmentToRead(files, 450, true)).toBe(2);
    expect(firstSegmentToRead(files, 500, true)).toBe(3);
    // The last is always read.
    expect(firstSegmentToRead(files, 900, true)).toBe(3);
    // A last segment with a torn header will be removed: the one before it is then read too.
    expect(firstSegmentToRead(files, 900, false)).toBe(2);
    expect(firstSegmentToRead(files.slice(0, 1), 900, true)).toBe(0);
    expect(firstSegmentToRead([], 600, true)).toBe(0);
  });

  it('preallocates about what the last cut segment held, within [1 MiB, segment size]', () => {
    expect(preallocationAfterCut(100, 64 << 20)).toBe(1 << 20);
    expect(preallocationAfterCut(8 << 20, 64 << 20)).toBe(10 << 20);
    expect(preallocationAfterCut(60 << 20, 64 << 20)).toBe(64 << 20);
    expect(preallocationAfterCut(100, 16 * 1024)).toBe(16 * 1024);
  });
});
