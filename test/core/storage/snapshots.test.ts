import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RaftStorage, StorageCorruptionError, StorageUsageError } from '../../../src/core/storage/index.js';
import { entries, expectLog, hard, recordingLogger, segmentPaths, snapMeta, snapshotPaths, tempDir } from './helpers.js';

function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

/** Byte equality without the element-by-element diffing of toEqual (slow on megabytes). */
function same(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}

describe('snapshots', () => {
  it('saves a snapshot atomically and loads it back, data and meta', async () => {
    const dir = tempDir();
    const { storage } = await RaftStorage.open(dir);
    await storage.persist({ entries: entries(1, 100, 3), hardState: hard(3, 100) });
    const meta = { index: 80, term: 3, conf: { voters: ['n1', 'n2'], learners: ['n4'] } };
    const saved = await storage.saveSnapshot(meta, bytes(100_000, 1));
    expect(fs.readdirSync(path.join(dir, 'snap'))).toEqual(['0000000000000003-0000000000000080.snap']);
    expect(saved.path).toBe(path.join(dir, 'snap', '0000000000000003-0000000000000080.snap'));
    expect(fs.statSync(saved.path).size).toBe(saved.dataOffset + saved.dataLength);
    const loaded = await storage.loadLatestSnapshot();
    expect(loaded?.meta).toEqual(meta);
    expect(same(loaded?.data, bytes(100_000, 1))).toBe(true);
    expect(storage.latestSnapshotFile()?.meta).toEqual(meta);
    await storage.close();

    const b = await RaftStorage.open(dir);
    expect(b.snapshot?.meta).toEqual(meta);
    expect(b.snapshot?.dataLength).toBe(100_000);
    expect(same(await b.snapshot?.read(), bytes(100_000, 1))).toBe(true);
    expectLog(b.entries, [[81, 100, 3]]);
    expect(b.storage.firstIndex).toBe(81);
    await b.storage.close();
  });

  it('ignores and removes a leftover temp file from an interrupted save', async () => {
    const dir = tempDir();
    const a = await RaftStorage.open(dir);
    await a.storage.persist({ entries: entries(1, 10, 1) });
    await a.storage.saveSnapshot(snapMeta(5, 1), bytes(10, 5));
    await a.storage.close();
    // A crash between writing the temp file and renaming it leaves this behind.
    const tmp = path.join(dir, 'snap', '0000000000000001-0000000000000009.snap.tmp');
    fs.writeFileSync(tmp, bytes(64, 9));
    const b = await RaftStorage.open(dir);
    expect(b.snapshot?.meta.index).toBe(5);
    expect(b.report.removedFiles).toEqual([path.join('snap', path.basename(tmp))]);
    expect(fs.existsSync(tmp)).toBe(false);
    expectLog(b.entries, [[6, 10, 1]]);
    await b.storage.close();
  });

  it('falls back to the previous snapshot when the newest is corrupt, and reports it', async () => {
    const dir = tempDir();
    const a = await RaftStorage.open(dir);
    await a.storage.persist({ entries: entries(1, 50, 2), hardState: hard(2, 50) });
    await a.storage.saveSnapshot(snapMeta(20, 2), bytes(1000, 20));
    await a.storage.saveSnapshot(snapMeta(40, 2), bytes(1000, 40));
    await a.storage.close();
    const newest = snapshotPaths(dir)[1] as string;
    const image = fs.readFileSync(newest);
    image[image.length - 10] ^= 0x40;
    fs.writeFileSync(newest, image);

    const logger = recordingLogger();
    const b = await RaftStorage.open(dir, { logger });
    expect(b.snapshot?.meta.index).toBe(20);
    expect(same(await b.snapshot?.read(), bytes(1000, 20))).toBe(true);
    // The log still reaches back to the older snapshot, so nothing is lost.
    expectLog(b.entries, [[21, 50, 2]]);
    expect(b.report.skippedSnapshots).toEqual([{ file: path.join('snap', path.basename(newest)), reason: 'data checksum mismatch' }]);
    expect(logger.lines.some((l) => l.level === 'warn' && /snapshot failed its checks/.test(l.msg))).toBe(true);
    expect(fs.existsSync(`${newest}.corrupt`)).toBe(true);
    await b.storage.close();
  });

  it('loadLatestSnapshot falls back at run time too', async () => {
    const dir = tempDir();
    const { storage } = await RaftStorage.open(dir);
    await storage.persist({ entries: entries(1, 50, 2) });
    await storage.saveSnapshot(snapMeta(20, 2), bytes(10, 20));
    await storage.saveSnapshot(snapMeta(40, 2), bytes(10, 40));
    const newest = snapshotPaths(dir)[1] as string;
    fs.writeFileSync(newest, Buffer.from('garbage'));
    expect(await storage.loadLatestSnapshot()).toEqual({ meta: snapMeta(20, 2), data: bytes(10, 20) });
    await storage.close();
  });

  it('streams the newest snapshot for a peer', async () => {
    const { storage } = await RaftStorage.open(tempDir());
    await storage.persist({ entries: entries(1, 5, 1) });
    expect(await storage.openSnapshotStream()).toBeUndefined();
    await storage.saveSnapshot(snapMeta(5, 1), bytes(3_000_000, 3));
    const opened = await storage.openSnapshotStream();
    expect(opened?.meta.index).toBe(5);
    const chunks: Buffer[] = [];
    for await (const chunk of opened?.stream ?? []) chunks.push(chunk as Buffer);
    expect(same(Buffer.concat(chunks), bytes(3_000_000, 3))).toBe(true);
    expect(opened?.dataLength).toBe(3_000_000);
    await storage.close();
  });

  it('refuses snapshots that are stale or ahead of the log', async () => {
    const { storage } = await RaftStorage.open(tempDir());
    await storage.persist({ entries: entries(1, 10, 1) });
    await storage.saveSnapshot(snapMeta(5, 1), bytes(1, 1));
    await expect(storage.saveSnapshot(snapMeta(5, 1), bytes(1, 1))).rejects.toBeInstanceOf(StorageUsageError);
    await expect(storage.saveSnapshot(snapMeta(11, 1), bytes(1, 1))).rejects.toBeInstanceOf(StorageUsageError);
    await expect(storage.persist({ entries: entries(5, 6, 2) })).rejects.toThrow(/overwrite the snapshot/);
    await storage.close();
  });
});

