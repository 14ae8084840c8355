// Ad-hoc: where a lock hand-off's time goes, fleet's Mutex on a 3-member fleet cluster beside the
// etcd3 package's Election used as a FIFO lock on a 3-member etcd 3.4 (the library area's
// lock_handoff_queue pair), in one process, alternating rounds. Two contenders on two clients;
// A holds, B waits; A releases: the release's answer (the delete, or etcd3's resign), then B
// holding (the watch event and B's read of its turn). Prints per system the p50/p90 of the whole
// hand-off, of the release, and of what follows it.
// Usage: node --import tsx bench/handoff-probe.ts [handoffs per round=30] [rounds=4]
import { Etcd3 } from 'etcd3';
import { connect, Mutex, Session } from '../src/index.js';
import { EtcdCluster } from './etcd/cluster.js';
import { quantile } from './figures.js';
import { BenchCluster } from './harness.js';

const perRound = Number(process.argv[2] ?? 30);
const rounds = Number(process.argv[3] ?? 4);

/** Takes the lock; answers how to release it. */
type Take = () => Promise<() => Promise<unknown>>;
interface Samples {
  handoff: number[];
  release: number[];
  after: number[];
}

async function handoffs(takes: [Take, Take], s: Samples): Promise<void> {
  let holder = 0;
  let release = await takes[holder]!();
  for (let i = 0; i < perRound; i++) {
    const next = 1 - holder;
    const taking = takes[next]!();
    await new Promise((r) => setTimeout(r, 30));
    const t0 = performance.now();
    await release();
    const t1 = performance.now();
    release = await taking;
    const t2 = performance.now();
    s.handoff.push(t2 - t0);
    s.release.push(t1 - t0);
    s.after.push(t2 - t1);
    holder = next;
  }
  await release();
}

const fleetCluster = await BenchCluster.start(3, [], { peerAuth: 'secret', token: '' });
const etcdCluster = await EtcdCluster.start(3);
try {
  const fleetClients = await Promise.all([0, 1].map(() => connect({ endpoints: fleetCluster.endpoints })));
  const mutexes = fleetClients.map((c) => new Mutex(new Session(c, { ttlMs: 10_000 }), 'probe'));
  const fleetTakes = mutexes.map((m) => async () => (await m.lock(), () => m.unlock())) as [Take, Take];
  const etcdClients = [0, 1].map(() => new Etcd3({ hosts: etcdCluster.endpoints }));
  const elections = etcdClients.map((c) => c.election('probe', 10));
  const etcdTakes = elections.map((e) => async () => {
    const campaign = await e.campaign(String(Math.random())).wait();
    return () => campaign.resign();
  }) as [Take, Take];
  const fleet: Samples = { handoff: [], release: [], after: [] };
  const etcd: Samples = { handoff: [], release: [], after: [] };
  await handoffs(fleetTakes, { handoff: [], release: [], after: [] });
  await handoffs(etcdTakes, { handoff: [], release: [], after: [] });
  for (let r = 0; r < rounds; r++) {
    await handoffs(fleetTakes, fleet);
    await handoffs(etcdTakes, etcd);
  }
  const p = (xs: number[], q: number) => quantile([...xs].sort((a, b) => a - b), q).toFixed(2);
  for (const [name, s] of [['fleet Mutex', fleet], ['etcd3 Election', etcd]] as const) {
    console.log(`${name}: hand-off p50 ${p(s.handoff, 0.5)} p90 ${p(s.handoff, 0.9)}; release p50 ${p(s.release, 0.5)} p90 ${p(s.release, 0.9)}; after the release p50 ${p(s.after, 0.5)} p90 ${p(s.after, 0.9)} ms (${s.handoff.length} hand-offs)`);
  }
  for (const c of fleetClients) c.close();
  for (const c of etcdClients) c.close();
} finally {
  await fleetCluster.stop();
  await etcdCluster.stop();
}
