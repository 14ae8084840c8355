/**
 * The drills that act on members' processes: kill the leader, kill a follower, pause the
 * leader, restart every member in turn.
 */
import { realpathSync } from 'node:fs';
import { CliError, EXIT } from '../../../common/errors.js';
import type { FaultAction } from '../injector.js';
import { buildOf } from '../member-processes.js';
import type { Disturbance } from '../measure.js';
import {
  addressesOf,
  catchUpCheck,
  checkOf,
  currentLeader,
  electionBudgetMs,
  elapsedMs,
  othersThan,
  restartAndCatchUp,
  restartMember,
  restoreCheck,
  timeCatchUp,
  waitUntil,
  type FaultOutcome,
  type RoundContext,
  type Scenario,
} from './scenario.js';
import type { MemberRef } from '../steady-state.js';
import type { CheckResult, DrillOptions } from '../types.js';
import { statusOf, waitForAnyLeader, waitForNewLeader } from '../watch.js';

function withRestart(opts: DrillOptions, actions: FaultAction[]): FaultAction[] {
  return opts.restart ? [...actions, 'restart'] : actions;
}

/** Waits for the survivors of `old` to elect someone else; the check says whether they did in time. */
async function electionAfter(ctx: RoundContext, old: MemberRef, faultNs: number, budget = electionBudgetMs(ctx.opts)): Promise<{ id: string | null; ms: number | null; check: CheckResult }> {
  const survivors = othersThan(ctx.steady.members, old.id);
  const seen = await waitForNewLeader(ctx.probe, ctx.clock, { survivors, old: old.id, oldTerm: ctx.steady.term, deadlineNs: faultNs + budget * 1e6, signal: ctx.signal });
  if (seen !== undefined) ctx.phase('observe', seen.id);
  const ms = elapsedMs(faultNs, seen?.atNs);
  const detail = seen === undefined ? `the survivors agreed on no new leader within ${budget / 1000}s` : `${seen.id} leads term ${seen.term}`;
  return { id: seen?.id ?? null, ms, check: checkOf('new-leader', seen !== undefined, detail) };
}

/** `kill-leader`: SIGKILL the leader, watch the election, restart it, time its catch-up. */
export const killLeader: Scenario = {
  name: 'kill-leader',
  needs: (opts) => withRestart(opts, ['kill']),
  async run(ctx): Promise<FaultOutcome> {
    const old = ctx.steady.leader;
    ctx.phase('fault', old.id);
    await ctx.injector.kill(old);
    // The fault is timed from when it took effect: the process has exited.
    const faultNs = ctx.clock.nowNs();
    ctx.down.set(old.id, old);
    ctx.phase('observe', null);
    const elected = await electionAfter(ctx, old, faultNs);
    await waitUntil(ctx, faultNs + ctx.opts.observeMs * 1e6);
    const checks = [elected.check];
    const disturbances: Disturbance[] = [{ atNs: faultNs, hitsLeader: true, leader: addressesOf(ctx, old) }];
    let catchupMs: number | null = null;
    let upMs: number | null = null;
    if (ctx.opts.restart) {
      const r = await restartAndCatchUp(ctx, old);
      disturbances.push({ atNs: r.restartNs, hitsLeader: false });
      ({ catchupMs, upMs } = r);
      checks.push(restoreCheck(old.id, r, ctx.opts.settleMs));
    }
    return { target: old.id, killed: old.id, newLeader: elected.id, newLeaderMs: elected.ms, expectNewLeader: true, catchupMs, disturbances, checks, violations: [], extra: { upMs } };
  },
};

/** The follower a round kills: `--target`, else each follower in turn. */
function followerFor(ctx: RoundContext): MemberRef {
  const followers = othersThan(ctx.steady.members, ctx.steady.leader.id);
  if (ctx.opts.target !== undefined) {
    const chosen = ctx.steady.members.find((m) => m.id === ctx.opts.target);
    if (chosen === undefined) throw new Error(`--target ${ctx.opts.target} is not a member (members: ${ctx.steady.members.map((m) => m.id).join(', ')})`);
    if (chosen.id === ctx.steady.leader.id) throw new Error(`--target ${chosen.id} is the leader now; kill-leader drills the leader`);
    return chosen;
  }
  return followers[(ctx.round - 1) % followers.length]!;
}

