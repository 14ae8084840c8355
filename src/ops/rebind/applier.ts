/**
 * `fleet rebind plan apply`: the moves still pending, in batches; each batch is one atomic
 * compare-and-set of all its moves in the registry (one Raft entry: all or none). Interrupting
 * (the signal) lets the batch in flight finish and stops before the next; running again skips
 * the moves already in place, so a stopped apply continues and a finished one changes nothing.
 * A move whose cluster someone else moved meanwhile is a conflict: stop, or skip and report it.
 */
import type { PlanState, RebindMove } from '../../client/index.js';
import { CliError, EXIT } from '../../common/errors.js';
import { checkPlan, MAX_LISTED, type CheckReport, type Problem } from './checker.js';
import type { MoveState, RebindPlan, RebindRegistry } from './types.js';

/** What to do with a move whose cluster is neither on `from` nor on `to`. */
export type OnConflict = 'stop' | 'skip';

/** How to apply. */
export interface ApplyOptions {
  /** Moves per batch (one atomic write each); at most the registry's 10,000, and on etcd what fits one transaction. */
  readonly batchSize: number;
  /** Moves per second at most (default: as fast as the cluster commits). */
  readonly rate?: number;
  readonly onConflict: OnConflict;
  /** Accept non-active or full targets. */
  readonly force?: boolean;
  /** `user@host`, reported as the plan's `startedBy`. */
  readonly startedBy: string;
  /** Aborting stops after the batch in flight. */
  readonly signal?: AbortSignal;
  /** Called once, before the first move, with nothing applied yet; answers where the rollback plan was left. */
  readonly beforeFirstMove?: () => Promise<string>;
  readonly onBatch?: (e: BatchEvent) => void;
  /** How often the plan's progress is reported to the registry (default 500 ms). */
  readonly reportEveryMs?: number;
  readonly clock?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** After each batch: what has been done, for a progress bar or a log line. */
export interface BatchEvent {
  readonly batch: number;
  readonly batches: number;
  readonly moved: number;
  /** Moves in place, those before this run included. */
  readonly done: number;
  readonly total: number;
  readonly skipped: number;
  readonly elapsedMs: number;
  readonly movesPerSecond: number;
  readonly etaMs: number | null;
}

/** The outcome of an apply (the `--json` document). */
export interface ApplyReport {
  readonly planId: string;
  /** completed: every move in place or skipped; paused: interrupted; unchanged: nothing was pending. */
  readonly state: 'completed' | 'paused' | 'unchanged';
  readonly total: number;
  readonly inPlaceBefore: number;
  readonly applied: number;
  /** Moves skipped as conflicting (with `skip`); at most MAX_LISTED of them are listed in `skipped`. */
  readonly skippedCount: number;
  readonly skipped: readonly Problem[];
  readonly batches: number;
  readonly elapsedMs: number;
  readonly movesPerSecond: number;
  readonly rollbackFile: string | null;
  readonly check: CheckReport;
  /** The highest Raft index a batch of this run committed at; null when no batch was applied. */
  readonly index: number | null;
}

/** Applies `plan`. Throws CliError (exit 4) on a conflict with `stop`, or a plan that cannot apply. */
export async function applyPlan(registry: RebindRegistry, plan: RebindPlan, opts: ApplyOptions): Promise<ApplyReport> {
  const { report: check, states } = await checkPlan(registry, plan, { force: opts.force === true });
  const pending = states.filter((s) => s.status === 'pending');
  const skipped: Problem[] = check.problems.filter((p) => p.kind === 'conflict' || p.kind === 'missing');
  const skippedBefore = check.conflicting + check.missing;
  const base = { planId: plan.id, total: plan.moves.length, inPlaceBefore: check.inPlace, check };
  // A plan whose every move is in place is done, whatever happened on its shards since (drift, capacity):
  // re-running it must change nothing and succeed.
  const done = pending.length === 0 && (skippedBefore === 0 || opts.onConflict === 'skip');
  if (done) return { ...base, state: 'unchanged', applied: 0, skippedCount: skippedBefore, skipped, batches: 0, elapsedMs: 0, movesPerSecond: 0, rollbackFile: null, index: null };
  refuseUnapplicable(check, opts.onConflict);
  const rollbackFile = opts.beforeFirstMove === undefined ? null : await opts.beforeFirstMove();
  const run = new Run(registry, plan, opts, check.inPlace, skipped, skippedBefore);
  const outcome = await run.go(pending);
  return { ...base, ...outcome, skippedCount: run.skippedCount, skipped: run.skipped, rollbackFile };
}

/** Problems that stop an apply before any move: unknown or unfit targets always; conflicts and drift with `stop`. */
function refuseUnapplicable(check: CheckReport, onConflict: OnConflict): void {
  const fatal = check.problems.filter((p) => p.kind === 'unknown-shard' || p.kind === 'target-state' || p.kind === 'capacity');
  if (fatal.length > 0) {
    throw new CliError(`the plan cannot be applied: ${fatal[0]!.message}${more(check.problemCount, 1)}`, {
      exitCode: EXIT.precondition,
      code: 'PLAN_UNAPPLICABLE',
      hint: fatal[0]!.kind === 'unknown-shard' ? 'fleet rebind plan check PLAN' : 'fleet rebind plan check PLAN; pass --force to accept non-active or full targets',
      details: { problems: check.problems },
    });
  }
  if (onConflict === 'stop' && check.problemCount > 0) {
    // A move the operator can look up says more than the drift it causes.
    const first = check.problems.find((p) => p.kind === 'conflict' || p.kind === 'missing') ?? check.problems[0]!;
    throw new CliError(`the plan is out of date: ${first.message}${more(check.problemCount, 1)}`, {
      exitCode: EXIT.precondition,
      code: 'PLAN_OUT_OF_DATE',
      hint: 'fleet rebind plan check PLAN; generate a new plan, or pass --on-conflict skip to apply the moves that still hold',
      details: { problems: check.problems },
    });
  }
}

function more(count: number, shown: number): string {
  const rest = count - shown;
  return rest > 0 ? ` (and ${rest} more problem${rest === 1 ? '' : 's'})` : '';
}

/** The parts of a FleetClientError an apply reads (by shape, like the CLI's error mapping). */
interface Refusal {
  readonly name: 'FleetClientError';
  readonly kind: string;
  readonly message: string;
  readonly details: { readonly moveIndex?: number };
}

function refusedMove(err: unknown): number | undefined {
  const e = err as Partial<Refusal> | undefined;
  if (!(err instanceof Error) || e?.name !== 'FleetClientError') return undefined;
  if (e.kind !== 'precondition' && e.kind !== 'not-found') return undefined;
  return typeof e.details?.moveIndex === 'number' ? e.details.moveIndex : undefined;
}

/** One apply's loop and its counters. */
class Run {
  applied = 0;
  done: number;
  batches = 0;
  skippedCount: number;
  readonly skipped: Problem[];
  readonly #clock: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #start: number;
  #lastReport = -Infinity;
  #index: number | null = null;

