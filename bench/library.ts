/**
 * The `library` area: fleet's recipes beside the `etcd3` npm package's on a real etcd, in one
 * run (the library issue's performance section). Every contender is its own OS process,
 * bench/library-probe.mjs, importing `fleet` (dist/, through the package's exports) or `etcd3`
 * as a user's program does; fleet is a 3-member cluster (peer secret, as `fleet init` starts
 * it), etcd 3 members of the installed 3.4, both heartbeat 100 ms and election timeout 1 s.
 *   election_failover_median/max  SIGKILL of the elected process → another process's campaign
 *                                 resolves (fleet Election vs etcd3 Election; 3 candidates, TTL 2 s
 *                                 on both: etcd leases count whole seconds, fleet sessions take ≥ 1.5 s)  ≤ 1.0× etcd3
 *   lock_handoff_p50/p99          release → the next holder has it, 8 contender processes (fleet Mutex
 *                                 vs etcd3 Lock, which does not queue: retried at once on EtcdLockFailedError)  ≤ 1.0×
 *   lock_handoff_queue_p50/p99    the same fleet samples vs etcd3 Election used as a FIFO lock (campaign,
 *                                 resign: create-revision order, as Go's concurrency.Mutex queues)
 *   import_time, import_rss_added import('fleet') vs import('etcd3') in a fresh node process          ≤ 1.0×
 *   sessions_1000_leader_cpu      the leader's CPU while 1,000 sessions each keep a lease alive (TTL 10 s,
 *                                 renewed every third), vs etcd with 1,000 etcd3 leases (each with a key)
 *   idle_leader_cpu               the same leader before the sessions, for reference
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { killPid, onAbort, progress } from './cleanup.js';
import { EtcdCluster, findEtcd } from './etcd/cluster.js';
import { compare, NO_GOAL, quantile, ratioAtMost, type BenchFigure, type Goal } from './figures.js';
import { BenchCluster, cpuMsOf } from './harness.js';

const AREA = 'library';
const PROBE = new URL('./library-probe.mjs', import.meta.url).pathname;
const MB = 1024 * 1024;
/** The campaigners' TTL, the same on both sides (etcd3 takes whole seconds; fleet refuses under 1.5 s). */
const ELECTION_TTL_S = 2;
const CONTENDERS = 8;
/** Each holder keeps the lock this long, then pauses this long before contending again (so the next holder is another process). */
const HOLD_MS = 20;
const PAUSE_MS = 50;
/** Hand-offs left out while the contenders settle into the queue. */
const WARMUP_HANDOFFS = CONTENDERS;
const SESSIONS = 1_000;
const SESSION_TTL_S = 10;

type System = 'fleet' | 'etcd3';

/** One line a probe printed, with the pid of the probe that printed it. */
interface ProbeEvent {
  readonly pid: number;
  readonly event: string;
  /** Wall-clock ms (performance.timeOrigin + performance.now() in the probe). */
  readonly t: number;
  readonly ms?: number;
}

function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Probe processes of one measurement and the events they print. Invariant: every child in
 * `#live` was spawned here and is killed by pid on stop() or an aborted run; a probe that exits
 * unasked fails the next wait with its stderr.
 */
class Probes {
  readonly events: ProbeEvent[] = [];
  readonly #live = new Map<number, ChildProcess>();
  readonly #killed = new Set<number>();
  readonly #waiters = new Set<() => void>();
  #failure: Error | undefined;
  readonly #unregister = onAbort(() => this.#live.forEach((c) => killPid(c.pid)));

  spawn(args: readonly string[]): ChildProcess {
    const child = spawn(process.execPath, [PROBE, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const pid = child.pid!;
    this.#live.set(pid, child);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2_000)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      this.events.push({ pid, ...(JSON.parse(line) as Omit<ProbeEvent, 'pid'>) });
      this.#wake();
    });
    child.on('exit', (code, signal) => {
      this.#live.delete(pid);
      if (!this.#killed.has(pid)) this.#failure ??= new Error(`library probe ${args.slice(0, 2).join(' ')} exited (${code ?? signal}): ${stderr.trim()}`);
      this.#wake();
    });
    return child;
  }

  /** Waits until `find` answers something; throws when a probe died or `timeoutMs` passed. */
  async until<T>(find: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (this.#failure !== undefined) throw this.#failure;
      const found = find();
      if (found !== undefined) return found;
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`library: ${what} did not happen within ${timeoutMs / 1000}s`);
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          this.#waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(left, 1_000));
        this.#waiters.add(wake);
      });
    }
  }

  #wake(): void {
    for (const wake of [...this.#waiters]) wake();
  }

  /** The first event named `event` from `pid` (any probe when undefined) at or after position `from`. */
  find(event: string, from = 0, pid?: number, notPid?: number): ProbeEvent | undefined {
    return this.events.slice(from).find((e) => e.event === event && (pid === undefined || e.pid === pid) && e.pid !== notPid);
  }

  /** SIGKILLs one probe; resolves once it has exited. */
  async kill(pid: number): Promise<void> {
    const child = this.#live.get(pid);
    if (child === undefined) return;
    this.#killed.add(pid);
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      killPid(pid);
    });
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#live.keys()].map((pid) => this.kill(pid)));
    this.#unregister();
  }
}