/** `kill-follower`: SIGKILL a follower; the leader must stay, and the follower must catch up. */
export const killFollower: Scenario = {
  name: 'kill-follower',
  needs: (opts) => withRestart(opts, ['kill']),
  async run(ctx): Promise<FaultOutcome> {
    const victim = followerFor(ctx);
    const leader = ctx.steady.leader;
    ctx.phase('fault', leader.id);
    await ctx.injector.kill(victim);
    const faultNs = ctx.clock.nowNs();
    ctx.down.set(victim.id, victim);
    ctx.phase('observe', leader.id);
    await waitUntil(ctx, faultNs + ctx.opts.observeMs * 1e6);
    const now = await currentLeader(ctx, othersThan(ctx.steady.members, victim.id));
    const kept = now?.id === leader.id && now.term === ctx.steady.term;
    const checks = [checkOf('leader-kept', kept, kept ? `${leader.id} still leads term ${ctx.steady.term}` : `leadership changed to ${now?.id ?? 'nobody'} in term ${now?.term ?? '?'}`)];
    const disturbances: Disturbance[] = [{ atNs: faultNs, hitsLeader: false }];
    let catchupMs: number | null = null;
    let upMs: number | null = null;
    if (ctx.opts.restart) {
      const r = await restartAndCatchUp(ctx, victim);
      disturbances.push({ atNs: r.restartNs, hitsLeader: false });
      ({ catchupMs, upMs } = r);
      checks.push(restoreCheck(victim.id, r, ctx.opts.settleMs));
    }
    return { target: victim.id, killed: victim.id, newLeader: kept ? null : (now?.id ?? null), newLeaderMs: null, expectNewLeader: false, catchupMs, disturbances, checks, violations: [], extra: { upMs } };
  },
};

/**
 * After a paused leader resumes: how long until it admits it was deposed (it follows the new
 * leader in a later term). Until then it believes it leads; the history shows whether it
 * acknowledged or served anything as leader meanwhile.
 */
async function timeDeposed(ctx: RoundContext, old: MemberRef, newLeader: string, resumeNs: number): Promise<number | null> {
  const deadlineNs = resumeNs + ctx.opts.settleMs * 1e6;
  for (;;) {
    const s = await statusOf(ctx.probe, old);
    if (s !== undefined && s.role !== 'leader' && s.leaderId === newLeader) return elapsedMs(resumeNs, ctx.clock.nowNs());
    if (ctx.clock.nowNs() >= deadlineNs || ctx.signal?.aborted) return null;
    await waitUntil(ctx, ctx.clock.nowNs() + 20e6);
  }
}

/** `pause-leader`: SIGSTOP the leader for `--pause`, SIGCONT it; it must step down and catch up. */
export const pauseLeader: Scenario = {
  name: 'pause-leader',
  needs: () => ['pause'],
  async run(ctx): Promise<FaultOutcome> {
    const old = ctx.steady.leader;
    ctx.phase('fault', old.id);
    await ctx.injector.pause(old, ctx.opts.pauseMs);
    // The fault is timed from when it took effect: the process is stopped.
    const faultNs = ctx.clock.nowNs();
    ctx.phase('observe', null);
    // The election must happen while the leader is stopped: afterwards it may simply lead on.
    const elected = await electionAfter(ctx, old, faultNs, ctx.opts.pauseMs);
    await waitUntil(ctx, faultNs + ctx.opts.pauseMs * 1e6);
    const resumeNs = ctx.clock.nowNs();
    await ctx.injector.resume(old);
    // Timed from the resume while the round goes on: started after the observe window, it counted
    // what was left of that window (every round read about observe − pause, on etcd too).
    const catchUp = timeCatchUp(ctx, old, resumeNs);
    catchUp.catch(() => undefined);
    const deposedMs = elected.id === null ? null : await timeDeposed(ctx, old, elected.id, resumeNs);
    await waitUntil(ctx, faultNs + ctx.opts.observeMs * 1e6);
    const { catchupMs } = await catchUp;
    const expectNewLeader = ctx.opts.pauseMs >= ctx.opts.slo.newLeaderMs;
    const checks = [
      ...(expectNewLeader || elected.id !== null ? [elected.check] : []),
      ...(elected.id === null ? [] : [checkOf('old-leader-deposed', deposedMs !== null, deposedMs === null ? `${old.id} still did not follow ${elected.id} ${ctx.opts.settleMs / 1000}s after resuming` : `${old.id} followed ${elected.id} ${deposedMs} ms after resuming`)]),
      catchUpCheck(old.id, catchupMs, ctx.opts.settleMs),
    ];
    return { target: old.id, killed: null, newLeader: elected.id, newLeaderMs: elected.ms, expectNewLeader, catchupMs, disturbances: [{ atNs: faultNs, hitsLeader: true, leader: addressesOf(ctx, old) }, { atNs: resumeNs, hitsLeader: false }], checks, violations: [], extra: { deposedMs } };
  },
};

/** Stops, restarts and waits for one member of a rolling restart; answers its figures. */
async function restartOne(
  ctx: RoundContext,
  m: MemberRef,
  wasLeader: boolean,
): Promise<{ faultNs: number; newLeader: { id: string | null; ms: number | null; check: CheckResult } | null; catchupMs: number | null; stoppedMs: number | null; failure?: string }> {
  ctx.phase('fault', wasLeader ? null : ctx.steady.leader.id);
  const faultNs = ctx.clock.nowNs();
  ctx.down.set(m.id, m);
  // A leader hands off as soon as it gets SIGTERM, long before its process is gone: watch at once.
  const [newLeader] = await Promise.all([wasLeader ? electionAfter(ctx, m, faultNs) : Promise.resolve(null), ctx.injector.stop(m, ctx.opts.settleMs)]);
  const stoppedMs = elapsedMs(faultNs, ctx.clock.nowNs());
  ctx.phase('restore');
  const failure = await restartMember(ctx.injector, ctx.probe, m, ctx.opts.settleMs, ctx.signal);
  if (failure !== undefined) return { faultNs, newLeader, catchupMs: null, stoppedMs, failure };
  ctx.down.delete(m.id);
  const { catchupMs } = await timeCatchUp(ctx, m, faultNs);
  // The next member goes only once everyone agrees on a leader again.
  await waitForAnyLeader(ctx.probe, ctx.clock, ctx.steady.members, ctx.clock.nowNs() + ctx.opts.settleMs * 1e6, ctx.signal);
  return { faultNs, newLeader, catchupMs, stoppedMs };
}

