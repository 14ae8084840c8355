/**
 * Pause-leader rounds on one local fleet cluster, with a timeline of each round: the
 * unavailability window, the elections in the members' logs and the workload's operations
 * around the fault. A diagnosis tool for the failover bench's pause rounds (same options).
 *
 *   node --import tsx bench/pause-rounds.ts [rounds=5] [--quiet] [--drill=kill-leader|partition]
 *   (PAUSE_ROUNDS_KEEP_LOGS=dir keeps the members' logs there)
 */
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectDrill, runDrill, type DrillName } from '../src/ops/drill/index.js';
import type { HistoryEvent } from '../src/ops/history/index.js';
import { killPid, onAbort, processesUnder } from './cleanup.js';
import { OP_TIMEOUT_MS, drillOptions } from './failover.js';
import { BenchCluster } from './harness.js';

const ELECTION_MESSAGES = new Set(['campaigning', 'became leader', 'refusing a vote', 'lost the election', 'ignoring a vote request: the leader is alive', 'stepping down: no quorum heard within an election timeout']);

const options = drillOptions((process.argv.find((a) => a.startsWith('--drill='))?.slice('--drill='.length) ?? 'pause-leader') as DrillName, false);

/** Election lines of every member's log between `fromMs` and `toMs` (epoch), times relative to `zeroMs`. */
function electionLines(cluster: BenchCluster, fromMs: number, toMs: number, zeroMs: number): string[] {
  const lines: { t: number; text: string }[] = [];
  for (const id of cluster.procs.keys()) {
    let text: string;
    try {
      text = readFileSync(join(cluster.root, id, 'logs', `${id}.log`), 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const rec = JSON.parse(line) as { time: number; msg: string; [k: string]: unknown };
      if (rec.time < fromMs || rec.time > toMs || !ELECTION_MESSAGES.has(rec.msg)) continue;
      const detail = Object.fromEntries(Object.entries(rec).filter(([k]) => !['time', 'msg', 'level', 'member', 'cluster', 'pid', 'hostname', 'id'].includes(k)));
      lines.push({ t: Math.round(rec.time - zeroMs), text: `${String(rec.member)}: ${rec.msg} ${JSON.stringify(detail)}` });
    }
  }
  return lines.sort((a, b) => a.t - b.t).map((l) => `  ${String(l.t).padStart(6)} ms  ${l.text}`);
}

/** The operations that ended after the fault and began before `toNs`, as `process f start→end outcome` (ms from the fault). */
function opsAround(history: readonly HistoryEvent[], faultNs: number, toNs: number): string[] {
  const open = new Map<number, HistoryEvent>();
  const out: string[] = [];
  const rel = (ns: number): string => ((ns - faultNs) / 1e6).toFixed(0).padStart(6);
  for (const e of history) {
    if (e.type === 'invoke') {
      open.set(e.process, e);
      continue;
    }
    const inv = open.get(e.process);
    open.delete(e.process);
    if (inv === undefined || e.time < faultNs || inv.time > toNs) continue;
    out.push(`  p${String(e.process).padEnd(4)} ${e.f.padEnd(5)} ${rel(inv.time)} → ${rel(e.time)}  ${e.type}`);
  }
  return out;
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 5);
  const quiet = process.argv.includes('--quiet');
  const cluster = await BenchCluster.start(3, ['--enable-drills']);
  const killRestarted = (): void => processesUnder(cluster.root).forEach((pid) => killPid(pid));
  const unregister = onAbort(killRestarted);
  const pids = new Map([...cluster.procs].map(([id, child]) => [id, child.pid!] as const));
  const connection = await connectDrill({ endpoints: cluster.endpoints, pids }, OP_TIMEOUT_MS);
  const figures: string[] = [];
  try {
    for (let r = 1; r <= rounds; r++) {
      const originMs = Date.now();
      const origin = process.hrtime.bigint();
      const clock = { nowNs: () => Number(process.hrtime.bigint() - origin) };
      const { report, history } = await runDrill(options, { probe: connection.probe, injector: connection.injector, newClient: (p) => connection.newClient(p), clock });
      const round = report.rounds[0];
      if (round === undefined) throw new Error(`round ${r} did not run: ${report.reason ?? report.verdict}`);
      const faultEpoch = originMs + round.faultAtMs;
      const w = round.windows.map((x) => `${(x.fromMs - round.faultAtMs).toFixed(0)}..${(x.toMs - round.faultAtMs).toFixed(0)}`).join(' ');
      const line = `round ${r}: unavailable ${round.unavailableMs} ms (windows from the fault: ${w}), new leader ${round.newLeaderMs ?? '-'} ms (${round.oldLeader} → ${round.newLeader ?? '-'}), verdict ${report.verdict}`;
      figures.push(`${round.unavailableMs}\t${round.newLeaderMs ?? ''}\t${round.catchupMs ?? ''}`);
      console.log(line);
      if (quiet) continue;
      console.log(electionLines(cluster, faultEpoch - 200, faultEpoch + 4_000, faultEpoch).join('\n'));
      console.log(opsAround(history, round.faultAtMs * 1e6, (round.faultAtMs + 4_000) * 1e6).join('\n'));
    }
  } finally {
    const keep = process.env.PAUSE_ROUNDS_KEEP_LOGS;
    if (keep !== undefined) for (const id of cluster.procs.keys()) cpSync(join(cluster.root, id, 'logs'), join(keep, id), { recursive: true });
    await connection.close();
    killRestarted();
    await cluster.stop();
    unregister();
  }
  console.log(`unavailable_ms\tnew_leader_ms\tcatchup_ms\n${figures.join('\n')}`);
}

await main();
