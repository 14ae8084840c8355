import { BenchCluster } from './harness.js';
const c = await BenchCluster.start(3);
const client = c.client();
for (let i = 0; i < 200; i++) await client.kvPut(`k${i}`, 'x'.repeat(256));
await new Promise((r) => setTimeout(r, 3000));
console.log(process.env.FLEET_BENCH_NODE_ARGS, [...c.rss().values()].map((b) => (b / 1e6).toFixed(1)).join(' '));
client.close();
await c.stop();
