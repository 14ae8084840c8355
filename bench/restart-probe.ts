// Restart A/B probe (not part of `npm run bench`; BENCHMARKS.md, "Session 27"). One 3-member
// cluster filled as the node area fills it (100,000 writes at 64 in flight, then a fresh
// snapshot), then a follower killed and restarted ROUNDS times, each restart running the member
// from one of the given trees' bin/run.js in turn (A B A B …, pairing out the machine's drift):
// the figure is the node area's `restart_with_snapshot` (restart → applied what was committed).
// Usage: node --import tsx bench/restart-probe.ts ROUNDS TREE_A [TREE_B]
// RESTART_PROBE_FILL=10000 fills as `npm run bench -- node --quick` does (default 100,000).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { median } from './figures.js';
import { runCount } from './load.js';
import { FleetSystem } from './systems.js';

const rounds = Number(process.argv[2] ?? 6);
const trees = process.argv.slice(3).map((t) => join(resolve(t), 'bin', 'run.js'));
if (trees.length === 0) throw new Error('usage: restart-probe.ts ROUNDS TREE_A [TREE_B]');
const SETTLE_MS = Number(process.env.RESTART_PROBE_SETTLE_MS ?? 6_000);
const FILL = Number(process.env.RESTART_PROBE_FILL ?? 100_000);

/** CPU ms (user + system) a process has used: what a restart costs the member, steadier than wall time on a shared machine. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

process.env.FLEET_BENCH_RUN_BIN = trees[0];
const s = await FleetSystem.start([], { peerAuth: 'secret' });
const dir = mkdtempSync(join(tmpdir(), 'fleet-restart-probe-'));
try {
  const fill = await runCount((i) => s.put(`fill/${i}`), FILL, 64);
  console.log(`filled ${FILL / 1000}k at ${Math.round(fill.rate)} writes/s`);
  await s.snapshot(join(dir, 'fresh.snap'));
  const times: number[][] = trees.map(() => []);
  const cpu: number[][] = trees.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < trees.length; k++) {
      const t = (r + k) % trees.length;
      process.env.FLEET_BENCH_RUN_BIN = trees[t];
      const before = new Map([...s.cluster.procs].map(([id, p]) => [id, p.pid]));
      const ms = await s.restartFollower();
      const restarted = [...s.cluster.procs].find(([id, p]) => before.get(id) !== p.pid)![1];
      const used = cpuMs(restarted.pid!);
      times[t]!.push(ms);
      cpu[t]!.push(used);
      // The restarted member may start a snapshot of what it re-applied: let it finish, so that
      // each restart after the first starts from a current snapshot, as most restarts do.
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      console.log(`round ${r} ${String.fromCharCode(65 + t)} ${ms.toFixed(0)} ms, cpu ${used.toFixed(0)} ms (load ${loadavg()[0]!.toFixed(2)})`);
    }
  }
  trees.forEach((tree, t) => console.log(`${String.fromCharCode(65 + t)} ${tree}: median ${median(times[t]!).toFixed(0)} ms, all ${times[t]!.map((x) => x.toFixed(0)).join(' ')}; cpu median ${median(cpu[t]!).toFixed(0)} ms, all ${cpu[t]!.map((x) => x.toFixed(0)).join(' ')}`));
} finally {
  // FleetSystem.stop lets profiled members write their profiles (membersProfiled in harness.ts).
  await s.stop();
  rmSync(dir, { recursive: true, force: true });
}
