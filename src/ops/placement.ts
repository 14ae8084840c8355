/**
 * Placement: which failure domains (zone, region) each voter runs in, and what that means for the quorum.
 * Pure functions of the voters, so each rule is tested alone (test/ops/placement.test.ts):
 *
 * - `zoneTolerance`, `regionTolerance`: how many whole zones (regions) the cluster can lose, any
 *   of them, and still have a quorum of healthy voters; and which it cannot lose.
 * - `zoneMajority`, `domainMajority`: the zone (region) that holds a quorum of the voters, if any
 *   (losing it loses the quorum whatever else is healthy): what the placement gate refuses to create.
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
  /** null, '' or absent when it reports no region. */
  readonly region?: string | null;
  /** Counts towards the quorum now (answers, follows the leader, not far behind). */
  readonly healthy: boolean;
}

/** The failure domains placement reasons about: zones within a region, and regions. */
export type DomainKind = 'zone' | 'region';

/** The voters of one failure domain. */
interface DomainVoters {
  /** The domain's name; `NO_ZONE` ('') for voters without one. */
  readonly name: string;
  readonly voters: readonly string[];
  readonly healthy: readonly string[];
}

/** The voters of one zone. */
export interface ZoneVoters {
  /** The zone's name; `NO_ZONE` ('') for voters without one. */
  readonly zone: string;
  readonly voters: readonly string[];
  readonly healthy: readonly string[];
}

/** The voters of one region. */
export interface RegionVoters {
  /** The region's name; '' for voters without one. */
  readonly region: string;
  readonly voters: readonly string[];
  readonly healthy: readonly string[];
}

/** What losing whole domains of one kind does to the quorum. */
interface Tolerance {
  /** Votes needed: a majority of all voters, healthy or not. */
  readonly quorum: number;
  readonly healthyVoters: number;
  /** Whole domains that can be lost, any of them, with a quorum of healthy voters left (0 when none, or no quorum now). */
  readonly canLose: number;
  /** Domains whose loss alone would leave fewer healthy voters than the quorum, in natural order. */
  readonly critical: readonly string[];
  /** One line: `survives the loss of any 1 zone`, `losing region us loses quorum`, … */
  readonly summary: string;
}

/** Fault tolerance per zone: what `fleet status` reports beside the per-member tolerance. */
export interface ZoneTolerance extends Tolerance {
  /** Every zone with a voter, in natural order (`NO_ZONE` last). */
  readonly zones: readonly ZoneVoters[];
}

/** Fault tolerance per region, reported when the voters span several regions. */
export interface RegionTolerance extends Tolerance {
  /** Every region with a voter, in natural order (voters without a region last). */
  readonly regions: readonly RegionVoters[];
}

/** A zone's name as a sentence shows it. */
export function zoneName(zone: string): string {
  return zone === NO_ZONE ? '(no zone)' : zone;
}

function domainName(kind: DomainKind, name: string): string {
  return name === NO_ZONE ? `(no ${kind})` : name;
}

function domainOf(v: PlacedVoter, kind: DomainKind): string {
  return (kind === 'zone' ? v.zone : v.region) || NO_ZONE;
}

/** The voters grouped by zone, in natural order of the zones (`NO_ZONE` last). */
export function votersByZone(voters: readonly PlacedVoter[]): ZoneVoters[] {
  return votersByDomain(voters, 'zone').map(({ name, ...rest }) => ({ zone: name, ...rest }));
}

function votersByDomain(voters: readonly PlacedVoter[], kind: DomainKind): DomainVoters[] {
  const groups = new Map<string, { voters: string[]; healthy: string[] }>();
  for (const v of voters) {
    const name = domainOf(v, kind);
    let g = groups.get(name);
    if (g === undefined) groups.set(name, (g = { voters: [], healthy: [] }));
    g.voters.push(v.id);
    if (v.healthy) g.healthy.push(v.id);
  }
  const order = (a: string, b: string) => (a === NO_ZONE ? 1 : b === NO_ZONE ? -1 : naturalCompare(a, b));
  return [...groups].sort(([a], [b]) => order(a, b)).map(([name, g]) => ({ name, voters: g.voters.sort(naturalCompare), healthy: g.healthy.sort(naturalCompare) }));
}

/** A majority of `voters`. */
function quorumOf(voters: number): number {
  return voters === 0 ? 0 : Math.floor(voters / 2) + 1;
}

