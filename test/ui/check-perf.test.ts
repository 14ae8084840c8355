import { describe, expect, it } from 'vitest';
import type { CheckPerfReport } from '../../src/ops/check-perf/run.js';
import { judge, THRESHOLDS } from '../../src/ops/check-perf/verdict.js';
import { renderCheckPerf } from '../../src/ui/check-perf.js';
import { palette } from '../../src/ui/colors.js';

const plain = palette(false);

function report(over: Partial<CheckPerfReport['writes'][number]> = {}): CheckPerfReport {
  const round = (concurrency: number, throughput: number, p99Ms: number) => ({ concurrency, durationMs: 1_000, samples: throughput, failed: 0, throughput, p50Ms: p99Ms / 3, p99Ms, maxMs: p99Ms * 1.5 });
  const writes = [round(1, 180, 9), { ...round(8, 900, 30), ...over }, round(32, 2_400, 60)];
  const figures = { fsyncP50Ms: 1.2, fsyncP99Ms: 14, writeP99AtConcurrency8Ms: writes[1]!.p99Ms, throughputAtConcurrency32: 2_400, failedWrites: writes.reduce((n, w) => n + w.failed, 0) };
  return {
    ...judge(figures),
    fsync: { dir: '/data', blockBytes: 4_096, durationMs: 500, samples: 300, p50Ms: 1.2, p99Ms: 14, maxMs: 20 },
    writes, cleanup: { deleted: 329, left: 0 }, durationMs: 4_000, thresholds: THRESHOLDS,
  };
}

describe('the check perf report', () => {
  it('shows fsync, a row per round, the clean-up, then the verdict and every reason', () => {
    const text = renderCheckPerf(report(), plain);
    expect(text).toContain('fsync (4 KiB append + fdatasync, one at a time) in /data: 300 samples, p50 1.2 ms, p99 14 ms, max 20 ms');
    expect(text).toMatch(/^ +8 +900 +0 +900 +10 ms +30 ms +45 ms$/m);
    expect(text).toContain('Deleted 329 keys under __check_perf/; none left.');
    const tail = text.split('\n').slice(-6);
    expect(tail[0]).toBe('WARN');
    expect(tail[1]).toBe("  ! fsync p99 14 ms ≥ 10 ms but < 50 ms: warn (etcd's guidance: WAL fsync p99 under 10 ms; warn up to 5x that)");
    expect(tail.slice(2).every((l) => l.startsWith('  ✔ '))).toBe(true);
  });

  it('names the first failure of a round that had failed writes', () => {
    const text = renderCheckPerf(report({ failed: 4, firstError: 'no leader (UNAVAILABLE)' }), plain);
    expect(text).toContain('  concurrency 8: first failure: no leader (UNAVAILABLE)');
    expect(text).toMatch(/^FAIL$/m);
    expect(text).toContain('  ✖ failed writes 4: fail (none may fail)');
  });
});
