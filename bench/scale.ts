/**
 * The scale area (fleet only: etcd has no registry to compare): a 3-member cluster holding
 * 1,000,000 clusters bound across 100 shards, loaded through one FleetClient whose session
 * stream carries many `contact` writes at once. Then the figures an operator of a big fleet
 * lives with: members' memory, the time and size of a snapshot, how long a restarted member
 * takes to be ready again, and the wall time of `fleet clusters list --shard X`.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { progress } from './cleanup.js';
import { atLeast, atMost, fleetOnly, median, type BenchFigure } from './figures.js';
import { runCount } from './load.js';
import { FleetSystem } from './systems.js';

const AREA = 'scale';
const SHARDS = 100;
const IN_FLIGHT = 1_024;
const REPS = 3;
const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url));

const shardId = (s: number): string => `shard-${String(s).padStart(3, '0')}`;
const clusterName = (i: number): string => `cluster-${String(i).padStart(7, '0')}`;

/** Registers the shards and binds `n` clusters round-robin; stops early at `deadlineMs` and answers how many were bound. */
async function load(fleet: FleetSystem, n: number, deadlineMs: number): Promise<{ bound: number; rate: number }> {
  const capacity = Math.ceil((n / SHARDS) * 1.2);
  await Promise.all(Array.from({ length: SHARDS }, (_, s) => fleet.client.registerShard({ id: shardId(s), address: `10.0.${s}.1:7000`, region: 'us-east-1', zone: `us-east-1${'abc'[s % 3]}`, capacity })));
  const t0 = performance.now();
  let bound = 0;
  let lastReport = t0;
  await runCount(
    async (i) => {
      if (performance.now() - t0 > deadlineMs) return;
      await fleet.client.contact(clusterName(i), shardId(i % SHARDS));
      bound++;
      if (performance.now() - lastReport > 15_000) {
        lastReport = performance.now();
        progress(`scale: ${bound.toLocaleString('en-US')} clusters bound`);
      }
    },
    n,
    IN_FLIGHT,
  );
  return { bound, rate: (bound * 1000) / (performance.now() - t0) };
}

/** Wall time of one CLI run; fails the bench with its stderr when the command fails. */
function timedCli(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`fleet ${args.join(' ')} exited ${code}: ${stderr.trim()}`))));
  });
}

/** A snapshot taken on the leader: wall time of the call and the size it reports. */
async function snapshotOnce(fleet: FleetSystem, rep: number): Promise<{ ms: number; mb: number }> {
  // One more entry, so the member cannot answer with an automatic snapshot already at this index.
  await fleet.client.kvPut(`bench/scale-snapshot/${rep}`, 'x');
  const t0 = performance.now();
  const info = await fleet.client.takeSnapshot();
  return { ms: performance.now() - t0, mb: info.bytes / 1e6 };
}

async function listFigures(fleet: FleetSystem, reps: number): Promise<BenchFigure[]> {
  const endpoints = fleet.cluster.endpoints.join(',');
  const page: number[] = [];
  const whole: number[] = [];
  for (let r = 0; r < reps; r++) {
    const shard = shardId((r * 37) % SHARDS);
    page.push(await timedCli(['clusters', 'list', '--shard', shard, '--limit', '100', '--json', '--endpoints', endpoints]));
    whole.push(await timedCli(['clusters', 'list', '--shard', shard, '--json', '--endpoints', endpoints]));
  }
  const api: number[] = [];
  for (let r = 0; r < 200; r++) {
    const t0 = performance.now();
    await fleet.client.listClusters({ shard: shardId(r % SHARDS), limit: 100 });
    api.push(performance.now() - t0);
  }
  return [
    fleetOnly(AREA, 'scale_list_page_cli', 'ms', page),
    fleetOnly(AREA, 'scale_list_shard_cli', 'ms', whole),
    fleetOnly(AREA, 'scale_list_page_api_median', 'ms', [median(api)]),
  ];
}

/** 1,000,000 clusters (50,000 with `quick`) over 100 shards on a 3-member cluster. */
export async function benchScale(opts: { quick: boolean }): Promise<BenchFigure[]> {
  const target = opts.quick ? 50_000 : 1_000_000;
  const fleet = await FleetSystem.start();
  try {
    progress(`scale: binding ${target.toLocaleString('en-US')} clusters across ${SHARDS} shards, ${IN_FLIGHT} in flight`);
    // The full suite must end within 20 minutes: a slow write path yields fewer clusters, said plainly in scale_clusters.
    const loaded = await load(fleet, target, opts.quick ? Infinity : 420_000);
    await new Promise((r) => setTimeout(r, 1_000));
    const rss = fleet.rss().map((b) => b / 1e6);
    progress('scale: snapshots, restarts, listings');
    const snaps: { ms: number; mb: number }[] = [];
    for (let r = 0; r < REPS; r++) snaps.push(await snapshotOnce(fleet, r));
    const restarts: number[] = [];
    for (let r = 0; r < REPS; r++) restarts.push(await fleet.restartFollower());
    return [
      fleetOnly(AREA, 'scale_clusters', 'clusters', [loaded.bound], atLeast(target)),
      fleetOnly(AREA, 'scale_load_rate', 'writes/s', [loaded.rate]),
      fleetOnly(AREA, 'scale_rss', 'MB', [Math.max(...rss)], atMost(400)),
      fleetOnly(AREA, 'scale_snapshot_time', 'ms', snaps.map((s) => s.ms), atMost(3_000)),
      fleetOnly(AREA, 'scale_snapshot_size', 'MB', snaps.map((s) => s.mb)),
      fleetOnly(AREA, 'scale_restart_to_ready', 'ms', restarts, atMost(5_000)),
      ...(await listFigures(fleet, opts.quick ? 3 : 5)),
    ];
  } finally {
    await fleet.stop();
  }
}
