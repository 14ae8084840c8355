/**
 * The hard state's second copy (HARDSTATE): a vote survives damage to either copy, a damaged
 * copy is rewritten from the other, and damage to both is said (the vote is lost) and kept said
 * until the repair ends.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  HARD_STATE_FILE,
  decodeHardStateCopy,
  encodeHardStateCopy,
  readHardStateCopy,
  reconcileHardState,
  writeHardStateCopy,
} from '../../../src/core/storage/hard-state-copy.js';
import { RaftStorage, StorageFullError } from '../../../src/core/storage/index.js';
import { nodeStorageIo } from '../../../src/core/storage/node-fs.js';
import { scanSegment } from '../../../src/core/storage/segment-scan.js';
import { entries, expectLog, hard, recordingLogger, segmentPaths, tempDir } from './helpers.js';

const OPEN = { onDamage: 'repair', preallocate: false } as const;

/**
 * Entries 1–6 in term 1, then a vote for n2 in term 5 (no entry of term 5 yet), then entries
 * 7–12 sent by n2's successor in term 5: the hard-state record of that vote lies between entry
 * 6 and entry 7, so damage in entry 6 cuts it off with everything after.
 */
async function voteThenDamageBefore(dir: string): Promise<void> {
  const { storage } = await RaftStorage.open(dir, OPEN);
  for (let i = 1; i <= 6; i++) await storage.persist({ entries: entries(i, i, 1), hardState: hard(1, i) });
  await storage.persist({ hardState: hard(5, 6, 'n2') });
  for (let i = 7; i <= 12; i++) await storage.persist({ entries: entries(i, i, 5), hardState: hard(5, i, 'n2') });
  await storage.close();
  flipByteInEntry(dir, 6);
}

function flipByteInEntry(dir: string, index: number): void {
  const file = segmentPaths(dir)[0] as string;
  const image = fs.readFileSync(file);
  const scan = scanSegment(image);
  const k = scan.records.findIndex((r) => r.kind === 'entry' && r.entry.index === index);
  const at = (scan.offsets[k] as number) + 20;
  image[at] = (image[at] ?? 0) ^ 0x01;
  fs.writeFileSync(file, image);
}

function flipByteInCopy(dir: string, at = 20): void {
  const file = path.join(dir, HARD_STATE_FILE);
  const image = fs.readFileSync(file);
  image[at] = (image[at] ?? 0) ^ 0x10;
  fs.writeFileSync(file, image);
}

describe('the hard state copy record', () => {
  it('round-trips, and any flipped bit fails its check', () => {
    const hs = { term: 2 ** 40, vote: 'n3-east', commit: 77 };
    const record = encodeHardStateCopy(hs);
    expect(record.length).toBe(512);
    expect(decodeHardStateCopy(record)).toEqual(hs);
    for (const at of [0, 3, 4, 9, 13, 16, 25, 33, 200, 511]) {
      const bad = Buffer.from(record);
      bad[at] = (bad[at] ?? 0) ^ 0x04;
      expect(typeof decodeHardStateCopy(bad), `byte ${at}`).toBe('string');
    }
    expect(decodeHardStateCopy(Buffer.alloc(512))).toBe('checksum mismatch');
    expect(decodeHardStateCopy(record.subarray(0, 100))).toMatch(/100 bytes/);
    expect(() => encodeHardStateCopy({ term: 1, vote: 'x'.repeat(481), commit: 0 })).toThrow(/longer than 480 bytes/);
  });

  it('reconciles: the newer wins, a damaged copy is rewritten from an intact WAL, and a cut WAL with no good copy is lost', () => {
    const wal = { term: 3, vote: 'n1', commit: 9 };
    const ok = (term: number, vote: string, commit = 0) => ({ kind: 'ok', hardState: { term, vote, commit } }) as const;
    expect(reconcileHardState(wal, false, ok(3, 'n1', 4))).toEqual({ hardState: wal, check: 'ok' });
    // A crash between the copy and the WAL: the copy is ahead; the commit stays the WAL's.
    expect(reconcileHardState(wal, false, ok(4, 'n2', 12))).toEqual({ hardState: { term: 4, vote: 'n2', commit: 9 }, check: 'ok' });
    expect(reconcileHardState({ term: 3, vote: '', commit: 9 }, false, ok(3, 'n2'))).toMatchObject({ hardState: { term: 3, vote: 'n2' }, check: 'ok' });
    expect(reconcileHardState(wal, true, ok(4, 'n2'))).toMatchObject({ hardState: { term: 4, vote: 'n2', commit: 9 }, check: 'from-copy' });
    expect(reconcileHardState(wal, false, ok(2, 'n1'))).toMatchObject({ hardState: wal, check: 'repaired-copy' });
    expect(reconcileHardState(wal, true, ok(2, 'n1'))).toMatchObject({ check: 'lost' });
    expect(reconcileHardState(wal, false, { kind: 'damaged', reason: 'checksum mismatch' })).toMatchObject({ hardState: wal, check: 'repaired-copy', detail: 'checksum mismatch' });
    expect(reconcileHardState(wal, false, { kind: 'missing' })).toMatchObject({ hardState: wal, check: 'created' });
    expect(reconcileHardState(wal, true, { kind: 'missing' })).toMatchObject({ check: 'lost' });
    expect(reconcileHardState(wal, true, { kind: 'damaged', reason: 'x' })).toMatchObject({ check: 'lost' });
    expect(reconcileHardState(wal, false, ok(3, 'n4'))).toMatchObject({ check: 'lost', detail: expect.stringMatching(/disagree/) as unknown });
  });
});

