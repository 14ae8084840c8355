/**
 * One real-node run, start to verdict: the fault phase (checks after every event and every
 * step), the liveness phase (everything healed: an agreed leader, every operation finished,
 * every member caught up, within LIVENESS_MS), final reads of every key and binding, then the
 * linearizability check of the KV history. Leases and sessions are checked as the run goes.
 */
import { checkLinearizable, type HistoryEvent } from '../../../src/ops/history/index.js';
import { SafetyViolation, type Property } from '../violation.js';
import { RealCluster, type InjectedFaults, type RealClusterOptions, type RealStorageKind, type RealUnsafe } from './cluster.js';
import { EtcdRun, etcdSummary, type EtcdRunReport } from './etcd-run.js';
import { describeRealPlan, formatRealFaults, STEP_MS } from './plan.js';
import { US_PER_MS } from './scheduler.js';
import type { DiskStats } from './sim-disk.js';

/** Simulated time the healed cluster has to converge. */
export const LIVENESS_MS = 30_000;
/** After healing, clients keep starting operations for this long, then only finish theirs. */
const LIVENESS_WORK_MS = 3_000;
/** Simulated time the final reads have to finish in. */
const FINAL_READS_MS = 10_000;

/** A real-node run's parameters: the cluster's, and how many fault-phase steps of STEP_MS. */
export interface RealRunOptions extends RealClusterOptions {
  readonly steps: number;
}

/** Everything a real-node run reports. `failure` is absent exactly when the run passed. */
export interface RealRunResult {
  readonly host: 'real';
  readonly seed: number;
  readonly nodes: number;
  readonly steps: number;
  readonly faults: string;
  readonly diskFaults: boolean;
  readonly storage: RealStorageKind;
  /** Whether the members replicated the test application's state machine too (`--app`). */
  readonly app: boolean;
  readonly plan: string;
  readonly leaders: number;
  readonly committed: number;
  readonly snapshots: { readonly installed: number; readonly taken: number };
  readonly ops: { readonly ok: number; readonly fail: number; readonly info: number };
  readonly reads: { readonly linearizable: number; readonly minIndex: number; readonly stale: number };
  readonly leases: { readonly grants: number; readonly handovers: number };
  /** Whether fleet's KV had moved into the etcd keyspace by the end (seeds at data format 5). */
  readonly kvInKeyspace: boolean;
  readonly injected: InjectedFaults & { readonly dropped: number; readonly duplicated: number; readonly cut: number; readonly disk: DiskStats };
  readonly linearizable: 'yes' | 'no' | 'unknown' | 'not checked';
  /** With `--etcd`: the keyspace's workload and verdict. */
  readonly etcd?: EtcdRunReport;
  /** Simulated ms the healed cluster took to agree on a leader, and to finish everything. */
  readonly convergedIn?: { readonly leader: number; readonly all: number };
  readonly simulatedMs: number;
  readonly events: number;
  readonly digest: string;
  readonly failure?: { readonly property: Property | 'crash'; readonly message: string; readonly atMs: number; readonly counterexample?: readonly HistoryEvent[] };
}

