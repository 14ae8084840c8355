/**
 * One row per coordinator cluster for `fleet status --contexts` (pure): the state `fleet status`
 * would give each, its leader, term, quorum and failure tolerance, members down, worst lag and
 * the rebind plan it runs — and the worst state of all, which the command exits with. A cluster
 * that could not be asked at all (no answer before the deadline, a context that cannot be used)
 * stays in the list, marked, as `unavailable`.
 */
import type { HealthState, StatusModel } from './status.js';

/** One cluster's row; numbers are null when nothing answered. */
export interface ClusterRow {
  readonly context: string;
  readonly state: HealthState;
  /** Why the state is not healthy, or why the cluster could not be asked (first reason). */
  readonly reason: string | null;
  /** True when no member answered at all (or the probe never finished). */
  readonly unreachable: boolean;
  readonly clusterName: string | null;
  readonly leader: string | null;
  readonly term: number | null;
  readonly voters: number | null;
  readonly quorum: number | null;
  readonly failureTolerance: number | null;
  /** Members that did not answer, by id (or address). */
  readonly down: readonly string[];
  /** The largest lag (entries behind the leader) of any member that answered. */
  readonly worstLag: number | null;
  /** The rebind plan in progress, as `id done/total`, or null. */
  readonly plan: string | null;
}

/** The whole `--json` document: the rows (worst first) and the worst state. */
export interface ClustersOverview {
  readonly state: HealthState;
  readonly clusters: readonly ClusterRow[];
}

const RANK: Readonly<Record<HealthState, number>> = { healthy: 0, degraded: 1, unavailable: 2 };

/** The row of a cluster from its `fleet status` model. */
export function clusterRow(context: string, m: StatusModel): ClusterRow {
  const answered = m.members.filter((x) => x.role !== 'unreachable');
  const lags = answered.flatMap((x) => (x.lag === null ? [] : [x.lag]));
  const plan = m.plans[0];
  return {
    context,
    state: m.health.state,
    reason: m.health.reasons[0] ?? null,
    unreachable: answered.length === 0,
    clusterName: m.clusterName,
    leader: m.leader,
    term: answered.length === 0 ? null : m.term,
    voters: m.quorum.voters,
    quorum: m.quorum.size,
    failureTolerance: m.quorum.failureTolerance,
    down: m.members.filter((x) => x.role === 'unreachable').map((x) => x.id ?? x.address),
    worstLag: lags.length === 0 ? null : Math.max(...lags),
    plan: plan === undefined ? null : `${plan.planId} ${plan.done}/${plan.total}`,
  };
}

/** The row of a cluster that could not be asked. */
export function unreachableRow(context: string, reason: string): ClusterRow {
  return { context, state: 'unavailable', reason, unreachable: true, clusterName: null, leader: null, term: null, voters: null, quorum: null, failureTolerance: null, down: [], worstLag: null, plan: null };
}

/** The rows, trouble first (unavailable, degraded, healthy; then by name), and the worst state. */
export function overviewOf(rows: readonly ClusterRow[]): ClustersOverview {
  const clusters = [...rows].sort((a, b) => RANK[b.state] - RANK[a.state] || a.context.localeCompare(b.context));
  const state = clusters[0]?.state ?? 'healthy';
  return { state, clusters };
}

/**
 * Asks every cluster at once, each within `deadlineMs`: a cluster that hangs is marked
 * unreachable when its deadline passes and never holds the others up.
 */
export async function collectOverview(contexts: readonly string[], statusOf: (context: string) => Promise<StatusModel>, deadlineMs: number): Promise<ClustersOverview> {
  const rows = await Promise.all(
    contexts.map(async (context) => {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<ClusterRow>((resolve) => {
        timer = setTimeout(() => resolve(unreachableRow(context, `no answer within ${deadlineMs / 1000}s`)), deadlineMs);
      });
      try {
        return await Promise.race([statusOf(context).then((m) => clusterRow(context, m), (err: unknown) => unreachableRow(context, err instanceof Error ? err.message : String(err))), deadline]);
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return overviewOf(rows);
}
