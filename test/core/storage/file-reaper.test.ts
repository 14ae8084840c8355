import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DELETING_SUFFIX, FileReaper } from '../../../src/core/storage/file-reaper.js';
import { RaftStorage } from '../../../src/core/storage/index.js';
import { silentLogger } from '../../../src/core/storage/logger.js';
import type { StorageIo } from '../../../src/core/storage/fs-port.js';
import { nodeStorageIo } from '../../../src/core/storage/node-fs.js';
import { entries, hard, snapMeta, tempDir } from './helpers.js';

async function until(condition: () => boolean, deadlineMs = 5000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Node's storage port, watched: each fsync of `dir` calls `dirFsync` first (an error it returns fails that fsync), each truncation calls `truncate`. */
function ioWatching(dir: string, hooks: { dirFsync?: () => Error | undefined; truncate?: () => void }): StorageIo {
  const dirFds = new Set<number>();
  const fs = nodeStorageIo.fs;
  return {
    ...nodeStorageIo,
    fs: {
      ...fs,
      openSync: (p, flags) => {
        const fd = fs.openSync(p, flags);
        if (p === dir) dirFds.add(fd);
        return fd;
      },
      closeSync: (fd) => {
        dirFds.delete(fd);
        fs.closeSync(fd);
      },
      fsync: (fd) => {
        const failure = dirFds.has(fd) ? hooks.dirFsync?.() : undefined;
        return failure ? Promise.reject(failure) : fs.fsync(fd);
      },
      ftruncate: (fd, length) => {
        hooks.truncate?.();
        return fs.ftruncate(fd, length);
      },
    },
  };
}

function fileOf(dir: string, name: string, bytes: number): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, Buffer.alloc(bytes, 7));
  return file;
}

describe('FileReaper', () => {
  it('renames a file out of the way at once, touches it no more until discarded, then deletes it in the background', async () => {
    const dir = tempDir();
    const file = fileOf(dir, 'a.wal', 50_000);
    const reaper = new FileReaper(silentLogger, { sliceBytes: 4096, pauseMs: 0 });
    const doomed = await reaper.retire(file);
    expect(doomed).toBe(`${file}${DELETING_SUFFIX}`);
    expect(fs.existsSync(file)).toBe(false);
    await reaper.idle();
    // Until its rename is durable (the caller's directory fsync), the file stays whole.
    expect(fs.statSync(doomed!).size).toBe(50_000);
    reaper.discard(doomed!, { truncate: true });
    await reaper.idle();
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(await reaper.retire(file)).toBeUndefined();
  });

  it('shrinks a file step by step before unlinking it, and stops between steps on close', async () => {
    const dir = tempDir();
    const file = fileOf(dir, 'b.wal', 10_000);
    const reaper = new FileReaper(silentLogger, { sliceBytes: 1000, pauseMs: 100 });
    const left = (await reaper.retire(file))!;
    reaper.discard(left, { truncate: true });
    expect(left).toBe(path.join(dir, `b.wal${DELETING_SUFFIX}`));
    await until(() => fs.statSync(left).size < 10_000);
    await reaper.close();
    // Closed between steps: the file is shorter, and still named for deletion.
    expect(fs.statSync(left).size % 1000).toBe(0);
    expect(fs.statSync(left).size).toBeGreaterThan(0);
    // A closed reaper takes nothing more.
    reaper.discard(left, { truncate: true });
    await reaper.idle();
    expect(fs.existsSync(left)).toBe(true);
  });

  it('unlinks without truncating when asked, so a reader holding the file open still reads all of it', async () => {
    const dir = tempDir();
    const file = fileOf(dir, 'c.snap', 30_000);
    const reader = await fsp.open(file, 'r');
    try {
      const reaper = new FileReaper(silentLogger, { sliceBytes: 1000, pauseMs: 0 });
      reaper.discard((await reaper.retire(file))!, { truncate: false });
      await reaper.idle();
      expect(fs.readdirSync(dir)).toEqual([]);
      const { bytesRead, buffer } = await reader.read(Buffer.alloc(30_000), 0, 30_000, 0);
      expect(bytesRead).toBe(30_000);
      expect(buffer.every((b) => b === 7)).toBe(true);
    } finally {
      await reader.close();
    }
  });
});