/**
 * Per-zone fault tolerance of the voters, computed on those healthy now; undefined when no voter
 * reports a zone (placement is not in play).
 */
export function zoneTolerance(voters: readonly PlacedVoter[]): ZoneTolerance | undefined {
  if (!voters.some((v) => domainOf(v, 'zone') !== NO_ZONE)) return undefined;
  const { domains, ...tolerance } = toleranceOf(voters, 'zone');
  return { zones: domains.map(({ name, ...rest }) => ({ zone: name, ...rest })), ...tolerance };
}

/**
 * Per-region fault tolerance of the voters, computed on those healthy now; undefined unless the
 * voters span at least two regions (a cluster in one region cannot survive losing it, and says
 * so per zone already).
 */
export function regionTolerance(voters: readonly PlacedVoter[]): RegionTolerance | undefined {
  const named = new Set(voters.map((v) => domainOf(v, 'region')).filter((r) => r !== NO_ZONE));
  if (named.size < 2) return undefined;
  const { domains, ...tolerance } = toleranceOf(voters, 'region');
  return { regions: domains.map(({ name, ...rest }) => ({ region: name, ...rest })), ...tolerance };
}

/**
 * The worst loss of k domains is that of the k domains with the most healthy voters, so the
 * cluster survives the loss of any k domains exactly when the healthy voters outside those k
 * reach the quorum.
 */
function toleranceOf(voters: readonly PlacedVoter[], kind: DomainKind): Tolerance & { domains: DomainVoters[] } {
  const domains = votersByDomain(voters, kind);
  const quorum = quorumOf(voters.length);
  const healthyVoters = voters.filter((v) => v.healthy).length;
  const largestFirst = domains.map((z) => z.healthy.length).sort((a, b) => b - a);
  let canLose = 0;
  let left = healthyVoters;
  // Never all domains: a cluster with no domain left has no voter either.
  while (canLose < domains.length - 1 && left - largestFirst[canLose]! >= quorum) left -= largestFirst[canLose++]!;
  const critical = domains.filter((z) => healthyVoters - z.healthy.length < quorum).map((z) => z.name);
  return { domains, quorum, healthyVoters, canLose, critical, summary: summaryOf(kind, domains, quorum, healthyVoters, canLose, critical) };
}

function summaryOf(kind: DomainKind, domains: readonly DomainVoters[], quorum: number, healthy: number, canLose: number, critical: readonly string[]): string {
  if (healthy < quorum) return `no quorum now (${healthy} of ${quorum} needed healthy): no ${kind} can be lost`;
  if (domains.length === 1) return `every voter is in ${kind} ${domainName(kind, domains[0]!.name)}: losing it loses quorum`;
  if (canLose > 0) return `survives the loss of any ${canLose} ${kind}${canLose === 1 ? '' : 's'}`;
  return `losing ${kind} ${orList(critical.map((c) => domainName(kind, c)))} loses quorum`;
}

/** `a`, `a or b`, `a, b or c`. */
function orList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/** A domain holding a quorum of the voters: losing that domain alone loses the quorum. */
export interface DomainMajority {
  readonly kind: DomainKind;
  /** The domain's name. */
  readonly name: string;
  readonly voters: readonly string[];
  readonly total: number;
  readonly quorum: number;
}

/** A zone holding a quorum of the voters (`zoneMajority`). */
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
  const m = domainMajority(voters, 'zone');
  return m === undefined ? undefined : { zone: m.name, voters: m.voters, total: m.total, quorum: m.quorum };
}

/** The same rule for zones (`kind` 'zone') or regions ('region'). */
export function domainMajority(voters: readonly Pick<PlacedVoter, 'id' | 'zone' | 'region'>[], kind: DomainKind): DomainMajority | undefined {
  const domains = votersByDomain(voters.map((v) => ({ ...v, healthy: true })), kind);
  const named = domains.filter((z) => z.name !== NO_ZONE);
  if (named.length === 0 || domains.length < 2) return undefined;
  // Regions count only when the voters span several: one region and a voter that names none is
  // one region with a member not configured yet, not a placement to refuse.
  if (kind === 'region' && named.length < 2) return undefined;
  const quorum = quorumOf(voters.length);
  const big = named.find((z) => z.voters.length >= quorum);
  return big === undefined ? undefined : { kind, name: big.name, voters: big.voters, total: voters.length, quorum };
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
