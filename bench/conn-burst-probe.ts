// Ad-hoc (issue 59): what a burst of new client connections costs a member's event loop, as
// `etcdctl check perf --load m` starts 200 clients at once. A 3-member fleet cluster and a
// 3-member etcd 3.4 (bench/systems.ts timing), then, per round and system, N new connections to one
// follower at once, each its own channel making one Range: the time until all have
// answered, and for fleet the follower's longest event-loop delay in the last minute (its status).
// Usage: node --import tsx bench/conn-burst-probe.ts [connections=200] [rounds=3]
//   FLEET_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" profiles the fleet members (bench/harness.ts).
import { EtcdClient } from '../src/client/etcd/index.js';
import { EtcdSystem, FleetSystem } from './systems.js';
import { fleetTarget } from './etcd-api.js';

const connections = Number(process.argv[2] ?? 200);
const rounds = Number(process.argv[3] ?? 3);
const OWN_CONNECTION = { 'grpc.use_local_subchannel_pool': 1 };

async function burst(endpoint: string): Promise<{ ms: number; failed: number }> {
  const clients = Array.from({ length: connections }, () => new EtcdClient({ endpoints: [endpoint], callTimeoutMs: 10_000, channelOptions: OWN_CONNECTION }));
  const t0 = performance.now();
  const answers = await Promise.allSettled(clients.map((c) => c.range(endpoint, Buffer.from('burst'))));
  const ms = performance.now() - t0;
  for (const c of clients) c.close();
  return { ms, failed: answers.filter((a) => a.status === 'rejected').length };
}

async function loopHeld(fleet: FleetSystem, endpoint: string): Promise<string> {
  const s = await fleet.client.status(endpoint).catch(() => undefined);
  return s === undefined ? '?' : String(s.loopDelayMaxMs ?? '-');
}

async function main(): Promise<void> {
  const fleet = await FleetSystem.start([], { peerAuth: 'secret', token: '' });
  const etcd = await EtcdSystem.start();
  try {
    const ft = await fleetTarget(fleet);
    const etcdClient = new EtcdClient({ endpoints: etcd.cluster.endpoints, callTimeoutMs: 5_000 });
    const etcdLeader = await etcdClient.leaderEndpoint(2_000);
    const etcdFollower = etcd.cluster.endpoints.find((e) => e !== etcdLeader)!;
    const termOf = async (): Promise<number> => (await ft.client.status(ft.leader, 2_000)).raftTerm;
    const term0 = await termOf();
    console.log(`before: follower loop held ${await loopHeld(fleet, ft.follower)} ms`);
    for (let r = 0; r < rounds; r++) {
      const f = await burst(ft.follower);
      const e = await burst(etcdFollower);
      console.log(`round ${r + 1}: fleet ${f.ms.toFixed(0)} ms (${f.failed} failed), follower loop held ${await loopHeld(fleet, ft.follower)} ms; etcd ${e.ms.toFixed(0)} ms (${e.failed} failed)`);
      await new Promise((res) => setTimeout(res, 1_000));
    }
    console.log(`fleet term ${term0} -> ${await termOf()}`);
    etcdClient.close();
    ft.client.close();
  } finally {
    await fleet.stop();
    await etcd.stop();
  }
}

await main();
