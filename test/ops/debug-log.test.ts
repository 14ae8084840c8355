/** `fleet debug log`'s reader: entries decoded, and damage pinpointed to file and offset without stopping there. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeCommand } from '../../src/core/fleet/index.js';
import { RaftStorage } from '../../src/core/storage/index.js';
import { readDebugLog } from '../../src/ops/debug-log.js';
import { tempDir } from '../core/storage/helpers.js';

const put = (i: number) => encodeCommand({ clientId: 'c', seq: i, firstIncomplete: i, time: 0, op: { type: 'kv.put', key: `k${i}`, value: `v${i}` } });

async function writeLog(dir: string): Promise<void> {
  const { storage } = await RaftStorage.open(path.join(dir, 'raft'), { preallocate: false });
  for (let i = 1; i <= 10; i++) await storage.persist({ entries: [{ index: i, term: 1, type: i === 1 ? 'noop' : 'normal', data: i === 1 ? new Uint8Array(0) : put(i) }], hardState: { term: 1, vote: 'n1', commit: i } });
  await storage.close();
}

describe('readDebugLog', () => {
  it('decodes entries, filters them, and shows every record with --raw', async () => {
    const dir = tempDir();
    await writeLog(dir);
    const all = await readDebugLog(dir);
    expect(all.records.map((r) => (r.kind === 'entry' ? r.index : -1))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(all.records[1]).toMatchObject({ kind: 'entry', type: 'normal', command: { op: { key: 'k2', value: 'v2' } } });
    expect(all.damage).toEqual([]);
    const some = await readDebugLog(path.join(dir, 'raft'), { from: 3, to: 5 });
    expect(some.records.map((r) => (r.kind === 'entry' ? r.index : -1))).toEqual([3, 4, 5]);
    const raw = await readDebugLog(dir, { raw: true, types: ['noop'] });
    expect(new Set(raw.records.map((r) => r.kind))).toEqual(new Set(['header', 'entry', 'hard-state', 'mark']));
    expect(raw.records.filter((r) => r.kind === 'entry').map((r) => (r.kind === 'entry' ? r.type : ''))).toEqual(['noop']);
  });

  it('pinpoints a flipped byte to its file and offset and goes on after it', async () => {
    const dir = tempDir();
    await writeLog(dir);
    const before = await readDebugLog(dir, { raw: true });
    const fifth = before.records.find((r) => r.kind === 'entry' && r.index === 5)!;
    const file = path.join(dir, 'raft', 'wal', fifth.file);
    const image = fs.readFileSync(file);
    image[fifth.offset + 12] = image[fifth.offset + 12]! ^ 0x04;
    fs.writeFileSync(file, image);
    const after = await readDebugLog(dir);
    expect(after.damage).toEqual([{ file: fifth.file, offset: fifth.offset, reason: 'checksum mismatch', resumedAt: expect.any(Number) }]);
    expect(after.records.map((r) => (r.kind === 'entry' ? r.index : -1))).toEqual([1, 2, 3, 4, 6, 7, 8, 9, 10]);
  });

  it('names the directory when there is no log', async () => {
    await expect(readDebugLog('/nonexistent/fleet')).rejects.toThrow('/nonexistent/fleet: no such directory');
    await expect(readDebugLog(tempDir())).rejects.toThrow(/no WAL segments there/);
  });
});
