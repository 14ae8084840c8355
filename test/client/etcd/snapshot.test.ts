import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { prefixEnd } from '../../../src/client/etcd/client.js';
import { SnapshotWriter, snapshotHashMatches } from '../../../src/client/etcd/snapshot.js';

const dirs: string[] = [];
function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-etcd-snap-'));
  dirs.push(dir);
  return join(dir, 'snap.db');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A stream as etcd sends it: the db, then its sha256, cut into chunks at arbitrary places. */
function stream(db: Buffer, cuts: readonly number[]): Buffer[] {
  const whole = Buffer.concat([db, createHash('sha256').update(db).digest()]);
  const chunks: Buffer[] = [];
  let at = 0;
  for (const c of [...cuts, whole.length]) {
    chunks.push(whole.subarray(at, c));
    at = c;
  }
  return chunks;
}

describe('SnapshotWriter', () => {
  it('keeps a stream whose trailing hash matches, whatever the chunking (the hash split across chunks too)', async () => {
    const db = Buffer.from('x'.repeat(1000));
    for (const cuts of [[], [10], [990, 1010], [1031]]) {
      const file = tempFile();
      const w = await SnapshotWriter.create(file);
      for (const c of stream(db, cuts)) await w.write(c);
      const r = await w.finish();
      expect(r.bytes).toBe(1032);
      expect(r.sha256).toBe(createHash('sha256').update(db).digest('hex'));
      expect(snapshotHashMatches(readFileSync(file))).toBe(true);
    }
  });

  it('refuses a stream whose hash does not match, and keeps no file', async () => {
    const file = tempFile();
    const chunks = stream(Buffer.from('data'), [2]);
    chunks[0] = Buffer.from('DA');
    const w = await SnapshotWriter.create(file);
    for (const c of chunks) await w.write(c);
    await expect(w.finish()).rejects.toThrow(/integrity check failed/);
    expect(existsSync(file)).toBe(false);
    expect(readdirSync(dirname(file))).toEqual([]);
  });

  it('refuses a stream too short to hold a hash', async () => {
    const w = await SnapshotWriter.create(tempFile());
    await w.write(Buffer.from('short'));
    await expect(w.finish()).rejects.toThrow(/only 5 bytes/);
  });
});

describe('prefixEnd', () => {
  it('bumps the last byte below 0xff', () => {
    expect(prefixEnd(Buffer.from('a/'))).toEqual(Buffer.from('a0'));
    expect(prefixEnd(Buffer.from([0x61, 0xff]))).toEqual(Buffer.from([0x62]));
    expect(prefixEnd(Buffer.alloc(0))).toEqual(Buffer.from([0]));
  });
});
