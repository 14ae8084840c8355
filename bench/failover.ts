/**
 * Failover, fleet beside etcd: `fleet drill kill-leader` rounds on a local 3-member cluster of
 * each (heartbeat 100 ms, election timeout 1000 ms), interleaved round by round. etcd is
 * drilled by the same engine through bench/etcd/drill.ts, so the workload (8 clients,
 * linearizable reads, writes and compare-and-sets, 1 s deadline per attempt), the fault
 * (SIGKILL of the leader), the restart and every measurement are identical: time to a new
 * leader agreed by the survivors, client-visible unavailability (until the first write sent
 * after the kill is acknowledged), catch-up of the restarted member by applied index — and
 * every history is checked (nothing acknowledged lost, linearizable).
 * The full run also pauses the leader (SIGSTOP) on both, and partitions it on fleet alone.
 */
import { connectDrill, runDrill, type DrillDeps, type DrillName, type DrillOptions, type RoundReport } from '../src/ops/drill/index.js';
import { killPid, onAbort, processesUnder, progress } from './cleanup.js';
import { etcdDrillDeps } from './etcd/drill.js';
import { EtcdCluster, ETCD_INSTALL_HINT, findEtcd } from './etcd/cluster.js';
import { atMost, compare, type BenchFigure, type Goal } from './figures.js';
import { BenchCluster } from './harness.js';

const AREA = 'failover';
export const OP_TIMEOUT_MS = 1_000;

/** The options of one round of `drill`, as the failover bench runs it (bench/pause-rounds.ts too). */
export function drillOptions(drill: DrillName, quick: boolean): DrillOptions {
  return {
    drill,
    rounds: 1,
    clients: 8,
    keys: 16,
    warmupMs: quick ? 1_000 : 2_000,
    observeMs: quick ? 3_000 : 4_000,
    restart: true,
    slo: { unavailableMs: 2_500, newLeaderMs: 2_500 },
    maxLag: 100,
    settleMs: 30_000,
    opTimeoutMs: OP_TIMEOUT_MS,
    pauseMs: 3_000,
    isolate: 'leader',
    partitionMs: 3_000,
  };
}

/** A system ready to be drilled: its drill dependencies and how to tear it down. */
interface Drilled {
  readonly name: 'fleet' | 'etcd';
  readonly deps: DrillDeps;
  close(): Promise<void>;
}

async function fleetDrilled(): Promise<Drilled> {
  // Partitions go through the Drills admin API, which members only serve when asked to.
  const cluster = await BenchCluster.start(3, ['--enable-drills']);
  // The drill restarts killed members itself; those processes are not the harness's children.
  const killRestarted = (): void => processesUnder(cluster.root).forEach((pid) => killPid(pid));
  const unregister = onAbort(killRestarted);
  const stop = async (): Promise<void> => {
    killRestarted();
    await cluster.stop();
    unregister();
  };
  const pids = new Map([...cluster.procs].map(([id, child]) => [id, child.pid!] as const));
  const connection = await connectDrill({ endpoints: cluster.endpoints, pids }, OP_TIMEOUT_MS).catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  return {
    name: 'fleet',
    deps: { probe: connection.probe, injector: connection.injector, newClient: (p) => connection.newClient(p) },
    close: async () => {
      await connection.close();
      await stop();
    },
  };
}

async function etcdDrilled(): Promise<Drilled> {
  const cluster = await EtcdCluster.start(3);
  const deps = await etcdDrillDeps(cluster, OP_TIMEOUT_MS).catch(async (err: unknown) => {
    await cluster.stop();
    throw err;
  });
  return {
    name: 'etcd',
    deps,
    close: async () => {
      deps.close();
      await cluster.stop();
    },
  };
}

