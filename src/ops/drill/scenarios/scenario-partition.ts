/**
 * `partition`: cut one member off from all the others (peer traffic dropped both ways, in the
 * member's transport), then heal. Two expectations beyond the history's:
 *
 * - the minority commits nothing: the isolated member's commit index does not move while it is
 *   cut off (a violation of that is a safety violation);
 * - healing does not disrupt the majority: with pre-vote, the returning member cannot force an
 *   election, so the majority's leader and term survive the heal.
 */
import {
  addressesOf,
  catchUpCheck,
  checkOf,
  currentLeader,
  elapsedMs,
  othersThan,
  timeCatchUp,
  waitUntil,
  type FaultOutcome,
  type RoundContext,
  type Scenario,
} from './scenario.js';
import type { MemberRef } from '../steady-state.js';
import type { CheckResult, Violation } from '../types.js';
import { statusOf, waitForAnyLeader, waitForNewLeader } from '../watch.js';

/** Extra time the member's own heal timer waits beyond the planned heal, so the drill heals first. */
const HEAL_MARGIN_MS = 5_000;
/** How often the isolated member's commit index is sampled. */
const SAMPLE_EVERY_MS = 100;

function isolated(ctx: RoundContext): MemberRef {
  const want = ctx.opts.isolate === 'leader' ? ctx.steady.leader.id : ctx.opts.isolate;
  const m = ctx.steady.members.find((x) => x.id === want);
  if (m === undefined) throw new Error(`--isolate ${want} is not a member (members: ${ctx.steady.members.map((x) => x.id).join(', ')})`);
  return m;
}

/** Samples `member`'s commit index until `untilNs`; answers the highest seen (undefined if it never answered). */
async function highestCommit(ctx: RoundContext, member: MemberRef, untilNs: number): Promise<number | undefined> {
  let highest: number | undefined;
  while (ctx.clock.nowNs() < untilNs && !ctx.signal?.aborted) {
    const s = await statusOf(ctx.probe, member);
    if (s !== undefined) highest = Math.max(highest ?? 0, s.commitIndex);
    await waitUntil(ctx, Math.min(untilNs, ctx.clock.nowNs() + SAMPLE_EVERY_MS * 1e6));
  }
  return highest;
}

/** While cut off: the majority's election (if the leader was cut off) and the minority's commit index. */
async function duringPartition(ctx: RoundContext, target: MemberRef, faultNs: number, baseline: number) {
  const healNs = faultNs + ctx.opts.partitionMs * 1e6;
  const majority = othersThan(ctx.steady.members, target.id);
  const wasLeader = target.id === ctx.steady.leader.id;
  const [elected, highest] = await Promise.all([
    wasLeader ? waitForNewLeader(ctx.probe, ctx.clock, { survivors: majority, old: target.id, oldTerm: ctx.steady.term, deadlineNs: healNs, signal: ctx.signal }) : Promise.resolve(undefined),
    highestCommit(ctx, target, healNs),
  ]);
  if (elected !== undefined) ctx.phase('observe', elected.id);
  return { wasLeader, elected, highest, healNs, majority, baseline };
}

function minorityCheck(ctx: RoundContext, target: MemberRef, baseline: number, highest: number | undefined): { check: CheckResult; violation?: Violation } {
  const moved = highest !== undefined && highest > baseline;
  const detail = moved ? `${target.id} advanced its commit index from ${baseline} to ${highest} while cut off from every other member` : `${target.id} stayed at commit index ${baseline}`;
  const check = checkOf('minority-commits-nothing', !moved, detail, 'safety');
  return moved ? { check, violation: { kind: 'minority-commit', round: ctx.round, key: undefined, message: detail, counterexample: [] } } : { check };
}

/** `partition`: isolate the leader (or `--isolate ID`) for `--duration`, heal, and check both expectations above. */
export const partition: Scenario = {
  name: 'partition',
  needs: () => ['partition'],
  async run(ctx): Promise<FaultOutcome> {
    const target = isolated(ctx);
    const others = othersThan(ctx.steady.members, target.id);
    ctx.phase('fault', ctx.steady.leader.id);
    await ctx.injector.partition(target, others.map((m) => m.id), ctx.opts.partitionMs + HEAL_MARGIN_MS);
    // The fault is timed from when it took effect: the member has cut its peers off.
    const faultNs = ctx.clock.nowNs();
    const baseline = (await statusOf(ctx.probe, target))?.commitIndex ?? 0;
    ctx.phase('observe', target.id === ctx.steady.leader.id ? null : ctx.steady.leader.id);
    const during = await duringPartition(ctx, target, faultNs, baseline);
    await waitUntil(ctx, during.healNs);
    const before = await currentLeader(ctx, during.majority);
    const healNs = ctx.clock.nowNs();
    await ctx.injector.heal(target);
    ctx.phase('restore', before?.id ?? null);
    // Timed from the heal while the round observes: started after it, the figure was the observe window.
    const catchUp = timeCatchUp(ctx, target, healNs);
    catchUp.catch(() => undefined);
    await waitUntil(ctx, healNs + ctx.opts.observeMs * 1e6);
    const after = await waitForAnyLeader(ctx.probe, ctx.clock, ctx.steady.members, ctx.clock.nowNs() + ctx.opts.settleMs * 1e6, ctx.signal);
    const { catchupMs } = await catchUp;
    const calm = before !== undefined && after !== undefined && after.id === before.id && after.term === before.term;
    const minority = minorityCheck(ctx, target, baseline, during.highest);
    const checks = [
      ...(during.wasLeader ? [checkOf('new-leader', during.elected !== undefined, during.elected ? `${during.elected.id} leads term ${during.elected.term}` : 'the majority elected no leader while the leader was cut off')] : []),
      minority.check,
      checkOf('no-disruption-on-heal', calm, calm ? `${before.id} kept leading term ${before.term} after the heal` : `leader ${before?.id ?? 'none'} (term ${before?.term ?? '?'}) before the heal, ${after?.id ?? 'none'} (term ${after?.term ?? '?'}) after`),
      catchUpCheck(target.id, catchupMs, ctx.opts.settleMs),
    ];
    return {
      target: target.id,
      killed: null,
      newLeader: during.elected?.id ?? null,
      newLeaderMs: elapsedMs(faultNs, during.elected?.atNs),
      expectNewLeader: during.wasLeader,
      catchupMs,
      disturbances: [
        { atNs: faultNs, hitsLeader: during.wasLeader, ...(during.wasLeader ? { leader: addressesOf(ctx, target) } : {}) },
        { atNs: healNs, hitsLeader: false },
      ],
      checks,
      violations: minority.violation ? [minority.violation] : [],
      extra: {},
    };
  },
};
