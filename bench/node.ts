/**
 * The node area: fleet and etcd side by side, 3 local members each, driven by the same load
 * generator — memory idle (the largest member's RSS, and the cluster's PSS: each page shared
 * between members counted once) and after 100,000 writes, a snapshot of that data and the restart of
 * a member with it, then writes of 256-byte values to distinct keys at 1/16/64/256 in flight
 * (updating the fill's distinct keys in turn: fleet's KV holds at most 100,000 keys) and
 * linearizable reads at 64. Every comparable figure is measured interleaved (fleet, etcd,
 * fleet, etcd …) and reported as medians with their spread. fleet's members authenticate each
 * other with a peer secret, as `fleet init` starts them (what that costs: the auth area).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onAbort, progress } from './cleanup.js';
import { ETCD_INSTALL_HINT, findEtcd } from './etcd/cluster.js';
import { atMost, compare, ratioAtLeast, ratioAtMost, type BenchFigure, type Goal } from './figures.js';
import { runCount, runFor, type LoadResult } from './load.js';
import { EtcdSystem, FleetSystem, type BenchSystem } from './systems.js';

const AREA = 'node';
const REPS = 3;
const MB = 1e6;

/** How much each phase does, full or quick. */
interface Plan {
  readonly fillWrites: number;
  readonly secondsPerRep: number;
}

function planOf(quick: boolean): Plan {
  return quick ? { fillWrites: 10_000, secondsPerRep: 1 } : { fillWrites: 100_000, secondsPerRep: 5 };
}

/** Samples of one measurement per system, in system order. */
export type Samples = Map<BenchSystem['name'], number[]>;

/** What the interleaving needs of a system: its name (the etcd-api area interleaves its own targets). */
type Named = { readonly name: BenchSystem['name'] };

/** Runs `measure` REPS times on every system, interleaved: fleet, etcd, fleet, etcd … */
export async function interleaved<S extends Named>(systems: readonly S[], measure: (s: S, rep: number) => Promise<number>, reps = REPS): Promise<Samples> {
  const out: Samples = new Map(systems.map((s) => [s.name, []]));
  for (let rep = 0; rep < reps; rep++) for (const s of systems) out.get(s.name)!.push(await measure(s, rep));
  return out;
}

/** Like `interleaved`, for measurements that yield several figures at once. */
export async function interleavedLoad<S extends Named>(systems: readonly S[], run: (s: S, rep: number) => Promise<LoadResult>): Promise<Map<BenchSystem['name'], LoadResult[]>> {
  const out = new Map<BenchSystem['name'], LoadResult[]>(systems.map((s) => [s.name, []]));
  for (let rep = 0; rep < REPS; rep++) for (const s of systems) out.get(s.name)!.push(await run(s, rep));
  return out;
}

/** A figure of this area from fleet's samples and etcd's (absent: not measured). */
function figureOf(name: string, unit: string, samples: Samples, goal?: Goal): BenchFigure {
  return figureIn(AREA, name, unit, samples, goal);
}

/** A figure of `area` from samples keyed by system. */
export function figureIn(area: string, name: string, unit: string, samples: Samples, goal?: Goal): BenchFigure {
  return compare(area, name, unit, samples.get('fleet')!, samples.get('etcd') ?? null, goal);
}

/** One number of each load result, per system. */
export function pick(results: Map<BenchSystem['name'], LoadResult[]>, f: (r: LoadResult) => number): Samples {
  return new Map([...results].map(([name, rs]) => [name, rs.map(f)]));
}

const maxRssMb = (s: BenchSystem): number => Math.max(...s.rss()) / MB;
/** PSS summed over a system's members: shared pages (the executable's) counted once across them. */
const pssSumMb = (s: BenchSystem): number => s.memory().reduce((sum, m) => sum + m.pss, 0) / MB;
/**
 * How long after start the idle figures are read: V8's memory reducer collects a member's
 * start-up garbage about 8 s after start, and the idle figures are those of a member that has
 * settled (bench/memory-probe.ts prints the curve).
 */
const SETTLE_MS = 15_000;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Memory idle, the fill with `fillWrites` writes at 64 in flight, and memory after it. */
async function memoryPhase(systems: readonly BenchSystem[], plan: Plan, startedAt: number): Promise<BenchFigure[]> {
  await sleep(SETTLE_MS - (performance.now() - startedAt));
  const pssIdle: Samples = new Map(systems.map((s) => [s.name, []]));
  const idle = await interleaved(systems, async (s) => {
    await sleep(300);
    pssIdle.get(s.name)!.push(pssSumMb(s));
    return maxRssMb(s);
  });
  const fill = new Map<BenchSystem['name'], number[]>();
  progress(`node: ${plan.fillWrites.toLocaleString('en-US')} writes into each system`);
  for (const s of systems) fill.set(s.name, [(await runCount((i) => s.put(`fill/${i}`), plan.fillWrites, 64)).rate]);
  await sleep(1_000);
  const after = await interleaved(systems, async (s) => {
    await sleep(300);
    return maxRssMb(s);
  });
  const k = `${plan.fillWrites / 1000}k`;
  return [
    figureOf('pss_idle_cluster', 'MB', pssIdle, atMost(50)),
    figureOf('rss_idle', 'MB', idle, atMost(60)),
    figureOf(`fill_${k}_rate`, 'writes/s', fill),
    figureOf(`rss_${k}`, 'MB', after, ratioAtMost(0.6)),
  ];
}