/** Runs one seed on real FleetNodes. Never throws for a failure of the system under test: it reports it. */
export async function runRealSeed(options: RealRunOptions): Promise<RealRunResult> {
  const cluster = new RealCluster(options);
  const etcd = options.etcd === true ? new EtcdRun(cluster, options.seed) : undefined;
  let failure: RealRunResult['failure'];
  let convergedIn: RealRunResult['convergedIn'];
  const atMs = (): number => Math.round(cluster.scheduler.now / US_PER_MS);
  try {
    for (let i = 0; i < options.steps; i++) {
      etcd?.step();
      await cluster.step(true, STEP_MS);
      etcd?.afterStep();
    }
    convergedIn = await runLiveness(cluster, etcd);
    await runFinalReads(cluster, etcd);
    await etcd?.finish();
  } catch (err) {
    failure =
      err instanceof SafetyViolation
        ? { property: err.property, message: err.message, atMs: atMs() }
        : { property: 'crash', message: err instanceof Error ? (err.stack ?? err.message) : String(err), atMs: atMs() };
  }
  let linearizable: RealRunResult['linearizable'] = 'not checked';
  if (failure === undefined) {
    const verdict = checkLinearizable(cluster.history.events());
    linearizable = verdict.ok === true ? 'yes' : verdict.ok === false ? 'no' : 'unknown';
    if (verdict.ok === false) failure = { property: 'linearizability', message: verdict.message, atMs: atMs(), counterexample: verdict.counterexample };
  }
  const c = cluster.clients.stats;
  const net = cluster.network.stats;
  return {
    host: 'real',
    seed: options.seed,
    nodes: options.nodes,
    steps: options.steps,
    faults: formatRealFaults(options.faults),
    diskFaults: options.diskFaults,
    storage: options.storage ?? 'real',
    app: options.app === true,
    plan: describeRealPlan(cluster.plan),
    leaders: cluster.checker.stats.leadersElected,
    committed: cluster.checker.stats.maxCommitted,
    snapshots: cluster.snapshotCounts(),
    ops: { ok: c.ok, fail: c.fail, info: c.info },
    reads: { ...c.reads },
    leases: { ...c.leases },
    kvInKeyspace: cluster.kvInKeyspace(),
    injected: { ...cluster.injected, dropped: net.dropped, duplicated: net.duplicated, cut: net.cut, disk: { ...cluster.diskStats } },
    linearizable,
    ...(etcd === undefined ? {} : { etcd: etcd.report() }),
    ...(convergedIn === undefined ? {} : { convergedIn }),
    simulatedMs: atMs(),
    events: cluster.scheduler.eventsRun,
    digest: cluster.digest.value(),
    ...(failure === undefined ? {} : { failure }),
  };
}

/** Heals the cluster and requires convergence within LIVENESS_MS; returns how long it took. */
async function runLiveness(cluster: RealCluster, etcd: EtcdRun | undefined): Promise<{ leader: number; all: number }> {
  const healedAt = cluster.scheduler.now / US_PER_MS;
  cluster.heal();
  cluster.clients.startLiveness(healedAt + LIVENESS_MS);
  etcd?.clients.startLiveness(healedAt + LIVENESS_MS);
  let leaderAt: number | undefined;
  for (;;) {
    const elapsed = cluster.scheduler.now / US_PER_MS - healedAt;
    if (elapsed >= LIVENESS_WORK_MS) {
      cluster.clients.drain();
      etcd?.clients.drain();
    }
    etcd?.step();
    await cluster.step(false, STEP_MS);
    etcd?.afterStep();
    const agreed = cluster.leaderAgreed();
    if (agreed) leaderAt ??= Math.round(cluster.scheduler.now / US_PER_MS - healedAt);
    const outstanding = cluster.clients.outstanding() + (etcd?.clients.outstanding() ?? 0);
    if (leaderAt !== undefined && agreed && elapsed >= LIVENESS_WORK_MS && outstanding === 0 && cluster.caughtUp()) {
      return { leader: leaderAt, all: Math.round(cluster.scheduler.now / US_PER_MS - healedAt) };
    }
    if (elapsed >= LIVENESS_MS) livenessFailure(cluster, elapsed, etcd);
  }
}

/** Reads every key and binding once more, linearizably: an acknowledged write that was lost shows here. */
async function runFinalReads(cluster: RealCluster, etcd: EtcdRun | undefined): Promise<void> {
  const start = cluster.scheduler.now / US_PER_MS;
  cluster.clients.startFinalReads();
  etcd?.clients.startFinalReads();
  while (cluster.clients.outstanding() + (etcd?.clients.outstanding() ?? 0) > 0) {
    const elapsed = cluster.scheduler.now / US_PER_MS - start;
    const open = [...cluster.clients.describeOutstanding(), ...(etcd?.clients.describeOutstanding() ?? [])];
    if (elapsed >= FINAL_READS_MS) throw new SafetyViolation('liveness', `the final reads did not finish in ${FINAL_READS_MS} ms: ${open.join('; ')}`);
    etcd?.step();
    await cluster.step(false, STEP_MS);
    etcd?.afterStep();
  }
}

