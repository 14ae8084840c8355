import type { FleetClient } from '../src/client/index.js';
import type { BenchFigure } from './figures.js';
import { BenchCluster, quantile } from './harness.js';

/** Runs `concurrency` closed-loop writers of 256-byte values to distinct keys for `seconds`. */
async function writeLoad(client: FleetClient, concurrency: number, seconds: number): Promise<{ rate: number; p50: number; p99: number }> {
  const value = 'x'.repeat(256);
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  let n = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      while (performance.now() < end) {
        const t0 = performance.now();
        await client.kvPut(`bench/${w}/${n++}`, value);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return { rate: latencies.length / seconds, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99) };
}

/**
 * A local 3-member cluster (real processes, fsync on) driven through FleetClient's session
 * stream with 256-byte writes at 1, 16, 64 and 256 in flight.
 */
export async function benchNode(opts: { quick: boolean }): Promise<BenchFigure[]> {
  const cluster = await BenchCluster.start(3);
  const figures: BenchFigure[] = [];
  const client = cluster.client();
  try {
    await new Promise((r) => setTimeout(r, 1000));
    const idle = Math.max(...cluster.rss().values());
    figures.push({ area: 'node', name: 'rss_idle', unit: 'MB', fleet: Math.round(idle / 1e6), etcd: null, goal: '< 70', met: idle < 70e6 });
    await writeLoad(client, 16, 1); // warm up connections and JIT
    const seconds = opts.quick ? 3 : 8;
    for (const c of [1, 16, 64, 256]) {
      const r = await writeLoad(client, c, seconds);
      figures.push({ area: 'node', name: `writes_c${c}`, unit: 'writes/s', fleet: Math.round(r.rate), etcd: null, goal: c === 64 ? '>= 8000' : '', met: c === 64 ? r.rate >= 8000 : null });
      figures.push({ area: 'node', name: `p50_c${c}`, unit: 'ms', fleet: Number(r.p50.toFixed(2)), etcd: null, goal: c === 1 ? '< 1' : '', met: c === 1 ? r.p50 < 1 : null });
      figures.push({ area: 'node', name: `p99_c${c}`, unit: 'ms', fleet: Number(r.p99.toFixed(2)), etcd: null, goal: c === 16 ? '< 15' : '', met: c === 16 ? r.p99 < 15 : null });
    }
  } finally {
    client.close();
    await cluster.stop();
  }
  return figures;
}
