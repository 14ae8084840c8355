/**
 * A drill in the cluster's audit log: one `drill.start` record before the first fault and one
 * `drill.end` record after the cluster has recovered, both written by the CLI through the leader
 * (the member under fault may be the leader, dead or paused). Recording never changes a drill's
 * verdict: a record that cannot be written within its deadline becomes one warning line.
 */
import { randomUUID } from 'node:crypto';
import type { DrillAuditRecord } from '../../client/index.js';
import type { DrillOptions, DrillReport, Verdict } from './types.js';

/** Writes one record through the leader (FleetClient.recordDrill). */
export type DrillRecorder = (record: DrillAuditRecord) => Promise<void>;

/** The two records of one drill. Each answers a warning line when its record was not written. */
export interface DrillAuditTrail {
  start(): Promise<string | undefined>;
  end(report: DrillReport): Promise<string | undefined>;
  /** The drill threw (Ctrl-C when `interrupted`, else an error) instead of reaching a verdict. */
  failed(err: unknown, interrupted: boolean): Promise<string | undefined>;
}

/** How long a record may take, retries at a new leader included, before the drill gives up on it. */
export const DRILL_RECORD_DEADLINE_MS = 8_000;

const VERDICT_WORDS: Record<Verdict, string> = { pass: 'pass', 'slo-missed': 'SLO missed', unsafe: 'safety violation', aborted: 'aborted' };
/** The reason a failed verdict carries is cut here: the log keeps a line, the report has the rest. */
const MAX_REASON = 300;

/** What the drill was told, as the start record keeps it: the options that apply to its kind. */
export function drillStartArgs(opts: DrillOptions): Record<string, unknown> {
  const args: Record<string, unknown> = {
    rounds: opts.rounds,
    clients: opts.clients,
    keys: opts.keys,
    warmupMs: opts.warmupMs,
    observeMs: opts.observeMs,
    restart: opts.restart,
    slo: { ...opts.slo },
  };
  if (opts.drill === 'pause-leader') args.pauseMs = opts.pauseMs;
  if (opts.drill === 'partition') Object.assign(args, { isolate: opts.isolate, partitionMs: opts.partitionMs });
  if (opts.target !== undefined) args.target = opts.target;
  return args;
}

/** The headline figures of a finished drill, as the end record's arguments keep them. */
export interface DrillEndFigures {
  readonly verdict: Verdict;
  readonly rounds: number;
  readonly elapsedMs: number;
  readonly maxUnavailableMs: number | null;
  readonly maxNewLeaderMs: number | null;
  /** Acknowledged writes lost, and writes applied twice, over every round. */
  readonly lost: number;
  readonly duplicated: number;
  readonly linearizable: boolean | null;
}

/** The headline figures of a finished drill. */
export function drillEndFigures(report: DrillReport): DrillEndFigures {
  const sum = (pick: (r: DrillReport['rounds'][number]) => number) => report.rounds.reduce((n, r) => n + pick(r), 0);
  return {
    verdict: report.verdict,
    rounds: report.rounds.length,
    elapsedMs: report.elapsedMs,
    maxUnavailableMs: report.summary.unavailableMs.max,
    maxNewLeaderMs: report.summary.newLeaderMs.max,
    lost: sum((r) => r.lost),
    duplicated: sum((r) => r.duplicated),
    linearizable: report.linearizable,
  };
}

/** The end record's outcome: the verdict in words, the figures, and why when it did not pass. */
export function drillEndOutcome(report: DrillReport): string {
  const f = drillEndFigures(report);
  const unavailable = f.maxUnavailableMs === null ? 'n/a' : `${Math.round(f.maxUnavailableMs)} ms`;
  const head = `${VERDICT_WORDS[report.verdict]}: max unavailability ${unavailable}, ${f.lost} lost writes`;
  // An unsafe verdict's reason starts with the words the head already has.
  const reason = report.reason.replace(/^safety violation — /, '').slice(0, MAX_REASON);
  return report.verdict === 'pass' ? head : `${head} — ${reason}`;
}

function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000}s`)), ms);
    timer.unref();
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** The audit trail of a drill run with `opts`; `id` pairs its start and end records. */
export function drillAuditTrail(opts: DrillOptions, record: DrillRecorder, deadlineMs = DRILL_RECORD_DEADLINE_MS, id = randomUUID().slice(0, 8)): DrillAuditTrail {
  const write = async (phase: 'start' | 'end', args: Record<string, unknown>, outcome?: string): Promise<string | undefined> => {
    try {
      await within(record({ phase, kind: opts.drill, args: { id, ...args }, ...(outcome === undefined ? {} : { outcome }) }), deadlineMs);
      return undefined;
    } catch (err) {
      return `warning: the drill's ${phase} was not recorded in the audit log: ${err instanceof Error ? err.message : String(err)}`;
    }
  };
  let started = false;
  return {
    start: async () => {
      const warning = await write('start', drillStartArgs(opts));
      started = warning === undefined;
      return warning;
    },
    end: (report) => write('end', { ...drillEndFigures(report) }, drillEndOutcome(report)),
    // A drill that failed without its start on record (the cluster did not answer) does not wait a second deadline.
    failed: async (err, interrupted) => (started ? write('end', {}, interrupted ? 'interrupted' : `error: ${(err instanceof Error ? err.message : String(err)).slice(0, MAX_REASON)}`) : undefined),
  };
}
