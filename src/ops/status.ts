/**
 * The `fleet status` view model: what every member says about itself, combined into one row
 * per member and a verdict on the quorum. `buildStatusModel` is a pure function of the probes
 * (so it is tested with fixtures); `collectStatus` does the probing.
 *
 * Unreachable members are rows, not errors: the model always describes what could be seen,
 * and `quorum.available` says whether the cluster can make progress.
 */
import type { AutopilotSettings, AutopilotState, BackupState, EndpointStatus, MemberInfo, MemberStatus, PlanView, ReadOptions, RepairState } from '../client/index.js';
import { naturalCompare } from './natural-order.js';
import { regionTolerance, zoneTolerance, type PlacedVoter, type RegionTolerance, type ZoneTolerance } from './placement.js';

/** A member's role as `fleet status` shows it. */
export type StatusRole = 'leader' | 'follower' | 'learner' | 'replica' | 'candidate' | 'unreachable' | 'unknown';

/** One row. Numbers are null when the member did not answer. */
export interface StatusMember {
  /** Null for an endpoint that never answered and is not in the membership. */
  readonly id: string | null;
  readonly address: string;
  readonly role: StatusRole;
  /** Whether the membership counts it as a voter (null: not in the membership seen). */
  readonly voter: boolean | null;
  /** Its zone and region, as it says or (when it does not answer) as the others heard it; null when unset or unknown. */
  readonly zone?: string | null;
  readonly region?: string | null;
  /** A permanent read replica (`--read-replica`), as it says or the others heard it; absent otherwise. */
  readonly readReplica?: true;
  readonly term: number | null;
  readonly commitIndex: number | null;
  readonly appliedIndex: number | null;
  readonly lastIndex: number | null;
  /** Entries it trails the leader's last index by (0 on the leader). */
  readonly lag: number | null;
  /** Milliseconds since it last heard from the leader (0 on the leader, -1 never). */
  readonly lastContactMs: number | null;
  /** `out-of-space` while its disk refuses its log writes (it appends nothing); null when it did not answer. */
  readonly storage: MemberStatus['storage'] | null;
  readonly healthy: boolean;
  /** Why it is not healthy; absent when healthy. */
  readonly problem?: string;
  /** Set when it is stuck: entries are committed that it does not apply (see `isStuck`). */
  readonly stuck?: true;
  readonly rttMs: number | null;
  readonly version: string | null;
  readonly uptimeMs: number | null;
  /** Set while the member rebuilds a damaged log from the leader. */
  readonly repair: RepairState | null;
  /** Its scheduled backups, as it reports them; absent when it takes none. */
  readonly backup?: BackupState;
  /** Autopilot's verdict on it, from the leader; absent when no leader reports one. */
  readonly autopilot?: MemberVerdict;
  /** What only an etcd member reports; set on the rows of an etcd cluster. */
  readonly etcd?: EtcdMemberFacts;
}

/** An etcd member's own facts, beside the fields it shares with fleet's members. */
export interface EtcdMemberFacts {
  readonly name: string;
  readonly learner: boolean;
  /** Bytes of the backend database file, and of it in use (the rest is free pages until a defrag). */
  readonly dbSize: number | null;
  readonly dbSizeInUse: number | null;
  /** Active alarms raised by this member (NOSPACE, CORRUPT). */
  readonly alarms: readonly string[];
  /** The errors its Status reports. */
  readonly errors: readonly string[];
}

/** What the leader's autopilot says of one member. */
export interface MemberVerdict {
  readonly healthy: boolean;
  /** Healthy for the whole stabilization period. */
  readonly stable: boolean;
  /** Unheard from for longer than dead-after: cleanup removes it if enabled and safe. */
  readonly dead: boolean;
  /** Milliseconds since the leader last heard from it. */
  readonly lastContactMs: number;
  readonly trailingEntries: number;
  /** Milliseconds since it was last caught up with the leader's log. */
  readonly trailingMs: number;
}

/** Autopilot as the leader runs it: the replicated settings and what it holds back. */
export interface AutopilotView {
  readonly settings: AutopilotSettings;
  readonly settingsProblem: string | null;
  /** Members it judges dead, in id order. */
  readonly dead: readonly string[];
  /** Changes due but held back (cleanup off, minimum quorum), one sentence each. */
  readonly held: readonly string[];
  readonly lastAction: string | null;
}