function livenessFailure(cluster: RealCluster, elapsed: number, etcd: EtcdRun | undefined): never {
  const leader = cluster.leader();
  const parts = [`not converged ${Math.round(elapsed)} ms after healing`];
  parts.push(leader ? `leader ${leader.id}${cluster.leaderAgreed() ? ' (agreed)' : ' (not agreed by every member)'}` : 'no leader');
  if (leader !== undefined && !cluster.caughtUp()) parts.push('some member has not applied what the leader committed');
  const open = [...cluster.clients.describeOutstanding(), ...(etcd?.clients.describeOutstanding() ?? [])];
  if (open.length > 0) parts.push(`unfinished: ${open.slice(0, 3).join('; ')}${open.length > 3 ? ` and ${open.length - 3} more` : ''}`);
  throw new SafetyViolation('liveness', parts.join('; '));
}

/** The command that replays a real-node run exactly. */
export function replayRealCommand(
  r: Pick<RealRunResult, 'seed' | 'nodes' | 'steps' | 'faults' | 'diskFaults'> & { readonly storage?: RealStorageKind; readonly app?: boolean; readonly etcd?: unknown },
  unsafe?: RealUnsafe,
): string {
  return (
    `npm run sim -- --nodes ${r.nodes} --seeds 1 --seed-start ${r.seed} --steps ${r.steps} --faults ${r.faults}` +
    `${r.diskFaults ? ' --disk-faults' : ''}${r.storage === 'model' ? ' --storage model' : ''}${r.app === true ? ' --app' : ''}${r.etcd === undefined ? '' : ' --etcd'}` +
    `${unsafe === undefined ? '' : ` --unsafe ${unsafe}`}`
  );
}

/** The counts of every fault class a run injected, as `name=count` pairs (zeros left out). */
export function formatInjected(i: RealRunResult['injected']): string {
  const d = i.disk;
  const pairs: [string, number][] = [
    ['drop', i.dropped],
    ['dup', i.duplicated],
    ['cut', i.cut],
    ['partition', i.partitions],
    ['crash', i.crashes],
    ['restart', i.restarts],
    ['stall', i.stalls],
    ['transfer', i.transfers],
    ['snapshot', i.snapshots],
    ['conn-hint', i.connectionHints],
    ['clock-jump', i.clockJumps],
    ['membership', i.membershipChanges],
    ['membership-applied', i.membershipApplied],
    ['fsync', d.fsyncs],
    ['slow-fsync', d.slowFsyncs],
    ['eio', d.eio],
    ['eio-stop', i.fatalStops],
    ['eio-on-open', i.openStops],
    ['snapshot-eio', d.snapshotEio],
    ['unsynced-lost', d.unsyncedLost],
    ['unsynced-kept', d.unsyncedKept],
    ['torn', d.tornRecords],
    ['latent-damage', d.latentDamage],
    ['hard-state-copy-damage', d.hardStateCopyDamage],
    ['repaired', d.repairs],
    ['disk-full', i.diskFulls],
    ['enospc', d.enospc],
    ['full-start', i.fullStarts],
  ];
  return pairs
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k}=${n}`)
    .join(' ');
}

/** The per-run line. */
export function realSummaryLine(r: RealRunResult): string {
  const verdict = r.failure === undefined ? 'PASS' : `FAIL ${r.failure.property}`;
  return (
    `seed=${r.seed} host=real storage=${r.storage} nodes=${r.nodes} steps=${r.steps}${r.diskFaults ? ' disk-faults' : ''} plan=[${r.plan}] leaders=${r.leaders} committed=${r.committed} ` +
    `snapshots=${r.snapshots.taken}+${r.snapshots.installed}installed ops ok=${r.ops.ok} fail=${r.ops.fail} info=${r.ops.info} ` +
    `reads lin=${r.reads.linearizable} min-index=${r.reads.minIndex} stale=${r.reads.stale} linearizable=${r.linearizable} ` +
    `${r.convergedIn === undefined ? '' : `converged=leader@${r.convergedIn.leader}ms,all@${r.convergedIn.all}ms `}` +
    `${r.etcd === undefined ? '' : `${etcdSummary(r.etcd)} `}injected=[${formatInjected(r.injected)}] ${verdict}`
  );
}
