// Profiling session probe (not part of the suite): kill-leader rounds as the failover bench
// runs them (bench/failover.ts drillOptions), on one local fleet cluster, with every member the
// drill restarts running under --cpu-prof (NODE_OPTIONS, which the drill's restart passes on),
// and each round's catch-up timeline from the restarted member's log and a fast status poll.
// Usage: node --import tsx bench/prof-failover.ts OUTDIR [rounds=4]
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { connectDrill, runDrill } from '../src/ops/drill/index.js';
import { FleetClient } from '../src/client/index.js';
import { killPid, onAbort, processesUnder } from './cleanup.js';
import { OP_TIMEOUT_MS, drillOptions } from './failover.js';
import { BenchCluster } from './harness.js';

const OUT = process.argv[2] ?? 'prof-out';
const rounds = Number(process.argv[3] ?? 4);
const PROF = join(OUT, 'failover-prof');
mkdirSync(PROF, { recursive: true });
const log = (o: unknown): void => {
  const line = JSON.stringify(o);
  console.log(line);
  writeFileSync(join(OUT, 'failover-log.jsonl'), `${line}\n`, { flag: 'a' });
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const cluster = await BenchCluster.start(3, ['--enable-drills']);
const killRestarted = (): void => processesUnder(cluster.root).forEach((pid) => killPid(pid));
const unregister = onAbort(killRestarted);
const pids = new Map([...cluster.procs].map(([id, child]) => [id, child.pid!] as const));
const connection = await connectDrill({ endpoints: cluster.endpoints, pids }, OP_TIMEOUT_MS);
// Members the drill restarts inherit this process's environment: profile them from their start.
process.env.NODE_OPTIONS = `--import=${new URL('./prof-preload.mjs', import.meta.url).pathname}`;
process.env.PROF_DIR = PROF;
process.env.PROF_AUTOPROFILE_MS = '12000';
const poller = new FleetClient({ endpoints: cluster.endpoints, callTimeoutMs: 200, overallTimeoutMs: 200, channelOptions: { 'grpc.initial_reconnect_backoff_ms': 10, 'grpc.max_reconnect_backoff_ms': 50 } });
try {
  for (let r = 1; r <= rounds; r++) {
    const originMs = Date.now();
    const origin = process.hrtime.bigint();
    const clock = { nowNs: () => Number(process.hrtime.bigint() - origin) };
    // Poll every member's status every 20 ms during the round (applied index, answered or not).
    const samples: { t: number; id: string; ok: boolean; applied?: number; commit?: number; leader?: string }[] = [];
    let polling = true;
    const poll = (async () => {
      while (polling) {
        const t = Date.now() - originMs;
        const all = await poller.statusAll().catch(() => []);
        for (const [i, s] of all.entries()) samples.push(s.ok ? { t, id: s.status.id, ok: true, applied: s.status.appliedIndex, commit: s.status.commitIndex, leader: s.status.leaderId } : { t, id: `#${i}`, ok: false });
        await sleep(20);
      }
    })();
    const loadAt = loadavg()[0];
    const { report } = await runDrill(drillOptions('kill-leader', false), { probe: connection.probe, injector: connection.injector, newClient: (p) => connection.newClient(p), clock });
    polling = false;
    await poll;
    const round = report.rounds[0]!;
        log({ round: r, load: loadAt, originMs, oldLeader: round.oldLeader, newLeader: round.newLeader, faultAtMs: round.faultAtMs, unavailableMs: round.unavailableMs, newLeaderMs: round.newLeaderMs, catchupMs: round.catchupMs, extra: round.extra, marks: round.marks, verdict: report.verdict });
    writeFileSync(join(OUT, `failover-round-${r}-status.json`), JSON.stringify({ originMs, faultAtMs: round.faultAtMs, samples }));
    writeFileSync(join(OUT, `failover-round-${r}-report.json`), JSON.stringify(report, null, 1));
  }
} finally {
  delete process.env.NODE_OPTIONS;
  poller.close();
  for (const id of cluster.procs.keys()) cpSync(join(cluster.root, id, 'logs'), join(OUT, 'failover-logs', id), { recursive: true });
  await connection.close();
  // A clean exit writes the restarted members' profiles.
  for (const pid of processesUnder(cluster.root)) killPid(pid, 'SIGTERM');
  await sleep(3000);
  killRestarted();
  await cluster.stop('SIGTERM');
  unregister();
}
