/**
 * A storage directory on a file system that fills up: a real (small) tmpfs, so ENOSPC comes from
 * the kernel where it would in production. Needs root to mount; skipped with the reason otherwise.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { OpenFlags, StorageFs, StorageIo } from '../../../src/core/storage/fs-port.js';
import { nodeStorageIo, RaftStorage, StorageFullError } from '../../../src/core/storage/index.js';
import { fillDisk, mountTmpfs, TMPFS_UNAVAILABLE, type Tmpfs } from './fixtures/tmpfs.js';
import { entries, hard, recordingLogger, snapMeta, until } from './helpers.js';

const MiB = 1 << 20;
const mounts: Tmpfs[] = [];
afterEach(() => {
  for (const m of mounts.splice(0)) m.unmount();
});

function tmpfs(bytes: number): Tmpfs {
  const m = mountTmpfs(bytes);
  mounts.push(m);
  return m;
}

/** The pid of a process that has exited (and been reaped). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  if (r.pid === undefined) throw new Error('could not run node');
  return r.pid;
}

/**
 * Node's storage io, except that the preallocation's writes after its first wait for `release()`:
 * the test then knows the fill holds space and has not finished when the disk fills up.
 */
function holdFillAfterFirstWrite(): { io: StorageIo; firstWritten: Promise<void>; release: () => void } {
  const fills = new Set<number>();
  let written = 0;
  let markWritten!: () => void;
  let release!: () => void;
  const firstWritten = new Promise<void>((r) => (markWritten = r));
  const released = new Promise<void>((r) => (release = r));
  const real = nodeStorageIo.fs;
  const fsPort: StorageFs = {
    ...real,
    open: async (file: string, flags: OpenFlags) => {
      const fd = await real.open(file, flags);
      if (path.basename(file) === 'next.wal.tmp') fills.add(fd);
      return fd;
    },
    write: async (fd: number, buffer: Uint8Array, offset: number, length: number, position: number) => {
      if (fills.has(fd) && written++ > 0) await released;
      const n = await real.write(fd, buffer, offset, length, position);
      if (fills.has(fd)) markWritten();
      return n;
    },
    // A closed fd's number is reused by the next file opened.
    close: async (fd: number) => {
      fills.delete(fd);
      await real.close(fd);
    },
  };
  return { io: { ...nodeStorageIo, fs: fsPort }, firstWritten, release };
}

