/**
 * Where a member's memory goes after the node area's fill: starts fleet's 3 members, writes
 * N distinct 256-byte values at 64 in flight, prints every member's RSS, then (with
 * FLEET_BENCH_NODE_ARGS=--heapsnapshot-signal=SIGUSR2) asks the leader for a heap snapshot.
 *
 * Run: node --import tsx bench/memory-probe.ts [N=100000]
 */
import { readFileSync } from 'node:fs';
import { runCount } from './load.js';
import { FleetSystem } from './systems.js';

const n = Number(process.argv[2] ?? 100_000);
const fleet = await FleetSystem.start();
try {
  const show = (what: string) => console.log(what, fleet.rss().map((b) => `${(b / 1e6).toFixed(1)} MB`).join(' '));
  show('idle');
  const fill = await runCount((i) => fleet.put(`fill/${i}`), n, 64);
  console.log(`filled ${n} at ${fill.rate.toFixed(0)}/s`);
  for (const wait of [2_000, 8_000, 20_000]) {
    await new Promise((r) => setTimeout(r, wait));
    show(`after fill +${wait / 1000}s`);
  }
  for (const id of fleet.cluster.rss().keys()) {
    const status = readFileSync(`/proc/${fleet.cluster.pid(id)}/status`, 'utf8');
    console.log(id, ['RssAnon', 'RssFile', 'VmData', 'Threads'].map((k) => new RegExp(`^${k}:\\s*(.*)$`, 'm').exec(status)?.[1]).join(' | '));
  }
  if (process.env.FLEET_BENCH_HEAPSNAPSHOT === '1') {
    // Members started with --heapsnapshot-signal=SIGUSR2 write Heap.*.heapsnapshot into their cwd.
    const statuses = await fleet.client.statusAll();
    for (const [pid, rss] of fleet.cluster.rss()) console.log('pid', pid, (rss / 1e6).toFixed(1), 'MB');
    console.log('roles', statuses.map((s) => `${s.endpoint}=${s.ok ? s.status.role : 'down'}`).join(' '));
    const biggest = [...fleet.cluster.rss()].sort((a, b) => b[1] - a[1])[0]!;
    process.kill(fleet.cluster.pid(biggest[0])!, 'SIGUSR2');
    console.log('asked', biggest[0], 'for a heap snapshot; waiting 60 s');
    await new Promise((r) => setTimeout(r, 60_000));
  }
} finally {
  await fleet.stop();
}