  constructor(
    private readonly registry: RebindRegistry,
    private readonly plan: RebindPlan,
    private readonly opts: ApplyOptions,
    inPlace: number,
    skipped: Problem[],
    skippedCount: number,
  ) {
    this.done = inPlace;
    this.skipped = [...skipped];
    this.skippedCount = skippedCount;
    this.#clock = opts.clock ?? (() => performance.now());
    this.#sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.#start = this.#clock();
  }

  async go(pending: readonly MoveState[]): Promise<{ state: 'completed' | 'paused'; applied: number; batches: number; elapsedMs: number; movesPerSecond: number; index: number | null }> {
    const batches = cutBatches(pending, this.opts.batchSize, this.registry.fitBatch?.bind(this.registry));
    const count = batches.length;
    let state: 'completed' | 'paused' = 'completed';
    try {
      await this.#report('running', true);
      for (let b = 0; b < count; b++) {
        if (this.opts.signal?.aborted === true) {
          state = 'paused';
          break;
        }
        await this.#throttle();
        await this.#applyBatch(batches[b]!);
        this.batches++;
        this.opts.onBatch?.(this.#event(count));
        await this.#report('running', false);
      }
    } catch (err) {
      await this.#report('failed', true).catch(() => undefined);
      throw err;
    }
    await this.#report(state === 'completed' ? 'completed' : 'paused', true);
    const elapsedMs = this.#clock() - this.#start;
    return { state, applied: this.applied, batches: this.batches, elapsedMs, movesPerSecond: rate(this.applied, elapsedMs), index: this.#index };
  }

  /** Waits until the moves made so far fit the rate. */
  async #throttle(): Promise<void> {
    if (this.opts.rate === undefined || this.opts.rate <= 0) return;
    const due = this.#start + (this.applied / this.opts.rate) * 1000;
    const wait = due - this.#clock();
    if (wait > 0) await this.#sleep(wait);
  }

  /** One batch, atomically; a refused move in place is dropped, a conflicting one stops or is skipped, and the rest is sent again. */
  async #applyBatch(batch: readonly MoveState[]): Promise<void> {
    let left = [...batch];
    while (left.length > 0) {
      const moves: RebindMove[] = left.map((s) => s.move);
      try {
        const r = await this.registry.write({ type: 'cluster.rebindBatch', moves, planId: this.plan.id, ...(this.opts.force === true ? { force: true } : {}) });
        this.#index = Math.max(this.#index ?? 0, r.index);
        this.applied += left.length;
        this.done += left.length;
        return;
      } catch (err) {
        const i = refusedMove(err);
        if (i === undefined || i >= left.length) throw err;
        await this.#settle(left[i]!, err as Error);
        left = left.filter((_, j) => j !== i);
      }
    }
  }

