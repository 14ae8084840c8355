/**
 * Opening with `onDamage: 'repair'`: damaged durable data is cut away and set aside, never
 * refused and never silently served, and the storage says it is repairing until told otherwise,
 * across restarts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RaftStorage, StorageCorruptionError } from '../../../src/core/storage/index.js';
import { scanSegment } from '../../../src/core/storage/segment-scan.js';
import { entries, expectLog, hard, recordingLogger, segmentPaths, snapMeta, snapshotPaths, tempDir } from './helpers.js';

/** Twelve commits of one entry each, then a flipped byte inside entry 5's record: provably durable damage. */
async function damagedAtEntry5(dir: string): Promise<string> {
  const { storage } = await RaftStorage.open(dir, { preallocate: false });
  for (let i = 1; i <= 12; i++) await storage.persist({ entries: entries(i, i, 1), hardState: hard(1, i) });
  await storage.close();
  const file = segmentPaths(dir)[0] as string;
  const image = fs.readFileSync(file);
  const scan = scanSegment(image);
  const k = scan.records.findIndex((r) => r.kind === 'entry' && r.entry.index === 5);
  const at = (scan.offsets[k] as number) + 20;
  image[at] = (image[at] ?? 0) ^ 0x01;
  fs.writeFileSync(file, image);
  return file;
}

describe('repairing damaged storage', () => {
  it('keeps the log before a flipped byte, sets the segment aside, and says so until marked repaired', async () => {
    const dir = tempDir();
    const file = await damagedAtEntry5(dir);
    await expect(RaftStorage.open(dir)).rejects.toBeInstanceOf(StorageCorruptionError);

    const logger = recordingLogger();
    const opened = await RaftStorage.open(dir, { onDamage: 'repair', logger, preallocate: false });
    expectLog(opened.entries, [[1, 4, 1]]);
    expect(opened.report.repairing).toMatchObject({ file: path.join('wal', path.basename(file)) });
    expect(opened.report.repairing?.setAside.length).toBeGreaterThan(0);
    for (const f of opened.report.repairing?.setAside ?? []) expect(fs.existsSync(path.join(dir, f))).toBe(true);
    expect(logger.lines.some((l) => l.level === 'warn' && /repairs its log from its peers/.test(l.msg))).toBe(true);
    // The repaired log takes the leader's entries again.
    await opened.storage.persist({ entries: entries(5, 14, 2), hardState: hard(2, 4) });
    await opened.storage.close();

    // A crash before the repair ended: still repairing, with everything written since.
    const again = await RaftStorage.open(dir, { onDamage: 'repair', preallocate: false });
    expect(again.report.repairing?.file).toBe(opened.report.repairing?.file);
    expectLog(again.entries, [
      [1, 4, 1],
      [5, 14, 2],
    ]);
    again.storage.markRepaired();
    await again.storage.close();

    const done = await RaftStorage.open(dir, { preallocate: false });
    expect(done.report.repairing).toBeUndefined();
    expectLog(done.entries, [
      [1, 4, 1],
      [5, 14, 2],
    ]);
    await done.storage.close();
  });

  it('a hole between segments cuts the log at the hole', async () => {
    const dir = tempDir();
    const { storage } = await RaftStorage.open(dir, { segmentBytes: 4096, preallocate: false });
    for (let i = 1; i <= 80; i++) await storage.persist({ entries: entries(i, i, 1) });
    await storage.close();
    const segs = segmentPaths(dir);
    expect(segs.length).toBeGreaterThanOrEqual(3);
    fs.rmSync(segs[1] as string);
    const opened = await RaftStorage.open(dir, { onDamage: 'repair', preallocate: false });
    const firstSegmentLast = opened.entries.at(-1)?.index ?? 0;
    expect(firstSegmentLast).toBeGreaterThan(0);
    expect(firstSegmentLast).toBeLessThan(80);
    expectLog(opened.entries, [[1, firstSegmentLast, 1]]);
    expect(opened.report.repairing).toBeDefined();
    await opened.storage.close();
  });

  it('a corrupt only snapshot behind a compacted log leaves an empty log, repairing, not a refusal', async () => {
    const dir = tempDir();
    const { storage } = await RaftStorage.open(dir, { segmentBytes: 4096, preallocate: false, retainSnapshots: 1 });
    for (let i = 1; i <= 80; i++) await storage.persist({ entries: entries(i, i, 1), hardState: hard(1, i) });
    await storage.saveSnapshot(snapMeta(70, 1), new Uint8Array(1000).fill(7));
    await storage.close();
    await RaftStorage.open(dir, { preallocate: false }).then((o) => o.storage.close());
    const snap = snapshotPaths(dir)[0] as string;
    const image = fs.readFileSync(snap);
    image[image.length - 10] = (image[image.length - 10] ?? 0) ^ 0xff;
    fs.writeFileSync(snap, image);
    await expect(RaftStorage.open(dir, { preallocate: false })).rejects.toBeInstanceOf(StorageCorruptionError);
    const opened = await RaftStorage.open(dir, { onDamage: 'repair', preallocate: false });
    expect(opened.snapshot).toBeUndefined();
    expect(opened.entries).toEqual([]);
    // Set aside (by the refusing open already), never deleted.
    expect(fs.existsSync(`${snap}.corrupt`)).toBe(true);
    expect(opened.report.repairing).toBeDefined();
    await opened.storage.close();
    // Restarting mid-repair with no segment and no snapshot is still a held log, repairing.
    expect(RaftStorage.holdsLog(dir)).toBe(true);
    const again = await RaftStorage.open(dir, { onDamage: 'repair', preallocate: false });
    expect(again.report.repairing).toBeDefined();
    await again.storage.close();
  });
});
