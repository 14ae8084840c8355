/**
 * One simulator run, start to verdict: the fault phase (safety checked after every step),
 * the liveness phase (heal everything; an agreed leader and every client operation finished
 * within LIVENESS_TICKS), then the linearizability check of the client history.
 */
import { checkLinearizable, type HistoryEvent } from '../../src/ops/history/index.js';
import { Cluster, LIVENESS_TICKS, type ClusterOptions } from './cluster.js';
import { describePlan, formatFaults } from './faults.js';
import { SafetyViolation, type Property } from './violation.js';

/** A run's parameters: the cluster's, plus how many fault-phase steps. */
export interface RunOptions extends ClusterOptions {
  readonly steps: number;
}

/** Everything a run reports. `failure` is absent exactly when the run passed. */
export interface RunResult {
  readonly seed: number;
  readonly nodes: number;
  readonly steps: number;
  readonly faults: string;
  readonly plan: string;
  readonly leaders: number;
  readonly committed: number;
  readonly snapshotsInstalled: number;
  readonly ops: { readonly ok: number; readonly fail: number; readonly info: number };
  readonly linearizable: 'yes' | 'no' | 'unknown' | 'not checked';
  /** Ticks the healed cluster took to agree on a leader, and to finish every client operation. */
  readonly convergedIn?: { readonly leader: number; readonly ops: number };
  readonly digest: string;
  readonly failure?: { readonly property: Property | 'crash'; readonly message: string; readonly atTick: number; readonly counterexample?: readonly HistoryEvent[] };
}

/** Runs one seed to its verdict. Never throws for a failure of the system under test: it reports it. */
export function runSeed(options: RunOptions): RunResult {
  const cluster = new Cluster(options);
  let failure: RunResult['failure'];
  let convergedIn: RunResult['convergedIn'];
  try {
    for (let i = 0; i < options.steps; i++) cluster.step(true);
    convergedIn = runLiveness(cluster);
  } catch (err) {
    failure = err instanceof SafetyViolation
      ? { property: err.property, message: err.message, atTick: cluster.tick }
      : { property: 'crash', message: err instanceof Error ? (err.stack ?? err.message) : String(err), atTick: cluster.tick };
  }
  let linearizable: RunResult['linearizable'] = 'not checked';
  if (failure === undefined) {
    const verdict = checkLinearizable(cluster.history.events());
    linearizable = verdict.ok === true ? 'yes' : verdict.ok === false ? 'no' : 'unknown';
    if (verdict.ok === false) {
      failure = { property: 'linearizability', message: verdict.message, atTick: cluster.tick, counterexample: verdict.counterexample };
    }
  }
  const hosts = [...cluster.hosts.values()];
  return {
    seed: options.seed,
    nodes: options.nodes,
    steps: options.steps,
    faults: formatFaults(options.faults),
    plan: `${describePlan(cluster.plan)}${cluster.asyncWrites ? ' writes=async' : ''}`,
    leaders: cluster.checker.stats.leadersElected,
    committed: cluster.checker.stats.maxCommitted,
    snapshotsInstalled: hosts.reduce((n, h) => n + h.stats.snapshotsInstalled, 0),
    ops: { ok: cluster.clients.stats.ok, fail: cluster.clients.stats.fail, info: cluster.clients.stats.info },
    linearizable,
    ...(convergedIn === undefined ? {} : { convergedIn }),
    digest: cluster.digest.value(),
    ...(failure === undefined ? {} : { failure }),
  };
}

/**
 * Heals the cluster and requires convergence within LIVENESS_TICKS: one leader that every
 * voter follows, every client operation finished, every voter caught up. Clients keep working
 * for the first half, then only finish what they started. Returns the ticks it took.
 */
function runLiveness(cluster: Cluster): { leader: number; ops: number } {
  const healedAt = cluster.tick;
  cluster.heal();
  cluster.clients.startLiveness(healedAt + LIVENESS_TICKS);
  const drainAt = healedAt + LIVENESS_TICKS / 2;
  let leaderAt: number | undefined;
  for (;;) {
    if (cluster.tick === drainAt) cluster.clients.drain();
    cluster.step(false);
    const agreed = cluster.leaderAgreed();
    if (agreed) leaderAt ??= cluster.tick - healedAt;
    if (leaderAt !== undefined && agreed && cluster.tick >= drainAt && cluster.clients.outstanding() === 0 && cluster.votersCaughtUp()) {
      return { leader: leaderAt, ops: cluster.tick - healedAt };
    }
    if (cluster.tick - healedAt >= LIVENESS_TICKS) cluster.livenessFailure(healedAt);
  }
}

/** The command that replays a run exactly. */
export function replayCommand(result: Pick<RunResult, 'seed' | 'nodes' | 'steps' | 'faults'>, unsafe?: string): string {
  const unsafeFlag = unsafe === undefined ? '' : ` --unsafe ${unsafe}`;
  return `npm run sim -- --nodes ${result.nodes} --seeds 1 --seed-start ${result.seed} --steps ${result.steps} --faults ${result.faults}${unsafeFlag}`;
}

/** The one-line summary of a run. */
export function summaryLine(r: RunResult): string {
  const verdict = r.failure === undefined ? 'PASS' : `FAIL ${r.failure.property}`;
  return (
    `seed=${r.seed} nodes=${r.nodes} steps=${r.steps} faults=[${r.plan}] leaders=${r.leaders} committed=${r.committed} ` +
    `snapshots=${r.snapshotsInstalled} ops ok=${r.ops.ok} fail=${r.ops.fail} info=${r.ops.info} linearizable=${r.linearizable} ` +
    `${r.convergedIn === undefined ? '' : `converged=leader@${r.convergedIn.leader}t,ops@${r.convergedIn.ops}t `}${verdict}`
  );
}