/** Whether the voters can still commit, and how many more can fail. */
export interface QuorumView {
  readonly voters: number;
  /** Votes needed: a majority of the voters. */
  readonly size: number;
  readonly healthyVoters: number;
  /** How many more voters can fail before writes stop (0 when already at the edge or below). */
  readonly failureTolerance: number;
  /** A leader is known and a quorum of voters is healthy. */
  readonly available: boolean;
}

/**
 * The cluster's state in one word, what `fleet status` exits with: `healthy` (exit 0) when every
 * member answers and the voters survive at least one more failure; `degraded` (exit 7) when a
 * quorum commits but a member is down or lagging, or no further failure is survivable;
 * `unavailable` (exit 3) when no quorum answers.
 */
export type HealthState = 'healthy' | 'degraded' | 'unavailable';

/** The state and why it is not `healthy` (empty when it is), one short reason per finding. */
export interface HealthView {
  readonly state: HealthState;
  readonly reasons: readonly string[];
}

/** A follower or learner trailing the leader by more entries than this is lagging (the leader refuses promotions beyond 1,000). */
export const LAGGING_ENTRIES = 1_000;

/** The whole `fleet status` document (the `--json` output). */
export interface StatusModel {
  /** Set for an etcd cluster; absent for fleet's own. */
  readonly engine?: 'etcd';
  readonly clusterName: string | null;
  readonly leader: string | null;
  readonly term: number;
  readonly health: HealthView;
  readonly quorum: QuorumView;
  readonly members: readonly StatusMember[];
  /**
   * Rebind plans in progress (running, or paused by an interrupted apply), most recently
   * updated first, so an apply left running in another terminal is visible.
   */
  readonly plans: readonly PlanView[];
  /** Autopilot's settings and findings, from the leader; null without a leader that reports them. */
  readonly autopilot: AutopilotView | null;
  /** Members whose wall clock is off from the others' by more than CLOCK_BOUND_MS, one sentence each. */
  readonly clockWarnings: readonly string[];
  /** Members whose event loop was held past a third of their election timeout in the last minute, one sentence each. */
  readonly loopWarnings?: readonly string[];
  /**
   * The leader's configuration index (the membership change that made the membership shown);
   * null without a leader that reports it. Membership changes checked against this model carry
   * it, so that the leader refuses them if the membership moved meanwhile.
   */
  readonly configIndex?: number | null;
  /** Fault tolerance per zone, of the voters healthy now; null when no voter reports a zone. */
  readonly zones?: ZoneTolerance | null;
  /** Fault tolerance per region, of the voters healthy now; null unless the voters span several regions. */
  readonly regions?: RegionTolerance | null;
  /** The preferred leader region (`fleet autopilot set --preferred-region`) and where the leader runs; null when none is set or no leader reports it. */
  readonly preferredRegion?: PreferredRegionView | null;
  /** The cluster's version as the log records it (the lowest of its members'); null before one was agreed or without a member that reports it. */
  readonly clusterVersion?: { readonly version: string; readonly dataFormat: number } | null;
}

/** Where the leader runs against the preferred region. */
export interface PreferredRegionView {
  readonly region: string;
  readonly leaderRegion: string | null;
  /** The leader runs outside the preferred region (autopilot hands leadership back once a voter there is stable and caught up). */
  readonly leaderOutside: boolean;
}

/**
 * How far a member's wall clock may be from the others' before `fleet status` says so: the
 * bound a follower's own log warning uses (MAX_CLOCK_OFFSET_MS in src/core/node/fleet-node.ts).
 * Leases and sessions are timed on monotonic clocks and stay safe beyond it; the times a member
 * stamps and shows (lease "held until", cluster contact times) do not.
 */
export const CLOCK_BOUND_MS = 1_000;

/** Thresholds of health. */
export interface StatusThresholds {
  /** A follower that has not heard from the leader for longer is unhealthy (default 5 s). */
  readonly staleContactMs?: number;
}

type Answered = Extract<EndpointStatus, { ok: true }>;

