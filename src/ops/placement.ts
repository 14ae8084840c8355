/**
 * Placement: which failure domain (zone) each voter runs in, and what that means for the quorum.
 * Pure functions of the voters, so each rule is tested alone (test/ops/placement.test.ts):
 *
 * - `zoneTolerance`: how many whole zones the cluster can lose, any of them, and still have a
 *   quorum of healthy voters; and which zones it cannot lose.
 * - `zoneMajority`: the zone that holds a quorum of the voters, if any (losing it loses the
 *   quorum whatever else is healthy): what the placement gate refuses to create.
 * - `spreadOverZones` and `emptiestZone`: how a local cluster lays members out over zones.
 *
 * A voter without a zone is counted in a domain of its own kind, `NO_ZONE`: nothing says it does
 * not share a failure domain with the other unplaced voters, so they are assumed to share one.
 */
import { naturalCompare } from './natural-order.js';

/** The domain of voters that report no zone. */
export const NO_ZONE = '';

/** A voter as placement sees it. */
export interface PlacedVoter {
  readonly id: string;
  /** null (or '') when it reports no zone. */
  readonly zone: string | null;
  /** Counts towards the quorum now (answers, follows the leader, not far behind). */
  readonly healthy: boolean;
}

/** The voters of one zone. */
export interface ZoneVoters {
  /** The zone's name; `NO_ZONE` ('') for voters without one. */
  readonly zone: string;
  readonly voters: readonly string[];
  readonly healthy: readonly string[];
}

/** Fault tolerance per zone: what `fleet status` reports beside the per-member tolerance. */
export interface ZoneTolerance {
  /** Every zone with a voter, in natural order (`NO_ZONE` last). */
  readonly zones: readonly ZoneVoters[];
  /** Votes needed: a majority of all voters, healthy or not. */
  readonly quorum: number;
  readonly healthyVoters: number;
  /** Whole zones that can be lost, any of them, with a quorum of healthy voters left (0 when none, or no quorum now). */
  readonly canLose: number;
  /** Zones whose loss alone would leave fewer healthy voters than the quorum, in natural order. */
  readonly critical: readonly string[];
  /** One line: `survives the loss of any 1 zone`, `losing zone a loses quorum`, … */
  readonly summary: string;
}

/** A zone's name as a sentence shows it. */
export function zoneName(zone: string): string {
  return zone === NO_ZONE ? '(no zone)' : zone;
}

/** The voters grouped by zone, in natural order of the zones (`NO_ZONE` last). */
export function votersByZone(voters: readonly PlacedVoter[]): ZoneVoters[] {
  const groups = new Map<string, { voters: string[]; healthy: string[] }>();
  for (const v of voters) {
    const zone = v.zone ?? NO_ZONE;
    let g = groups.get(zone);
    if (g === undefined) groups.set(zone, (g = { voters: [], healthy: [] }));
    g.voters.push(v.id);
    if (v.healthy) g.healthy.push(v.id);
  }
  const order = (a: string, b: string) => (a === NO_ZONE ? 1 : b === NO_ZONE ? -1 : naturalCompare(a, b));
  return [...groups].sort(([a], [b]) => order(a, b)).map(([zone, g]) => ({ zone, voters: g.voters.sort(naturalCompare), healthy: g.healthy.sort(naturalCompare) }));
}

/** A majority of `voters`. */
function quorumOf(voters: number): number {
  return voters === 0 ? 0 : Math.floor(voters / 2) + 1;
}

/**
 * Per-zone fault tolerance of the voters, computed on those healthy now; undefined when no voter
 * reports a zone (placement is not in play).
 *
 * The worst loss of k zones is that of the k zones with the most healthy voters, so the cluster
 * survives the loss of any k zones exactly when the healthy voters outside those k reach the quorum.
 */
export function zoneTolerance(voters: readonly PlacedVoter[]): ZoneTolerance | undefined {
  if (!voters.some((v) => v.zone !== null && v.zone !== NO_ZONE)) return undefined;
  const zones = votersByZone(voters);
  const quorum = quorumOf(voters.length);
  const healthyVoters = voters.filter((v) => v.healthy).length;
  const largestFirst = zones.map((z) => z.healthy.length).sort((a, b) => b - a);
  let canLose = 0;
  let left = healthyVoters;
  // Never all zones: a cluster with no zone left has no voter either.
  while (canLose < zones.length - 1 && left - largestFirst[canLose]! >= quorum) left -= largestFirst[canLose++]!;
  const critical = zones.filter((z) => healthyVoters - z.healthy.length < quorum).map((z) => z.zone);
  return { zones, quorum, healthyVoters, canLose, critical, summary: summaryOf(zones, quorum, healthyVoters, canLose, critical) };
}

