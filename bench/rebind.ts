/**
 * The rebind area: (1) plan generation over 1,000,000 clusters, in-process against a paged
 * source that serves listClusters pages the way the registry does (10,000 at a time); (2) a
 * 100,000-move drain plan applied to a local 3-member cluster with the default batches of
 * 100 at --rate 5000, while ordinary writes run beside it, whose p99 is compared with their
 * idle p99; (3) `plan check`'s reading of a 1,000,000-move plan, YAML and JSON, each in a
 * fresh process, for its time and peak RSS.
 *
 *   npm run bench -- rebind
 *   node --import tsx bench/rebind.ts [--quick] [--plans]   (--plans: only (3))
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterView, FleetClient, ListClustersOptions, Page, ShardView } from '../src/client/index.js';
import { applyPlan, ensureRollbackFile, formatPlan, generatePlan, verifyPlan, writePlanFile, type PlannerSource, type RebindPlan } from '../src/ops/rebind/index.js';
import type { BenchFigure } from './figures.js';
import { BenchCluster, quantile } from './harness.js';

const AREA = 'rebind';

/** Shards as contiguous ranges of cluster numbers; pages are made on demand, like the registry's. */
class RangeSource implements PlannerSource {
  readonly #ranges: { id: string; start: number; count: number; capacity: number }[] = [];

  constructor(shards: readonly { id: string; count: number; capacity: number }[]) {
    let start = 0;
    for (const s of shards) {
      this.#ranges.push({ ...s, start });
      start += s.count;
    }
  }

  static clusterName(i: number): string {
    return `c-${String(i).padStart(7, '0')}`;
  }

  async counts(): Promise<{ appliedIndex: number }> {
    return { appliedIndex: 1 };
  }

  async listShards(): Promise<ShardView[]> {
    return this.#ranges.map((r) => ({ id: r.id, address: 'h:1', region: 'r', zone: 'z', state: 'active', capacity: r.capacity, labels: {}, registeredAt: 0, lastHeartbeat: null, boundClusters: r.count }));
  }

  async listClusters(opts: ListClustersOptions = {}): Promise<Page<ClusterView>> {
    const r = this.#ranges.find((x) => x.id === opts.shard)!;
    const first = opts.after === undefined ? r.start : Number(opts.after.slice(2)) + 1;
    const end = Math.min(r.start + r.count, first + (opts.limit ?? 1_000));
    const items: ClusterView[] = [];
    for (let i = first; i < end; i++) items.push({ name: RangeSource.clusterName(i), shard: r.id, generation: 1, boundAtIndex: 1, lastSeen: 0 });
    return end < r.start + r.count ? { items, next: items.at(-1)!.name } : { items };
  }
}

/** Generation over 1,000,000 clusters: five full shards (150k) and five light ones (50k); the full ones give 50k each. */
async function benchPlanner(): Promise<BenchFigure[]> {
  const shards = Array.from({ length: 10 }, (_, k) => ({ id: `s${k}`, count: k < 5 ? 150_000 : 50_000, capacity: 150_000 }));
  const source = new RangeSource(shards);
  const t0 = performance.now();
  const plan = await generatePlan(source, { kind: 'rebalance' }, { createdBy: 'bench@local', now: new Date() });
  const text = formatPlan(plan, 'json');
  const ms = performance.now() - t0;
  if (plan.moves.length !== 250_000) throw new Error(`expected 250,000 moves, planned ${plan.moves.length}`);
  return [
    { area: AREA, name: 'plan_generate_1M_clusters', unit: 'ms', fleet: Math.round(ms), etcd: null, goal: '< 10000', met: ms < 10_000 },
    { area: AREA, name: 'plan_generate_1M_file', unit: 'MB', fleet: Number((text.length / 1e6).toFixed(1)), etcd: null, goal: '', met: null },
  ];
}

