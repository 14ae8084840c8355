/**
 * What a drill's fault phase gets and gives back, and the steps the drills share: waiting out
 * the observation, restarting a member and timing its catch-up. The workload runs throughout;
 * a scenario only injects, watches and restores.
 */
import { nsToMs, pause, type DrillClock } from '../clock.js';
import type { FaultAction, FaultInjector } from '../injector.js';
import type { Disturbance } from '../measure.js';
import type { ClusterProbe, MemberRef, SteadyState } from '../steady-state.js';
import type { CheckResult, DrillName, DrillOptions, DrillProgress, Violation } from '../types.js';
import { agreedLeader, statusOf, waitForCatchUp } from '../watch.js';

/** Everything a scenario needs for one round. */
export interface RoundContext {
  readonly round: number;
  readonly opts: DrillOptions;
  readonly steady: SteadyState;
  readonly probe: ClusterProbe;
  readonly injector: FaultInjector;
  readonly clock: DrillClock;
  readonly signal?: AbortSignal | undefined;
  /** Members this round took down and has not brought back (the engine restores them if interrupted). */
  readonly down: Map<string, MemberRef>;
  /** Reports the phase (and the leader as last seen) for the progress line. */
  phase(phase: DrillProgress['phase'], leader?: string | null): void;
}

/** What a scenario did and measured. Times are on the drill's clock. */
export interface FaultOutcome {
  readonly target: string;
  readonly killed: string | null;
  readonly newLeader: string | null;
  readonly newLeaderMs: number | null;
  /** Whether the fault should have produced a new leader (so a missing one misses the SLO). */
  readonly expectNewLeader: boolean;
  readonly catchupMs: number | null;
  /** The fault and the repairs (restart, resume, heal), in time order: windows are measured from these. */
  readonly disturbances: readonly Disturbance[];
  readonly checks: readonly CheckResult[];
  readonly violations: readonly Violation[];
  readonly extra: Readonly<Record<string, number | null>>;
  /**
   * The operations that show the cluster's usual latency under this fault's conditions (the WAN
   * drill's delayed links): the stall threshold is taken from them instead of the warm-up, and
   * their write latency is reported (`writeP50Ms`, `writeP99Ms`). Default: the warm-up.
   */
  readonly baseline?: { readonly fromNs: number; readonly toNs: number };
}

/** One drill's fault phase. */
export interface Scenario {
  readonly name: DrillName;
  /** What the injector must be able to do for these options. */
  needs(opts: DrillOptions): FaultAction[];
  /** Checks, once before the first fault, what the scenario needs of the members; throws a CliError to refuse. */
  prepare?(injector: FaultInjector, members: readonly MemberRef[], opts: DrillOptions): Promise<void>;
  run(ctx: RoundContext): Promise<FaultOutcome>;
}

/** A check of the fault's own expectations. */
export function checkOf(name: string, ok: boolean, detail: string, severity: CheckResult['severity'] = 'slo'): CheckResult {
  return { name, ok, detail, severity };
}

/** Milliseconds from `fromNs` to `toNs`, or null when `toNs` was never reached. */
export function elapsedMs(fromNs: number, toNs: number | undefined): number | null {
  return toNs === undefined ? null : nsToMs(toNs - fromNs);
}

/** Waits until the drill's clock reaches `untilNs` (or the drill is interrupted). */
export async function waitUntil(ctx: RoundContext, untilNs: number): Promise<void> {
  await pause((untilNs - ctx.clock.nowNs()) / 1e6, ctx.signal);
}

/** How long to wait for a new leader: long enough to measure an SLO miss, not only to see it. */
export function electionBudgetMs(opts: DrillOptions): number {
  return Math.max(opts.observeMs, opts.settleMs);
}

/** Every member but `id`. */
export function othersThan(members: readonly MemberRef[], id: string): MemberRef[] {
  return members.filter((m) => m.id !== id);
}

/** The leader `members` agree on now, if any. */
export async function currentLeader(ctx: RoundContext, members: readonly MemberRef[]): Promise<{ id: string; term: number } | undefined> {
  return agreedLeader(await ctx.probe.statusAll(members.map((m) => m.address)), members);
}

