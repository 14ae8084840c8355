/** The simulated file system keeps what was synced and loses what was not, and the real storage runs on it. */
import { describe, expect, it } from 'vitest';
import type { Entry } from '../../../src/core/raft/types.js';
import { RaftStorage, StorageFailedError } from '../../../src/core/storage/index.js';
import { Prng } from '../prng.js';
import { Incarnation, Scheduler, SimRuntime } from './scheduler.js';
import { emptyDiskStats, type DiskPlan } from './sim-disk.js';
import { SimFs } from './sim-fs.js';

const PLAN: DiskPlan = { fsyncUs: [100, 200], slowFsync: 0, slowFsyncUs: [1000, 2000], eio: 0, keepUnsynced: 0, torn: 0 };

/** One process on `fs`, and a way to let simulated time run until a promise settles. */
function processOn(fs: SimFs, scheduler: Scheduler, number: number) {
  const owner = new Incarnation('n1', number);
  const runtime = new SimRuntime(scheduler, owner, { rate: 1, wallOffsetMs: 0 }, new Prng(number));
  const io = fs.io({ owner, scheduler, runtime, prng: new Prng(100 + number) });
  return { owner, io };
}

async function settle<T>(scheduler: Scheduler, p: Promise<T>): Promise<T> {
  let done = false;
  const watched = p.finally(() => {
    done = true;
  });
  watched.catch(() => undefined);
  for (let i = 0; i < 1000 && !done; i++) await scheduler.runUntil(scheduler.now + 1000);
  return watched;
}

function entry(index: number): Entry {
  return { term: 1, index, type: 'normal', data: Buffer.from(`entry ${index}`) };
}

describe('SimFs', () => {
  it('keeps a file through a crash only once both its data and its directory entry were synced', async () => {
    const scheduler = new Scheduler();
    const fs = new SimFs(PLAN, emptyDiskStats());
    const p = processOn(fs, scheduler, 1);
    p.io.fs.mkdirSync('/d', { recursive: true });
    const write = (name: string): number => {
      const fd = p.io.fs.openSync(`/d/${name}`, 'w+');
      p.io.fs.writeSync(fd, Buffer.from(name), 0, name.length, 0);
      return fd;
    };
    const synced = write('synced');
    await settle(scheduler, p.io.fs.fdatasync(synced));
    const dir = p.io.fs.openSync('/d', 'r');
    await settle(scheduler, p.io.fs.fsync(dir));
    await settle(scheduler, p.io.fs.fdatasync(write('unlisted')));
    write('unsynced');
    p.owner.alive = false;
    fs.crash(new Prng(1));
    const q = processOn(fs, scheduler, 2);
    expect(q.io.fs.readdirSync('/d')).toEqual(['synced']);
    expect(q.io.fs.readFileSync('/d/synced').toString()).toBe('synced');
  });

  it('runs the real storage: what it acknowledged survives a crash, what it did not may not', async () => {
    const scheduler = new Scheduler();
    const fs = new SimFs(PLAN, emptyDiskStats());
    const first = processOn(fs, scheduler, 1);
    const { storage } = await settle(scheduler, RaftStorage.open('/data/raft', { io: first.io, segmentBytes: 8192 }));
    for (let i = 1; i <= 200; i++) await settle(scheduler, storage.persist({ entries: [entry(i)], hardState: { term: 1, vote: 'n1', commit: i - 1 } }));
    const unacknowledged = storage.persist({ entries: [entry(201)] });
    unacknowledged.catch(() => undefined);
    first.owner.alive = false;
    fs.crash(new Prng(2));
    const second = processOn(fs, scheduler, 2);
    const reopened = await settle(scheduler, RaftStorage.open('/data/raft', { io: second.io, segmentBytes: 8192 }));
    expect(reopened.report.lockTakenOverFrom).toBeUndefined();
    expect(reopened.entries.map((e) => e.index)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(Buffer.from(reopened.entries[199]!.data).toString()).toBe('entry 200');
    expect(reopened.hardState).toEqual({ term: 1, vote: 'n1', commit: 199 });
    expect(reopened.report.segments).toBeGreaterThan(1);
  });

  it('fails the storage when an fsync fails with EIO', async () => {
    const scheduler = new Scheduler();
    const fs = new SimFs(PLAN, emptyDiskStats());
    const p = processOn(fs, scheduler, 1);
    const { storage } = await settle(scheduler, RaftStorage.open('/data/raft', { io: p.io }));
    fs.failEveryFsync();
    await expect(settle(scheduler, storage.persist({ entries: [entry(1)] }))).rejects.toBeInstanceOf(StorageFailedError);
    await expect(storage.persist({ entries: [entry(2)] })).rejects.toBeInstanceOf(StorageFailedError);
  });

  it('a full disk refuses writes that grow a file (ENOSPC) and allows those within it, until freed', () => {
    const scheduler = new Scheduler();
    const stats = emptyDiskStats();
    const fs = new SimFs(PLAN, stats);
    const p = processOn(fs, scheduler, 1);
    p.io.fs.mkdirSync('/d', { recursive: true });
    const fd = p.io.fs.openSync('/d/f', 'w+');
    p.io.fs.writeSync(fd, Buffer.alloc(100), 0, 100, 0);
    fs.fill();
    expect(p.io.fs.statfsSync('/d').bavail).toBe(0);
    expect(p.io.fs.writeSync(fd, Buffer.from('inside'), 0, 6, 10)).toBe(6);
    expect(() => p.io.fs.writeSync(fd, Buffer.from('past the end'), 0, 12, 95)).toThrow(/ENOSPC/);
    expect(() => p.io.fs.writeFileSync('/d/new', 'x')).toThrow(/ENOSPC/);
    expect(stats.enospc).toBe(2);
    fs.free();
    expect(p.io.fs.writeSync(fd, Buffer.from('past the end'), 0, 12, 95)).toBe(12);
    expect(p.io.fs.statfsSync('/d').bavail).toBeGreaterThan(0);
  });
});
