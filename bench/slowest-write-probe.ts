// Ad-hoc (issue 59): when a fleet cluster's slowest writes happen, and what the members were doing
// then. The stalls area's `etcdctl check perf --load s` (150 writes/s) had a slowest request of
// 535–626 ms on fleet against 53 ms on etcd, on a cluster that had just taken a 10-minute load.
// This fills a fresh cluster with FILL writes over KEYS keys (a keyspace with history), then puts
// through the etcd API at 1 in flight for SECONDS, and prints the slowest puts with their time
// beside every member log line of those seconds that names a snapshot, a compaction, a held loop
// or a slow disk (members write their logs to a temporary FLEET_BENCH_LOG_DIR).
// With SLOWEST_CHECK_PERF=s (or m, l), `etcdctl check perf --load LOAD` runs instead of the puts,
// and its report is printed (it names no time for its slowest request).
// Usage: node --import tsx bench/slowest-write-probe.ts [fill=300000] [keys=100000] [seconds=60]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireEtcd } from './etcd/cluster.js';
import { runCount } from './load.js';
import { keyRing } from './node.js';
import { fleetTarget } from './etcd-api.js';
import { FleetSystem, VALUE_BYTES } from './systems.js';

const fill = Number(process.argv[2] ?? 300_000);
const keys = Number(process.argv[3] ?? 100_000);
const seconds = Number(process.argv[4] ?? 60);
const logDir = mkdtempSync(join(tmpdir(), 'fleet-slowest-'));
process.env.FLEET_BENCH_LOG_DIR = logDir;

const s = await FleetSystem.start([], { peerAuth: 'secret', token: '' });
try {
  // The etcd-api area's client, and the member that leads.
  const { client, leader } = await fleetTarget(s);
  const value = Buffer.alloc(VALUE_BYTES, 'x');
  const ring = keyRing(keys);
  const t0 = Date.now();
  await runCount(() => client.put(leader, Buffer.from(`fill/${ring()}`), value), fill, 64);
  console.log(`filled ${fill} writes over ${keys} keys in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const puts: { at: number; ms: number }[] = [];
  const start = Date.now();
  const checkPerf = process.env.SLOWEST_CHECK_PERF;
  if (checkPerf !== undefined) {
    const run = spawnSync(requireEtcd().etcdctl, [`--endpoints=${s.cluster.endpoints.join(',')}`, 'check', 'perf', `--load=${checkPerf}`], { encoding: 'utf8', env: { ...process.env, ETCDCTL_API: '3' } });
    console.log(`etcdctl check perf --load ${checkPerf} (exit ${run.status}):\n${(run.stdout + run.stderr).split(/[\r\n]+/).filter((l) => /PASS|FAIL|took|Stddev|Throughput|error/i.test(l)).join('\n')}`);
  }
  for (let i = 0; checkPerf === undefined && Date.now() - start < seconds * 1000; i++) {
    const at = Date.now();
    const t = performance.now();
    await client.put(leader, Buffer.from(`probe/${i % 1000}`), value);
    puts.push({ at, ms: performance.now() - t });
  }
  const sorted = [...puts].sort((a, b) => b.ms - a.ms);
  if (sorted.length > 0) console.log(`${puts.length} puts at 1 in flight; p50 ${sorted[Math.floor(sorted.length / 2)]!.ms.toFixed(2)} ms; slowest:`);
  for (const p of sorted.slice(0, 10)) console.log(`  ${new Date(p.at).toISOString()} ${p.ms.toFixed(1)} ms`);
  const notable = /snapshot|compact|loop held|held its loop|slow|fsync|election|leader/i;
  for (const f of readdirSync(logDir)) {
    for (const line of readFileSync(join(logDir, f), 'utf8').split('\n')) {
      const time = /"time":(\d+)/.exec(line)?.[1];
      if (time === undefined || Number(time) < start || !notable.test(line)) continue;
      console.log(`${f} ${new Date(Number(time)).toISOString()} ${line.slice(0, 240)}`);
    }
  }
  client.close();
} finally {
  await s.stop();
}
