/**
 * The stalls area (issue 59): whether a busy machine costs each system its leader. A 3-member
 * fleet cluster and a 3-member etcd 3.4 cluster, one after the other in the same run, each under
 *
 * - a write load at 64 in flight beside one CPU burner per core (`node -e` busy loops the bench
 *   starts and stops): `elections_under_load` is how far the highest term moved (0: the leader
 *   kept it), with the writes that failed;
 * - `etcdctl check perf --load s` (and `m`, `l` in a full run), etcd's own acceptance load, run
 *   as a whole process on every endpoint: its errors, the elections it caused, its slowest
 *   request and standard deviation, as etcdctl prints them.
 *
 * Both are driven through the etcd API with the same client and the same etcdctl. fleet's
 * members authenticate each other with a peer secret and ask no client token (etcdctl cannot
 * present one), as in the etcd-api area.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { killPid, onAbort, progress } from './cleanup.js';
import { atMost, compare, ratioAtMost, type BenchFigure } from './figures.js';
import { withEtcdTargets, type Target } from './etcd-api.js';
import { VALUE_BYTES, type BenchSystem } from './systems.js';
import { parseCheckPerf, type CheckPerf } from './check-perf-report.js';

const AREA = 'stalls';

type CheckPerfLoad = 's' | 'm' | 'l';

interface Plan {
  /** How long the write load beside the burners runs on each system. */
  readonly loadSeconds: number;
  readonly checkPerfLoads: readonly CheckPerfLoad[];
}

function planOf(quick: boolean): Plan {
  return quick ? { loadSeconds: 60, checkPerfLoads: ['s'] } : { loadSeconds: 600, checkPerfLoads: ['s', 'm', 'l'] };
}

const LOAD_IN_FLIGHT = 64;
const WRITE_KEYS = 10_000;

/** The highest term any member of `t` answers with (members that do not answer are left out). */
async function highestTerm(t: Target): Promise<number> {
  const terms = await Promise.all(t.endpoints.map((ep) => t.client.status(ep, 2_000).then((s) => s.raftTerm, () => 0)));
  return Math.max(...terms);
}

interface Burners {
  readonly procs: readonly ChildProcess[];
  /** Unregisters the abort step that kills them. */
  readonly forget: () => void;
}