/** Runs one round of `drill` on a system; throws when the drill could not run at all. */
async function oneRound(system: Drilled, opts: DrillOptions): Promise<RoundReport> {
  const { report } = await runDrill(opts, system.deps);
  const round = report.rounds[0];
  if (report.verdict === 'aborted' || round === undefined) throw new Error(`the ${opts.drill} drill did not run on ${system.name}: ${report.reason ?? 'no round completed'}`);
  const unsafe = report.verdict === 'unsafe' ? ' UNSAFE (see the drill report)' : '';
  progress(`${opts.drill} on ${system.name}: unavailable ${round.unavailableMs} ms, new leader ${round.newLeaderMs ?? '-'} ms, catch-up ${round.catchupMs ?? '-'} ms${unsafe}`);
  return round;
}

/** `rounds` rounds on each system, interleaved: fleet, etcd, fleet, etcd … */
async function interleavedRounds(systems: readonly Drilled[], drill: DrillName, rounds: number, quick: boolean): Promise<Map<string, RoundReport[]>> {
  const out = new Map(systems.map((s) => [s.name, [] as RoundReport[]]));
  for (let r = 0; r < rounds; r++) for (const s of systems) out.get(s.name)!.push(await oneRound(s, drillOptions(drill, quick)));
  return out;
}

/** The median and max figures of one per-round measurement. */
function figuresOf(prefix: string, what: string, rounds: Map<string, RoundReport[]>, pickValue: (r: RoundReport) => number | null, goals: { median?: Goal; max?: Goal } = {}): BenchFigure[] {
  const values = (name: string): number[] | null => {
    const rs = rounds.get(name);
    return rs === undefined ? null : rs.map(pickValue).filter((v): v is number => v !== null);
  };
  const fleet = values('fleet')!;
  const etcd = values('etcd');
  const maxOf = (xs: number[] | null): number[] | null => (xs === null || xs.length === 0 ? xs : [Math.max(...xs)]);
  return [
    compare(AREA, `${prefix}_${what}_median`, 'ms', fleet, etcd, goals.median),
    compare(AREA, `${prefix}_${what}_max`, 'ms', maxOf(fleet)!, maxOf(etcd), goals.max),
  ];
}

function lostWrites(rounds: Map<string, RoundReport[]>): BenchFigure {
  const lost = (name: string): number[] | null => {
    const rs = rounds.get(name);
    return rs === undefined ? null : [rs.reduce((n, r) => n + r.lost + r.duplicated + (r.linearizable === false ? 1 : 0), 0)];
  };
  return compare(AREA, 'failover_safety_violations', 'count', lost('fleet')!, lost('etcd'), atMost(0));
}

/**
 * Kill-leader rounds (10 full, 3 quick, on each system); in a full run also pause-leader on
 * both and a partition of the leader on fleet alone (etcd has no partition hook here).
 */
export async function benchFailover(opts: { quick: boolean }): Promise<BenchFigure[]> {
  const systems: Drilled[] = [];
  try {
    systems.push(await fleetDrilled());
    if (findEtcd() === undefined) console.log(`failover: ${ETCD_INSTALL_HINT}`);
    else systems.push(await etcdDrilled());
    const kills = await interleavedRounds(systems, 'kill-leader', opts.quick ? 3 : 10, opts.quick);
    const figures = [
      ...figuresOf('failover', 'unavailable', kills, (r) => r.unavailableMs, { median: atMost(500), max: atMost(2_500) }),
      ...figuresOf('failover', 'new_leader', kills, (r) => r.newLeaderMs),
      ...figuresOf('failover', 'catchup', kills, (r) => r.catchupMs),
      lostWrites(kills),
    ];
    if (!opts.quick) {
      const pauses = await interleavedRounds(systems, 'pause-leader', 3, false);
      figures.push(...figuresOf('pause', 'unavailable', pauses, (r) => r.unavailableMs), ...figuresOf('pause', 'new_leader', pauses, (r) => r.newLeaderMs));
      const partitions = await interleavedRounds(systems.slice(0, 1), 'partition', 3, false);
      figures.push(...figuresOf('partition', 'unavailable', partitions, (r) => r.unavailableMs), ...figuresOf('partition', 'new_leader', partitions, (r) => r.newLeaderMs));
    }
    return figures;
  } finally {
    for (const s of systems) await s.close();
  }
}
