/**
 * A log write the file system refuses for want of space (injected ENOSPC, so these run anywhere;
 * disk-full.test.ts does the same on a real tmpfs): the writes are held, unacknowledged and in
 * order, and go through once `retryWrites` finds room. An fsync failure stays fatal.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RaftStorage, StorageFailedError, StorageFullError } from '../../../src/core/storage/index.js';
import { entries, expectLog, hard, recordingLogger, segmentPaths, tempDir, until } from './helpers.js';

function enospc(): NodeJS.ErrnoException {
  return Object.assign(new Error('ENOSPC: no space left on device, write (injected)'), { code: 'ENOSPC' });
}

function failIf(full: boolean): void {
  if (full) throw enospc();
}

/** Whether `p` has settled, without waiting for it. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((r) => setImmediate(r));
  return done;
}

describe('a log write refused for want of space', () => {
  it('holds that batch and every later one unacknowledged, and writes them in order once retried with room', async () => {
    const dir = tempDir();
    let full = false;
    const refusals: StorageFullError[] = [];
    const logger = recordingLogger();
    const { storage } = await RaftStorage.open(dir, {
      preallocate: false,
      logger,
      onOutOfSpace: (err) => refusals.push(err),
      unsafe: { beforeWrite: () => failIf(full) },
    });
    await storage.persist({ entries: entries(1, 3, 1), hardState: hard(1, 0) });
    full = true;
    const first = storage.persist({ entries: entries(4, 6, 1) });
    const second = storage.persist({ hardState: hard(1, 5) }, { sync: false });
    const third = storage.persist({ entries: entries(7, 7, 1) });
    await until('the refused write', () => storage.outOfSpace);
    expect(await settled(first)).toBe(false);
    expect(await settled(second)).toBe(false);
    expect(await settled(third)).toBe(false);
    expect(storage.outOfSpace).toBe(true);
    expect(storage.durableLastIndex).toBe(3);
    expect(refusals).toHaveLength(1);
    expect(refusals[0]!.message).toMatch(/^no space left on device writing .*\.wal: writes are held until space is freed on that file system$/);
    expect(logger.lines.some((l) => l.level === 'warn' && /holding WAL writes/.test(l.msg))).toBe(true);

    // Still full: refused again, still held.
    expect(await storage.retryWrites()).toBe(false);
    expect(await settled(first)).toBe(false);
    expect(refusals).toHaveLength(2);
    expect(logger.lines.filter((l) => /holding WAL writes/.test(l.msg))).toHaveLength(1);

    full = false;
    expect(await storage.retryWrites()).toBe(true);
    await Promise.all([first, second, third]);
    expect(storage.outOfSpace).toBe(false);
    expect(storage.durableLastIndex).toBe(7);
    await storage.persist({ entries: entries(8, 8, 1) });
    await storage.close();

    const again = await RaftStorage.open(dir);
    expectLog(again.entries, [[1, 8, 1]]);
    expect(again.hardState.commit).toBe(5);
    await again.storage.close();
  });

  it('takes back the part of a short write that reached the file, so nothing half-written is ever synced', async () => {
    const dir = tempDir();
    let shortWrite = false;
    const { storage } = await RaftStorage.open(dir, {
      preallocate: false,
      unsafe: {
        beforeWrite: () => {
          if (!shortWrite) return;
          // As the kernel does on a full disk: part of the write lands, then the next call fails.
          const [segment] = segmentPaths(dir);
          fs.appendFileSync(segment!, Buffer.alloc(1000, 7));
          throw enospc();
        },
      },
    });
    await storage.persist({ entries: entries(1, 3, 1), hardState: hard(1, 0) });
    const [segment] = segmentPaths(dir);
    const size = fs.statSync(segment!).size;
    shortWrite = true;
    const held = storage.persist({ entries: entries(4, 6, 1) });
    await until('the refused write', () => storage.outOfSpace);
    expect(fs.statSync(segment!).size).toBe(size);
    shortWrite = false;
    expect(await storage.retryWrites()).toBe(true);
    await held;
    await storage.close();
    const again = await RaftStorage.open(dir);
    expectLog(again.entries, [[1, 6, 1]]);
    expect(again.report.tornTailBytes).toBe(0);
    await again.storage.close();
  });

  it('writes the zeros back where a refused write landed in a preallocated segment, leaving it as the fill did', async () => {
    const dir = tempDir();
    let junk = false;
    const { storage } = await RaftStorage.open(dir, {
      segmentBytes: 4096,
      unsafe: {
        beforeWrite: () => {
          const segments = segmentPaths(dir);
          if (!junk || segments.length < 2) return;
          const fd = fs.openSync(segments[1]!, 'r+');
          const first = Buffer.alloc(1);
          fs.readSync(fd, first, 0, 1, 0);
          // Not before the header is written (it is far shorter than 2 KiB): what lands next is the refused write.
          if (first[0] === 0) return void fs.closeSync(fd);
          fs.writeSync(fd, Buffer.alloc(2048, 7), 0, 2048, 2048);
          fs.closeSync(fd);
          throw enospc();
        },
      },
    });
    await storage.persist({ entries: entries(1, 3, 1), hardState: hard(1, 0) });
    // Room for the next segment: it is filled with zeros in the background.
    const next = path.join(dir, 'wal', 'next.wal.tmp');
    await until('the next segment to be preallocated', () => fs.existsSync(next) && fs.statSync(next).size === 4096);
    junk = true;
    const held = storage.persist({ entries: entries(4, 40, 1) });
    await until('the refused write', () => storage.outOfSpace);
    const segment = fs.readFileSync(segmentPaths(dir)[1]!);
    expect(segment.length).toBe(4096);
    expect(segment.subarray(2048).every((b) => b === 0)).toBe(true);
    junk = false;
    expect(await storage.retryWrites()).toBe(true);
    await held;
    await storage.close();
    const again = await RaftStorage.open(dir);
    expectLog(again.entries, [[1, 40, 1]]);
    await again.storage.close();
  });

  it('removes a new segment it had no room to write the header of, and rolls again on retry', async () => {
    const dir = tempDir();
    let full = false;
    const { storage } = await RaftStorage.open(dir, {
      preallocate: false,
      segmentBytes: 4096,
      unsafe: { beforeWrite: () => failIf(full && segmentPaths(dir).length > 1) },
    });
    await storage.persist({ entries: entries(1, 3, 1), hardState: hard(1, 0) });
    full = true;
    // Larger than what is left of the 4 KiB segment: the writer must roll to a new one, and that is refused.
    const held = storage.persist({ entries: entries(4, 40, 1) });
    await until('the refused write', () => storage.outOfSpace);
    expect(segmentPaths(dir)).toHaveLength(1);
    full = false;
    expect(await storage.retryWrites()).toBe(true);
    await held;
    expect(segmentPaths(dir)).toHaveLength(2);
    await storage.close();
    const again = await RaftStorage.open(dir);
    expectLog(again.entries, [[1, 40, 1]]);
    await again.storage.close();
  });

  it('rejects the writes still held when closed, and recovers the log as it was before them', async () => {
    const dir = tempDir();
    let full = false;
    const { storage } = await RaftStorage.open(dir, {
      preallocate: false,
      unsafe: { beforeWrite: () => failIf(full) },
    });
    await storage.persist({ entries: entries(1, 3, 1), hardState: hard(1, 0) });
    full = true;
    const held = storage.persist({ entries: entries(4, 4, 1) }).catch((e: unknown) => e);
    await until('the refused write', () => storage.outOfSpace);
    await storage.close();
    expect(await held).toBeInstanceOf(StorageFullError);
    const again = await RaftStorage.open(dir);
    expectLog(again.entries, [[1, 3, 1]]);
    await again.storage.close();
  });

  it('still treats an fsync that fails with ENOSPC as fatal: the page cache may have dropped what it had accepted', async () => {
    const dir = tempDir();
    let fail = false;
    const { storage } = await RaftStorage.open(dir, {
      preallocate: false,
      unsafe: { beforeFsync: () => failIf(fail) },
    });
    await storage.persist({ entries: entries(1, 3, 1) });
    fail = true;
    await expect(storage.persist({ entries: entries(4, 4, 1) })).rejects.toBeInstanceOf(StorageFailedError);
    expect(storage.outOfSpace).toBe(false);
    await expect(storage.retryWrites()).resolves.toBe(true);
    await expect(storage.persist({ entries: entries(5, 5, 1) })).rejects.toBeInstanceOf(StorageFailedError);
    await storage.close();
  });
});
