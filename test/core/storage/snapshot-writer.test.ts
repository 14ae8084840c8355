import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SYNC_SLICE_BYTES } from '../../../src/core/storage/fs-util.js';
import { RaftStorage, StorageUsageError } from '../../../src/core/storage/index.js';
import { readSnapshotData, readSnapshotInfo, snapshotFileName, SnapshotFileWriter } from '../../../src/core/storage/snapshot-file.js';
import { entries, hard, snapMeta, tempDir } from './helpers.js';

afterEach(() => vi.restoreAllMocks());

function pattern(n: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = (i * 131 + seed) & 0xff;
  return out;
}

describe('SnapshotFileWriter', () => {
  it('assembles pieces and later fixes to earlier bytes into a checked file, renamed into place only at commit', async () => {
    const dir = tempDir();
    const meta = snapMeta(7, 2);
    const file = path.join(dir, snapshotFileName(meta));
    const writer = SnapshotFileWriter.create(file, meta);
    const expected = pattern(300_000, 1);
    for (let at = 0; at < expected.length; at += 65_536) writer.write(expected.subarray(at, at + 65_536), at);
    const fix = Buffer.from([9, 8, 7, 6]);
    fix.copy(expected, 10);
    writer.write(fix, 10);
    expect(fs.existsSync(file)).toBe(false);
    expect(fs.existsSync(`${file}.tmp`)).toBe(true);

    const info = await writer.commit(expected.length);
    expect(fs.existsSync(`${file}.tmp`)).toBe(false);
    const read = await readSnapshotInfo(file, meta);
    expect(read).toEqual(info);
    expect(Buffer.from(await readSnapshotData(read)).equals(expected)).toBe(true);
    writer.abort(); // harmless after commit
    expect(fs.existsSync(file)).toBe(true);
  });

  it('refuses a length other than what was written, and abort leaves no file behind', async () => {
    const dir = tempDir();
    const meta = snapMeta(7, 2);
    const file = path.join(dir, snapshotFileName(meta));
    const writer = SnapshotFileWriter.create(file, meta);
    writer.write(pattern(1000, 2), 0);
    await expect(writer.commit(999)).rejects.toThrow(/1000 bytes, not the 999 announced/);
    writer.abort();
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(() => writer.write(pattern(1, 1), 0)).toThrow(/closed/);
  });

  it('syncs as it goes: never more than a slice of data unsynced at a settle', async () => {
    const dir = tempDir();
    const meta = snapMeta(7, 2);
    let unsynced = 0;
    const unsyncedAtSync: number[] = [];
    const writeSync = fs.writeSync.bind(fs);
    vi.spyOn(fs, 'writevSync').mockImplementation((fd, buffers, position) => {
      let n = 0;
      for (const b of buffers) n += writeSync(fd, b as Uint8Array, 0, b.byteLength, (position ?? 0) + n);
      unsynced += n;
      return n;
    });
    const fdatasync = fs.fdatasync.bind(fs);
    vi.spyOn(fs, 'fdatasync').mockImplementation((fd, cb) => {
      unsyncedAtSync.push(unsynced);
      unsynced = 0;
      fdatasync(fd, cb);
    });
    const writer = SnapshotFileWriter.create(path.join(dir, snapshotFileName(meta)), meta);
    const data = pattern(2 * SYNC_SLICE_BYTES + 12_345, 3);
    await writer.writeAll(data);
    await writer.commit(data.length);
    expect(unsyncedAtSync).toEqual([SYNC_SLICE_BYTES, SYNC_SLICE_BYTES]);
  });
});

describe('RaftStorage.beginSnapshot', () => {
  it('commits a snapshot written in pieces: it becomes the newest, the log is compacted behind it, and it survives a reopen', async () => {
    const dir = tempDir();
    const { storage } = await RaftStorage.open(dir);
    await storage.persist({ entries: entries(1, 100, 3), hardState: hard(3, 100) });
    const meta = snapMeta(80, 3);
    const data = pattern(1_500_000, 4);
    const writer = storage.beginSnapshot(meta);
    for (let at = 0; at < data.length; at += 100_000) {
      writer.write(data.subarray(at, at + 100_000), at);
      await writer.settle();
    }
    const info = await writer.commit(data.length);
    expect(storage.latestSnapshotFile()).toEqual(info);
    expect(storage.firstIndex).toBe(81);
    await storage.close();

    const b = await RaftStorage.open(dir);
    expect(b.snapshot?.meta).toEqual(meta);
    expect(Buffer.from((await b.snapshot?.read()) ?? []).equals(data)).toBe(true);
    await b.storage.close();
  });

  it('refuses one that is not newer than the last, at once, and one overtaken while it was written, at commit', async () => {
    const dir = tempDir();
    const { storage } = await RaftStorage.open(dir);
    await storage.persist({ entries: entries(1, 100, 3), hardState: hard(3, 100) });
    await storage.saveSnapshot(snapMeta(50, 3), pattern(10, 5));
    expect(() => storage.beginSnapshot(snapMeta(50, 3))).toThrow(StorageUsageError);

    const slow = storage.beginSnapshot(snapMeta(60, 3));
    slow.write(pattern(10, 6), 0);
    await storage.saveSnapshot(snapMeta(70, 3), pattern(10, 7));
    await expect(slow.commit(10)).rejects.toBeInstanceOf(StorageUsageError);
    slow.abort();
    expect(fs.readdirSync(path.join(dir, 'snap')).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(storage.latestSnapshotFile()?.meta.index).toBe(70);
    await storage.close();
  });
});
