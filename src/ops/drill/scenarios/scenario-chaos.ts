/**
 * `chaos`: a seeded schedule of mixed faults (chaos-schedule.ts) under the same recorded workload,
 * verification and verdict as the single-fault drills. Each fault is made, held for its time and
 * repaired (a killed member restarted, a paused one resumed; a partition, a clock skew or a disk
 * stall ends on the member's own timer, which the drill also heals at the end). After the last,
 * every member must answer and catch up. Checks beyond the history's: every fault was made, every
 * killed member came back, every member caught up.
 */
import { chaosSchedule, type ChaosFault, type Nemesis } from './chaos-schedule.js';
import type { FaultAction } from '../injector.js';
import type { Disturbance } from '../measure.js';
import { addressesOf, checkOf, currentLeader, othersThan, restartMember, timeCatchUp, waitUntil, type FaultOutcome, type RoundContext, type Scenario } from './scenario.js';
import type { MemberRef } from '../steady-state.js';
import type { CheckResult } from '../types.js';

/** What each nemesis asks of the injector (a kill is always repaired by a restart). */
const ACTIONS: Readonly<Record<Nemesis, readonly FaultAction[]>> = {
  kill: ['kill', 'restart'],
  pause: ['pause'],
  partition: ['partition'],
  clock: ['clock'],
  'disk-stall': ['disk-stall'],
};

/** What the timeline calls each fault, and its repair. */
const VERBS: Readonly<Record<Nemesis, readonly [string, string]>> = {
  kill: ['kill', 'restart'],
  pause: ['pause', 'resume'],
  partition: ['isolate', 'heal'],
  clock: ['skew clock of', 'clock back on'],
  'disk-stall': ['stall disk of', 'disk back on'],
};

/** What a run of the schedule did. */
interface ChaosLog {
  readonly disturbances: Disturbance[];
  readonly injected: Map<Nemesis, number>;
  readonly failures: string[];
  readonly touched: Set<string>;
  /** Members the main track has killed or paused now: the clock track skews another. */
  readonly away: Set<string>;
  /** Clock skews not made because every member was away. */
  skipped: number;
}

function chaosOf(ctx: RoundContext): NonNullable<RoundContext['opts']['chaos']> {
  const c = ctx.opts.chaos;
  if (c === undefined) throw new Error('chaos: no nemeses, duration or seed given');
  return c;
}

/**
 * The member a fault strikes: `leader` is whoever leads when it starts. A clock skew aimed at a
 * member the main track has killed or paused goes to the next member that is up (a dead process
 * has no clock to skew); undefined when none is.
 */
async function targetOf(ctx: RoundContext, fault: ChaosFault, away: ReadonlySet<string>): Promise<{ member: MemberRef; isLeader: boolean } | undefined> {
  const leader = (await currentLeader(ctx, ctx.steady.members))?.id ?? ctx.steady.leader.id;
  const id = fault.target === 'leader' ? leader : fault.target;
  const members = ctx.steady.members;
  const at = Math.max(0, members.findIndex((m) => m.id === id));
  const candidates = fault.nemesis === 'clock' ? [...members.slice(at), ...members.slice(0, at)].filter((m) => !away.has(m.id)) : [members[at]!];
  const member = candidates[0];
  return member === undefined ? undefined : { member, isLeader: member.id === leader };
}

const signed = (ms: number): string => `${ms > 0 ? '+' : '-'}${Math.abs(ms) / 1000}s`;

/** Makes one fault, holds it, repairs it; records what happened in `log`. */
async function runFault(ctx: RoundContext, fault: ChaosFault, log: ChaosLog): Promise<void> {
  const target = await targetOf(ctx, fault, log.away);
  if (target === undefined) {
    log.skipped++;
    return;
  }
  const { member, isLeader } = target;
  const label = `${VERBS[fault.nemesis][0]} ${member.id}${fault.nemesis === 'clock' ? ` ${signed(fault.clockOffsetMs ?? 0)}` : ''}`;
  // In-member faults (partition, clock, disk stall) end on the member's own timer after the hold.
  const holdMs = fault.forMs;
  const hits = fault.nemesis !== 'clock' && isLeader;
  try {
    switch (fault.nemesis) {
      case 'kill':
        log.away.add(member.id);
        await ctx.injector.kill(member);
        ctx.down.set(member.id, member);
        break;
      case 'pause':
        log.away.add(member.id);
        await ctx.injector.pause(member, holdMs);
        break;
      case 'partition':
        await ctx.injector.partition(member, othersThan(ctx.steady.members, member.id).map((m) => m.id), holdMs);
        break;
      case 'clock':
        await ctx.injector.skewClock(member, fault.clockOffsetMs ?? 0, holdMs);
        break;
      case 'disk-stall':
        await ctx.injector.stallDisk(member, holdMs);
        break;
    }
  } catch (err) {
    if (ctx.signal?.aborted) throw err;
    if (fault.nemesis === 'clock' && log.away.has(member.id)) {
      // The main track took the member away between the choice and the skew: nothing to skew.
      log.skipped++;
      return;
    }
    if (fault.nemesis === 'kill' || fault.nemesis === 'pause') log.away.delete(member.id);
    log.failures.push(`${label}: ${err instanceof Error ? err.message : String(err)}`);
    return;
  }
  const atNs = ctx.clock.nowNs();
  log.injected.set(fault.nemesis, (log.injected.get(fault.nemesis) ?? 0) + 1);
  log.touched.add(member.id);
  log.disturbances.push({ atNs, hitsLeader: hits, ...(hits ? { leader: addressesOf(ctx, member) } : {}), label });
  ctx.phase('fault', isLeader ? null : undefined);
  await waitUntil(ctx, atNs + holdMs * 1e6);
  if (fault.nemesis === 'kill') {
    const failure = await restartMember(ctx.injector, ctx.probe, member, ctx.opts.settleMs, ctx.signal);
    if (failure !== undefined) log.failures.push(`restart ${member.id}: ${failure}`);
    else ctx.down.delete(member.id);
  } else if (fault.nemesis === 'pause') {
    await ctx.injector.resume(member);
  }
  if (fault.nemesis === 'kill' || fault.nemesis === 'pause') log.away.delete(member.id);
  log.disturbances.push({ atNs: ctx.clock.nowNs(), hitsLeader: false, label: `${VERBS[fault.nemesis][1]} ${member.id}`, repair: true });
  // The progress line names the leader as the members see it after the repair.
  if (hits) ctx.phase('fault', (await currentLeader(ctx, ctx.steady.members))?.id ?? null);
}