describe('installSnapshot', () => {
  it('discards the whole log, orders later appends after it, and survives reopen', async () => {
    const dir = tempDir();
    const { storage } = await RaftStorage.open(dir, { segmentBytes: 8 * 1024, preallocate: false });
    await storage.persist({ entries: entries(1, 120, 1), hardState: hard(1, 10) });
    await storage.persist({ entries: entries(100, 130, 2), hardState: hard(2, 10) }); // uncommitted, conflicting
    const install = storage.installSnapshot(snapMeta(200, 3), bytes(5000, 200));
    // Submitted after the install: applies to the emptied log.
    const append = storage.persist({ entries: entries(201, 210, 3), hardState: hard(3, 205) });
    expect(storage.lastIndex).toBe(210);
    await Promise.all([install, append]);
    expect(segmentPaths(dir)).toHaveLength(1);
    await storage.close();

    const b = await RaftStorage.open(dir);
    expect(b.snapshot?.meta).toEqual(snapMeta(200, 3));
    expect(same(await b.snapshot?.read(), bytes(5000, 200))).toBe(true);
    expectLog(b.entries, [[201, 210, 3]]);
    expect(b.hardState).toEqual(hard(3, 205));
    await b.storage.close();
  });

  it('after a crash between the snapshot file and the log reset, drops entries that contradict the snapshot', async () => {
    const dir = tempDir();
    const a = await RaftStorage.open(dir, { preallocate: false });
    await a.storage.persist({ entries: [...entries(1, 10, 1), ...entries(11, 30, 2)], hardState: hard(2, 5) });
    await a.storage.close();
    // What an interrupted install leaves: the snapshot is durable, the WAL was never reset.
    await writeSnapshotOnly(dir, snapMeta(20, 3), bytes(10, 3));

    const b = await RaftStorage.open(dir, { preallocate: false });
    expect(b.snapshot?.meta.index).toBe(20);
    expect(b.entries).toEqual([]); // entry 20 had term 2, the snapshot says 3: 21..30 are suspect
    expect(b.report.conflictingEntriesDropped).toBe(10);
    await b.storage.persist({ entries: entries(21, 22, 3) });
    await b.storage.close();
    const c = await RaftStorage.open(dir);
    expectLog(c.entries, [[21, 22, 3]]);
    await c.storage.close();
  });

  it('keeps the log after a snapshot it agrees with, and resets a log that ends before it', async () => {
    const dir = tempDir();
    const a = await RaftStorage.open(dir, { preallocate: false });
    await a.storage.persist({ entries: entries(1, 30, 2), hardState: hard(2, 5) });
    await a.storage.close();
    await writeSnapshotOnly(dir, snapMeta(20, 2), bytes(10, 3));
    const b = await RaftStorage.open(dir);
    expectLog(b.entries, [[21, 30, 2]]);
    await b.storage.close();

    await writeSnapshotOnly(dir, snapMeta(50, 4), bytes(10, 4));
    const c = await RaftStorage.open(dir);
    expect(c.entries).toEqual([]);
    expect(c.storage.lastIndex).toBe(50);
    await c.storage.persist({ entries: entries(51, 52, 4) });
    await c.storage.close();
    const d = await RaftStorage.open(dir);
    expectLog(d.entries, [[51, 52, 4]]);
    await d.storage.close();
  });

  it('refuses to start when the snapshot the log relies on is lost and only an older one remains', async () => {
    const dir = tempDir();
    const a = await RaftStorage.open(dir);
    await a.storage.persist({ entries: entries(1, 10, 1) });
    await a.storage.saveSnapshot(snapMeta(5, 1), bytes(10, 5));
    await a.storage.installSnapshot(snapMeta(100, 2), bytes(10, 100));
    await a.storage.persist({ entries: entries(101, 105, 2) });
    await a.storage.close();
    fs.writeFileSync(snapshotPaths(dir)[1] as string, 'garbage');
    await expect(RaftStorage.open(dir)).rejects.toThrow(StorageCorruptionError);
    await expect(RaftStorage.open(dir)).rejects.toThrow(/entries 6\.\.100 are missing/);
  });
});

/** Writes a snapshot file the way an interrupted install would leave it, by a storage that then "crashes". */
async function writeSnapshotOnly(dir: string, meta: ReturnType<typeof snapMeta>, data: Uint8Array): Promise<void> {
  const { SnapshotFileWriter, snapshotFileName } = await import('../../../src/core/storage/snapshot-file.js');
  const writer = SnapshotFileWriter.create(path.join(dir, 'snap', snapshotFileName(meta)), meta);
  await writer.writeAll(data);
  await writer.commit(data.length);
}