describe.skipIf(TMPFS_UNAVAILABLE !== undefined)(`a full disk${TMPFS_UNAVAILABLE ? ` (skipped: ${TMPFS_UNAVAILABLE})` : ''}`, () => {
  it('does not start preallocating a segment the file system has no room for', async () => {
    const fsys = tmpfs(4 * MiB);
    const dir = path.join(fsys.dir, 'raft');
    const logger = recordingLogger();
    const { storage } = await RaftStorage.open(dir, { segmentBytes: 8 * MiB, logger });
    await storage.persist({ entries: entries(1, 10, 1), hardState: hard(1, 0) });
    await until('the writer to decide against preallocating', () => logger.lines.some((l) => /not preallocat/.test(l.msg)));
    expect(fs.existsSync(path.join(dir, 'wal', 'next.wal.tmp'))).toBe(false);
    expect(fsys.free()).toBeGreaterThan(3 * MiB);
    expect(logger.lines.some((l) => /not preallocat/.test(l.msg))).toBe(true);
    await storage.close();
  });

  it('removes a preallocated segment whose fill ran out of space, giving the space back to the log', async () => {
    const fsys = tmpfs(8 * MiB);
    const dir = path.join(fsys.dir, 'raft');
    const logger = recordingLogger();
    // Room for the fill when it starts; another writer takes the space while it runs. The fill's
    // writes after its first wait until the filler is done: on tmpfs the whole 3 MiB fill could
    // otherwise finish between two polls, and then nothing fails (seen in a clean-clone CI run).
    const held = holdFillAfterFirstWrite();
    const { storage } = await RaftStorage.open(dir, { segmentBytes: 3 * MiB, logger, io: held.io });
    await held.firstWritten;
    const filler = fillDisk(fsys.dir);
    held.release();
    await until('the preallocation to fail', () => logger.lines.some((l) => /could not preallocate/.test(l.msg)));
    await until('the partial file to be removed', () => !fs.existsSync(path.join(dir, 'wal', 'next.wal.tmp')), 2_000);
    // The space the fill had taken is free again: the log can still be written.
    expect(fsys.free()).toBeGreaterThan(0);
    await storage.persist({ entries: entries(1, 10, 1), hardState: hard(1, 0) });
    await storage.close();
    fs.rmSync(filler);
  });

  it('refuses to open with one line naming the LOCK it could not write, and opens once there is space', async () => {
    const fsys = tmpfs(1 * MiB);
    const dir = path.join(fsys.dir, 'raft');
    const first = await RaftStorage.open(dir, { preallocate: false });
    await first.storage.persist({ entries: entries(1, 5, 1), hardState: hard(1, 0) });
    await first.storage.close();
    const filler = fillDisk(fsys.dir);

    const err = await RaftStorage.open(dir, { preallocate: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageFullError);
    expect((err as Error).message).toBe(`no space left on device writing ${dir}/LOCK: free space on that file system and restart`);
    expect((err as Error).message).not.toContain('\n');
    // Neither the LOCK nor the temp file its token was written to is left behind.
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('LOCK'))).toEqual([]);

    fs.rmSync(filler);
    const again = await RaftStorage.open(dir, { preallocate: false });
    expect(again.entries.map((e) => e.index)).toEqual([1, 2, 3, 4, 5]);
    await again.storage.close();
  });

  it('removes a stale next.wal.tmp a dead process left behind before taking the LOCK, so a disk it filled is usable again', async () => {
    const fsys = tmpfs(2 * MiB);
    const dir = path.join(fsys.dir, 'raft');
    const first = await RaftStorage.open(dir, { preallocate: false });
    await first.storage.persist({ entries: entries(1, 5, 1), hardState: hard(1, 0) });
    await first.storage.close();
    // A member SIGKILLed in the middle of a fill: its LOCK names a dead pid, its fill took the rest of the disk.
    fs.writeFileSync(path.join(dir, 'LOCK'), `${deadPid()} ${Date.now()} stale\n`);
    fillDisk(path.join(dir, 'wal'), 'next.wal.tmp');

    const logger = recordingLogger();
    const opened = await RaftStorage.open(dir, { preallocate: false, logger });
    expect(opened.report.removedFiles).toContain(path.join('wal', 'next.wal.tmp'));
    expect(opened.entries.map((e) => e.index)).toEqual([1, 2, 3, 4, 5]);
    await opened.storage.persist({ entries: entries(6, 6, 1) });
    await opened.storage.close();
  });

  it('keeps a next.wal.tmp whose LOCK holder still runs', async () => {
    const fsys = tmpfs(2 * MiB);
    const dir = path.join(fsys.dir, 'raft');
    const held = await RaftStorage.open(dir, { preallocate: false });
    const tmp = path.join(dir, 'wal', 'next.wal.tmp');
    fs.writeFileSync(tmp, Buffer.alloc(4096));
    fillDisk(fsys.dir);
    const err = await RaftStorage.open(dir, { preallocate: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageFullError);
    expect(fs.existsSync(tmp)).toBe(true);
    await held.storage.close();
  });

  it('holds log writes the full disk refuses, leaves no partial record in the file, and writes them once there is space', async () => {
    const fsys = tmpfs(1 * MiB);
    const dir = path.join(fsys.dir, 'raft');
    let outOfSpace = 0;
    const { storage } = await RaftStorage.open(dir, { preallocate: false, onOutOfSpace: () => outOfSpace++ });
    await storage.persist({ entries: entries(1, 5, 1), hardState: hard(1, 0) });
    const [segment] = fs.readdirSync(path.join(dir, 'wal')).filter((f) => f.endsWith('.wal'));
    const size = fs.statSync(path.join(dir, 'wal', segment!)).size;
    const filler = fillDisk(fsys.dir);
    // Larger than a page: the kernel takes part of it, if any, then answers ENOSPC.
    const held = storage.persist({ entries: entries(6, 400, 1) });
    let done = false;
    void held.then(() => (done = true));
    await until('the write to be refused', () => outOfSpace > 0);
    expect(storage.outOfSpace).toBe(true);
    expect(fs.statSync(path.join(dir, 'wal', segment!)).size).toBe(size);
    expect(await storage.retryWrites()).toBe(false);
    expect(done).toBe(false);

    fs.rmSync(filler);
    expect(await storage.retryWrites()).toBe(true);
    await held;
    expect(storage.durableLastIndex).toBe(400);
    await storage.close();
    const again = await RaftStorage.open(dir, { preallocate: false });
    expect(again.entries.map((e) => e.index)).toEqual(Array.from({ length: 400 }, (_, k) => k + 1));
    await again.storage.close();
  });

  it('holds a snapshot from the leader the full disk refuses, with no temp file left, and installs it once there is space', async () => {
    const fsys = tmpfs(2 * MiB);
    const dir = path.join(fsys.dir, 'raft');
    let outOfSpace = 0;
    const { storage } = await RaftStorage.open(dir, { preallocate: false, onOutOfSpace: () => outOfSpace++ });
    await storage.persist({ entries: entries(1, 5, 1), hardState: hard(1, 0) });
    const filler = fillDisk(fsys.dir);
    const data = Buffer.alloc(1 * MiB, 3);
    const installed = storage.installSnapshot(snapMeta(100, 2), data);
    const later = storage.persist({ entries: entries(101, 101, 2) });
    await until('the snapshot to be refused', () => outOfSpace > 0);
    expect(fs.readdirSync(path.join(dir, 'snap'))).toEqual([]);
    expect(await storage.retryWrites()).toBe(false);
    expect(fs.readdirSync(path.join(dir, 'snap'))).toEqual([]);

    fs.rmSync(filler);
    expect(await storage.retryWrites()).toBe(true);
    await installed;
    await later;
    await storage.close();
    const again = await RaftStorage.open(dir, { preallocate: false });
    expect(again.snapshot?.meta.index).toBe(100);
    expect(Buffer.from(await again.snapshot!.read()).equals(data)).toBe(true);
    expect(again.entries.map((e) => e.index)).toEqual([101]);
    await again.storage.close();
  });

  it('abandon() lets go of a directory whose writes are held, at once and without writing to it', async () => {
    const fsys = tmpfs(1 * MiB);
    const dir = path.join(fsys.dir, 'raft');
    let outOfSpace = false;
    const { storage } = await RaftStorage.open(dir, { preallocate: false, onOutOfSpace: () => (outOfSpace = true) });
    await storage.persist({ entries: entries(1, 5, 1), hardState: hard(1, 0) });
    fillDisk(fsys.dir);
    const pending = storage.persist({ entries: entries(6, 400, 1) }).catch((e: unknown) => e);
    await until('the write to be refused', () => outOfSpace);
    expect(storage.abandon()).toBeUndefined();
    expect(await pending).toBeInstanceOf(Error);
    // The LOCK is released: the next process may open the directory without a stale-lock takeover.
    expect(fs.existsSync(path.join(dir, 'LOCK'))).toBe(false);
    await storage.close();
  });
});
