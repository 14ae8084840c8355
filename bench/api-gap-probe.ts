// Ad-hoc: the same members' writes through the etcd API and through fleet.v1, alternating runs
// of a few seconds at C in flight to the leader on one fresh cluster (the etcd-api area's set-up:
// peer secret, no client token). Session 53's bench had fleet.v1 at 5,146 writes/s at 64 in
// flight and the etcd API at 1,142 on the same kind of cluster: this shows whether the gap is
// the start of a fresh cluster or the etcd API's path.
// Usage: node --import tsx bench/api-gap-probe.ts [rounds=6] [inFlight=64] [seconds=4]
import { cpuMsOf } from './harness.js';
import { runFor, type LoadResult } from './load.js';
import { keyRing } from './node.js';
import { fleetTarget } from './etcd-api.js';
import { FleetSystem, VALUE_BYTES } from './systems.js';

const rounds = Number(process.argv[2] ?? 6);
const inFlight = Number(process.argv[3] ?? 64);
const seconds = Number(process.argv[4] ?? 4);

/** A run, with the CPU per write of the members and of this process (the client). */
interface Measured {
  readonly r: LoadResult;
  readonly membersUs: number;
  readonly clientUs: number;
}

async function measured(run: () => Promise<LoadResult>): Promise<Measured> {
  const pids = [...s.cluster.procs.keys()].map((id) => s.cluster.pid(id)!);
  const members0 = pids.reduce((sum, p) => sum + cpuMsOf(p), 0);
  const client0 = process.cpuUsage();
  const r = await run();
  const client = process.cpuUsage(client0);
  const writes = r.ops;
  const membersMs = pids.reduce((sum, p) => sum + cpuMsOf(p), 0) - members0;
  return { r, membersUs: (membersMs * 1000) / writes, clientUs: (client.user + client.system) / writes };
}

const show = ({ r, membersUs, clientUs }: Measured): string =>
  `${Math.round(r.rate)} w/s p50 ${r.p50.toFixed(1)} p99 ${r.p99.toFixed(1)} ms, CPU/write members ${Math.round(membersUs)} client ${Math.round(clientUs)} µs${r.errors ? ` (${r.errors} errors)` : ''}`;

const s = await FleetSystem.start([], { peerAuth: 'secret', token: '' });
try {
  // The etcd-api area's client, and the member that leads.
  const { client, leader } = await fleetTarget(s);
  const value = Buffer.alloc(VALUE_BYTES, 'x');
  const etcdKeys = keyRing(10_000);
  const fleetKeys = keyRing(10_000);
  for (let round = 0; round < rounds; round++) {
    const etcd = await measured(() => runFor(() => client.put(leader, Buffer.from(`bench/${etcdKeys()}`), value), inFlight, seconds));
    const fleet = await measured(() => runFor(() => s.put(fleetKeys()), inFlight, seconds));
    console.log(`round ${round}: etcd API ${show(etcd)}; fleet.v1 ${show(fleet)}`);
  }
  client.close();
} finally {
  await s.stop();
}