/** Snapshot of the filled data (time, size) and a follower's restart with it. */
async function snapshotPhase(systems: readonly BenchSystem[], plan: Plan): Promise<BenchFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-bench-snap-'));
  const unregister = onAbort(() => rmSync(dir, { recursive: true, force: true }));
  const sizes: Samples = new Map(systems.map((s) => [s.name, []]));
  progress('node: snapshots and restarts');
  try {
    const times = await interleaved(systems, async (s, rep) => {
      const t0 = performance.now();
      const bytes = await s.snapshot(join(dir, `${s.name}-${rep}.snap`));
      const ms = performance.now() - t0;
      sizes.get(s.name)!.push(bytes / MB);
      return ms;
    });
    const restarts = await interleaved(systems, (s) => s.restartFollower());
    const suffix = plan.fillWrites === 100_000 ? '' : `_${plan.fillWrites / 1000}k`;
    return [figureOf(`snapshot_time${suffix}`, 'ms', times), figureOf(`snapshot_size${suffix}`, 'MB', sizes), figureOf(`restart_with_snapshot${suffix}`, 'ms', restarts)];
  } finally {
    rmSync(dir, { recursive: true, force: true });
    unregister();
  }
}

/** The write goals of the issue: ratios to etcd in the same run. */
function writeGoals(c: number): { rate?: Goal; p50?: Goal; p99?: Goal } {
  if (c === 1) return { p50: ratioAtMost(0.6) };
  if (c === 16) return { p99: ratioAtMost(0.5) };
  if (c === 64 || c === 256) return { rate: ratioAtLeast(2.5) };
  return {};
}

/**
 * Keys for the write benchmarks: the fill's keys, in turn. fleet's registry holds at most
 * 100,000 KV keys (LIMITS.maxKvKeys, replicated semantics), which the fill already uses, so the
 * writes update those distinct keys one after another — on both systems alike — instead of
 * creating new ones. No two writes in flight ever share a key.
 */
export function keyRing(size: number): () => string {
  let next = 0;
  return () => `fill/${next++ % size}`;
}

/** Writes at 1, 16, 64 and 256 in flight; then linearizable reads at 64 of keys the fill wrote. */
async function loadPhase(systems: readonly BenchSystem[], plan: Plan): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = [];
  const rings = new Map(systems.map((s) => [s.name, keyRing(plan.fillWrites)]));
  const put = (s: BenchSystem): Promise<unknown> => s.put(rings.get(s.name)!());
  // Warm-up: connections, JIT, and each system's first batches.
  for (const s of systems) await runFor(() => put(s), 16, 1);
  const held: number[] = [];
  for (const c of [1, 16, 64, 256]) {
    progress(`node: writes at ${c} in flight`);
    const results = await interleavedLoad(systems, (s) => runFor(() => put(s), c, plan.secondsPerRep));
    held.push(await loopHeldMaxMs(systems));
    const goals = writeGoals(c);
    figures.push(
      figureOf(`writes_c${c}`, 'writes/s', pick(results, (r) => r.rate), goals.rate),
      figureOf(`p50_c${c}`, 'ms', pick(results, (r) => r.p50), goals.p50),
      figureOf(`p99_c${c}`, 'ms', pick(results, (r) => r.p99), goals.p99),
    );
  }
  // fleet's own figure (etcd's goroutines have no one loop to hold): the longest a member's loop was held during the write loads.
  figures.push(compare(AREA, 'loop_held_max_ms', 'ms', [Math.max(...held)], null, atMost(10)));
  progress('node: linearizable reads at 64 in flight');
  const keys = Math.min(plan.fillWrites, 10_000);
  const reads = await interleavedLoad(systems, (s) => runFor((w, n) => s.get(`fill/${(w * 7919 + n * 104_729) % keys}`), 64, plan.secondsPerRep));
  figures.push(
    figureOf('reads_c64', 'reads/s', pick(reads, (r) => r.rate), ratioAtLeast(2.5)),
    figureOf('reads_p50_c64', 'ms', pick(reads, (r) => r.p50)),
    figureOf('reads_p99_c64', 'ms', pick(reads, (r) => r.p99)),
  );
  return figures;
}

/**
 * The longest delay of any fleet member's event loop over the last minute, as its status reports
 * it (a minute covers one concurrency level's interleaved runs); 0 without a fleet system.
 */
async function loopHeldMaxMs(systems: readonly BenchSystem[]): Promise<number> {
  const fleet = systems.find((s): s is FleetSystem => s instanceof FleetSystem);
  if (fleet === undefined) return 0;
  const all = await fleet.client.statusAll();
  return Math.max(0, ...all.flatMap((r) => (r.ok ? [r.status.loopDelayMaxMs ?? 0] : [])));
}

/** Starts both systems (etcd only where installed), runs the phases, stops everything. */
export async function benchNode(opts: { quick: boolean }): Promise<BenchFigure[]> {
  const plan = planOf(opts.quick);
  const systems: BenchSystem[] = [];
  try {
    const startedAt = performance.now();
    systems.push(await FleetSystem.start([], { peerAuth: 'secret' }));
    if (findEtcd() === undefined) console.log(`node: ${ETCD_INSTALL_HINT}`);
    else systems.push(await EtcdSystem.start());
    const figures = [...(await memoryPhase(systems, plan, startedAt)), ...(await snapshotPhase(systems, plan))];
    figures.push(...(await loadPhase(systems, plan)));
    return figures;
  } finally {
    for (const s of systems) await s.stop();
  }
}