  /** Decides about a refused move by where its cluster is now. */
  async #settle(s: MoveState, refusal: Error): Promise<void> {
    const now = await this.registry.getCluster(s.move.cluster);
    const { move, index } = s;
    const at = `moves[${index}] (cluster ${JSON.stringify(move.cluster)})`;
    if (now !== undefined && now.shard === move.to) {
      this.done++;
      return;
    }
    if (now !== undefined && now.shard === move.from) {
      // The cluster is where the plan expects: the refusal is about the target (state, capacity).
      throw new CliError(`${at}: ${refusal.message}`, { exitCode: EXIT.precondition, code: 'PLAN_UNAPPLICABLE', hint: 'fleet rebind plan check PLAN', cause: refusal });
    }
    const problem: Problem =
      now === undefined
        ? { kind: 'missing', moveIndex: index, cluster: move.cluster, message: `${at}: no such cluster (removed meanwhile)` }
        : { kind: 'conflict', moveIndex: index, cluster: move.cluster, message: `${at}: was moved to ${now.shard === null ? 'no shard' : JSON.stringify(now.shard)} by someone else meanwhile, neither ${JSON.stringify(move.from)} nor ${JSON.stringify(move.to)}` };
    if (this.opts.onConflict === 'stop') {
      throw new CliError(`conflict after ${this.done} of ${this.plan.moves.length} moves: ${problem.message}`, {
        exitCode: EXIT.precondition,
        code: 'CONFLICT',
        hint: 're-run with --on-conflict skip to apply the other moves, or fleet rebind plan verify PLAN',
        details: { moveIndex: index, cluster: move.cluster, currentShard: now?.shard ?? null, done: this.done },
      });
    }
    this.skippedCount++;
    if (this.skipped.length < MAX_LISTED) this.skipped.push(problem);
  }

  #event(batches: number): BatchEvent {
    const elapsedMs = this.#clock() - this.#start;
    const perSecond = rate(this.applied, elapsedMs);
    const left = this.plan.moves.length - this.done - this.skippedCount;
    return {
      batch: this.batches,
      batches,
      moved: this.applied,
      done: this.done,
      total: this.plan.moves.length,
      skipped: this.skippedCount,
      elapsedMs,
      movesPerSecond: perSecond,
      etaMs: perSecond > 0 ? (Math.max(0, left) / perSecond) * 1000 : null,
    };
  }

  /** Publishes the progress (plan.progress) at most every `reportEveryMs`, or now when `force`. */
  async #report(state: PlanState, force: boolean): Promise<void> {
    const t = this.#clock();
    if (!force && t - this.#lastReport < (this.opts.reportEveryMs ?? 500)) return;
    this.#lastReport = t;
    const total = this.plan.moves.length;
    await this.registry.write({ type: 'plan.progress', planId: this.plan.id, startedBy: this.opts.startedBy, done: Math.min(this.done, total), total, state });
  }
}

/**
 * The pending moves cut into batches: at most `batchSize` each, and no more than `fit` says one
 * atomic write takes (on etcd, what fits one transaction; see the registry's `fitBatch`).
 */
export function cutBatches(pending: readonly MoveState[], batchSize: number, fit?: (moves: readonly RebindMove[]) => number): MoveState[][] {
  const out: MoveState[][] = [];
  for (let i = 0; i < pending.length; ) {
    const next = pending.slice(i, i + Math.max(1, batchSize));
    const n = fit === undefined ? next.length : Math.max(1, Math.min(next.length, fit(next.map((m) => m.move))));
    out.push(next.slice(0, n));
    i += n;
  }
  return out;
}

function rate(moves: number, ms: number): number {
  return ms > 0 ? Math.round((moves / ms) * 1000) : 0;
}