/** Combines the probes (and the registry's plans) into the model. Pure: the same inputs always give the same model. */
export function buildStatusModel(probes: readonly EndpointStatus[], thresholds: StatusThresholds = {}, plans: readonly PlanView[] = []): StatusModel {
  const answered = probes.filter((p): p is Answered => p.ok);
  const leader = pickLeader(answered);
  const reference = leader ?? maxBy(answered, (a) => a.status.term);
  const membership = reference?.status.members ?? [];
  const term = Math.max(0, ...answered.map((a) => a.status.term));
  const ctx: RowContext = { leader: leader?.status, staleContactMs: thresholds.staleContactMs ?? 5_000, term, answered };
  const rows = withPlacement(withVerdicts(rowsFor(probes, answered, membership, ctx), leader?.status.autopilot), answered).sort(byId);
  const quorum = quorumOf(rows, membership, leader !== undefined);
  return {
    clusterName: reference?.status.clusterName ?? null,
    leader: leader?.status.id ?? null,
    term: leader?.status.term ?? term,
    health: healthOf(rows, quorum),
    quorum,
    members: rows,
    plans: plansInProgress(plans),
    autopilot: autopilotView(leader?.status.autopilot),
    clockWarnings: leader === undefined ? [] : clockWarnings(leader.status, answered),
    loopWarnings: loopWarnings(answered),
    configIndex: leader?.status.configIndex ?? null,
    zones: zoneTolerance(placedVoters(rows)) ?? null,
    regions: regionTolerance(placedVoters(rows)) ?? null,
    preferredRegion: preferredRegionOf(leader?.status, rows),
    clusterVersion: clusterVersionOf(leader?.status ?? reference?.status),
  };
}

/** The cluster's agreed version, as the leader (else the reference member) applied it; null before one was agreed. */
function clusterVersionOf(s: MemberStatus | undefined): { version: string; dataFormat: number } | null {
  const v = s?.clusterVersion;
  return v === undefined ? null : { version: v.version, dataFormat: v.dataFormat };
}

function preferredRegionOf(leader: MemberStatus | undefined, rows: readonly StatusMember[]): PreferredRegionView | null {
  const region = leader?.autopilot?.settings.preferredRegion ?? '';
  if (leader === undefined || region === '') return null;
  const leaderRegion = rows.find((r) => r.id === leader.id)?.region ?? null;
  return { region, leaderRegion, leaderOutside: leaderRegion !== region };
}

/**
 * Each row's zone and region: what the member says of itself when it answers, else what the
 * others heard it announce (a stopped member keeps its place in the others' memory).
 */
function withPlacement(rows: StatusMember[], answered: readonly Answered[]): StatusMember[] {
  const known = new Map<string, { zone?: string | undefined; region?: string | undefined; readReplica?: boolean | undefined }>();
  for (const a of answered) for (const m of a.status.members) if ((m.zone || m.region || m.readReplica) && !known.has(m.id)) known.set(m.id, m);
  for (const a of answered) known.set(a.status.id, a.status);
  return rows.map((r) => {
    const p = r.id === null ? undefined : known.get(r.id);
    return { ...r, zone: p?.zone || null, region: p?.region || null, ...(p?.readReplica ? { readReplica: true as const } : {}) };
  });
}

/** The voters as placement sees them: where each runs and whether it counts now. */
function placedVoters(rows: readonly StatusMember[]): PlacedVoter[] {
  return rows.filter((r) => r.id !== null && r.voter === true).map((r) => ({ id: r.id!, zone: r.zone ?? null, region: r.region ?? null, healthy: r.healthy }));
}

/**
 * Each member's clock against the leader's (followers report the leader's minus their own), and
 * the members whose clock is off from the median of them all by more than the bound: with one
 * member off, the median is the others' clock, so the skewed member is named, leader or not.
 */
export function clockWarnings(leader: MemberStatus, answered: readonly Answered[]): string[] {
  const clocks = new Map<string, number>([[leader.id, 0]]);
  for (const a of answered) {
    if (a.status.id !== leader.id && a.status.clockOffsetMs !== undefined) clocks.set(a.status.id, -a.status.clockOffsetMs);
  }
  if (clocks.size < 2) return [];
  const sorted = [...clocks.values()].sort((x, y) => x - y);
  const median = sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
  const out: string[] = [];
  for (const [id, clock] of [...clocks].sort(([a], [b]) => naturalCompare(a, b))) {
    const off = clock - median;
    if (Math.abs(off) <= CLOCK_BOUND_MS) continue;
    out.push(
      `${id}'s wall clock is ${humanOffset(Math.abs(off))} ${off > 0 ? 'ahead of' : 'behind'} the others' (bound ${CLOCK_BOUND_MS / 1000} s): ` +
        'leases and sessions stay safe (they are timed on monotonic clocks), but the times it stamps and shows are off; check its NTP',
    );
  }
  return out;
}

