// Ad-hoc: profile a restarted follower's catch-up. Fill, kill a follower, write on, restart it
// under --cpu-prof, poll until it is within 100 entries of the leader, then SIGINT everything.
// Usage: node --import tsx bench/catchup-profile.ts [fill=20000] [downMs=1000] [profDir] [writersAfterFill=32] [valueBytes=256]
// (a few writers after a large fill: a large state whose follower misses only a few thousand entries)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchCluster } from './harness.js';

const fill = Number(process.argv[2] ?? 20000);
const downMs = Number(process.argv[3] ?? 1000);
const profDir = process.argv[4] || undefined;
const writersAfterFill = Number(process.argv[5] ?? 32);
const valueBytes = Number(process.argv[6] ?? 256);
const cluster = await BenchCluster.start(3);
const client = cluster.client();
const value = 'x'.repeat(valueBytes);
let n = 0;
let writing = true;
const writers = Array.from({ length: 32 }, async (_, w) => {
  while (writing && (w < writersAfterFill || n < fill)) await client.kvPut(`k/${n++ % fill}`, value).catch(() => undefined);
});
while (n < fill) await new Promise((r) => setTimeout(r, 50));
const leader = await cluster.waitForLeader();
const victim = ['n1', 'n2', 'n3'].find((id) => id !== leader)!;
await cluster.kill(victim);
await new Promise((r) => setTimeout(r, downMs));
if (profDir) process.env.FLEET_BENCH_NODE_ARGS = `--cpu-prof --cpu-prof-dir=${profDir} --cpu-prof-interval=250`;
const t0 = Date.now();
cluster.restart(victim);
delete process.env.FLEET_BENCH_NODE_ARGS;
const samples: string[] = [];
for (;;) {
  const all = (await client.statusAll().catch(() => [])).flatMap((s) => (s.ok ? [s.status] : []));
  const lc = all.find((s) => s.role === 'leader')?.commitIndex;
  const me = all.find((s) => s.id === victim);
  if (me) samples.push(`${Date.now() - t0}:${me.appliedIndex}/${lc}`);
  if (me && lc !== undefined && lc - me.appliedIndex <= 100) break;
  await new Promise((r) => setTimeout(r, 20));
}
const installs = readFileSync(join(cluster.root, victim, 'logs', `${victim}.log`), 'utf8')
  .split('\n')
  .filter((l) => l.includes('installed a snapshot from the leader'))
  .map((l) => (JSON.parse(l) as { bytes: number }).bytes);
console.log(`caught up ${Date.now() - t0} ms; writes ${n}; snapshots installed: ${installs.length ? installs.join(', ') + ' bytes' : 'none'}`);
console.log(samples.join(' '));
writing = false;
await Promise.all(writers);
client.close();
await cluster.stop('SIGINT');
