/**
 * `wan`: the cluster as if its regions were far apart. Every member delays what it sends to a
 * member of another region by half the round trip given for that pair (through the drill hook
 * of its transport, so both ends together make the round trip), then the drill measures write
 * latency under those delays, kills the leader as kill-leader does, and heals the links.
 *
 * What it answers: what a write costs across the regions (p50 and p99, against the round trip
 * to the nearest quorum), and how long the cluster is unavailable when the leader dies at WAN
 * distances (the election timeout has to fit the round trips: `fleet init --profile wan`).
 */
import type { PeerLinkDelay } from '../injector.js';
import { killLeader } from './scenarios-process.js';
import { waitUntil, type FaultOutcome, type RoundContext, type Scenario } from './scenario.js';
import type { MemberRef } from '../steady-state.js';
import type { DrillOptions, WanLinks } from '../types.js';
import { statusOf } from '../watch.js';

/** A region pair's key, the same whichever way it is named: `eu-us` for us-eu and eu-us. */
export function pairKey(a: string, b: string): string {
  return [a, b].sort().join('-');
}

/**
 * Parses `--latency us-eu=80ms,us-ap=150ms`: region pairs (region names may not contain '-',
 * which separates them) and round trips. Throws a one-line reason on bad input.
 */
export function parseLatencies(spec: string, parseMs: (value: string) => number): Map<string, number> {
  const pairs = new Map<string, number>();
  for (const item of spec.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const m = /^([^-=\s]+)-([^-=\s]+)=(.+)$/.exec(item);
    if (m === null) throw new Error(`'${item}' is not REGION-REGION=DURATION (e.g. us-eu=80ms)`);
    const [, a = '', b = '', value = ''] = m;
    if (a === b) throw new Error(`'${item}' names one region twice: a pair is two regions`);
    const ms = parseMs(value);
    if (!Number.isFinite(ms) || ms < 0 || ms > 20_000) throw new Error(`'${item}': the round trip must be between 0 and 20s`);
    const key = pairKey(a, b);
    if (pairs.has(key)) throw new Error(`the pair ${a}-${b} is given twice`);
    pairs.set(key, ms);
  }
  if (pairs.size === 0) throw new Error('give at least one REGION-REGION=DURATION pair (e.g. us-eu=80ms)');
  return pairs;
}

/**
 * Each member's outgoing links to members of other regions: half the pair's round trip each way.
 * Throws when a member reports no region or a pair of regions in use has no round trip.
 */
export function linkPlan(regions: ReadonlyMap<string, string>, wan: WanLinks): Map<string, PeerLinkDelay[]> {
  const plan = new Map<string, PeerLinkDelay[]>();
  for (const [id, region] of regions) {
    const links: PeerLinkDelay[] = [];
    for (const [peer, other] of regions) {
      if (peer === id || other === region) continue;
      const rtt = wan.roundTripMs.get(pairKey(region, other));
      if (rtt === undefined) throw new Error(`no round trip given for regions ${region} and ${other} (${id} and ${peer}): add ${pairKey(region, other)}=DURATION to --latency`);
      links.push({ peer, delayMs: Math.round(rtt / 2), jitterMs: Math.round(wan.jitterMs / 2), loss: wan.loss });
    }
    plan.set(id, links);
  }
  return plan;
}

/** How long the links stay delayed at most (the drill heals them sooner; this bounds a drill that died). */
function delayBudgetMs(opts: DrillOptions): number {
  return opts.observeMs * 2 + opts.settleMs * 2 + 30_000;
}

async function regionsOf(ctx: RoundContext): Promise<Map<string, string>> {
  const regions = new Map<string, string>();
  for (const m of ctx.steady.members) {
    const s = await statusOf(ctx.probe, m);
    if (s === undefined) throw new Error(`${m.id} did not answer: the WAN drill needs every member's region`);
    if (!s.region) throw new Error(`${m.id} reports no region: start the members with --region (a local cluster: fleet init --regions us,eu,ap)`);
    regions.set(m.id, s.region);
  }
  return regions;
}

async function delayAll(ctx: RoundContext, plan: ReadonlyMap<string, PeerLinkDelay[]>): Promise<void> {
  const members = ctx.steady.members.filter((m) => (plan.get(m.id)?.length ?? 0) > 0);
  await Promise.all(members.map((m) => ctx.injector.delay(m, plan.get(m.id)!, delayBudgetMs(ctx.opts))));
}

async function healAll(ctx: RoundContext, members: readonly MemberRef[]): Promise<void> {
  // A killed member that is back lost its delays with its process; healing it is harmless.
  await Promise.all(members.map((m) => ctx.injector.heal(m).catch(() => undefined)));
}

/** `wan`: delay the links between regions, measure writes, kill the leader under the delays, heal. */
export const wan: Scenario = {
  name: 'wan',
  needs: (opts) => ['delay', ...killLeader.needs(opts)],
  async run(ctx): Promise<FaultOutcome> {
    const links = ctx.opts.wan;
    if (links === undefined) throw new Error('the WAN drill needs --latency');
    const plan = linkPlan(await regionsOf(ctx), links);
    ctx.phase('fault', ctx.steady.leader.id);
    await delayAll(ctx, plan);
    const delayedNs = ctx.clock.nowNs();
    try {
      // Writes under the delays alone, before the leader is killed: the latency figures.
      await waitUntil(ctx, delayedNs + ctx.opts.observeMs * 1e6);
      const measuredNs = ctx.clock.nowNs();
      const killed = await killLeader.run(ctx);
      return { ...killed, baseline: { fromNs: delayedNs, toNs: measuredNs } };
    } finally {
      await healAll(ctx, ctx.steady.members);
    }
  },
};