/** Closed-loop ordinary writes (256-byte kv puts) until `stop` resolves; answers their latencies. */
async function ordinaryWrites(client: FleetClient, concurrency: number, stop: Promise<unknown>): Promise<number[]> {
  let done = false;
  void stop.finally(() => (done = true));
  const latencies: number[] = [];
  const value = 'x'.repeat(256);
  let n = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      while (!done) {
        const t0 = performance.now();
        await client.kvPut(`bench-rebind/${w}/${n++ % 1_000}`, value);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return latencies.sort((a, b) => a - b);
}

function after(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Binds `count` clusters to `shard`, many contacts in flight on one client's session stream. */
async function load(client: FleetClient, count: number, shard: string): Promise<number> {
  const t0 = performance.now();
  const inFlight = 2_000;
  for (let start = 0; start < count; start += inFlight) {
    await Promise.all(Array.from({ length: Math.min(inFlight, count - start) }, (_, k) => client.contact(RangeSource.clusterName(start + k), shard)));
  }
  return count / ((performance.now() - t0) / 1000);
}

/**
 * The apply runs throttled, as an operator runs a migration beside live traffic (`--rate`, like
 * kafka-reassign-partitions' throttle): 5,000 moves/s still drains 100,000 clusters in about
 * 20 s (goal 30 s), and leaves the ordinary writes' p99 where it was idle. Unthrottled, on this
 * 2-core machine shared by three members and the load generator, the apply took 9–12 s and the
 * writes' p99 rose 3.5–5.1× (session 3 runs, BENCHMARKS.md).
 */
const APPLY_RATE = 5_000;

/** Applies a drain of `moves` clusters on a real 3-member cluster, with ordinary writes beside it. */
async function benchApply(moves: number, quick: boolean): Promise<BenchFigure[]> {
  const cluster = await BenchCluster.start(3);
  const client = cluster.client();
  const writer = cluster.client();
  const dir = await mkdtemp(join(tmpdir(), 'fleet-bench-rebind-'));
  try {
    for (const id of ['s1', 's2', 's3', 's4']) await client.registerShard({ id, address: `10.0.0.${id.slice(1)}:443`, region: 'r', zone: 'z', capacity: moves });
    const loadRate = await load(client, moves, 's1');
    await ordinaryWrites(writer, 4, after(1_000)); // warm-up
    const idle = await ordinaryWrites(writer, 4, after(quick ? 2_000 : 4_000));
    await client.setShardState('s1', 'draining');
    const plan = await generatePlan(client, { kind: 'drain', shards: ['s1'] }, { createdBy: 'bench@local', now: new Date() });
    const file = join(dir, 'drain.json');
    await writePlanFile(file, plan);
    const t0 = performance.now();
    const applying = applyPlan(client, plan, { batchSize: 100, rate: APPLY_RATE, onConflict: 'stop', startedBy: 'bench@local', beforeFirstMove: () => ensureRollbackFile(file, plan, 'bench@local', new Date()) });
    const busy = await ordinaryWrites(writer, 4, applying);
    const report = await applying;
    const seconds = (performance.now() - t0) / 1000;
    const verified = await verifyPlan(client, plan);
    if (!verified.verified || report.applied !== moves) throw new Error(`apply left ${verified.total - verified.inPlace} moves not in place`);
    const p99Idle = quantile(idle, 0.99);
    const p99Busy = quantile(busy, 0.99);
    const ratio = p99Busy / p99Idle;
    const fig = (name: string, unit: string, value: number, goal = '', met: boolean | null = null): BenchFigure => ({ area: AREA, name, unit, fleet: value, etcd: null, goal, met });
    return [
      fig('load_contacts', 'writes/s', Math.round(loadRate)),
      fig(`apply_${moves / 1000}k_moves`, 's', Number(seconds.toFixed(1)), moves === 100_000 ? '< 30' : '', moves === 100_000 ? seconds < 30 : null),
      fig('apply_rate', 'moves/s', Math.round(moves / seconds)),
      fig('writes_p99_idle', 'ms', Number(p99Idle.toFixed(2))),
      fig('writes_p99_during_apply', 'ms', Number(p99Busy.toFixed(2))),
      fig('writes_p99_ratio', 'x', Number(ratio.toFixed(2)), '< 5', ratio < 5),
    ];
  } finally {
    client.close();
    writer.close();
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A 1,000,000-move plan over ten shards, as `plan generate` would write it. */
function millionMovePlan(): RebindPlan {
  const n = 1_000_000;
  const moves = Array.from({ length: n }, (_, i) => ({ cluster: RangeSource.clusterName(i), from: `s${i % 5}`, to: `s${5 + (i % 5)}` }));
  const shards = Array.from({ length: 10 }, (_, k) => `s${k}`);
  const bound = Object.fromEntries(shards.map((id, k) => [id, k < 5 ? n / 5 : 0]));
  return { apiVersion: 'fleet/v1', kind: 'RebindPlan', id: 'bench-1m', createdAt: new Date().toISOString(), createdBy: 'bench@local', strategy: { kind: 'rebalance', shards }, source: { appliedIndex: 1, digest: `m4:${n}:${'0'.repeat(32)}`, shards, clusters: n, bound }, moves };
}

/** Reads FILE as `plan check` does (dist build), in a fresh process: its time and peak RSS. */
function probePlanRead(file: string): { ms: number; cpuMs: number; rssMB: number } {
  const url = new URL('../dist/ops/rebind/index.js', import.meta.url).href;
  const script = `const { readPlanFile } = await import(${JSON.stringify(url)});
const t0 = performance.now();
const plan = await readPlanFile(${JSON.stringify(file)});
const ms = performance.now() - t0;
if (plan.moves.length !== 1_000_000) throw new Error('read ' + plan.moves.length + ' moves');
const { userCPUTime, systemCPUTime, maxRSS } = process.resourceUsage();
console.log(JSON.stringify({ ms, cpuMs: (userCPUTime + systemCPUTime) / 1000, rssMB: maxRSS / 1024 }));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as { ms: number; cpuMs: number; rssMB: number };
}

/**
 * Reading a 1,000,000-move plan (read, parse, schema, duplicates): goals 10 s and 500 MB of peak
 * RSS. `_cpu` is the process's CPU time (start-up included), which a loaded machine does not inflate.
 */
async function benchPlanCheck(): Promise<BenchFigure[]> {
  const dir = await mkdtemp(join(tmpdir(), 'fleet-bench-plans-'));
  try {
    const plan = millionMovePlan();
    const figures: BenchFigure[] = [];
    for (const format of ['yaml', 'json'] as const) {
      const file = join(dir, `plan.${format}`);
      await writeFile(file, formatPlan(plan, format));
      const { ms, cpuMs, rssMB } = probePlanRead(file);
      figures.push(
        { area: AREA, name: `plan_check_${format}_1M`, unit: 'ms', fleet: Math.round(ms), etcd: null, goal: '< 10000', met: ms < 10_000 },
        { area: AREA, name: `plan_check_${format}_1M_cpu`, unit: 'ms', fleet: Math.round(cpuMs), etcd: null, goal: '', met: null },
        { area: AREA, name: `plan_check_${format}_1M_rss`, unit: 'MB', fleet: Math.round(rssMB), etcd: null, goal: '< 500', met: rssMB < 500 },
      );
    }
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The rebind area's figures. */
export async function benchRebind(opts: { quick: boolean }): Promise<BenchFigure[]> {
  // --quick must fit the suite's 3-minute smoke run: a fifth of the moves (figure apply_20k_moves).
  return [...(await benchPlanner()), ...(await benchPlanCheck()), ...(await benchApply(opts.quick ? 20_000 : 100_000, opts.quick))];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  (process.argv.includes('--plans') ? benchPlanCheck() : benchRebind({ quick: process.argv.includes('--quick') }))
    .then((figures) => {
      for (const f of figures) console.log(`${f.area.padEnd(8)} ${f.name.padEnd(28)} ${f.fleet.toLocaleString('en-US').padStart(12)} ${f.unit.padEnd(9)} ${f.goal ? `goal ${f.goal} ${f.met ? 'met' : 'MISSED'}` : ''}`);
    })
    .catch((err: unknown) => {
      console.error(`bench rebind: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    });
}
