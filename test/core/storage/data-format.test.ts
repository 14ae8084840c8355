/**
 * A data dir written by a newer build is refused, untouched, naming both versions
 * (src/core/server/data-format.ts, and the WAL header check in recovery.ts beneath it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DATA_FORMAT, readDataFormat } from '../../../src/core/server/data-format.js';
import { openNodeStorage } from '../../../src/core/server/storage-adapter.js';
import { RaftStorage } from '../../../src/core/storage/index.js';
import { entries, hard, tempDir } from './helpers.js';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

/** Every file under `dir` with its bytes: what "untouched" is checked against. */
function contents(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    out.set(path.relative(dir, file), fs.readFileSync(file).toString('base64'));
  }
  return out;
}

/** A data dir holding a member's log (three entries, term 2). */
async function memberDir(version = '0.0.0-test'): Promise<string> {
  const dataDir = tempDir();
  const s = await openNodeStorage(dataDir, quiet, () => undefined, version);
  await s.persist({ hardState: hard(2, 3), entries: entries(1, 3, 2) }, true);
  await s.close();
  return dataDir;
}

/** Rewrites the first segment's header as WAL format `version`, checksum and all, as a newer build would write it. */
function rewriteWalVersion(raftDir: string, version: number): string {
  const wal = path.join(raftDir, 'wal');
  const first = fs.readdirSync(wal).filter((n) => n.endsWith('.wal')).sort()[0]!;
  const file = path.join(wal, first);
  const buf = fs.readFileSync(file);
  buf.writeUInt32LE(version, 13);
  const body = buf.readUInt32LE(4);
  buf.writeUInt32LE(crc32(buf.subarray(4, 8 + body)), 0);
  fs.writeFileSync(file, buf);
  return file;
}

describe('the data format of a data dir', () => {
  it('is recorded when a member opens its data dir, with the version that opened it last', async () => {
    const dataDir = await memberDir('1.2.3');
    expect(readDataFormat(dataDir)).toEqual({ format: DATA_FORMAT, fleet: '1.2.3' });
    const again = await openNodeStorage(dataDir, quiet, () => undefined, '1.2.4');
    await again.close();
    expect(readDataFormat(dataDir)).toEqual({ format: DATA_FORMAT, fleet: '1.2.4' });
  });

  it('a newer format is refused before anything is opened, naming both versions, and nothing changes', async () => {
    const dataDir = await memberDir();
    fs.writeFileSync(path.join(dataDir, 'format.json'), JSON.stringify({ format: DATA_FORMAT + 1, fleet: '9.0.0' }));
    const before = contents(dataDir);
    const err = (await openNodeStorage(dataDir, quiet, () => undefined, '1.0.0').catch((e: unknown) => e)) as Error;
    expect(err.name).toBe('DataFormatError');
    expect(err.message).toContain(`data format ${DATA_FORMAT + 1}, written by fleet 9.0.0`);
    expect(err.message).toContain(`this fleet (1.0.0) reads data format ${DATA_FORMAT} at most`);
    expect(contents(dataDir)).toEqual(before);
  });

  it('an unreadable format.json is refused, not taken for format 1', async () => {
    const dataDir = await memberDir();
    fs.writeFileSync(path.join(dataDir, 'format.json'), '{"format": "two"');
    await expect(openNodeStorage(dataDir, quiet, () => undefined, '1.0.0')).rejects.toThrow(/format\.json is unreadable/);
    fs.writeFileSync(path.join(dataDir, 'format.json'), '{"format": 0}');
    await expect(openNodeStorage(dataDir, quiet, () => undefined, '1.0.0')).rejects.toThrow(/does not name a data format/);
  });

  it('a WAL segment of a newer format is refused and kept: it was once cut away as a torn tail', async () => {
    const dataDir = await memberDir();
    const raftDir = path.join(dataDir, 'raft');
    const segment = rewriteWalVersion(raftDir, 2);
    const before = contents(dataDir);
    const err = (await RaftStorage.open(raftDir, { onDamage: 'repair' }).catch((e: unknown) => e)) as Error;
    expect(err.name).toBe('StorageLayoutError');
    expect(err.message).toContain('is in WAL format 2, newer than this build reads (WAL format 1)');
    expect(fs.existsSync(segment)).toBe(true);
    expect(contents(dataDir)).toEqual(before);
  });
});
