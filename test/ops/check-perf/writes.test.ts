import { describe, expect, it } from 'vitest';
import { cleanUpKeys, measureWrites, PERF_PREFIX, type KvWriter } from '../../../src/ops/check-perf/writes.js';

/** An in-memory KV with a put that can be told to fail; list pages by 2 to exercise paging. */
function fakeKv(failEvery = 0): KvWriter & { keys: Map<string, string>; puts: number } {
  const keys = new Map<string, string>();
  const kv = {
    keys,
    puts: 0,
    async kvPut(key: string, value: string) {
      kv.puts++;
      await new Promise((r) => setImmediate(r));
      if (failEvery > 0 && kv.puts % failEvery === 0) throw new Error('no leader');
      keys.set(key, value);
    },
    async kvDelete(key: string) {
      keys.delete(key);
    },
    async kvList(o: { prefix: string; after?: string; limit?: number }) {
      const all = [...keys.keys()].filter((k) => k.startsWith(o.prefix) && (o.after === undefined || k > o.after)).sort();
      const items = all.slice(0, 2).map((key) => ({ key }));
      return all.length > 2 ? { items, next: items[1]!.key } : { items };
    },
  };
  return kv;
}

describe('a round of writes', () => {
  it('keeps every worker writing for the duration over a bounded key set, and records the keys', async () => {
    const kv = fakeKv();
    const written = new Set<string>();
    const r = await measureWrites(kv, { concurrency: 4, durationMs: 100, prefix: `${PERF_PREFIX}t/`, written });
    expect(r.concurrency).toBe(4);
    expect(r.failed).toBe(0);
    expect(r.samples).toBe(kv.puts);
    expect(r.samples).toBeGreaterThan(8);
    expect(r.throughput).toBeCloseTo((r.samples * 1_000) / r.durationMs, 6);
    expect(r.p50Ms).toBeLessThanOrEqual(r.p99Ms);
    expect(written.size).toBeLessThanOrEqual(4 * 8);
    expect([...kv.keys.keys()].every((k) => written.has(k))).toBe(true);
  });

  it('counts failed writes apart from the acknowledged ones, with the first error', async () => {
    const kv = fakeKv(3);
    const r = await measureWrites(kv, { concurrency: 2, durationMs: 60, prefix: `${PERF_PREFIX}t/`, written: new Set() });
    expect(r.failed).toBeGreaterThan(0);
    expect(r.failed + r.samples).toBe(kv.puts);
    expect(r.firstError).toBe('no leader');
  });
});

describe('the clean-up', () => {
  it("deletes the run's keys and what killed runs left under the prefix, and nothing else", async () => {
    const kv = fakeKv();
    for (const k of ['__check_perf/a/1', '__check_perf/a/2', '__check_perf/old/9', '__check_perf/old/8', '__check_perf/old/7', 'app/config']) kv.keys.set(k, 'v');
    const r = await cleanUpKeys(kv, new Set(['__check_perf/a/1', '__check_perf/a/2', '__check_perf/a/never-acked']));
    expect(r).toEqual({ deleted: 6, left: 0 });
    expect([...kv.keys.keys()]).toEqual(['app/config']);
  });
});
