import { Flags } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import { positiveDurationFlag } from '../../cli/flags.js';
import { EXIT, UsageError } from '../../common/errors.js';
import type { CheckPerfReport } from '../../ops/check-perf/run.js';
import { describeThresholds } from '../../ops/check-perf/verdict.js';

/** The shortest --duration: a third of it per concurrency must hold more than a handful of writes. */
const MIN_DURATION_MS = 1_000;

export default class CheckPerf extends FleetCommand {
  static override summary = "Measure this host's fsync latency and the cluster's write latency and throughput, and judge them.";
  static override description = `Measures, in order:
  1. fsync: appends 4 KiB blocks to a scratch file and fdatasyncs each (as a member's log does), one at a time, in --dir (default: beside the current context's local cluster data, else the system's temp dir), for a sixth of --duration (0.5 s to 5 s); reports p50, p99 and max.
  2. writes: kv puts of 256 bytes under the prefix __check_perf/ at concurrency 1, 8 and 32, for a third of --duration each; reports p50, p99, max and acknowledged writes per second. Every key written is deleted afterwards (also after Ctrl-C), and so is anything an earlier, killed run left under __check_perf/.

Then it prints PASS, WARN or FAIL, and a reason for every figure naming its value and the threshold it was compared with:
${describeThresholds().map((l) => `  - ${l}`).join('\n')}

Exit codes: 0 PASS; 7 WARN (works, but below what is recommended: degraded); 5 FAIL (a figure missed its threshold, as a drill's missed SLO does); 3 when the cluster cannot be reached.
Run it on an idle cluster: other traffic is measured too. The fsync figure is this host's disk, which is a member's only when the command runs where the member does.`;
  static override examples = [
    '<%= config.bin %> check perf',
    '<%= config.bin %> check perf --duration 10s --json',
    '<%= config.bin %> check perf --context prod --dir /var/lib/fleet',
  ];
  static override flags = {
    duration: positiveDurationFlag({ description: 'time spent writing, a third per concurrency (the fsync measurement adds a sixth of it)', default: 30_000, defaultHelp: async () => '30s' }),
    dir: Flags.string({ description: "where to measure fsync (default: beside the local cluster's data, else the temp dir)", helpValue: '<dir>' }),
  };

  async run(): Promise<CheckPerfReport> {
    const { flags } = await this.parse(CheckPerf);
    if (flags.duration < MIN_DURATION_MS) throw new UsageError(`--duration must be at least 1s (got ${flags.duration} ms)`, 'e.g. --duration 30s');
    const client = await this.client();
    const [{ checkPerf }, { fsyncDirFor }] = await Promise.all([import('../../ops/check-perf/run.js'), import('../../ops/check-perf/fsync-dir.js')]);
    const fsyncDir = await fsyncDirFor(flags.dir, (await this.target()).local?.dataDir);
    const report = await this.withProgress((progress, signal) => checkPerf({ client, durationMs: flags.duration, fsyncDir, progress, signal }));
    if (!this.jsonEnabled()) {
      const { renderCheckPerf } = await import('../../ui/check-perf.js');
      this.log(renderCheckPerf(report, await this.palette()));
    }
    if (report.verdict !== 'PASS') process.exitCode = report.verdict === 'WARN' ? EXIT.degraded : EXIT.sloMissed;
    return report;
  }
}
