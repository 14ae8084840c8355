/**
 * etcdctl 3.4's `check perf` report as figures: its PASS/FAIL lines for throughput, the slowest
 * request and the standard deviation, and the errors it counted by kind. Pure: test/bench covers it.
 */

/** What `etcdctl check perf` printed. */
export interface CheckPerf {
  readonly passed: boolean;
  readonly writesPerSecond: number;
  readonly slowestMs: number;
  readonly stddevMs: number;
  /** Requests that failed, over every error etcdctl listed. */
  readonly errors: number;
}

/** Reads etcdctl 3.4's check perf report (its PASS/FAIL lines); NaN for a figure it did not print. */
export function parseCheckPerf(stdout: string, exitCode: number | null): CheckPerf {
  const num = (re: RegExp, scale = 1): number => {
    const m = re.exec(stdout);
    return m === null ? NaN : Number(m[1]) * scale;
  };
  let errors = 0;
  for (const m of stdout.matchAll(/ERROR\((.*)\) -> (\d+)/g)) errors += Number(m[2]);
  return {
    passed: exitCode === 0 && /^PASS\s*$/m.test(stdout),
    writesPerSecond: num(/Throughput (?:is|too low:) (\d+) writes\/s/),
    slowestMs: num(/Slowest request took(?: too long:)? ([\d.]+)s/, 1000),
    stddevMs: num(/Stddev (?:is|too high:) ([\d.]+)s/, 1000),
    errors,
  };
}
