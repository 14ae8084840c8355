import { describe, expect, it } from 'vitest';
import type { Entry } from '../../../src/core/raft/types.js';
import { StorageCorruptionError } from '../../../src/core/storage/errors.js';
import { LogReplay, reconcile } from '../../../src/core/storage/replay.js';
import { snapMeta } from './helpers.js';

const HS = { term: 1, vote: '', commit: 0 };

function e(index: number, term: number): Entry {
  return { index, term, type: 'normal', data: new Uint8Array(0) };
}

function replay(first: number, prevTerm: number, indexes: [number, number][]): LogReplay {
  const log = new LogReplay();
  log.segment('wal/1', { seq: 1, firstIndex: first, prevTerm, reset: false, hardState: HS });
  for (const [index, term] of indexes) log.entry('wal/1', 0, e(index, term));
  return log;
}

describe('log replay', () => {
  it('lets a later entry at index i replace everything from i on', () => {
    const log = replay(1, 0, [[1, 1], [2, 1], [3, 1], [2, 2], [3, 2], [4, 2], [3, 3]]);
    expect(log.entries.map((x) => `${x.index}@${x.term}`)).toEqual(['1@1', '2@2', '3@3']);
  });

  it('throws on a gap, naming the file and offset', () => {
    const log = replay(1, 0, [[1, 1]]);
    expect(() => log.entry('wal/x.wal', 4096, e(3, 1))).toThrow(new StorageCorruptionError('wal/x.wal', 4096, 'entry 3 follows entry 1: entries 2..2 are missing'));
  });

  it('requires a segment to continue where the previous one ended, unless it is a reset', () => {
    const log = replay(1, 0, [[1, 1], [2, 1]]);
    expect(() => log.segment('wal/2', { seq: 2, firstIndex: 5, prevTerm: 1, reset: false, hardState: HS })).toThrow(StorageCorruptionError);
    expect(() => log.segment('wal/2', { seq: 2, firstIndex: 3, prevTerm: 7, reset: false, hardState: HS })).toThrow(StorageCorruptionError);
    log.segment('wal/2', { seq: 2, firstIndex: 3, prevTerm: 1, reset: false, hardState: HS });
    log.segment('wal/3', { seq: 3, firstIndex: 101, prevTerm: 5, reset: true, hardState: HS });
    expect([log.prevIndex, log.prevTerm, log.entries.length]).toEqual([100, 5, 0]);
  });

  it('restarts the log on a truncation below where the oldest kept segment starts', () => {
    const log = replay(51, 2, [[51, 2], [45, 3], [46, 3]]);
    expect([log.prevIndex, log.prevTerm, log.lastIndex]).toEqual([44, undefined, 46]);
  });

  it('reconciles with the snapshot: keeps a matching log, drops a contradicting one, refuses a hole', () => {
    const log = replay(1, 0, [[1, 1], [2, 1], [3, 2], [4, 2]]);
    expect(reconcile(log, snapMeta(2, 1), 'w').entries.map((x) => x.index)).toEqual([3, 4]);
    expect(reconcile(log, snapMeta(3, 3), 'w')).toEqual({ entries: [], conflicting: 1 });
    expect(reconcile(log, snapMeta(9, 3), 'w')).toEqual({ entries: [], conflicting: 0 });
    expect(() => reconcile(replay(11, 1, [[11, 1]]), snapMeta(5, 1), 'w')).toThrow(/entries 6\.\.10 are missing/);
    expect(() => reconcile(replay(11, 1, [[11, 1]]), undefined, 'w')).toThrow(/there is no usable snapshot/);
  });
});
