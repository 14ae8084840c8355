import { describe, expect, it } from 'vitest';
import { parseCheckPerf } from '../../bench/check-perf-report.js';

describe("etcdctl check perf's report", () => {
  it('reads a pass', () => {
    const out = ' 60 / 60 Booooooooooooooooooooooooooom! 100.00% 1m0s\nPASS: Throughput is 151 writes/s\nPASS: Slowest request took 0.013110s\nPASS: Stddev is 0.000700s\nPASS\n';
    expect(parseCheckPerf(out, 0)).toEqual({ passed: true, writesPerSecond: 151, slowestMs: 13.11, stddevMs: 0.7, errors: 0 });
  });

  it('reads a failure: errors of every kind summed, the figures from the lines without PASS', () => {
    const out = [
      'FAIL: too many errors',
      'FAIL: ERROR(etcdserver: request timed out) -> 126',
      'FAIL: ERROR(rpc error: code = Unavailable desc = etcdserver: leader changed) -> 4',
      'FAIL: Throughput too low: 460 writes/s',
      'Slowest request took too long: 1.670000s',
      'Stddev too high: 0.150500s',
      'FAIL',
      '',
    ].join('\n');
    expect(parseCheckPerf(out, 1)).toEqual({ passed: false, writesPerSecond: 460, slowestMs: 1670, stddevMs: 150.5, errors: 130 });
  });

  it('gives NaN for the figures of a run that ended before its report', () => {
    const r = parseCheckPerf('Error: context deadline exceeded\n', 1);
    expect(r.passed).toBe(false);
    expect(r.slowestMs).toBeNaN();
    expect(r.writesPerSecond).toBeNaN();
  });
});
