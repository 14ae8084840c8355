import { readdirSync, readFileSync } from 'node:fs';
import { connectDrill, runDrill, type DrillOptions, type DrillReport } from '../src/ops/drill/index.js';
import type { BenchFigure } from './figures.js';
import { BenchCluster } from './harness.js';

/** Pids of live processes whose command line mentions `dir` (the members the drill restarted included). */
function processesUnder(dir: string): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e) && Number(e) !== process.pid)
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir);
      } catch {
        return false;
      }
    });
}

/**
 * `fleet drill kill-leader` as a benchmark: a local 3-member cluster (default timing: heartbeat
 * 100 ms, election timeout 1000 ms), 10 rounds (3 with `quick`) of SIGKILL to the leader under
 * the drill's recorded workload, restart and catch-up. The figures are the drill's own: the
 * client-visible unavailability, the time to a new leader and the catch-up of the restarted
 * member, median and max, and the acknowledged writes lost (which must be none).
 */
export async function benchFailover(opts: { quick: boolean }): Promise<BenchFigure[]> {
  const cluster = await BenchCluster.start(3);
  let report: DrillReport;
  try {
    const pids = new Map([...cluster.procs].map(([id, child]) => [id, child.pid!] as const));
    const connection = await connectDrill({ endpoints: cluster.endpoints, pids }, 1_000);
    const options: DrillOptions = {
      drill: 'kill-leader',
      rounds: opts.quick ? 3 : 10,
      clients: 8,
      keys: 16,
      warmupMs: 2_000,
      observeMs: 4_000,
      restart: true,
      slo: { unavailableMs: 2_500, newLeaderMs: 2_500 },
      maxLag: 100,
      settleMs: 30_000,
      opTimeoutMs: 1_000,
      pauseMs: 5_000,
      isolate: 'leader',
      partitionMs: 10_000,
    };
    try {
      report = (await runDrill(options, connection)).report;
    } finally {
      await connection.close();
    }
  } finally {
    // The drill restarts killed members itself; those are not the harness's children.
    for (const pid of processesUnder(cluster.root)) process.kill(pid, 'SIGKILL');
    await cluster.stop();
  }
  if (report.verdict === 'aborted') throw new Error(`the failover drill did not run: ${report.reason}`);
  const s = report.summary;
  const fig = (name: string, value: number | null, goal: string, met: boolean | null): BenchFigure => ({ area: 'failover', name, unit: 'ms', fleet: value ?? NaN, etcd: null, goal, met });
  const lost = report.rounds.reduce((n, r) => n + r.lost, 0);
  return [
    fig('failover_unavailable_median', s.unavailableMs.median, '< 1500', s.unavailableMs.median !== null && s.unavailableMs.median < 1_500),
    fig('failover_unavailable_max', s.unavailableMs.max, '< 2500', s.unavailableMs.max !== null && s.unavailableMs.max < 2_500),
    fig('failover_new_leader_median', s.newLeaderMs.median, '', null),
    fig('failover_new_leader_max', s.newLeaderMs.max, '', null),
    fig('failover_catchup_median', s.catchupMs.median, '', null),
    fig('failover_catchup_max', s.catchupMs.max, '', null),
    { area: 'failover', name: 'failover_lost_writes', unit: 'writes', fleet: lost, etcd: null, goal: '0', met: lost === 0 && report.verdict !== 'unsafe' },
  ];
}