/** One busy loop per core, each its own process; Ctrl-C or a crash of the harness ends them too. */
function startBurners(): Burners {
  const procs = Array.from({ length: os.cpus().length }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  const forget = onAbort(() => {
    for (const p of procs) killPid(p.pid);
  });
  return { procs, forget };
}

async function stopBurners(burners: Burners): Promise<void> {
  burners.forget();
  await Promise.all(
    burners.procs.map(
      (b) =>
        new Promise<void>((resolve) => {
          if (b.exitCode !== null || b.signalCode !== null) return resolve();
          b.once('exit', () => resolve());
          b.kill('SIGKILL');
        }),
    ),
  );
}

interface UnderLoad {
  readonly elections: number;
  readonly failed: number;
  readonly writesPerSecond: number;
}

/** Writes at 64 in flight for `seconds` beside the burners: the terms it moved and the writes that failed. */
async function electionsUnderLoad(t: Target, seconds: number): Promise<UnderLoad> {
  const value = Buffer.alloc(VALUE_BYTES, 'x');
  const before = await highestTerm(t);
  const burners = startBurners();
  let ok = 0;
  let failed = 0;
  let next = 0;
  const t0 = performance.now();
  try {
    const end = t0 + seconds * 1000;
    await Promise.all(
      Array.from({ length: LOAD_IN_FLIGHT }, async () => {
        while (performance.now() < end) {
          const key = Buffer.from(`stalls/${next++ % WRITE_KEYS}`);
          await t.client.put(t.leader, key, value).then(
            () => ok++,
            () => failed++,
          );
        }
      }),
    );
  } finally {
    await stopBurners(burners);
  }
  const elapsed = (performance.now() - t0) / 1000;
  return { elections: (await highestTerm(t)) - before, failed, writesPerSecond: ok / elapsed };
}

/** Runs `etcdctl check perf --load LOAD` on every endpoint of `t`. */
async function checkPerf(t: Target, load: CheckPerfLoad, etcdctl: string): Promise<CheckPerf & { elections: number }> {
  const before = await highestTerm(t);
  const child = spawn(etcdctl, [`--endpoints=${t.endpoints.join(',')}`, 'check', 'perf', `--load=${load}`], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ETCDCTL_API: '3' } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  const report = parseCheckPerf(out, code);
  if (!Number.isFinite(report.slowestMs)) progress(`${AREA}: ${t.name}: etcdctl check perf --load ${load} printed no figures: ${out.trim().split('\n').slice(-3).join(' | ')}`);
  return { ...report, elections: (await highestTerm(t)) - before };
}

/** Each system's figure, by name. */
type BySystem<T> = Map<BenchSystem['name'], T>;

function figure(name: string, unit: string, by: BySystem<number>, goal?: ReturnType<typeof atMost>): BenchFigure {
  const etcd = by.get('etcd');
  return compare(AREA, name, unit, [by.get('fleet') ?? NaN], etcd === undefined ? null : [etcd], goal);
}

async function underLoadPhase(targets: readonly Target[], plan: Plan): Promise<BenchFigure[]> {
  const results: BySystem<UnderLoad> = new Map();
  for (const t of targets) {
    progress(`${AREA}: ${t.name}: writes at ${LOAD_IN_FLIGHT} in flight beside ${os.cpus().length} CPU burners for ${plan.loadSeconds} s`);
    results.set(t.name, await electionsUnderLoad(t, plan.loadSeconds));
  }
  const of = (f: (r: UnderLoad) => number): BySystem<number> => new Map([...results].map(([k, r]) => [k, f(r)]));
  return [
    figure('elections_under_load', 'elections', of((r) => r.elections), atMost(0)),
    figure('failed_under_load', 'writes', of((r) => r.failed), atMost(0)),
    figure('writes_under_load', 'writes/s', of((r) => r.writesPerSecond)),
  ];
}

async function checkPerfPhase(targets: readonly Target[], plan: Plan, etcdctl: string): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = [];
  for (const load of plan.checkPerfLoads) {
    const results: BySystem<CheckPerf & { elections: number }> = new Map();
    for (const t of targets) {
      progress(`${AREA}: ${t.name}: etcdctl check perf --load ${load}`);
      results.set(t.name, await checkPerf(t, load, etcdctl));
    }
    const of = (f: (r: CheckPerf & { elections: number }) => number): BySystem<number> => new Map([...results].map(([k, r]) => [k, f(r)]));
    const etcd = results.get('etcd');
    // No error and no election wherever etcd had none; otherwise no more than etcd's.
    const noMoreThanEtcd = (f: (r: CheckPerf & { elections: number }) => number) => atMost(etcd === undefined ? 0 : f(etcd));
    figures.push(
      figure(`check_perf_${load}_errors`, 'requests', of((r) => r.errors), noMoreThanEtcd((r) => r.errors)),
      figure(`check_perf_${load}_elections`, 'elections', of((r) => r.elections), noMoreThanEtcd((r) => r.elections)),
      figure(`check_perf_${load}_slowest_ms`, 'ms', of((r) => r.slowestMs), ratioAtMost(1)),
      figure(`check_perf_${load}_stddev_ms`, 'ms', of((r) => r.stddevMs), ratioAtMost(1)),
      figure(`check_perf_${load}_writes`, 'writes/s', of((r) => r.writesPerSecond)),
      figure(`check_perf_${load}_passed`, 'yes=1', of((r) => (r.passed ? 1 : 0))),
    );
  }
  return figures;
}

export function benchStalls(opts: { quick: boolean }): Promise<BenchFigure[]> {
  const plan = planOf(opts.quick);
  return withEtcdTargets(AREA, async (targets, etcdctl) => {
    const figures = await underLoadPhase(targets, plan);
    if (etcdctl !== undefined) figures.push(...(await checkPerfPhase(targets, plan, etcdctl)));
    return figures;
  });
}
