/**
 * Backup directories (src/core/server/admin/backups.ts): a backup appears only verified, a damaged one
 * is refused and replaces nothing, and pruning keeps exactly the number asked.
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { FleetStateMachine, encodeCommand, type Command } from '../../../../src/core/fleet/index.js';
import { backupName, listBackups, pruneBackups, verifyBackup, writeBackup } from '../../../../src/core/server/admin/backups.js';
import { openNodeStorage } from '../../../../src/core/server/storage-adapter.js';
import { mountTmpfs, TMPFS_UNAVAILABLE } from '../../storage/fixtures/tmpfs.js';

/** While set, randomBytes returns this byte: an attacker who guessed the part file's "random" suffix. */
const guessed = vi.hoisted(() => ({ byte: undefined as number | undefined }));
vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>();
  return { ...crypto, randomBytes: (n: number) => (guessed.byte === undefined ? crypto.randomBytes(n) : Buffer.alloc(n, guessed.byte)) };
});

const root = mkdtempSync(join(tmpdir(), 'fleet-backups-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
let dirs = 0;
const fresh = (name: string) => join(root, `${name}-${++dirs}`);

/** A member's snapshot file of a registry holding `keys` kv keys, as a member writes it. */
async function memberSnapshot(keys: number): Promise<{ path: string; index: number }> {
  const sm = new FleetStateMachine();
  for (let i = 1; i <= keys; i++) sm.apply(i, encodeCommand({ clientId: 'c', seq: i, firstIncomplete: 0, time: 1_700_000_000_000 + i, op: { type: 'kv.put', key: `k${i}`, value: `v${i}` } as Command }));
  const storage = await openNodeStorage(fresh('member'), quiet, () => undefined);
  try {
    await storage.installSnapshot({ index: keys, term: 2, conf: { voters: ['n1'], learners: [] } }, sm.snapshot());
    const latest = (await storage.latestSnapshot())!;
    return { path: latest.path, index: keys };
  } finally {
    await storage.close();
  }
}

describe('backups', () => {
  it('a backup is written whole and verified, and verifies again from the directory', async () => {
    const source = await memberSnapshot(20);
    const dir = fresh('backups');
    const at = new Date('2026-11-25T12:00:00.123Z');
    const written = await writeBackup(dir, source.path, source.index, at);
    expect(written.name).toBe('fleet-20261125T120000123Z-i20.snap');
    expect(written.counts.kvKeys).toBe(20);
    expect(readdirSync(dir)).toEqual([written.name]);
    const again = await verifyBackup(written.path, dir);
    expect(again.stateHash).toBe(written.stateHash);
    expect(again.index).toBe(20);
    expect((await listBackups(dir)).backups.map((b) => [b.name, b.takenAt, b.index])).toEqual([[written.name, '2026-11-25T12:00:00.123Z', 20]]);
  });

  it('a flipped byte anywhere in a backup fails verification, naming the file', async () => {
    const source = await memberSnapshot(5);
    const dir = fresh('backups');
    const { path } = await writeBackup(dir, source.path, source.index, new Date());
    const good = readFileSync(path);
    for (const offset of [10, 40, good.length - 3]) {
      const bad = Buffer.from(good);
      bad[offset]! ^= 0x01;
      writeFileSync(path, bad);
      await expect(verifyBackup(path, dir)).rejects.toThrow(path);
    }
    // Scratch members are removed whatever the outcome.
    expect(readdirSync(dir).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('a backup that cannot be written leaves nothing behind and the good ones untouched', async () => {
    const source = await memberSnapshot(3);
    const dir = fresh('backups');
    const first = await writeBackup(dir, source.path, source.index, new Date('2026-01-01T00:00:00Z'));
    // A source that is not a snapshot (damaged on the member's disk): refused before it counts.
    const junk = join(root, 'junk.snap');
    writeFileSync(junk, 'FLEETSNP but not really');
    await expect(writeBackup(dir, junk, 9, new Date('2026-01-02T00:00:00Z'))).rejects.toThrow(/junk|\.part/);
    expect(readdirSync(dir)).toEqual([first.name]);
    if (process.getuid?.() !== 0) {
      chmodSync(dir, 0o500);
      await expect(writeBackup(dir, source.path, source.index, new Date())).rejects.toThrow(/EACCES/);
      chmodSync(dir, 0o700);
    }
    expect(readdirSync(dir)).toEqual([first.name]);
  });

  it('pruning keeps exactly the newest N, and removes only old unfinished work', async () => {
    const source = await memberSnapshot(2);
    const dir = fresh('backups');
    const names: string[] = [];
    for (let i = 0; i < 5; i++) names.push((await writeBackup(dir, source.path, source.index, new Date(Date.UTC(2026, 0, 1, i)))).name);
    const stalePart = join(dir, `.${backupName(new Date(0), 1)}.part`);
    writeFileSync(stalePart, 'cut off');
    const oldScratch = join(dir, '.fleet-verify-old');
    mkdirSync(oldScratch);
    const { utimesSync } = await import('node:fs');
    utimesSync(stalePart, new Date(0), new Date(0));
    utimesSync(oldScratch, new Date(0), new Date(0));
    const youngPart = join(dir, `.${backupName(new Date(), 2)}.part`);
    writeFileSync(youngPart, 'in progress');
    expect((await listBackups(dir)).partial).toHaveLength(3);
    const removed = await pruneBackups(dir, 3);
    expect(removed.sort()).toEqual([names[0], names[1], '.fleet-verify-old', `.${backupName(new Date(0), 1)}.part`].sort());
    expect((await listBackups(dir)).backups.map((b) => b.name)).toEqual([names[4], names[3], names[2]]);
    expect(existsSync(youngPart)).toBe(true);
    expect(await pruneBackups(dir, 3)).toEqual([]);
  });

  it.skipIf(TMPFS_UNAVAILABLE !== undefined)('a full backup disk fails the backup with ENOSPC and keeps the good ones whole', async () => {
    const small = await memberSnapshot(5);
    const big = await memberSnapshot(4_000);
    const disk = mountTmpfs(256 * 1024);
    try {
      chmodSync(disk.dir, 0o700); // a tmpfs's root is 1777, which a backup directory may not be
      const good = await writeBackup(disk.dir, small.path, small.index, new Date('2026-01-01T00:00:00Z'));
      await expect(writeBackup(disk.dir, big.path, big.index, new Date('2026-01-02T00:00:00Z'))).rejects.toThrow(/ENOSPC/);
      expect(readdirSync(disk.dir)).toEqual([good.name]);
      expect((await verifyBackup(good.path, root)).stateHash).toBe(good.stateHash);
    } finally {
      disk.unmount();
    }
  });

  it('a symlink planted at the part file\'s old, predictable name does not redirect the copy', async () => {
    const source = await memberSnapshot(3);
    const dir = fresh('backups');
    mkdirSync(dir, { mode: 0o700 });
    const victim = join(root, `victim-${dirs}`);
    writeFileSync(victim, 'precious');
    const at = new Date('2026-03-01T00:00:00Z');
    symlinkSync(victim, join(dir, `.${backupName(at, source.index)}.part`));
    const written = await writeBackup(dir, source.path, source.index, at);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(lstatSync(written.path).isFile()).toBe(true);
    expect(statSync(written.path).mode & 0o777).toBe(0o600);
  });

  it('a symlink planted at a guessed part file name is refused, not followed', async () => {
    const source = await memberSnapshot(3);
    const dir = fresh('backups');
    mkdirSync(dir, { mode: 0o700 });
    const victim = join(root, `victim-${dirs}`);
    writeFileSync(victim, 'precious');
    const at = new Date('2026-03-02T00:00:00Z');
    const name = backupName(at, source.index);
    symlinkSync(victim, join(dir, `.${name}.part-${process.pid}-${'ab'.repeat(8)}`));
    guessed.byte = 0xab;
    try {
      await expect(writeBackup(dir, source.path, source.index, at)).rejects.toThrow(/EEXIST/);
    } finally {
      guessed.byte = undefined;
    }
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(existsSync(join(dir, name))).toBe(false);
  });

  it('a backup directory others may write to is refused, naming it and the fix', async () => {
    const source = await memberSnapshot(2);
    for (const mode of [0o777, 0o1777, 0o770]) {
      const dir = fresh('backups');
      mkdirSync(dir);
      chmodSync(dir, mode);
      const refused = writeBackup(dir, source.path, source.index, new Date());
      await expect(refused).rejects.toThrow(`chmod 700 ${dir}`);
      await expect(refused).rejects.toThrow(/^refusing the backup directory: .* is writable by (other users|its group)/);
      expect(readdirSync(dir)).toEqual([]);
    }
  });

  it('prune refuses a directory others may write to: newer backups planted there would have it delete the real ones', async () => {
    const source = await memberSnapshot(2);
    const dir = fresh('backups');
    const real = await writeBackup(dir, source.path, source.index, new Date('2026-01-01T00:00:00Z'));
    chmodSync(dir, 0o777);
    // What anyone could plant: two "newer" backups, so that keep 2 leaves out the real one.
    for (const at of ['2026-06-01T00:00:00Z', '2026-06-02T00:00:00Z']) writeFileSync(join(dir, backupName(new Date(at), 99)), 'planted');
    await expect(pruneBackups(dir, 2)).rejects.toThrow(/^refusing to prune the backup directory: .* is writable by its group and other users .*chmod 700/);
    expect(existsSync(real.path), 'the real backup is still there').toBe(true);
    chmodSync(dir, 0o700);
  });

  it('a missing directory is one clear error', async () => {
    await expect(listBackups(join(root, 'nope'))).rejects.toThrow(/does not exist: no backup was taken there/);
  });
});
