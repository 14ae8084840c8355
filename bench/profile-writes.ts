// Ad-hoc: a closed-loop write load on a 3-member cluster, reporting throughput, latency and the
// CPU time each process spent per write (a figure that survives a busy machine better than
// throughput does). FLEET_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=.prof" profiles members.
import { readFileSync } from 'node:fs';
import { BenchCluster, quantile } from './harness.js';

const conc = Number(process.argv[2] ?? 64);
const seconds = Number(process.argv[3] ?? 5);

/** CPU seconds (user + system) a process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const cluster = await BenchCluster.start(3);
const client = cluster.client();
const value = 'x'.repeat(256);
const lat: number[] = [];
let n = 0;
const pids = [...cluster.procs.values()].map((p) => p.pid!);
let before = pids.map(cpuSeconds);
let clientBefore = process.cpuUsage();
for (const phase of [1, seconds]) {
  lat.length = 0;
  before = pids.map(cpuSeconds);
  clientBefore = process.cpuUsage();
  const end = performance.now() + phase * 1000;
  await Promise.all(
    Array.from({ length: conc }, async (_, w) => {
      while (performance.now() < end) {
        const t0 = performance.now();
        await client.kvPut(`b/${w}/${n++}`, value);
        lat.push(performance.now() - t0);
      }
    }),
  );
}
const members = pids.map((pid, i) => cpuSeconds(pid) - before[i]!);
const used = process.cpuUsage(clientBefore);
const clientCpu = (used.user + used.system) / 1e6;
lat.sort((a, b) => a - b);
const perWrite = (s: number) => Number(((s / lat.length) * 1e6).toFixed(0));
console.log({
  conc,
  rate: Math.round(lat.length / seconds),
  p50: Number(quantile(lat, 0.5).toFixed(2)),
  p99: Number(quantile(lat, 0.99).toFixed(2)),
  cpuUsPerWrite: { members: members.map(perWrite), client: perWrite(clientCpu), total: perWrite(members.reduce((a, b) => a + b, 0) + clientCpu) },
});
client.close();
await cluster.stop('SIGTERM');