describe('RaftStorage keeps two copies of the hard state', () => {
  it('a vote whose WAL record damage cut away is recovered from the copy, and written back to the WAL', async () => {
    const dir = tempDir();
    await voteThenDamageBefore(dir);
    const logger = recordingLogger();
    const opened = await RaftStorage.open(dir, { ...OPEN, logger });
    expectLog(opened.entries, [[1, 5, 1]]);
    expect(opened.report.repairing).toBeDefined();
    // Without the copy the WAL's last surviving hard state is term 1 with a vote for n1: a vote
    // in term 5 could then be cast again, for another candidate.
    expect(opened.hardState).toMatchObject({ term: 5, vote: 'n2' });
    expect(opened.report.hardStateCopy).toBe('from-copy');
    expect(opened.report.repairing?.hardStateLost).toBeUndefined();
    expect(logger.lines.some((l) => /recovered from the copy/.test(l.msg))).toBe(true);
    await opened.storage.close();

    // The WAL holds it again: with the copy damaged now, it still comes back.
    flipByteInCopy(dir);
    const again = await RaftStorage.open(dir, OPEN);
    expect(again.hardState).toMatchObject({ term: 5, vote: 'n2' });
    expect(again.report.hardStateCopy).toBe('repaired-copy');
    await again.storage.close();
  });

  it('on a full disk, the open that owes the WAL a vote from the copy fails (sim seed 3732: it waited forever), and opens once there is room', async () => {
    const dir = tempDir();
    await voteThenDamageBefore(dir);
    let full = true;
    const enospc = (): void => {
      if (full) throw Object.assign(new Error('ENOSPC: no space left on device, write (injected)'), { code: 'ENOSPC' });
    };
    await expect(RaftStorage.open(dir, { ...OPEN, unsafe: { beforeWrite: enospc } })).rejects.toBeInstanceOf(StorageFullError);
    full = false;
    const opened = await RaftStorage.open(dir, { ...OPEN, unsafe: { beforeWrite: enospc } });
    expect(opened.hardState).toMatchObject({ term: 5, vote: 'n2' });
    expect(opened.report.repairing).toBeDefined();
    await opened.storage.close();
  });

  it('a damaged copy is rewritten from the WAL, and a persisted vote lands in both', async () => {
    const dir = tempDir();
    const { storage } = await RaftStorage.open(dir, OPEN);
    await storage.persist({ entries: entries(1, 3, 1), hardState: hard(1, 3) });
    await storage.persist({ hardState: hard(4, 3, 'n3') });
    expect(readHardStateCopy(nodeStorageIo.fs, dir)).toEqual({ kind: 'ok', hardState: hard(4, 3, 'n3') });
    // A commit-only update does not rewrite the copy.
    await storage.persist({ hardState: hard(4, 3, 'n3') }, { sync: false });
    await storage.close();

    flipByteInCopy(dir, 300);
    expect(readHardStateCopy(nodeStorageIo.fs, dir).kind).toBe('damaged');
    const logger = recordingLogger();
    const opened = await RaftStorage.open(dir, { ...OPEN, logger });
    expect(opened.hardState).toMatchObject({ term: 4, vote: 'n3' });
    expect(opened.report.hardStateCopy).toBe('repaired-copy');
    expect(opened.report.repairing).toBeUndefined();
    expect(logger.lines.some((l) => l.level === 'warn' && /copy was damaged/.test(l.msg))).toBe(true);
    expect(readHardStateCopy(nodeStorageIo.fs, dir)).toMatchObject({ kind: 'ok', hardState: { term: 4, vote: 'n3' } });
    await opened.storage.close();
  });

  it('damage to both copies says the vote is lost, and keeps saying it across restarts until the repair ends', async () => {
    const dir = tempDir();
    await voteThenDamageBefore(dir);
    flipByteInCopy(dir);
    const logger = recordingLogger();
    const opened = await RaftStorage.open(dir, { ...OPEN, logger });
    expect(opened.report.hardStateCopy).toBe('lost');
    expect(opened.report.repairing?.hardStateLost).toBe(true);
    expect(logger.lines.some((l) => l.level === 'error' && /both copies of the hard state are damaged/.test(l.msg))).toBe(true);
    await opened.storage.close();

    const again = await RaftStorage.open(dir, OPEN);
    expect(again.report.hardStateCopy).toBe('ok');
    expect(again.report.repairing?.hardStateLost).toBe(true);
    again.storage.markRepaired();
    await again.storage.close();
    const done = await RaftStorage.open(dir, OPEN);
    expect(done.report.repairing).toBeUndefined();
    await done.storage.close();
  });

  it('a copy ahead of the WAL (a crash between the two writes) wins', async () => {
    const dir = tempDir();
    const { storage } = await RaftStorage.open(dir, OPEN);
    await storage.persist({ entries: entries(1, 2, 1), hardState: hard(1, 2) });
    await storage.close();
    writeHardStateCopy(nodeStorageIo.fs, dir, hard(2, 2, 'n5'));
    const opened = await RaftStorage.open(dir, OPEN);
    expect(opened.hardState).toEqual(hard(2, 2, 'n5'));
    expect(opened.report.hardStateCopy).toBe('ok');
    // It was written to the WAL too, so that storage refuses a second vote in term 2.
    await expect(opened.storage.persist({ hardState: hard(2, 2, 'n1') })).rejects.toThrow(/vote in term 2 would change/);
    await opened.storage.close();
  });

  it('a data dir from before copies existed gets one at open', async () => {
    const dir = tempDir();
    const { storage } = await RaftStorage.open(dir, OPEN);
    await storage.persist({ entries: entries(1, 2, 3), hardState: hard(3, 2, 'n2') });
    await storage.close();
    fs.rmSync(path.join(dir, HARD_STATE_FILE));
    const opened = await RaftStorage.open(dir, OPEN);
    expect(opened.report.hardStateCopy).toBe('created');
    expect(readHardStateCopy(nodeStorageIo.fs, dir)).toMatchObject({ kind: 'ok', hardState: { term: 3, vote: 'n2' } });
    await opened.storage.close();
  });

  it('a new directory whose first open stopped after writing the copy is still new', async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'wal'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'snap'));
    writeHardStateCopy(nodeStorageIo.fs, dir, { term: 0, vote: '', commit: 0 });
    const opened = await RaftStorage.open(dir, OPEN);
    expect(opened.report.created).toBe(true);
    await opened.storage.close();
  });
});