describe('RaftStorage and its background deletions', () => {
  it('deletes, when next opened, the obsolete files a stopped process left half-deleted', async () => {
    const dir = tempDir();
    const a = await RaftStorage.open(dir);
    await a.storage.persist({ entries: entries(1, 10, 1), hardState: hard(1, 10) });
    await a.storage.close();
    fileOf(path.join(dir, 'wal'), `0000000000000000-0000000000000001.wal${DELETING_SUFFIX}`, 5000);
    fileOf(path.join(dir, 'snap'), `0000000000000001-0000000000000005.snap${DELETING_SUFFIX}`, 5000);

    // Order matters: a leftover's rename is made durable (its directory fsynced) before it is cut.
    const ops: string[] = [];
    const io = ioWatching(path.join(dir, 'wal'), { dirFsync: () => void ops.push('fsync wal/'), truncate: () => void ops.push('truncate') });
    const b = await RaftStorage.open(dir, { io, reaperPace: { sliceBytes: 1024, pauseMs: 0 } });
    await b.storage.deletionsDone();
    expect(ops.indexOf('fsync wal/')).toBeGreaterThanOrEqual(0);
    expect(ops.indexOf('truncate')).toBeGreaterThan(ops.indexOf('fsync wal/'));
    expect([...b.report.removedFiles].sort()).toEqual([
      path.join('snap', `0000000000000001-0000000000000005.snap${DELETING_SUFFIX}`),
      path.join('wal', `0000000000000000-0000000000000001.wal${DELETING_SUFFIX}`),
    ]);
    expect(b.entries).toHaveLength(10);
    await b.storage.deletionsDone();
    expect(fs.readdirSync(path.join(dir, 'snap'))).toEqual([]);
    expect(fs.readdirSync(path.join(dir, 'wal')).filter((f) => f.endsWith(DELETING_SUFFIX))).toEqual([]);
    await b.storage.close();
  });

  it('leaves segments whole when the directory fsync that makes their rename durable fails (a power loss may undo the rename)', async () => {
    const dir = tempDir();
    const walDir = path.join(dir, 'wal');
    let failWalDirFsync = false;
    const io = ioWatching(walDir, { dirFsync: () => (failWalDirFsync ? Object.assign(new Error('EIO: injected'), { code: 'EIO' }) : undefined) });
    const { storage } = await RaftStorage.open(dir, { io, segmentBytes: 16 * 1024, preallocate: false, retainSnapshots: 1, reaperPace: { sliceBytes: 1024, pauseMs: 0 } });
    for (let i = 1; i <= 600; i += 10) await storage.persist({ entries: entries(i, i + 9, 1), hardState: hard(1, i - 1) });
    const sizes = new Map(fs.readdirSync(walDir).map((f) => [f, fs.statSync(path.join(walDir, f)).size]));
    failWalDirFsync = true;
    await expect(storage.saveSnapshot(snapMeta(500, 1), new Uint8Array([5]))).rejects.toThrow(/EIO/);
    failWalDirFsync = false;
    await storage.deletionsDone();
    const retired = fs.readdirSync(walDir).filter((f) => f.endsWith(DELETING_SUFFIX));
    expect(retired.length).toBeGreaterThan(0);
    // Each retired segment is as long as it was: nothing was cut before its rename was durable.
    for (const f of retired) expect(fs.statSync(path.join(walDir, f)).size, f).toBe(sizes.get(f.slice(0, -DELETING_SUFFIX.length)));
    await storage.close().catch(() => undefined);
  });

  it('keeps an old snapshot readable through a descriptor opened before it was dropped', async () => {
    const dir = tempDir();
    const { storage } = await RaftStorage.open(dir, { retainSnapshots: 1, reaperPace: { sliceBytes: 1024, pauseMs: 0 } });
    await storage.persist({ entries: entries(1, 30, 1), hardState: hard(1, 30) });
    const first = await storage.saveSnapshot(snapMeta(10, 1), Buffer.alloc(64_000, 3));
    const reader = await fsp.open(first.path, 'r');
    try {
      await storage.saveSnapshot(snapMeta(20, 1), Buffer.alloc(64_000, 4));
      await storage.deletionsDone();
      expect(fs.existsSync(first.path)).toBe(false);
      expect((await reader.read(Buffer.alloc(first.dataLength), 0, first.dataLength, first.dataOffset)).bytesRead).toBe(64_000);
    } finally {
      await reader.close();
      await storage.close();
    }
  });
});
