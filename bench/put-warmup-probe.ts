// Ad-hoc: how a fresh cluster's write latency at 1 in flight settles, through the etcd API and
// through fleet.v1, one after the other on the same cluster (the etcd-api area's set-up: peer
// secret, no client token). Rounds of 400 puts each way to the leader, over 50 keys; prints each
// round's p50 and p90. Session 52 found the etcd-api area's p50_c1 at 9–11 ms in `--quick` runs
// and 4.4 ms in a full one: the first ~3,000 writes of a fresh cluster are 2–3× slower.
// With clusters=2 a second fresh cluster follows the first in the same process: a slow start it
// shares comes from the members, not from this process's own warm-up.
// Usage: node --import tsx bench/put-warmup-probe.ts [rounds=8] [clusters=1]
import { quantile } from './figures.js';
import { fleetTarget } from './etcd-api.js';
import { FleetSystem } from './systems.js';

const rounds = Number(process.argv[2] ?? 8);
const clusters = Number(process.argv[3] ?? 1);
const PUTS = 400;

async function timed(put: (i: number) => Promise<unknown>): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < PUTS; i++) {
    const t = performance.now();
    await put(i);
    ms.push(performance.now() - t);
  }
  return ms.sort((a, b) => a - b);
}

const show = (ms: readonly number[]): string => `p50 ${quantile(ms, 0.5).toFixed(2)} p90 ${quantile(ms, 0.9).toFixed(2)}`;

async function probeOneCluster(n: number): Promise<void> {
  const s = await FleetSystem.start([], { peerAuth: 'secret', token: '' });
  try {
    // The etcd-api area's client, and the member that leads.
    const { client, leader } = await fleetTarget(s);
    const value = Buffer.alloc(256, 'x');
    for (let round = 0; round < rounds; round++) {
      const etcd = await timed((i) => client.put(leader, Buffer.from(`k${i % 50}`), value));
      const fleet = await timed((i) => s.put(`f${i % 50}`));
      console.log(`cluster ${n} round ${round}: etcd API put ${show(etcd)} ms; fleet.v1 put ${show(fleet)} ms`);
    }
    client.close();
  } finally {
    await s.stop();
  }
}

for (let n = 1; n <= clusters; n++) await probeOneCluster(n);
