// Ad-hoc: a closed-loop write load on a 3-member cluster, reporting throughput, latency and the
// CPU time each process spent per write (a figure that survives a busy machine better than
// throughput does). FLEET_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=.prof" profiles members.
// Usage: profile-writes.ts [in-flight=64] [seconds=5] [reps=1] [fill=0]. With a fill, the load
// updates the fill's keys in turn, as the suite's node area does after its 100,000 writes.
// FLEET_BENCH_API=etcd: the writes are etcd Puts to the leader's etcd API (the etcd-api area's load).
import { readFileSync, writeFileSync } from 'node:fs';
import { EtcdClient } from '../src/client/etcd/index.js';
import { BenchCluster, quantile } from './harness.js';

const conc = Number(process.argv[2] ?? 64);
const seconds = Number(process.argv[3] ?? 5);
const reps = Number(process.argv[4] ?? 1);
const fill = Number(process.argv[5] ?? 0);

/** CPU seconds (user + system) a process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const cluster = await BenchCluster.start(3, (process.env.FLEET_BENCH_MEMBER_FLAGS ?? '').split(' ').filter(Boolean));
const client = cluster.client();
const value = 'x'.repeat(256);
const etcd = process.env.FLEET_BENCH_API === 'etcd' ? new EtcdClient({ endpoints: cluster.endpoints, callTimeoutMs: 5_000 }) : undefined;
const etcdLeader = etcd === undefined ? undefined : await etcd.leaderEndpoint(5_000);
const etcdValue = Buffer.from(value);
const write = (key: string): Promise<unknown> => (etcd === undefined ? client.kvPut(key, value) : etcd.put(etcdLeader!, Buffer.from(key), etcdValue));
let n = 0;
// FLEET_BENCH_SLOW_OUT=file: the start (epoch ms) and latency of every write of 10 ms or more.
const slowOut = process.env.FLEET_BENCH_SLOW_OUT;
const slow: [number, number][] = [];
const nextKey = fill > 0 ? () => `fill/${n++ % fill}` : () => `b/${n++}`;

/** Runs `inFlight` writers for `secs` seconds; the latency of every write, in ms. */
async function load(inFlight: number, secs: number): Promise<number[]> {
  const lat: number[] = [];
  const end = performance.now() + secs * 1000;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        await write(nextKey());
        const ms = performance.now() - t0;
        lat.push(ms);
        if (slowOut && ms >= 10) slow.push([performance.timeOrigin + t0, ms]);
      }
    }),
  );
  return lat;
}

if (fill > 0) {
  await Promise.all(Array.from({ length: 64 }, async (_, w) => { for (let i = w; i < fill; i += 64) await client.kvPut(`fill/${i}`, value); }));
}
const pids = [...cluster.procs.values()].map((p) => p.pid!);
await load(conc, 1);
for (let r = 0; r < reps; r++) {
  const before = pids.map(cpuSeconds);
  const clientBefore = process.cpuUsage();
  const lat = await load(conc, seconds);
  const members = pids.map((pid, i) => cpuSeconds(pid) - before[i]!);
  const used = process.cpuUsage(clientBefore);
  const clientCpu = (used.user + used.system) / 1e6;
  lat.sort((a, b) => a - b);
  const perWrite = (s: number) => Number(((s / lat.length) * 1e6).toFixed(0));
  console.log(JSON.stringify({
    conc,
    rate: Math.round(lat.length / seconds),
    p50: Number(quantile(lat, 0.5).toFixed(2)),
    p99: Number(quantile(lat, 0.99).toFixed(2)),
    cpuUsPerWrite: { members: members.map(perWrite), client: perWrite(clientCpu), total: perWrite(members.reduce((a, b) => a + b, 0) + clientCpu) },
  }));
}
if (slowOut) writeFileSync(slowOut, JSON.stringify(slow));
client.close();
etcd?.close();
await cluster.stop('SIGTERM');
