/**
 * Ad-hoc (not part of the suite): where a restarted member's catch-up goes, round by round.
 * Kill-leader rounds as the failover bench runs them (bench/failover.ts drillOptions) on one local
 * fleet cluster, with a 20 ms status poll beside the drill, and the restarted member's own log
 * lines. Each row is ms after the drill begins the restart: the member's storage recovered (and how
 * many entries it replays after its snapshot), its start line, the first leader it hears from, the
 * first status it answers, a snapshot the leader sent it and one it took itself (if any), the
 * first poll that finds it within 100 entries of the leader, and the drill's catch-up.
 *
 *   node --import tsx bench/catchup-timeline.ts [rounds=4]
 *   (FLEET_BENCH_RUN_BIN=<tree>/bin/run.js runs another build's members)
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { FleetClient } from '../src/client/index.js';
import { connectDrill, runDrill } from '../src/ops/drill/index.js';
import { killPid, onAbort, processesUnder } from './cleanup.js';
import { OP_TIMEOUT_MS, drillOptions } from './failover.js';
import { BenchCluster } from './harness.js';

interface Sample {
  readonly t: number;
  readonly id: string;
  readonly applied: number;
  readonly leaderCommit: number | undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The member's log lines at or after `fromMs` (epoch), as parsed JSON. */
function logLinesSince(cluster: BenchCluster, id: string, fromMs: number): { time: number; msg: string; [k: string]: unknown }[] {
  const text = readFileSync(join(cluster.root, id, 'logs', `${id}.log`), 'utf8');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { time: number; msg: string })
    .filter((l) => l.time >= fromMs);
}

const rounds = Number(process.argv[2] ?? 4);
const cluster = await BenchCluster.start(3, ['--enable-drills']);
const killRestarted = (): void => processesUnder(cluster.root).forEach((pid) => killPid(pid));
const unregister = onAbort(killRestarted);
const pids = new Map([...cluster.procs].map(([id, child]) => [id, child.pid!] as const));
const connection = await connectDrill({ endpoints: cluster.endpoints, pids }, OP_TIMEOUT_MS);
const poller = new FleetClient({ endpoints: cluster.endpoints, callTimeoutMs: 200, overallTimeoutMs: 200, channelOptions: { 'grpc.initial_reconnect_backoff_ms': 10, 'grpc.max_reconnect_backoff_ms': 50 } });
const rows: string[] = [];
try {
  for (let r = 1; r <= rounds; r++) {
    const origin = process.hrtime.bigint();
    const clock = { nowNs: () => Number(process.hrtime.bigint() - origin) };
    const samples: Sample[] = [];
    let polling = true;
    const poll = (async () => {
      while (polling) {
        const t = Date.now();
        const all = (await poller.statusAll().catch(() => [])).flatMap((s) => (s.ok ? [s.status] : []));
        const leaderCommit = all.find((s) => s.role === 'leader')?.commitIndex;
        for (const s of all) samples.push({ t, id: s.id, applied: s.appliedIndex, leaderCommit });
        await sleep(20);
      }
    })();
    let restartMs = 0;
    const load = loadavg()[0]!;
    const { report } = await runDrill(drillOptions('kill-leader', false), {
      probe: connection.probe,
      injector: connection.injector,
      newClient: (p) => connection.newClient(p),
      clock,
      onProgress: (p) => {
        if (p.phase === 'restore' && restartMs === 0) restartMs = Date.now();
      },
    });
    polling = false;
    await poll;
    const round = report.rounds[0]!;
    const id = round.oldLeader;
    const lines = logLinesSince(cluster, id, restartMs);
    const at = (msg: string): { time: number; [k: string]: unknown } | undefined => lines.find((l) => l.msg === msg);
    const storage = lines.find((l) => l.msg === 'storage recovered' && 'entries' in l);
    const mine = samples.filter((s) => s.id === id && s.t >= restartMs);
    const up = mine[0];
    const caught = mine.find((s) => s.leaderCommit !== undefined && s.leaderCommit - s.applied <= 100);
    const rel = (t: number | undefined): string => (t === undefined ? '-' : String(t - restartMs));
    rows.push(
      [r, load.toFixed(1), String(storage?.entries ?? '-'), rel(storage?.time), rel(at('member started')?.time), rel(lines.find((l) => l.msg === 'leader changed' && l.leader)?.time), rel(up?.t), rel(at('installed a snapshot from the leader')?.time), rel(at('snapshot taken')?.time), rel(caught?.t), String(round.catchupMs ?? '-')].join('\t'),
    );
    console.log(`round ${r}: ${rows.at(-1)}`);
    // FLEET_TIMELINE_SAMPLES=1: the restarted member's polls (ms, its applied index, the leader's commit).
    if (process.env.FLEET_TIMELINE_SAMPLES) console.log(mine.map((s) => `${s.t - restartMs}:${s.applied}/${s.leaderCommit ?? '-'}`).join(' '));
  }
} finally {
  poller.close();
  await connection.close();
  killRestarted();
  await cluster.stop();
  unregister();
}
console.log(['round', 'load', 'replayed', 'storage', 'started', 'leader heard', 'answers', 'leader snapshot', 'own snapshot', 'poll:caught-up', 'drill:caught-up'].join('\t'));
console.log(rows.join('\n'));