/** The highest commit index any of `members` reports now (0 if none answers). */
export async function commitIndexOf(ctx: RoundContext, members: readonly MemberRef[]): Promise<number> {
  const all = await ctx.probe.statusAll(members.map((m) => m.address));
  return Math.max(0, ...all.flatMap((s) => (s.ok ? [s.status.commitIndex] : [])));
}

/**
 * Times how long `member` takes from `sinceNs` to answer again (`upMs`) and to apply what the
 * others had committed at that moment, coming within the lag bound (`catchupMs`). Null for
 * what did not happen within `settleMs`.
 */
export async function timeCatchUp(ctx: RoundContext, member: MemberRef, sinceNs: number): Promise<{ catchupMs: number | null; upMs: number | null }> {
  const others = othersThan(ctx.steady.members, member.id);
  const index = await commitIndexOf(ctx, others);
  const seen = await waitForCatchUp(ctx.probe, ctx.clock, {
    member,
    members: ctx.steady.members,
    index,
    maxLag: ctx.opts.maxLag,
    deadlineNs: ctx.clock.nowNs() + ctx.opts.settleMs * 1e6,
    signal: ctx.signal,
  });
  return { catchupMs: elapsedMs(sinceNs, seen.caughtUpNs), upMs: elapsedMs(sinceNs, seen.upNs) };
}

/** The addresses `member` answers at (what a write it acknowledged names), for a fault that took it away as leader. */
export function addressesOf(ctx: RoundContext, member: MemberRef): readonly string[] {
  return ctx.steady.addresses.get(member.id) ?? [member.address];
}

/**
 * Starts a member the drill took down and waits until it answers, starting it again if it dies
 * on the way, for up to `deadlineMs`. Answers undefined once it is up, else why it is not (the
 * member's own reason where the injector has it). Throws only when `signal` aborted.
 */
export async function restartMember(injector: FaultInjector, probe: ClusterProbe, member: MemberRef, deadlineMs: number, signal?: AbortSignal): Promise<string | undefined> {
  try {
    await injector.restart(member, { ready: async () => (await statusOf(probe, member)) !== undefined, deadlineMs, signal });
    return undefined;
  } catch (err) {
    if (signal?.aborted) throw err;
    return err instanceof Error ? err.message : String(err);
  }
}

/** What restoring a member found: when the restart began, and either why it failed or when it answered and caught up. */
export interface RestoreOutcome {
  readonly restartNs: number;
  readonly catchupMs: number | null;
  readonly upMs: number | null;
  /** Why the member did not come back (then it is still in `ctx.down`). */
  readonly failure?: string | undefined;
}

/** Restarts a member this round took down; answers when the restart began, when it answered again and its catch-up time. */
export async function restartAndCatchUp(ctx: RoundContext, member: MemberRef): Promise<RestoreOutcome> {
  ctx.phase('restore');
  const restartNs = ctx.clock.nowNs();
  const failure = await restartMember(ctx.injector, ctx.probe, member, ctx.opts.settleMs, ctx.signal);
  if (failure !== undefined) return { restartNs, catchupMs: null, upMs: null, failure };
  ctx.down.delete(member.id);
  return { restartNs, ...(await timeCatchUp(ctx, member, restartNs)) };
}

/** The check that a member came back and caught up. */
export function catchUpCheck(member: string, catchupMs: number | null, settleMs: number): CheckResult {
  return checkOf('caught-up-after-restore', catchupMs !== null, catchupMs === null ? `${member} did not catch up within ${settleMs / 1000}s` : `${member} caught up in ${catchupMs} ms`);
}

/** The check of a restore: that the member came back (naming why not — its catch-up is then beside the point), else that it caught up. */
export function restoreCheck(member: string, r: RestoreOutcome, settleMs: number): CheckResult {
  return r.failure !== undefined ? checkOf('restarted', false, r.failure) : catchUpCheck(member, r.catchupMs, settleMs);
}
