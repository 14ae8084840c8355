import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Entry } from '../../../src/core/raft/types.js';
import { RaftStorage, StorageCorruptionError } from '../../../src/core/storage/index.js';
import { FRAME_BYTES, align } from '../../../src/core/storage/record-codec.js';
import { scanSegment } from '../../../src/core/storage/segment-scan.js';
import { entries, expectLog, expectSameEntries, hard, recordingLogger, segmentPaths, tempDir } from './helpers.js';

/** A record of the original segment image: where it starts, where its checksummed bytes end, what it held. */
interface Placed {
  readonly offset: number;
  readonly end: number;
  readonly entry?: Entry;
}

/** Writes `rounds` separate commits of one entry each (plus a hard state every other one); returns the segment image and its records. */
async function writeRounds(dir: string, rounds: number): Promise<{ file: string; image: Buffer; placed: Placed[] }> {
  const { storage } = await RaftStorage.open(dir, { preallocate: false });
  for (let i = 1; i <= rounds; i++) {
    await storage.persist({ entries: entries(i, i, 1), ...(i % 2 === 0 ? { hardState: hard(1, i - 1) } : {}) });
  }
  await storage.close();
  const file = segmentPaths(dir)[0] as string;
  const image = fs.readFileSync(file);
  const scan = scanSegment(image);
  const placed = scan.records.map((r, k): Placed => {
    const offset = scan.offsets[k] as number;
    const end = offset + FRAME_BYTES + image.readUInt32LE(offset + 4);
    return { offset, end, ...(r.kind === 'entry' ? { entry: r.entry } : {}) };
  });
  return { file, image, placed };
}

function flipped(image: Buffer, at: number): Buffer {
  const copy = Buffer.from(image);
  copy[at] = (copy[at] ?? 0) ^ 0xff;
  return copy;
}

