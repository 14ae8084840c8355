/**
 * The storage's invariants, each broken on purpose: a file handed to the reaper unretired, an
 * append to no segment, a lock file that does not hold our token, a fill whose writes came up
 * short, a replayed log with a hole, an arena consumed past its records. (`segment-scan` is in
 * segment-scan.test.ts: it needs a planted decoder.)
 */
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { FileReaper } from '../../../src/core/storage/file-reaper.js';
import type { StorageIo } from '../../../src/core/storage/fs-port.js';
import { acquireLock, LOCK_FILE } from '../../../src/core/storage/lock-file.js';
import { nodeStorageIo } from '../../../src/core/storage/node-fs.js';
import { silentLogger } from '../../../src/core/storage/logger.js';
import { Preallocation } from '../../../src/core/storage/preallocator.js';
import { RecordEncoder } from '../../../src/core/storage/record-codec.js';
import { LogReplay } from '../../../src/core/storage/replay.js';
import { noteAppend, type SegmentState } from '../../../src/core/storage/wal-writer.js';
import type { Entry } from '../../../src/core/raft/types.js';
import { tempDir } from '../../temp-dirs.js';
import { expectInvariant } from './expect-invariant.js';

const entry = (index: number, term = 1): Entry => ({ index, term, type: 'normal', data: new Uint8Array() }) as Entry;

describe('FileReaper', () => {
  it('deletes only files retired to *.deleting', async () => {
    const reaper = new FileReaper(silentLogger);
    expectInvariant(() => reaper.discard('/nowhere/0000000000000001-0000000000000001.wal', { truncate: false }), 'reaper-deletes-retired-files');
    await reaper.close();
  });
});

describe('noteAppend', () => {
  const segment = (seq: number, maxIndex: number): SegmentState => ({ seq, firstIndex: 1, name: `${seq}.wal`, bytes: 0, maxIndex });

  it('keeps maxIndex at or above every entry of the active segment', () => {
    const segments = [segment(1, 10), segment(2, 12)];
    noteAppend(segments, 11, 15);
    expect(segments.map((s) => s.maxIndex)).toEqual([10, 15]);
  });

  it('refuses an append to no segment', () => {
    expectInvariant(() => noteAppend([], 1, 3), 'wal-segment-max-index');
  });

  it('refuses a batch whose last entry comes before its first', () => {
    expectInvariant(() => noteAppend([segment(1, 10)], 8, 5), 'wal-segment-max-index');
  });
});

describe('acquireLock', () => {
  it('holds a LOCK that contains its own token', () => {
    const dir = tempDir('fleet-inv-lock-').path;
    acquireLock(dir).release();
    // The planted bug: another writer replaces LOCK between the link and the read back.
    const io: StorageIo = {
      ...nodeStorageIo,
      fs: { ...nodeStorageIo.fs, readFileSync: (p: string) => (p.endsWith(`/${LOCK_FILE}`) ? Buffer.from('999999 0 other\n') : nodeStorageIo.fs.readFileSync(p)) } as StorageIo['fs'],
    };
    expectInvariant(() => acquireLock(dir, io), 'lock-file-holds-token');
  });
});

describe('Preallocation', () => {
  it('is ready only once every zero was written', async () => {
    const dir = tempDir('fleet-inv-prealloc-').path;
    const whole = new Preallocation(join(dir, 'whole.tmp'), 64 * 1024, silentLogger, nodeStorageIo);
    await vi.waitFor(() => expect(whole.ready).toBe(true));

    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (_msg: string, fields?: Record<string, unknown>) => void warnings.push(String(fields?.['err'])) };
    // The planted bug: a file system whose writes come up short, silently.
    const io: StorageIo = { ...nodeStorageIo, fs: { ...nodeStorageIo.fs, write: async (fd, buf, off, len, pos) => (await nodeStorageIo.fs.write(fd, buf, off, Math.max(1, len >> 1), pos), len >> 1) } as StorageIo['fs'] };
    const short = new Preallocation(join(dir, 'short.tmp'), 64 * 1024, logger, io);
    await vi.waitFor(() => expect(short.failed).toBe(true));
    expect(short.ready).toBe(false);
    expect(warnings.join('\n')).toContain('invariant preallocation-durable-zeros broken: 32768 of 65536 zero bytes');
  });
});

describe('LogReplay', () => {
  it('keeps entries[k] at index prevIndex + 1 + k', () => {
    const replay = new LogReplay();
    replay.segment('a.wal', { seq: 1, firstIndex: 1, prevTerm: 0, reset: true, hardState: { term: 1, vote: '', commit: 0 } });
    replay.entry('a.wal', 0, entry(1));
    replay.entry('a.wal', 0, entry(2));
    expect(replay.lastIndex).toBe(2);
    // The planted bug: a log held with a hole in it (entry 1 lost), then replay goes on.
    replay.entries = [entry(2)];
    expectInvariant(() => replay.entry('a.wal', 0, entry(2)), 'replay-entries-contiguous');
  });
});

describe('RecordEncoder', () => {
  it('consumes only whole records', () => {
    const enc = new RecordEncoder(1024);
    enc.hardState({ term: 1, vote: 'n1', commit: 0 });
    const one = enc.length;
    enc.hardState({ term: 2, vote: 'n1', commit: 0 });
    enc.consume(one);
    expect(enc.length).toBe(one);
    expectInvariant(() => enc.consume(one + 8), 'record-arena-whole-records');
    expectInvariant(() => enc.consume(3), 'record-arena-whole-records');
  });
});
