// Ad-hoc: CPU-profiles a 3-member cluster and the client under a closed-loop write load.
import { BenchCluster, quantile } from './harness.js';
const conc = Number(process.argv[2] ?? 64);
const seconds = Number(process.argv[3] ?? 5);
process.env.FLEET_BENCH_NODE_ARGS = `--cpu-prof --cpu-prof-dir=${process.cwd()}/.prof`;
const cluster = await BenchCluster.start(3);
const client = cluster.client();
const value = 'x'.repeat(256);
const lat: number[] = [];
let n = 0;
for (const phase of [1, seconds]) {
  lat.length = 0;
  const end = performance.now() + phase * 1000;
  await Promise.all(Array.from({ length: conc }, async (_, w) => {
    while (performance.now() < end) { const t0 = performance.now(); await client.kvPut(`b/${w}/${n++}`, value); lat.push(performance.now() - t0); }
  }));
}
lat.sort((a, b) => a - b);
console.log({ conc, rate: lat.length / seconds, p50: quantile(lat, 0.5), p99: quantile(lat, 0.99) });
client.close();
await cluster.stop('SIGTERM');
