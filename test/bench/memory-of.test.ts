import { describe, expect, it } from 'vitest';
import { memoryOf } from '../../bench/harness.js';

describe('memoryOf', () => {
  it("reads this process's RSS and PSS from smaps_rollup, PSS split into anonymous and file-backed", () => {
    const m = memoryOf(process.pid);
    expect(m.rss).toBeGreaterThan(0);
    expect(m.pss).toBeGreaterThan(0);
    expect(m.pss).toBeLessThanOrEqual(m.rss);
    expect(m.pssAnon).toBeGreaterThan(0);
    // Shared memory (Pss_Shmem) is the third part; a node process has next to none.
    expect(m.pssAnon + m.pssFile).toBeLessThanOrEqual(m.pss);
    expect(m.pssAnon + m.pssFile).toBeGreaterThan(m.pss * 0.9);
    expect(m.rss % 1024).toBe(0);
  });

  it('answers zeros for a process that is gone', () => {
    expect(memoryOf(2 ** 22 + 1)).toEqual({ rss: 0, pss: 0, pssAnon: 0, pssFile: 0, privateDirty: 0 });
  });
});