/** The clusters both sides run on; etcd undefined where it is not installed. */
interface Clusters {
  readonly fleet: BenchCluster;
  readonly etcd: EtcdCluster | undefined;
}

function endpointsOf(clusters: Clusters, system: System): string {
  return (system === 'fleet' ? clusters.fleet.endpoints : clusters.etcd!.endpoints).join(',');
}

/** Three candidates of one system campaigning in one election; each round kills the leader. */
class ElectionRig {
  readonly #probes = new Probes();
  #leader: ProbeEvent | undefined;

  constructor(
    readonly system: System,
    readonly endpoints: string,
  ) {}

  async #candidate(): Promise<void> {
    const pid = this.#probes.spawn(['elect', this.system, this.endpoints, 'bench-election', String(ELECTION_TTL_S)]).pid!;
    await this.#probes.until(() => this.#probes.find('ready', 0, pid), 60_000, `${this.system} candidate ready`);
  }

  async start(): Promise<void> {
    await Promise.all([this.#candidate(), this.#candidate(), this.#candidate()]);
    this.#leader = await this.#probes.until(() => this.#probes.find('leader'), 60_000, `a first ${this.system} leader`);
  }

  /** Kills the leader after a random phase of its keep-alive; answers the ms until another leads. */
  async round(): Promise<number> {
    // Both libraries renew every third of the TTL: a kill uniformly within a renewal period, after the first, gives each side the same expected remaining lease.
    await sleep(((1 + Math.random()) * ELECTION_TTL_S * 1000) / 3 + 50);
    const from = this.#probes.events.length;
    const killedAt = wallNow();
    await this.#probes.kill(this.#leader!.pid);
    const next = await this.#probes.until(() => this.#probes.find('leader', from, undefined, this.#leader!.pid), 30_000, `a new ${this.system} leader`);
    this.#leader = next;
    await this.#candidate();
    return next.t - killedAt;
  }

  stop(): Promise<void> {
    return this.#probes.stop();
  }
}

async function electionFigures(clusters: Clusters, rounds: number): Promise<BenchFigure[]> {
  const systems: System[] = clusters.etcd === undefined ? ['fleet'] : ['fleet', 'etcd3'];
  const rigs = systems.map((s) => new ElectionRig(s, endpointsOf(clusters, s)));
  const samples = new Map<System, number[]>(systems.map((s) => [s, []]));
  try {
    await Promise.all(rigs.map((r) => r.start()));
    // Interleaved round by round, so that the machine's load weighs on both alike.
    for (let r = 0; r < rounds; r++) {
      progress(`library: kill -9 of the elected process, round ${r + 1}/${rounds}`);
      for (const rig of rigs) samples.get(rig.system)!.push(await rig.round());
    }
  } finally {
    await Promise.all(rigs.map((r) => r.stop()));
  }
  const fleet = samples.get('fleet')!;
  const etcd = samples.get('etcd3') ?? null;
  return [
    compare(AREA, 'election_failover_median', 'ms', fleet, etcd, ratioAtMost(1.0)),
    compare(AREA, 'election_failover_max', 'ms', [Math.max(...fleet)], etcd === null ? null : [Math.max(...etcd)], ratioAtMost(1.0)),
  ];
}

/** Hand-offs in ms: each release followed, in wall-clock order, by another process's acquisition. */
function handoffsOf(events: readonly ProbeEvent[]): { handoffs: number[]; overlaps: number } {
  const seq = events.filter((e) => e.event === 'acquired' || e.event === 'release').sort((a, b) => a.t - b.t);
  const handoffs: number[] = [];
  let overlaps = 0;
  for (let i = 1; i < seq.length; i++) {
    const [prev, cur] = [seq[i - 1]!, seq[i]!];
    if (cur.event === 'acquired' && prev.event === 'acquired') overlaps++;
    else if (cur.event === 'acquired' && prev.pid !== cur.pid) handoffs.push(cur.t - prev.t);
  }
  return { handoffs: handoffs.slice(WARMUP_HANDOFFS), overlaps };
}

/** 8 contender processes of one kind of lock; answers the hand-off times once `count` were seen. */
async function lockHandoffs(kind: 'fleet' | 'etcd3-lock' | 'etcd3-queue', endpoints: string, count: number): Promise<number[]> {
  const probes = new Probes();
  const t0 = performance.now();
  try {
    const children = Array.from({ length: CONTENDERS }, () => probes.spawn(['lock', kind, endpoints, `bench-lock-${kind}`, String(HOLD_MS), String(PAUSE_MS)]));
    await probes.until(() => (probes.events.filter((e) => e.event === 'ready').length === CONTENDERS ? true : undefined), 60_000, `${kind} contenders ready`);
    const t1 = performance.now();
    for (const c of children) c.stdin!.write('go\n');
    const wanted = count + WARMUP_HANDOFFS + 1;
    await probes.until(() => (probes.events.filter((e) => e.event === 'acquired').length >= wanted ? true : undefined), 120_000, `${wanted} ${kind} acquisitions`);
    progress(`library: ${kind}: contenders ready in ${((t1 - t0) / 1000).toFixed(1)} s, ${wanted} acquisitions in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
  } finally {
    await probes.stop();
  }
  const { handoffs, overlaps } = handoffsOf(probes.events);
  if (overlaps > 0) progress(`library: ${kind}: ${overlaps} acquisitions while another held the lock (by the probes' clocks)`);
  return handoffs;
}

async function lockFigures(clusters: Clusters, count: number): Promise<BenchFigure[]> {
  progress(`library: lock hand-offs, ${CONTENDERS} fleet Mutex contenders`);
  const fleet = await lockHandoffs('fleet', endpointsOf(clusters, 'fleet'), count);
  let retry: number[] | null = null;
  let queue: number[] | null = null;
  if (clusters.etcd !== undefined) {
    progress(`library: lock hand-offs, ${CONTENDERS} etcd3 Lock contenders (retried on EtcdLockFailedError)`);
    retry = await lockHandoffs('etcd3-lock', endpointsOf(clusters, 'etcd3'), count);
    progress(`library: lock hand-offs, ${CONTENDERS} etcd3 Election contenders (a FIFO queue)`);
    queue = await lockHandoffs('etcd3-queue', endpointsOf(clusters, 'etcd3'), count);
  }
  const p99 = (xs: readonly number[] | null): number[] | null => (xs === null ? null : [quantile([...xs].sort((a, b) => a - b), 0.99)]);
  const notes = { retry: 'etcd3: Lock, retried at once on EtcdLockFailedError (it does not queue)', queue: 'etcd3: Election as a FIFO lock (create-revision queue)' };
  return [
    { ...compare(AREA, 'lock_handoff_p50', 'ms', fleet, retry, ratioAtMost(1.0)), note: notes.retry },
    { ...compare(AREA, 'lock_handoff_p99', 'ms', p99(fleet)!, p99(retry), ratioAtMost(1.0)), note: notes.retry },
    { ...compare(AREA, 'lock_handoff_queue_p50', 'ms', fleet, queue, NO_GOAL), note: notes.queue },
    { ...compare(AREA, 'lock_handoff_queue_p99', 'ms', p99(fleet)!, p99(queue), NO_GOAL), note: notes.queue },
  ];
}

/** import(name) in a fresh node process: its time (ms) and the RSS it added (MB, after GC). */
function importOnce(name: string): { ms: number; mb: number } {
  const r = spawnSync(process.execPath, ['--expose-gc', PROBE, 'import', name], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`library: import probe of ${name} failed: ${r.stderr || r.error?.message}`);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { ms: number; rssAdded: number };
  return { ms: out.ms, mb: out.rssAdded / MB };
}

function importFigures(reps: number): BenchFigure[] {
  const fleet: { ms: number; mb: number }[] = [];
  const etcd3: { ms: number; mb: number }[] = [];
  for (let i = 0; i < reps; i++) {
    progress(`library: import('fleet') and import('etcd3'), each in a fresh process (${i + 1}/${reps})`);
    fleet.push(importOnce('fleet'));
    etcd3.push(importOnce('etcd3'));
  }
  const goal: Goal = ratioAtMost(1.0);
  return [
    { ...compare(AREA, 'import_time', 'ms', fleet.map((s) => s.ms), etcd3.map((s) => s.ms), goal), note: 'etcd: the etcd3 package' },
    { ...compare(AREA, 'import_rss_added', 'MB', fleet.map((s) => s.mb), etcd3.map((s) => s.mb), goal), note: 'etcd: the etcd3 package' },
  ];
}

/** CPU of `pid` over `ms`, in % of one core. */
async function cpuPercent(pid: number, ms: number): Promise<number> {
  const c0 = cpuMsOf(pid);
  const t0 = performance.now();
  await sleep(ms);
  return ((cpuMsOf(pid) - c0) / (performance.now() - t0)) * 100;
}

/** The leader's CPU idle, then with 1,000 sessions (leases) kept alive by one probe process. */
async function sessionCpu(system: System, clusters: Clusters, windowMs: number): Promise<{ idle: number; busy: number }> {
  const leaderPid = system === 'fleet' ? clusters.fleet.pid(await clusters.fleet.waitForLeader()) : clusters.etcd!.pids().get(await clusters.etcd!.waitHealthy());
  if (leaderPid === undefined) throw new Error(`library: no pid for the ${system} leader`);
  const idle = await cpuPercent(leaderPid, windowMs / 4);
  const probes = new Probes();
  try {
    probes.spawn(['sessions', system, endpointsOf(clusters, system), String(SESSIONS), String(SESSION_TTL_S)]);
    const ready = await probes.until(() => probes.find('ready'), 180_000, `${SESSIONS} ${system} sessions`);
    progress(`library: ${SESSIONS} ${system} sessions holding a lease in ${((ready.ms ?? 0) / 1000).toFixed(1)} s; measuring the leader's CPU for ${(windowMs / 1000).toFixed(1)} s`);
    // One renewal period first: the keep-alives of every session are under way.
    await sleep((SESSION_TTL_S * 1000) / 3);
    return { idle, busy: await cpuPercent(leaderPid, windowMs) };
  } finally {
    await probes.stop();
  }
}

async function sessionFigures(clusters: Clusters, windowMs: number): Promise<BenchFigure[]> {
  const fleet = await sessionCpu('fleet', clusters, windowMs);
  const etcd = clusters.etcd === undefined ? null : await sessionCpu('etcd3', clusters, windowMs);
  const note = `TTL ${SESSION_TTL_S} s, renewed every third; etcd: ${SESSIONS} etcd3 leases with a key each`;
  return [
    { ...compare(AREA, 'sessions_1000_leader_cpu', '% core', [fleet.busy], etcd === null ? null : [etcd.busy], NO_GOAL), note },
    compare(AREA, 'idle_leader_cpu', '% core', [fleet.idle], etcd === null ? null : [etcd.idle], NO_GOAL),
  ];
}

/** Both clusters, started side by side; neither is left running when the other fails to start. */
async function startClusters(): Promise<Clusters> {
  const [fleet, etcd] = await Promise.allSettled([BenchCluster.start(3, [], { peerAuth: 'secret' }), findEtcd() === undefined ? undefined : EtcdCluster.start(3)]);
  if (fleet.status === 'fulfilled' && etcd.status === 'fulfilled') return { fleet: fleet.value, etcd: etcd.value };
  await Promise.all([fleet.status === 'fulfilled' ? fleet.value.stop() : undefined, etcd.status === 'fulfilled' ? etcd.value?.stop() : undefined]);
  throw fleet.status === 'rejected' ? fleet.reason : (etcd as PromiseRejectedResult).reason;
}

export async function benchLibrary(opts: { quick: boolean }): Promise<BenchFigure[]> {
  const figures = importFigures(opts.quick ? 3 : 9);
  const clusters = await startClusters();
  try {
    figures.push(...(await electionFigures(clusters, opts.quick ? 3 : 8)));
    figures.push(...(await lockFigures(clusters, opts.quick ? 40 : 150)));
    // Whole renewal periods (a third of the TTL): the keep-alives come in bursts.
    figures.push(...(await sessionFigures(clusters, ((opts.quick ? 2 : 6) * SESSION_TTL_S * 1000) / 3)));
  } finally {
    await Promise.all([clusters.fleet.stop(), clusters.etcd?.stop()]);
  }
  return figures;
}