/**
 * Every member in turn (SIGTERM, start, catch up), followers first, the leader last; `after`
 * adds a check of each member once it caught up (an upgrade: the build it runs now).
 */
async function restartInTurn(ctx: RoundContext, after?: (m: MemberRef) => Promise<CheckResult>): Promise<FaultOutcome> {
  const leader = ctx.steady.leader;
  const order = [...othersThan(ctx.steady.members, leader.id), leader];
  const disturbances: Disturbance[] = [];
  const checks: CheckResult[] = [];
  const catchups: (number | null)[] = [];
  const extra: Record<string, number | null> = {};
  let elected: { id: string | null; ms: number | null; check: CheckResult } | null = null;
  for (const m of order) {
    if (ctx.signal?.aborted) break;
    const wasLeader = m.id === leader.id;
    const r = await restartOne(ctx, m, wasLeader);
    disturbances.push({ atNs: r.faultNs, hitsLeader: wasLeader, ...(wasLeader ? { leader: addressesOf(ctx, m) } : {}) });
    catchups.push(r.catchupMs);
    // How long each member took to exit after SIGTERM: a slow graceful stop slows every deploy.
    extra[`stoppedMs.${m.id}`] = r.stoppedMs;
    if (r.newLeader !== null) elected = r.newLeader;
    if (r.failure !== undefined) {
      // The next member must not go down while this one is: that could cost the quorum.
      checks.push(checkOf('restarted', false, r.failure));
      break;
    }
    checks.push(catchUpCheck(m.id, r.catchupMs, ctx.opts.settleMs));
    if (after !== undefined) checks.push(await after(m));
  }
  if (elected !== null) checks.unshift(elected.check);
  const catchupMs = catchups.some((c) => c === null) ? null : Math.max(...(catchups as number[]));
  return { target: order.map((m) => m.id).join(','), killed: null, newLeader: elected?.id ?? null, newLeaderMs: elected?.ms ?? null, expectNewLeader: true, catchupMs, disturbances, checks, violations: [], extra };
}

/** `rolling-restart`: every member in turn (SIGTERM, start, catch up), followers first, the leader last. */
export const rollingRestart: Scenario = {
  name: 'rolling-restart',
  needs: () => ['stop', 'restart'],
  run: (ctx) => restartInTurn(ctx),
};

/**
 * `upgrade`: a rolling restart in which each member comes back running another build (`--to`),
 * under the same workload and checks; each member must run that build once it caught up. With
 * `--from`, every member must run that build before anything is touched.
 */
export const upgrade: Scenario = {
  name: 'upgrade',
  needs: () => ['stop', 'restart'],
  async prepare(injector, members, opts) {
    const plan = upgradePlan(opts);
    if (injector.commandLine === undefined) throw new CliError('upgrade needs the members\' processes on this machine (a local cluster, or --pids)', { exitCode: EXIT.usage });
    if (plan.from === undefined) return;
    const wrong: string[] = [];
    for (const m of members) {
      const build = buildOf(await injector.commandLine(m));
      if (!sameFile(build, plan.from)) wrong.push(`${m.id} runs ${build ?? 'no build this machine can see'}`);
    }
    if (wrong.length > 0) throw new CliError(`--from ${plan.from}: ${wrong.join('; ')}; nothing was changed`, { exitCode: EXIT.precondition, code: 'UPGRADE_FROM_MISMATCH', hint: 'name the build the members run now with --from, or leave it out' });
  },
  run: (ctx) => {
    const plan = upgradePlan(ctx.opts);
    return restartInTurn(ctx, async (m) => {
      const build = buildOf(await ctx.injector.commandLine?.(m));
      const version = (await statusOf(ctx.probe, m).catch(() => undefined))?.version;
      const on = `${build ?? 'an unknown build'}${version ? ` (fleet ${version})` : ''}`;
      const ok = sameFile(build, plan.to);
      return checkOf('runs-new-build', ok, ok ? `${m.id} runs ${on}` : `${m.id} runs ${on}, not ${plan.to}`);
    });
  },
};

/** Whether two paths name the same file (a build named through a symbolic link is the same build). */
function sameFile(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return p;
    }
  };
  return real(a) === real(b);
}

function upgradePlan(opts: DrillOptions): { to: string; from?: string | undefined } {
  if (opts.upgrade === undefined) throw new CliError('the upgrade drill needs the build to upgrade to', { exitCode: EXIT.usage });
  return opts.upgrade;
}
