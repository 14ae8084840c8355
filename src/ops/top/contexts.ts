/**
 * The `fleet top --contexts` state: one tile per cluster (context), as plain immutable data.
 * A tile is the cluster's `fleet status --contexts` row plus what a live view adds: the commit
 * and applied index, the first problem in words, and when the cluster was last asked and last
 * answered. Pure: the view model feeds it status models and errors, the components read it.
 */
import { clusterRow, unreachableRow, type ClusterRow } from '../clusters-overview.js';
import type { HealthState, StatusModel } from '../status.js';

/** One cluster on the screen. Numbers are null when nothing answered. */
export interface ContextTile extends ClusterRow {
  /** The leader's commit index, else the highest any member reported. */
  readonly commitIndex: number | null;
  /** The leader's applied index, else the highest any member reported. */
  readonly appliedIndex: number | null;
  /** Members in the membership (answering or not). */
  readonly members: number;
  /** The first thing wrong, for the line under the row ("unreachable: connection refused"); null when healthy. */
  readonly problem: string | null;
  /** When its newest poll settled (epoch ms); null before the first. */
  readonly checkedAt: number | null;
  /** When it last answered (epoch ms); null if it never did in this session. */
  readonly answeredAt: number | null;
  /** How long its newest poll took. */
  readonly pollMs: number | null;
  readonly polls: number;
}

/** The whole state of a multi-cluster session. */
export interface ContextsTopState {
  /** When the newest poll of any cluster settled (epoch ms); null before the first. */
  readonly at: number | null;
  readonly intervalMs: number;
  readonly paused: boolean;
  /** In the order the operator named them: a live view whose rows move around is hard to read. */
  readonly contexts: readonly ContextTile[];
}

/** A tile before its first answer. */
export function pendingTile(context: string): ContextTile {
  return { ...unreachableRow(context, 'waiting for the first answer'), unreachable: false, ...NOTHING_SEEN, problem: null };
}

const NOTHING_SEEN = { commitIndex: null, appliedIndex: null, members: 0, checkedAt: null, answeredAt: null, pollMs: null, polls: 0 } as const;

/** The tile of a cluster that answered `fleet status` (some of its members may not have). */
export function answeredTile(prev: ContextTile, m: StatusModel, at: number, pollMs: number): ContextTile {
  const row = clusterRow(prev.context, m);
  const lead = m.members.find((x) => x.id !== null && x.id === m.leader);
  return {
    ...row,
    commitIndex: lead?.commitIndex ?? highest(m.members.map((x) => x.commitIndex)),
    appliedIndex: lead?.appliedIndex ?? highest(m.members.map((x) => x.appliedIndex)),
    members: m.members.length,
    problem: row.unreachable ? unreachableProblem(m) : row.reason,
    checkedAt: at,
    answeredAt: row.unreachable ? prev.answeredAt : at,
    pollMs,
    polls: prev.polls + 1,
  };
}

/** The tile of a cluster whose poll failed as a whole (its deadline passed, a context that cannot be used). */
export function failedTile(prev: ContextTile, error: string, at: number, pollMs: number): ContextTile {
  return { ...unreachableRow(prev.context, error), ...NOTHING_SEEN, problem: `unreachable: ${error}`, checkedAt: at, answeredAt: prev.answeredAt, pollMs, polls: prev.polls + 1 };
}

/** The worst state of the clusters asked so far (healthy when none has been). */
export function worstState(tiles: readonly ContextTile[]): HealthState {
  const asked = tiles.filter((t) => t.polls > 0);
  if (asked.some((t) => t.state === 'unavailable')) return 'unavailable';
  return asked.some((t) => t.state === 'degraded') ? 'degraded' : 'healthy';
}

/** Why no member answered, once per distinct reason: "unreachable: connection refused". */
function unreachableProblem(m: StatusModel): string {
  const reasons = [...new Set(m.members.map((x) => x.problem ?? 'unreachable').map((p) => p.replace(/^unreachable: /, '')))];
  return `unreachable: ${reasons.join('; ')}`;
}

function highest(values: readonly (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length === 0 ? null : Math.max(...known);
}
