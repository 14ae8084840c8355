/**
 * The faults a drill makes inside a member: a disk whose syncs wait while it is stalled (and go
 * on, none lost, when it resumes), and a wall clock moved by an offset that ends by itself.
 */
import { describe, expect, it } from 'vitest';
import { ClockSkew, DiskStall } from '../../../../src/core/server/admin/drill-faults.js';
import type { StorageIo } from '../../../../src/core/storage/index.js';

function fakeIo(): StorageIo & { synced: number[] } {
  const synced: number[] = [];
  const fs = { fsync: async (fd: number) => void synced.push(fd), fdatasync: async (fd: number) => void synced.push(-fd), existsSync: () => true };
  return { fs, clock: {}, process: {}, synced } as unknown as StorageIo & { synced: number[] };
}

describe('DiskStall', () => {
  it('holds syncs while stalled and lets every one through on resume; the other calls are untouched', async () => {
    const disk = new DiskStall();
    const io = fakeIo();
    const wrapped = disk.wrap(io);
    await wrapped.fs.fsync(1);
    expect(io.synced).toEqual([1]);
    disk.stall(60_000);
    const held = [wrapped.fs.fsync(2), wrapped.fs.fdatasync(3)];
    await new Promise((r) => setImmediate(r));
    expect(io.synced).toEqual([1]);
    expect(wrapped.fs.existsSync('x')).toBe(true);
    disk.resume();
    await Promise.all(held);
    expect(io.synced).toEqual([1, 2, -3]);
  });

  it('ends a stall by itself after its duration', async () => {
    const disk = new DiskStall();
    const io = fakeIo();
    disk.stall(30);
    await disk.wrap(io).fs.fdatasync(7);
    expect([io.synced, disk.stalled]).toEqual([[-7], false]);
  });
});

describe('ClockSkew', () => {
  it('adds the offset on top of the configured one, and drops it when it ends', () => {
    const clock = new ClockSkew(1_000);
    expect(Math.abs(clock.wallNow() - Date.now() - 1_000)).toBeLessThan(50);
    clock.skew(-60_000, 60_000);
    expect(Math.abs(clock.wallNow() - Date.now() + 59_000)).toBeLessThan(50);
    clock.clear();
    expect(clock.offsetMs).toBe(0);
  });
});
