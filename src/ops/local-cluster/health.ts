/**
 * When is a local cluster healthy? Every member answers, all agree on one leader that says it
 * leads, that leader has committed everything in its log (its no-op of the new term included),
 * and every member has applied that much — so the first entries, the founding membership and
 * the leader's no-op, are in every state machine.
 */
import { CliError, EXIT } from '../../common/errors.js';
import type { EndpointStatus, FleetClient, FleetClientOptions, TlsFiles } from '../../client/index.js';
import { pause, type Progress } from './wait.js';

/**
 * How far a starting cluster has come, in the order it gets there: every member answering, one
 * leader agreed on, its first entry committed, every member having applied it.
 */
export type HealthStage = 'answering' | 'election' | 'commit' | 'apply' | 'healthy';

/** The verdict on one round of statuses. */
export interface HealthAssessment {
  readonly healthy: boolean;
  readonly leader: string | undefined;
  /** The stage the cluster is waiting in (`healthy` once it is). */
  readonly stage: HealthStage;
  /** What is still missing, for the progress line and the timeout message. */
  readonly waitingFor: string;
}

/** Judges one round of `statusAll()` answers for the members expected at those endpoints. */
export function assessHealth(statuses: readonly EndpointStatus[], expected: ReadonlyMap<string, string>): HealthAssessment {
  const down = statuses.filter((s) => !s.ok).map((s) => expected.get(s.endpoint) ?? s.endpoint);
  if (down.length > 0) return waiting('answering', undefined, `${down.join(', ')} to answer`);
  const answers = statuses.flatMap((s) => (s.ok ? [s.status] : []));
  const wrong = answers.find((st) => expected.get(st.address) !== undefined && expected.get(st.address) !== st.id);
  if (wrong) return waiting('answering', undefined, `the member at ${wrong.address} to be ${expected.get(wrong.address)} (it says ${wrong.id})`);
  const leaders = new Set(answers.map((st) => st.leaderId));
  const [leaderId] = [...leaders];
  const leader = answers.find((st) => st.id === leaderId && st.role === 'leader');
  if (leaders.size !== 1 || !leaderId || leader === undefined) return waiting('election', undefined, 'a leader to be elected');
  // Until the leader's no-op of its term commits, it cannot serve linearizable reads.
  if (leader.commitIndex === 0 || leader.commitIndex < leader.lastIndex) return waiting('commit', leaderId, `${leaderId} to commit its first entry`);
  const behind = answers.filter((st) => st.appliedIndex < leader.commitIndex).map((st) => st.id);
  if (behind.length > 0) return waiting('apply', leaderId, `${behind.join(', ')} to apply the first entries`);
  return { healthy: true, leader: leaderId, stage: 'healthy', waitingFor: '' };
}

function waiting(stage: HealthStage, leader: string | undefined, waitingFor: string): HealthAssessment {
  return { healthy: false, leader, stage, waitingFor };
}

/**
 * When a wait first saw each milestone (epoch ms): all members answering, a leader agreed on,
 * healthy. A later milestone implies the earlier ones, so a stage skipped between two polls
 * gets the time of the poll that passed it.
 */
export interface HealthMilestones {
  readonly answering: number;
  readonly leader: number;
  readonly healthy: number;
}

/** How to wait for health. */
export interface HealthWait {
  /** endpoint → member id, for every member that must be healthy. */
  readonly members: ReadonlyMap<string, string>;
  readonly token: string;
  /** The operator's certificate, for a cluster made with --tls. */
  readonly tls?: TlsFiles | undefined;
  readonly timeoutMs: number;
  readonly progress: Progress;
  readonly signal?: AbortSignal | undefined;
  /** Called every round: a reason to give up at once (e.g. a member's process exited), or undefined. */
  readonly failure?: () => string | undefined;
  /** Poll interval (default 25 ms: start-up time is part of the product). */
  readonly everyMs?: number;
}

/**
 * Channel settings for probing members that are still starting: reconnect within 25–100 ms
 * instead of gRPC's back-off of up to seconds, which would hide a member that is up.
 */
export const PROBE_CHANNEL_OPTIONS = {
  'grpc.initial_reconnect_backoff_ms': 25,
  'grpc.min_reconnect_backoff_ms': 25,
  'grpc.max_reconnect_backoff_ms': 100,
} as const;

/**
 * A client of a local cluster, quick to notice members coming up. grpc loads here, on first use,
 * not when this module does: `fleet init` starts its members first, and loading grpc overlaps
 * with their start-up.
 */
export async function localClient(opts: FleetClientOptions): Promise<FleetClient> {
  const { FleetClient: Client } = await import('../../client/fleet-client.js');
  return new Client({ ...opts, channelOptions: { ...PROBE_CHANNEL_OPTIONS, ...opts.channelOptions } });
}

/** Polls the members until `assessHealth` says healthy; answers the last statuses. Throws a CliError (exit 3) on timeout. */
export async function waitHealthy(w: HealthWait): Promise<{ statuses: EndpointStatus[]; leader: string; milestones: HealthMilestones }> {
  const client = await localClient({ endpoints: [...w.members.keys()], token: w.token, tls: w.tls, callTimeoutMs: 500, overallTimeoutMs: 1_000, backoffMs: { initial: 20, max: 100 } });
  const deadline = Date.now() + w.timeoutMs;
  const seen: { answering?: number; leader?: number } = {};
  try {
    for (;;) {
      const failed = w.failure?.();
      if (failed) throw new CliError(failed);
      const statuses = await client.statusAll();
      const verdict = assessHealth(statuses, w.members);
      const now = Date.now();
      if (verdict.stage !== 'answering') seen.answering ??= now;
      if (verdict.stage !== 'answering' && verdict.stage !== 'election') seen.leader ??= now;
      if (verdict.healthy) return { statuses, leader: verdict.leader!, milestones: { answering: seen.answering!, leader: seen.leader!, healthy: now } };
      w.progress.update(`waiting for ${verdict.waitingFor}`);
      if (Date.now() > deadline) throw new CliError(`not healthy after ${Math.round(w.timeoutMs / 1000)}s: still waiting for ${verdict.waitingFor}`, { exitCode: EXIT.unavailable });
      await pause(w.everyMs ?? 25, w.signal);
    }
  } finally {
    client.close();
  }
}

/** The member that says it leads, if one of the answers does (ignoring stale leaders of older terms). */
export function leaderOf(statuses: readonly EndpointStatus[]): string | undefined {
  let best: { id: string; term: number } | undefined;
  for (const s of statuses) if (s.ok && s.status.role === 'leader' && (best === undefined || s.status.term > best.term)) best = { id: s.status.id, term: s.status.term };
  return best?.id;
}

/** One quick round of statuses from `endpoints` (never throws; unreachable members answer `ok: false`). */
export async function probeStatuses(endpoints: readonly string[], access: { token: string; tls?: TlsFiles | undefined }, timeoutMs = 1_000): Promise<EndpointStatus[]> {
  const client = await localClient({ endpoints, ...access, callTimeoutMs: timeoutMs, overallTimeoutMs: timeoutMs });
  try {
    return await client.statusAll();
  } finally {
    client.close();
  }
}