function summaryOf(zones: readonly ZoneVoters[], quorum: number, healthy: number, canLose: number, critical: readonly string[]): string {
  if (healthy < quorum) return `no quorum now (${healthy} of ${quorum} needed healthy): no zone can be lost`;
  if (zones.length === 1) return `every voter is in zone ${zoneName(zones[0]!.zone)}: losing it loses quorum`;
  if (canLose > 0) return `survives the loss of any ${canLose} zone${canLose === 1 ? '' : 's'}`;
  return `losing zone ${orList(critical.map(zoneName))} loses quorum`;
}

/** `a`, `a or b`, `a, b or c`. */
function orList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/** A zone holding a quorum of the voters: losing that zone alone loses the quorum. */
export interface ZoneMajority {
  readonly zone: string;
  readonly voters: readonly string[];
  readonly total: number;
  readonly quorum: number;
}

/**
 * The zone holding a quorum of `voters`, when the voters span more than one zone; undefined
 * otherwise. A cluster in one zone (or with no zones) is not spread at all: the rule is about
 * spreading badly, not about not spreading. Voters without a zone never form a majority here.
 */
export function zoneMajority(voters: readonly Pick<PlacedVoter, 'id' | 'zone'>[]): ZoneMajority | undefined {
  const zones = votersByZone(voters.map((v) => ({ ...v, healthy: true })));
  const named = zones.filter((z) => z.zone !== NO_ZONE);
  if (named.length === 0 || zones.length < 2) return undefined;
  const quorum = quorumOf(voters.length);
  const big = named.find((z) => z.voters.length >= quorum);
  return big === undefined ? undefined : { zone: big.zone, voters: big.voters, total: voters.length, quorum };
}

/** Where a member runs. */
export interface ZoneSlot {
  readonly zone: string;
  readonly region: string;
}

/**
 * The zone slots of a local cluster from `--zones` and `--regions`: each zone in the region of
 * the same position, or all in the one region given, or in `defaultRegion`. Throws a one-line
 * message (the caller makes it a usage error) on a bad or repeated label or a count mismatch.
 */
export function zoneSlots(zones: readonly string[], regions: readonly string[], defaultRegion: string, check: (value: string, flag: string) => string | undefined): ZoneSlot[] {
  if (zones.length === 0) {
    if (regions.length > 0) throw new Error('--regions needs --zones: name the zones, and the regions they are in');
    return [];
  }
  if (regions.length > 1 && regions.length !== zones.length) throw new Error(`--regions names ${regions.length} regions for ${zones.length} zones: give one region, or one per zone`);
  for (const [list, flag] of [[zones, '--zones'], [regions, '--regions']] as const) {
    for (const label of list) {
      const problem = check(label, flag);
      if (problem !== undefined) throw new Error(problem);
    }
  }
  const repeated = zones.find((z, i) => zones.indexOf(z) !== i);
  if (repeated !== undefined) throw new Error(`--zones names ${repeated} twice`);
  return zones.map((zone, i) => ({ zone, region: regions.length === 0 ? defaultRegion : (regions[i] ?? regions[0]!) }));
}

/** Members `0 … count-1` laid out round-robin over the slots (n1 in the first zone, n2 in the second, …). */
export function spreadOverZones(count: number, slots: readonly ZoneSlot[]): (ZoneSlot | undefined)[] {
  return Array.from({ length: count }, (_, i) => (slots.length === 0 ? undefined : slots[i % slots.length]));
}

/** The slot with the fewest of `placed` (the first such, in the order given): where a new member goes. */
export function emptiestZone(slots: readonly ZoneSlot[], placed: readonly (string | undefined)[]): ZoneSlot | undefined {
  let best: ZoneSlot | undefined;
  let fewest = Infinity;
  for (const s of slots) {
    const n = placed.filter((z) => z === s.zone).length;
    if (n < fewest) [best, fewest] = [s, n];
  }
  return best;
}