/**
 * The members whose event loop was held longer than their bound (a third of the election
 * timeout) in the last minute: a held loop holds heartbeats, so such a member may lose its
 * leadership or call elections with nothing failed. Members that predate the fields are not judged.
 */
export function loopWarnings(answered: readonly Answered[]): string[] {
  const held = answered.map((a) => a.status).filter((s) => (s.loopHeldBoundMs ?? 0) > 0 && (s.loopDelayMaxMs ?? 0) > (s.loopHeldBoundMs ?? 0));
  return held
    .sort((a, b) => naturalCompare(a.id, b.id))
    .map((s) => `${s.id}'s event loop was held ${s.loopDelayMaxMs} ms in the last minute (bound ${s.loopHeldBoundMs} ms, a third of its election timeout): its heartbeats were late; its log names the step, and a busy machine (CPU, swap) explains the rest`);
}

function humanOffset(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** Adds the leader's autopilot verdict to each row; a dead member's problem says it is dead. */
function withVerdicts(rows: StatusMember[], state: AutopilotState | undefined): StatusMember[] {
  if (state === undefined) return rows;
  return rows.map((r) => {
    const h = state.members.find((m) => m.id === r.id);
    if (h === undefined) return r;
    const autopilot: MemberVerdict = { healthy: h.healthy, stable: h.stable, dead: h.dead, lastContactMs: h.lastContactMs, trailingEntries: h.trailingEntries, trailingMs: h.trailingMs };
    if (!h.dead) return { ...r, autopilot };
    // The verdict replaces the probe's own reason: "dead" says more than "connection refused", and fits top's column.
    return { ...r, autopilot, healthy: false, problem: `dead: no contact for ${Math.round(h.lastContactMs / 1000)}s` };
  });
}

function autopilotView(state: AutopilotState | undefined): AutopilotView | null {
  if (state === undefined) return null;
  const dead = state.members.filter((m) => m.dead).map((m) => m.id).sort(naturalCompare);
  return { settings: state.settings, settingsProblem: state.settingsProblem, dead, held: state.held, lastAction: state.lastAction };
}

/** The state `fleet status` exits with (see HealthState), and the findings behind it, member by member. */
export function healthOf(rows: readonly StatusMember[], quorum: QuorumView): HealthView {
  const reasons = rows.filter((r) => !r.healthy).map((r) => `${r.id ?? r.address}: ${r.problem ?? 'unhealthy'}`);
  if (!quorum.available) return { state: 'unavailable', reasons: [`no quorum: ${quorum.healthyVoters} of ${quorum.voters} voters healthy, ${quorum.size} needed`, ...reasons] };
  if (quorum.failureTolerance === 0) reasons.push(`can lose no voter: ${quorum.healthyVoters} healthy of ${quorum.voters}, quorum ${quorum.size}`);
  return { state: reasons.length === 0 ? 'healthy' : 'degraded', reasons };
}

/** The plans an operator must know about before starting another: running or paused, newest report first. */
export function plansInProgress(plans: readonly PlanView[]): PlanView[] {
  return plans.filter((p) => p.state === 'running' || p.state === 'paused').sort((a, b) => b.updatedAt - a.updatedAt || (a.planId < b.planId ? -1 : 1));
}

/** The leader: the member that says it leads, at the highest term (a deposed leader may not know yet). */
function pickLeader(answered: readonly Answered[]): Answered | undefined {
  return maxBy(answered.filter((a) => a.status.role === 'leader'), (a) => a.status.term);
}

interface RowContext {
  readonly leader: MemberStatus | undefined;
  readonly staleContactMs: number;
  readonly term: number;
  /** Every member that answered: their peer refusals are evidence about the others. */
  readonly answered: readonly Answered[];
}

/** One row per membership member, plus any probed endpoint outside the membership. */
function rowsFor(probes: readonly EndpointStatus[], answered: readonly Answered[], membership: readonly MemberInfo[], ctx: RowContext): StatusMember[] {
  const used = new Set<EndpointStatus>();
  const rows: StatusMember[] = [];
  for (const m of membership) {
    const probe = answered.find((a) => a.status.id === m.id) ?? probes.find((p) => !p.ok && p.endpoint === m.address);
    if (probe !== undefined) used.add(probe);
    rows.push(probe === undefined ? notProbed(m) : probe.ok ? answeredRow(probe, m, ctx) : unreachableRow(probe, m));
  }
  for (const p of probes) {
    if (used.has(p)) continue;
    rows.push(p.ok ? answeredRow(p, undefined, ctx) : unreachableRow(p, undefined));
  }
  return rows;
}

function answeredRow(p: Answered, m: MemberInfo | undefined, ctx: RowContext): StatusMember {
  const s = p.status;
  const lag = lagOf(s, ctx.leader);
  const stuck = isStuck(s);
  const problem = stuck ? stuckProblem(s) : withCutOffCause(s.id, problemOf(s, m, ctx), ctx);
  return {
    id: s.id,
    address: m?.address ?? s.address ?? p.endpoint,
    role: roleOf(s, m),
    voter: m === undefined ? null : m.voter,
    term: s.term,
    commitIndex: s.commitIndex,
    appliedIndex: s.appliedIndex,
    lastIndex: s.lastIndex,
    lag,
    lastContactMs: s.role === 'leader' ? 0 : s.lastContactMs,
    storage: s.storage,
    healthy: problem === undefined,
    ...(problem === undefined ? {} : { problem }),
    ...(stuck ? { stuck: true as const } : {}),
    rttMs: p.rttMs,
    version: s.version,
    uptimeMs: s.uptimeMs,
    repair: s.repair,
    ...(s.backup ? { backup: s.backup } : {}),
  };
}

function unreachableRow(p: Extract<EndpointStatus, { ok: false }>, m: MemberInfo | undefined): StatusMember {
  return { ...emptyRow(m?.id ?? null, m?.address ?? p.endpoint, m), problem: `unreachable: ${shortReason(p.error.message, p.endpoint)}`, rttMs: p.rttMs };
}

function notProbed(m: MemberInfo): StatusMember {
  return { ...emptyRow(m.id, m.address, m), problem: 'not probed: its address is not among the endpoints' };
}

/** What a row says of a member that did not answer (fleet's or etcd's). */
export const UNANSWERED = {
  term: null,
  commitIndex: null,
  appliedIndex: null,
  lastIndex: null,
  lag: null,
  lastContactMs: null,
  storage: null,
  healthy: false,
  rttMs: null,
  version: null,
  uptimeMs: null,
  repair: null,
} as const;

function emptyRow(id: string | null, address: string, m: MemberInfo | undefined): StatusMember {
  return { id, address, role: 'unreachable', voter: m === undefined ? null : m.voter, ...UNANSWERED };
}

function roleOf(s: MemberStatus, m: MemberInfo | undefined): StatusRole {
  if (s.role === 'pre-candidate') return 'candidate';
  const learner = s.role === 'learner' || (s.role === 'follower' && m !== undefined && !m.voter);
  if (learner) return s.readReplica || m?.readReplica ? 'replica' : 'learner';
  return s.role;
}

/** The leader's own view of a follower's lag is authoritative; else compare last indexes. */
function lagOf(s: MemberStatus, leader: MemberStatus | undefined): number | null {
  if (leader === undefined) return null;
  if (s.id === leader.id) return 0;
  const progress = leader.progress.find((p) => p.id === s.id);
  if (progress !== undefined) return progress.lag;
  return Math.max(0, leader.lastIndex - s.lastIndex);
}

/**
 * A member is stuck when its applied index has stayed below its commit index, without moving,
 * for longer than its bound (`stuckAfterMs`: three election timeouts, at least 3 s). It says so
 * itself (src/core/node/health/apply-watch.ts), so one probe tells; a member too old to report it is
 * never judged stuck.
 */
export function isStuck(s: Pick<MemberStatus, 'applyStalledMs' | 'stuckAfterMs'>): boolean {
  const after = s.stuckAfterMs ?? 0;
  return after > 0 && (s.applyStalledMs ?? 0) >= after;
}

/** A stuck member's problem: it comes first, since it explains the lag and the stale reads that follow from it. */
function stuckProblem(s: MemberStatus): string {
  const seconds = Math.round((s.applyStalledMs ?? 0) / 100) / 10;
  return `stuck: applies nothing (applied ${s.appliedIndex}, committed ${s.commitIndex}, for ${seconds}s); check its log, then restart it`;
}

/**
 * An unhealthy member's problem headed by why its peers and it cannot talk, when either side
 * refused the other's streams lately: a member cut off shows only "no leader known" otherwise.
 */
function withCutOffCause(id: string, problem: string | undefined, ctx: RowContext): string | undefined {
  if (problem === undefined || id === ctx.leader?.id) return problem;
  const cause = cutOffCause(id, ctx.answered);
  return cause === undefined ? problem : `${cause} (${problem})`;
}

/** A refused peer stream, told by either end: who refused whom, why. */
interface Refusal {
  readonly refuser: string;
  readonly refused: string;
  readonly reason: string;
  readonly detail: string;
}

/** The refusals every member reports that involve `id`, refusing or refused. */
function refusalsAbout(id: string, answered: readonly Answered[]): Refusal[] {
  const out: Refusal[] = [];
  for (const a of answered) {
    for (const r of a.status.peerRefusals ?? []) {
      const [refuser, refused] = r.byThisMember ? [a.status.id, r.peer] : [r.peer, a.status.id];
      if (refuser === id || refused === id) out.push({ refuser, refused, reason: r.reason, detail: r.detail });
    }
  }
  return out;
}

/** Peers refuse a handshake stamped further than this from their clock (HANDSHAKE_WINDOW_MS in src/core/server/guard/peer-auth.ts). */
const HANDSHAKE_WINDOW_TEXT = '5 min';

/**
 * Why `id` is cut off from its peers, in words, from the refusals either side reports; undefined
 * without any. A stale handshake names how far its clock is off and from whose; a bad signature
 * names the peer secret; anything else is said as the refusing member said it.
 */
export function cutOffCause(id: string, answered: readonly Answered[]): string | undefined {
  const refusals = refusalsAbout(id, answered);
  const others = (rs: readonly Refusal[]) => [...new Set(rs.map((r) => (r.refuser === id ? r.refused : r.refuser)))].sort(naturalCompare).join(', ');
  const stale = refusals.find((r) => r.reason === 'stale-handshake' && /is -?\d+ s old/.test(r.detail));
  if (stale !== undefined) {
    const secondsOld = Number(/is (-?\d+) s old/.exec(stale.detail)![1]);
    // The refuser's clock minus the handshake's stamp: `id` is ahead when a peer finds its stamp in the future.
    const aheadMs = (stale.refuser === id ? secondsOld : -secondsOld) * 1000;
    const other = stale.refuser === id ? stale.refused : stale.refuser;
    return `peer streams refused: clock ${humanOffset(Math.abs(aheadMs))} ${aheadMs >= 0 ? 'ahead of' : 'behind'} ${other}'s (handshakes must be within ${HANDSHAKE_WINDOW_TEXT}); fix NTP`;
  }
  const badSecret = refusals.filter((r) => r.reason === 'bad-signature');
  if (badSecret.length > 0) return `peer streams refused: bad peer secret (its handshakes with ${others(badSecret)} are signed with another secret); give it the cluster's --peer-secret-file`;
  const first = refusals[0];
  if (first === undefined) return undefined;
  if (first.reason === 'unknown-member' && first.refused === id) return `peer streams refused: ${first.refuser} does not know it as a member (fleet members list)`;
  return `peer streams refused by ${first.refuser} (${first.reason}): ${first.detail}`;
}

/** Why a member that answered is not healthy, or undefined. */
function problemOf(s: MemberStatus, m: MemberInfo | undefined, ctx: RowContext): string | undefined {
  // First: it explains the lag and the stale contact that follow from it.
  if (s.storage === 'out-of-space') return 'out of space: its disk is full, it appends nothing until space is freed';
  const leader = ctx.leader;
  if (m === undefined && leader !== undefined) return 'not in the membership';
  if (leader === undefined) return s.leaderId === '' ? 'no leader known' : `follows ${s.leaderId}, which is not leading`;
  if (s.id === leader.id) return undefined;
  if (s.role === 'leader') return `stale leader of term ${s.term} (current term ${leader.term})`;
  if (s.leaderId !== leader.id) return s.leaderId === '' ? 'no leader known' : `follows ${s.leaderId}, not ${leader.id}`;
  if (s.repair !== null) return `repairing a damaged log (${s.repair.file}: ${s.repair.reason}), catching up from the leader`;
  if (s.lastContactMs < 0) return 'never heard from the leader';
  if (s.lastContactMs > ctx.staleContactMs) return `no contact with the leader for ${Math.round(s.lastContactMs / 100) / 10}s`;
  const progress = leader.progress.find((p) => p.id === s.id);
  if (progress?.state === 'snapshot') return 'catching up from a snapshot';
  const lag = progress?.lag ?? Math.max(0, leader.lastIndex - s.lastIndex);
  if (lag > LAGGING_ENTRIES) return `lagging: ${lag} entries behind`;
  return undefined;
}

function quorumOf(rows: readonly StatusMember[], membership: readonly MemberInfo[], hasLeader: boolean): QuorumView {
  const voterIds = new Set(membership.filter((m) => m.voter).map((m) => m.id));
  const voters = voterIds.size;
  const size = voters === 0 ? 0 : Math.floor(voters / 2) + 1;
  const healthyVoters = rows.filter((r) => r.id !== null && voterIds.has(r.id) && r.healthy).length;
  const available = hasLeader && voters > 0 && healthyVoters >= size;
  return { voters, size, healthyVoters, failureTolerance: Math.max(0, healthyVoters - size), available };
}

/** The gist of a transport error, for a table cell: the cause without the endpoint and the advice. */
export function shortReason(message: string, endpoint: string): string {
  if (/ECONNREFUSED/.test(message)) return 'connection refused';
  if (/ENOTFOUND|EAI_AGAIN/.test(message)) return 'unknown host';
  if (/EHOSTUNREACH|ENETUNREACH/.test(message)) return 'host unreachable';
  if (/no answer within|Deadline exceeded|DEADLINE_EXCEEDED/i.test(message)) return 'timed out';
  const rest = message.startsWith(`${endpoint}: `) ? message.slice(endpoint.length + 2) : message;
  return rest.split(': ')[0] ?? rest;
}

function maxBy<T>(items: readonly T[], key: (t: T) => number): T | undefined {
  let best: T | undefined;
  for (const item of items) if (best === undefined || key(item) > key(best)) best = item;
  return best;
}

/** Member ids in natural order (n2 before n10); unknown ids last, by address. */
function byId(a: StatusMember, b: StatusMember): number {
  if (a.id === null || b.id === null) return a.id === b.id ? a.address.localeCompare(b.address) : a.id === null ? 1 : -1;
  return naturalCompare(a.id, b.id);
}

/** What `collectStatus` needs from a client; without `listPlans` the model shows no plans. */
export interface StatusSource {
  statusAll(): Promise<EndpointStatus[]>;
  listPlans?(opts?: ReadOptions): Promise<PlanView[]>;
}

/** Plans as any member sees them; none when no member can answer (status must still show the members). */
async function readPlans(client: StatusSource): Promise<PlanView[]> {
  if (client.listPlans === undefined) return [];
  try {
    // A follower read: status must not need a leader to show what it can.
    return await client.listPlans({ consistency: { maxStalenessMs: 10_000 } });
  } catch {
    return [];
  }
}

/**
 * When no member answered and one refused our credentials (a token, a certificate, the TLS
 * scheme), that refusal: the cluster is up, and "is it running?" would send the operator the
 * wrong way.
 */
function credentialRefusal(probes: readonly EndpointStatus[]): Error | undefined {
  if (probes.some((p) => p.ok)) return undefined;
  const refused = probes.find((p) => !p.ok && ['unauthenticated', 'permission-denied', 'tls'].includes(p.error.kind));
  return refused === undefined || refused.ok ? undefined : refused.error;
}

/**
 * Probes the configured endpoints, then any member the membership names at an address that
 * was not probed (a context may list only some members), and builds the model.
 */
export async function collectStatus(
  client: StatusSource,
  probeMore: (addresses: readonly string[]) => Promise<EndpointStatus[]>,
  thresholds: StatusThresholds = {},
): Promise<StatusModel> {
  const [first, plans] = await Promise.all([client.statusAll(), readPlans(client)]);
  const refusal = credentialRefusal(first);
  if (refusal !== undefined) throw refusal;
  const probed = new Set(first.map((p) => p.endpoint));
  const known = new Set(first.flatMap((p) => (p.ok ? [p.status.id] : [])));
  const missing = new Set<string>();
  // A member with no address yet (a read replica hears only from the leader, so it may not know a follower's) cannot be probed.
  for (const p of first) if (p.ok) for (const m of p.status.members) if (m.address !== '' && !probed.has(m.address) && !known.has(m.id)) missing.add(m.address);
  const more = missing.size === 0 ? [] : await probeMore([...missing]);
  return buildStatusModel([...first, ...more], thresholds, plans);
}
