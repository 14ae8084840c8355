import { describe, expect, it } from 'vitest';
import { describeThresholds, grade, judge, THRESHOLDS, type PerfFigures } from '../../../src/ops/check-perf/verdict.js';

const good: PerfFigures = { fsyncP50Ms: 1, fsyncP99Ms: 4, writeP99AtConcurrency8Ms: 20, throughputAtConcurrency32: 900, failedWrites: 0 };

describe('grading a figure', () => {
  it('puts a latency on the right side of each bound (the bound itself is the worse side)', () => {
    const t = THRESHOLDS.fsyncP99;
    expect([9.99, 10, 49.9, 50, 500].map((v) => grade(v, t))).toEqual(['pass', 'warn', 'warn', 'fail', 'fail']);
  });

  it('treats throughput as higher-is-better', () => {
    const t = THRESHOLDS.throughput;
    expect([1_000, 150, 149, 50, 49, 0].map((v) => grade(v, t))).toEqual(['pass', 'pass', 'warn', 'warn', 'fail', 'fail']);
  });

  it('has no warn band where pass and warn are one threshold', () => {
    expect([19, 20, 21].map((v) => grade(v, THRESHOLDS.fsyncP50))).toEqual(['pass', 'fail', 'fail']);
    expect([0, 1, 7].map((v) => grade(v, THRESHOLDS.failedWrites))).toEqual(['pass', 'fail', 'fail']);
  });
});

describe('the verdict', () => {
  it('passes when every figure passes, and still gives a reason for each', () => {
    const v = judge(good);
    expect(v.verdict).toBe('PASS');
    expect(v.reasons.map((r) => r.grade)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass']);
    expect(v.reasons[0]!.message).toBe("fsync p99 4.0 ms < 10 ms: pass (etcd's guidance: WAL fsync p99 under 10 ms; warn up to 5x that)");
    expect(v.reasons[4]!.message).toBe('failed writes 0: pass (none may fail)');
  });

  it('is the worst grade: one warning makes WARN, one failure FAIL', () => {
    expect(judge({ ...good, writeP99AtConcurrency8Ms: 120 }).verdict).toBe('WARN');
    expect(judge({ ...good, writeP99AtConcurrency8Ms: 120, throughputAtConcurrency32: 10 }).verdict).toBe('FAIL');
    expect(judge({ ...good, failedWrites: 3 }).verdict).toBe('FAIL');
  });

  it('names the figure, its value and the threshold it missed', () => {
    const v = judge({ ...good, fsyncP99Ms: 75, throughputAtConcurrency32: 120 });
    const bad = v.reasons.filter((r) => r.grade !== 'pass').map((r) => r.message);
    expect(bad).toEqual([
      "fsync p99 75 ms ≥ 50 ms: fail (etcd's guidance: WAL fsync p99 under 10 ms; warn up to 5x that)",
      "throughput at concurrency 32 120 writes/s < 150 writes/s but ≥ 50 writes/s: warn (the load of etcd check perf's small workload)",
    ]);
  });

  it('judges only what was measured (no round at a concurrency, no samples)', () => {
    const v = judge({ fsyncP50Ms: 1, fsyncP99Ms: NaN, failedWrites: 0 });
    expect(v.reasons.map((r) => r.figure)).toEqual(['fsync p50', 'failed writes']);
    expect(v.verdict).toBe('PASS');
  });
});

describe('the thresholds as documented', () => {
  it('states every threshold with its numbers and its source', () => {
    const lines = describeThresholds();
    expect(lines).toHaveLength(Object.keys(THRESHOLDS).length);
    expect(lines[0]).toBe("fsync p99: pass < 10 ms, warn < 50 ms, else fail (etcd's guidance: WAL fsync p99 under 10 ms; warn up to 5x that)");
    expect(lines[1]).toBe("fsync p50: pass < 20 ms, fail ≥ 20 ms (etcd's hardware guide: at least 50 sequential IOPS)");
    expect(lines[4]).toBe('failed writes: pass at 0, else fail (none may fail)');
  });
});