describe('torn tail recovery', () => {
  it('cut byte by byte from the end: every fully written record survives, the partial one is cut and reported', async () => {
    const dir = tempDir();
    const { file, image, placed } = await writeRounds(dir, 24);
    const lastFew = placed[placed.length - 7] as Placed;
    for (let cut = image.length - 1; cut >= lastFew.offset; cut--) {
      fs.writeFileSync(file, image.subarray(0, cut));
      const logger = recordingLogger();
      const { storage, entries: log, report } = await RaftStorage.open(dir, { logger, preallocate: false });
      const whole = placed.filter((p) => p.end <= cut);
      const survivors = whole.flatMap((p) => (p.entry ? [p.entry] : []));
      expectSameEntries(log, survivors);
      const logicalEnd = align((whole[whole.length - 1] as Placed).end);
      if (cut > logicalEnd) {
        expect(report.truncatedAt).toMatchObject({ file: path.join('wal', path.basename(file)), offset: logicalEnd });
        expect(report.tornTailBytes).toBeGreaterThan(0);
        expect(logger.lines.some((l) => l.level === 'warn' && /torn write/.test(l.msg))).toBe(true);
        expect(fs.statSync(file).size).toBe(logicalEnd);
      } else {
        expect(report.tornTailBytes).toBe(0);
        expect(report.truncatedAt).toBeUndefined();
      }
      // The repaired log takes new writes and keeps them.
      if (cut % 97 === 0) {
        const next = survivors.length + 1;
        await storage.persist({ entries: entries(next, next, 2) });
        await storage.close();
        const again = await RaftStorage.open(dir, { preallocate: false });
        expectLog(again.entries, [
          [1, next - 1, 1],
          [next, next, 2],
        ]);
        await again.storage.close();
      } else {
        await storage.close();
      }
    }
  });

  it('a flipped byte in the last record truncates that record (and reports it); a flip in its padding changes nothing', async () => {
    const dir = tempDir();
    const { file, image, placed } = await writeRounds(dir, 9);
    const last = placed[placed.length - 1] as Placed;
    expect(last.entry?.index).toBe(9);
    for (let at = last.offset; at < image.length; at++) {
      fs.writeFileSync(file, flipped(image, at));
      const { storage, entries: log, report } = await RaftStorage.open(dir, { preallocate: false });
      if (at < last.end) {
        expectLog(log, [[1, 8, 1]]);
        expect(report.truncatedAt?.offset).toBe(last.offset);
      } else {
        expectLog(log, [[1, 9, 1]]);
        expect(report.truncatedAt).toBeUndefined();
      }
      await storage.close();
    }
  });

  it('a flipped byte in an early record that later commits follow is corruption naming the file and offset', async () => {
    const dir = tempDir();
    const { file, image, placed } = await writeRounds(dir, 12);
    const early = placed.find((p) => p.entry?.index === 3) as Placed;
    for (let at = early.offset; at < early.end; at++) {
      fs.writeFileSync(file, flipped(image, at));
      const err = await RaftStorage.open(dir).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StorageCorruptionError);
      const corruption = err as StorageCorruptionError;
      expect(corruption.file).toBe(path.join('wal', path.basename(file)));
      expect(corruption.offset).toBe(early.offset);
      expect(corruption.message).toContain(`${corruption.file} at byte ${early.offset}`);
      expect(corruption.message).toMatch(/re-seed this member from a healthy peer/);
      // The directory is left exactly as found (and unlocked) for inspection.
      expect(fs.readFileSync(file).equals(flipped(image, at))).toBe(true);
      expect(fs.existsSync(path.join(dir, 'LOCK'))).toBe(false);
    }
  });

  it('damage to a segment header is corruption when later commits prove it was durable', async () => {
    const dir = tempDir();
    const { file, image } = await writeRounds(dir, 3);
    fs.writeFileSync(file, flipped(image, 20));
    await expect(RaftStorage.open(dir)).rejects.toMatchObject({ name: 'StorageCorruptionError', offset: 0 });
  });

  it('damage in a segment that later segments follow is corruption, even at its very end', async () => {
    const dir = tempDir();
    const { storage } = await RaftStorage.open(dir, { segmentBytes: 4096, preallocate: false });
    for (let i = 1; i <= 60; i++) await storage.persist({ entries: entries(i, i, 1) });
    await storage.close();
    const first = segmentPaths(dir)[0] as string;
    const image = fs.readFileSync(first);
    fs.writeFileSync(first, flipped(image, image.length - 20));
    await expect(RaftStorage.open(dir)).rejects.toThrow(/in a segment that later segments follow/);
    fs.writeFileSync(first, image.subarray(0, image.length - 8));
    await expect(RaftStorage.open(dir)).rejects.toBeInstanceOf(StorageCorruptionError);
  });

  it('drops a whole unfinished commit when a record inside it is damaged: none of it was provably durable', async () => {
    const dir = tempDir();
    const a = await RaftStorage.open(dir, { preallocate: false });
    await a.storage.persist({ entries: entries(1, 5, 1) });
    await a.storage.persist({ entries: entries(6, 40, 1), hardState: hard(1, 5) }); // one write, one fsync
    await a.storage.close();
    const file = segmentPaths(dir)[0] as string;
    const image = fs.readFileSync(file);
    const scan = scanSegment(image);
    const tenth = scan.offsets[scan.records.findIndex((r) => r.kind === 'entry' && r.entry.index === 10)] as number;
    fs.writeFileSync(file, flipped(image, tenth + 30));
    const b = await RaftStorage.open(dir);
    // Pages of an unfinished write reach the disk in any order: records after the damage are not trusted.
    expectLog(b.entries, [[1, 9, 1]]);
    expect(b.report.truncatedAt?.offset).toBe(tenth);
    await b.storage.close();
  });

  it('treats zeros after the last record as free space, and non-zero junk as a torn tail', async () => {
    const dir = tempDir();
    const { file, image } = await writeRounds(dir, 5);
    fs.writeFileSync(file, Buffer.concat([image, Buffer.alloc(8192)]));
    let opened = await RaftStorage.open(dir, { preallocate: false });
    expectLog(opened.entries, [[1, 5, 1]]);
    expect(opened.report.tornTailBytes).toBe(0);
    await opened.storage.close();

    const junk = Buffer.alloc(8192);
    junk.fill(0xa5, 100, 300);
    fs.writeFileSync(file, Buffer.concat([image, junk]));
    opened = await RaftStorage.open(dir, { preallocate: false });
    expectLog(opened.entries, [[1, 5, 1]]);
    expect(opened.report.tornTailBytes).toBe(300);
    expect(opened.report.truncatedAt?.reason).toMatch(/non-zero bytes/);
    await opened.storage.close();
  });

  it('a record whose payload never reached the disk (zero-filled) is a torn tail', async () => {
    const dir = tempDir();
    const { file, image, placed } = await writeRounds(dir, 7);
    const last = placed[placed.length - 1] as Placed;
    expect(last.entry?.index).toBe(7);
    const torn = Buffer.from(image);
    torn.fill(0, last.offset + FRAME_BYTES + 1);
    fs.writeFileSync(file, torn);
    const { storage, entries: log, report } = await RaftStorage.open(dir);
    expectLog(log, [[1, 6, 1]]);
    expect(report.truncatedAt).toMatchObject({ offset: last.offset, reason: 'checksum mismatch' });
    await storage.close();
  });

  it('removes a last segment whose header never became durable and continues the previous one', async () => {
    const dir = tempDir();
    const { storage } = await RaftStorage.open(dir, { segmentBytes: 4096, preallocate: false });
    for (let i = 1; i <= 30; i++) await storage.persist({ entries: entries(i, i, 1) });
    await storage.close();
    const files = segmentPaths(dir);
    const last = files[files.length - 1] as string;
    const lost = scanSegment(fs.readFileSync(last)).records.filter((r) => r.kind === 'entry').length;
    fs.writeFileSync(last, Buffer.alloc(4096)); // a roll interrupted before its header reached the disk
    const b = await RaftStorage.open(dir, { segmentBytes: 4096, preallocate: false });
    expectLog(b.entries, [[1, 30 - lost, 1]]);
    expect(b.report.removedFiles).toEqual([path.join('wal', path.basename(last))]);
    await b.storage.persist({ entries: entries(31 - lost, 31 - lost, 2) });
    await b.storage.close();
    const c = await RaftStorage.open(dir);
    expectLog(c.entries, [
      [1, 30 - lost, 1],
      [31 - lost, 31 - lost, 2],
    ]);
    await c.storage.close();
  });
});
