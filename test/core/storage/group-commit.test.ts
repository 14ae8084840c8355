import { describe, expect, it } from 'vitest';
import { RaftStorage } from '../../../src/core/storage/index.js';
import { entries, expectLog, hard, tempDir } from './helpers.js';

describe('group commit', () => {
  it('covers many concurrent persist calls with far fewer fsyncs, resolving in submission order', async () => {
    const dir = tempDir();
    let fsyncs = 0;
    const { storage } = await RaftStorage.open(dir, { onFsync: () => fsyncs++ });
    const resolved: number[] = [];
    const calls: Promise<void>[] = [];
    for (let i = 1; i <= 200; i++) {
      calls.push(storage.persist({ entries: entries(i, i, 1), hardState: hard(1, i - 1) }).then(() => void resolved.push(i)));
    }
    await Promise.all(calls);
    expect(fsyncs).toBeLessThan(200);
    expect(fsyncs).toBe(1); // all submitted in one tick: one write, one fsync
    expect(resolved).toEqual(Array.from({ length: 200 }, (_, k) => k + 1));
    await storage.close();
    const b = await RaftStorage.open(dir);
    expectLog(b.entries, [[1, 200, 1]]);
    await b.storage.close();
  });

  it('puts batches submitted while an fsync is in flight into the next single fsync', async () => {
    const dir = tempDir();
    let fsyncs = 0;
    let later: Promise<void>[] = [];
    let submitLater: (() => void) | undefined;
    const { storage } = await RaftStorage.open(dir, {
      onFsync: () => fsyncs++,
      // Runs once the first group is written and its fsync is about to start.
      unsafe: { beforeFsync: () => submitLater?.() },
    });
    submitLater = () => {
      submitLater = undefined;
      later = Array.from({ length: 50 }, (_, k) => storage.persist({ entries: entries(k + 2, k + 2, 1) }));
    };
    await storage.persist({ entries: entries(1, 1, 1) });
    expect(fsyncs).toBe(1);
    expect(later).toHaveLength(50);
    await Promise.all(later);
    expect(fsyncs).toBe(2);
    expect(storage.stats().durableLastIndex).toBe(51);
    await storage.close();
  });

  it('keeps concurrent writers with truncations in submission order', async () => {
    const dir = tempDir();
    let fsyncs = 0;
    const { storage } = await RaftStorage.open(dir, { onFsync: () => fsyncs++ });
    const calls: Promise<void>[] = [];
    let term = 1;
    let last = 0;
    for (let round = 0; round < 20; round++) {
      for (let k = 0; k < 10; k++) {
        const first = round > 0 && k === 0 ? last - 3 : last + 1;
        if (round > 0 && k === 0) term++;
        calls.push(storage.persist({ entries: entries(first, first + 4, term), hardState: hard(term, 0) }));
        last = first + 4;
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await Promise.all(calls);
    expect(fsyncs).toBeLessThan(calls.length);
    await storage.close();
    const b = await RaftStorage.open(dir);
    expect(b.entries.length).toBe(last);
    expect(b.entries.map((e) => e.index)).toEqual(Array.from({ length: last }, (_, k) => k + 1));
    expect(b.entries.at(-1)?.term).toBe(term);
    await b.storage.close();
  });
});