/** Runs one track of faults in order, each at its time from `startNs`. */
async function runTrack(ctx: RoundContext, track: readonly ChaosFault[], startNs: number, log: ChaosLog): Promise<void> {
  for (const fault of track) {
    if (ctx.signal?.aborted) return;
    await waitUntil(ctx, startNs + fault.atMs * 1e6);
    await runFault(ctx, fault, log);
  }
}

/** Every member answers and catches up after the last fault; the slowest catch-up. */
async function allCaughtUp(ctx: RoundContext, sinceNs: number): Promise<{ check: CheckResult; slowestMs: number | null }> {
  const times = await Promise.all(ctx.steady.members.map(async (m) => ({ id: m.id, ...(await timeCatchUp(ctx, m, sinceNs)) })));
  const behind = times.filter((t) => t.catchupMs === null).map((t) => t.id);
  const slowest = behind.length > 0 ? null : Math.max(0, ...times.map((t) => t.catchupMs ?? 0));
  const detail = behind.length > 0 ? `${behind.join(', ')} did not catch up within ${ctx.opts.settleMs / 1000}s of the last fault` : `every member caught up, the slowest in ${slowest} ms`;
  return { check: checkOf('every-member-caught-up', behind.length === 0, detail), slowestMs: slowest };
}

export const chaos: Scenario = {
  name: 'chaos',
  needs: (opts) => [...new Set((opts.chaos?.nemeses ?? []).flatMap((n) => ACTIONS[n]))],
  async run(ctx): Promise<FaultOutcome> {
    const c = chaosOf(ctx);
    // Each round its own schedule: round r uses seed + r - 1.
    const seed = c.seed + ctx.round - 1;
    const schedule = chaosSchedule({ seed, durationMs: c.durationMs, nemeses: c.nemeses, members: ctx.steady.members.map((m) => m.id) });
    const log: ChaosLog = { disturbances: [], injected: new Map(), failures: [], touched: new Set(), away: new Set(), skipped: 0 };
    const startNs = ctx.clock.nowNs();
    ctx.phase('fault', ctx.steady.leader.id);
    // The clock track overlaps the main one: they run side by side.
    await Promise.all([
      runTrack(ctx, schedule.filter((f) => f.nemesis !== 'clock'), startNs, log),
      runTrack(ctx, schedule.filter((f) => f.nemesis === 'clock'), startNs, log),
    ]);
    await waitUntil(ctx, startNs + c.durationMs * 1e6);
    // In-member faults end on the members' timers; heal them all the same, so none outlives the run.
    await Promise.all([...log.touched].map((id) => ctx.injector.heal(ctx.steady.members.find((m) => m.id === id)!).catch(() => undefined)));
    const endNs = ctx.clock.nowNs();
    ctx.phase('restore', null);
    // Timed from the end of the last fault; then the rest of the observation, under the workload.
    const caughtUp = await allCaughtUp(ctx, endNs);
    await waitUntil(ctx, endNs + ctx.opts.observeMs * 1e6);
    const counts = [...log.injected].map(([n, k]) => `${k} ${n}`).join(', ');
    const checks: CheckResult[] = [
      checkOf('faults-made', log.failures.length === 0 && log.injected.size > 0, log.failures.length > 0 ? log.failures.join('; ') : `${schedule.length} scheduled (seed ${seed}), ${counts || 'none'} made${log.skipped > 0 ? `, ${log.skipped} clock skews skipped (every member away)` : ''}`),
      caughtUp.check,
    ];
    return {
      target: ctx.steady.members.map((m) => m.id).join(','),
      killed: null,
      newLeader: null,
      newLeaderMs: null,
      expectNewLeader: false,
      catchupMs: caughtUp.slowestMs,
      disturbances: log.disturbances.sort((a, b) => a.atNs - b.atNs),
      checks,
      violations: [],
      extra: { seed, scheduled: schedule.length, ...Object.fromEntries(c.nemeses.map((n) => [`${n}Faults`, log.injected.get(n) ?? 0])) },
    };
  },
};
