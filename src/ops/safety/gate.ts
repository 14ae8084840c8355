/**
 * The safety gate of every risky command: from the `fleet status` model and a proposed change,
 * what the change does to the cluster — voters, quorum and failures survivable before and after,
 * the members that must take part (reachable? caught up? how far behind?) — and what is wrong
 * with it. Pure: the same model and change always give the same preview, so each rule is tested
 * alone (test/ops/safety/gate.test.ts, with properties over random clusters).
 *
 * The rules, each a `Problem`:
 * - NO_QUORUM: the cluster has no quorum now; nothing can commit (not forceable, exit 3).
 * - INVALID: the change cannot work at all (not a member, already a voter, …; not forceable).
 * - UNREACHABLE / LAGGING: a member that must take part does not answer, or trails the leader.
 * - LEADER_WITHOUT_HANDOFF: the leader would go and no healthy voter can take over.
 * - QUORUM_LOST: afterwards (or while a drill's fault lasts) fewer voters are healthy than a quorum.
 * - NO_FAULT_TOLERANCE: the cluster could lose a voter before and could lose none afterwards.
 * - EVEN_VOTERS: the change leaves an even number of voters (no more tolerance than one fewer).
 * - ZONE_MAJORITY, REGION_MAJORITY: the change puts a quorum of the voters in one zone (one
 *   region), when they span several: losing it alone would stop writes (src/ops/placement.ts).
 * - a write's own risks, named by the command (e.g. a domain assignment that moves the domain).
 *
 * Invariant (checked by the property tests): `decide(preview, false)` never lets through a
 * change after which fewer voters are healthy than a quorum, nor one that leaves an even number
 * of voters or drops the failures survivable from one or more to none.
 */
import type { EndpointStatus } from '../../client/index.js';
import { naturalCompare } from '../natural-order.js';
import { domainMajority } from '../placement.js';
import { shortReason, type StatusMember, type StatusModel } from '../status.js';

/** A change a command is about to make. */
export type ProposedChange =
  /** `members add` without --learner: added as a learner, promoted once caught up. */
  | { readonly kind: 'add-voter'; readonly id: string; readonly address: string }
  | { readonly kind: 'add-learner'; readonly id: string; readonly address: string }
  | { readonly kind: 'promote'; readonly id: string }
  /** `members remove`; the leader hands leadership on first. */
  | { readonly kind: 'remove'; readonly id: string }
  /** `leader transfer`; `to` undefined: the most caught-up healthy follower. */
  | { readonly kind: 'transfer'; readonly to?: string | undefined }
  /** `scale`: new members to add (through learners), members to remove (the leader, if any, after a hand-off); `zones` and `regions`: where the new ones will run. */
  | { readonly kind: 'resize'; readonly add: readonly string[]; readonly remove: readonly string[]; readonly zones?: Readonly<Record<string, string>>; readonly regions?: Readonly<Record<string, string>> }
  /** A drill: each target in turn is faulted (killed, paused, cut off) while the others serve. */
  | { readonly kind: 'fault'; readonly drill: string; readonly targets: readonly string[] }
  /** A registry write of one or many records: it needs the leader and a quorum, and may carry risks of its own. */
  | { readonly kind: 'write'; readonly summary: string; readonly records?: RecordImpact; readonly risks?: readonly Problem[] };

/** What a registry write does to its records, for the preview (and the `--yes` prompt of bulk deletes). */
export interface RecordImpact {
  readonly action: 'remove' | 'move' | 'unbind' | 'assign';
  readonly count: number;
  /** What they are, plural: `clusters`, `kv keys`, `moves`. */
  readonly what: string;
  /** The first few, by name. */
  readonly sample: readonly string[];
}

/** What probing a new member's address found (for `add-voter` and `add-learner`). */
export interface NewcomerProbe {
  readonly reachable: boolean;
  /** The id the address answered as, when it answered. */
  readonly answeredAs?: string;
  /** Why it did not answer. */
  readonly problem?: string;
  /** The zone it says it runs in, when it answered and has one. */
  readonly zone?: string;
  /** The region it says it runs in, when it answered and has one. */
  readonly region?: string;
}

/** What a status probe of a new member's address says about it. */
export function newcomerOf(probe: EndpointStatus | undefined): NewcomerProbe {
  if (probe === undefined) return { reachable: false, problem: 'not probed' };
  if (!probe.ok) return { reachable: false, problem: shortReason(probe.error.message, probe.endpoint) };
  const { zone, region } = probe.status;
  return { reachable: true, answeredAs: probe.status.id, ...(zone ? { zone } : {}), ...(region ? { region } : {}) };
}

/** Facts the gate cannot read from the status model. */
export interface GateFacts {
  readonly newcomer?: NewcomerProbe;
}

/** The voters' side of the cluster at one moment: what a quorum needs and how many failures it survives. */
export interface QuorumShape {
  readonly voters: readonly string[];
  readonly learners: readonly string[];
  readonly leader: string | null;
  /** Votes needed: a majority of the voters. */
  readonly quorum: number;
  readonly healthyVoters: number;
  /** Voters that may still fail with writes going on: healthy voters beyond the quorum. */
  readonly canLose: number;
}

/** Why a member is part of the change. */
export type MemberPart = 'joining' | 'promoted' | 'leaving' | 'leader' | 'new leader' | 'fault target';

/** A member the change needs or touches, as the status model sees it now. */
export interface InvolvedMember {
  readonly id: string;
  readonly part: MemberPart;
  readonly address: string | null;
  readonly reachable: boolean;
  /** Entries behind the leader's last index (null: unknown, e.g. it does not answer or is not a member yet). */
  readonly lag: number | null;
  /** Reachable, following the current leader, and not lagging. */
  readonly caughtUp: boolean;
  /** What is wrong with it, as `fleet status` says. */
  readonly problem?: string;
}

/** A named reason to refuse; `forceable` problems are what `--force` overrides. */
export interface Problem {
  readonly code: 'NO_QUORUM' | 'INVALID' | 'UNREACHABLE' | 'LAGGING' | 'LEADER_WITHOUT_HANDOFF' | 'QUORUM_LOST' | 'NO_FAULT_TOLERANCE' | 'EVEN_VOTERS' | (string & {});
  /** One line: what is wrong and, where it helps, what to do. */
  readonly message: string;
  readonly forceable: boolean;
}

/** What a change does, and what is wrong with it: the preview `--dry-run` prints. */
export interface ChangePreview {
  /** The change in words, e.g. `remove n3 (voter)`. */
  readonly change: string;
  readonly before: QuorumShape;
  readonly after: QuorumShape;
  /** A drill: the worst moment, while one target is faulted. */
  readonly during?: QuorumShape;
  readonly members: readonly InvolvedMember[];
  /** What the command will do, in order. */
  readonly steps: readonly string[];
  readonly records?: RecordImpact;
  /** Facts worth knowing that are no reason to refuse. */
  readonly notes: readonly string[];
  readonly problems: readonly Problem[];
}

/** The gate's decision: proceed (listing what --force overrode), or refuse with one line. */
export type GateDecision =
  | { readonly proceed: true; readonly overridden: readonly Problem[] }
  | { readonly proceed: false; readonly reason: string; readonly blocking: readonly Problem[]; readonly forceable: boolean; readonly unavailable: boolean };

/** Refuses on any problem, or only on those --force cannot override when forced. */
export function decide(preview: ChangePreview, force: boolean): GateDecision {
  const blocking = preview.problems.filter((p) => !force || !p.forceable);
  if (blocking.length === 0) return { proceed: true, overridden: preview.problems };
  return {
    proceed: false,
    reason: blocking.map((p) => p.message).join('; '),
    blocking,
    forceable: blocking.every((p) => p.forceable),
    unavailable: blocking.some((p) => p.code === 'NO_QUORUM'),
  };
}

/** The preview as a command prints it (`--dry-run`, `--json`, a refusal's details): the preview and the verdict on it. */
export interface PreviewDocument extends ChangePreview {
  readonly dryRun: boolean;
  readonly verdict: 'proceed' | 'refuse';
  /** Why it is refused, on one line. */
  readonly reason?: string;
  /** The problems --force overrode, by message. */
  readonly overridden: readonly string[];
}

/** The document of a preview and the decision taken on it. */
export function documentOf(preview: ChangePreview, decision: GateDecision, dryRun: boolean): PreviewDocument {
  if (decision.proceed) return { dryRun, verdict: 'proceed', ...preview, overridden: decision.overridden.map((p) => p.message) };
  return { dryRun, verdict: 'refuse', reason: decision.reason, ...preview, overridden: [] };
}

/** The preview of `change` against the cluster `model` describes. */
export function previewChange(model: StatusModel, change: ProposedChange, facts: GateFacts = {}): ChangePreview {
  const now = Cluster.of(model);
  const draft = draftOf(now, change, facts);
  if (!model.quorum.available) {
    return finish(now, draft, [{ code: 'NO_QUORUM', forceable: false, message: `the cluster has no quorum (${model.quorum.healthyVoters} of ${model.quorum.voters} voters healthy, ${model.quorum.size} needed): nothing can commit` }]);
  }
  if (draft.invalid !== undefined) return finish(now, draft, [{ code: 'INVALID', forceable: false, message: draft.invalid }]);
  return finish(now, draft, [...draft.risks, ...shapeProblems(now.shape(), draft), ...placementProblems(now, draft, newcomerPlacement(change, facts))]);
}

/** The quorum of a set of voters: a majority. */
export function quorumOf(voters: number): number {
  return voters === 0 ? 0 : Math.floor(voters / 2) + 1;
}

/** Whom a drill faults: the leader, each follower in turn, every member in turn, or one member. */
export type FaultScope = 'leader' | 'followers' | 'everyone' | { readonly id: string };

/** The members a drill of `scope` faults, one at a time, as the model shows the cluster now. */
export function faultTargets(model: StatusModel, scope: FaultScope): string[] {
  const ids = (f: (m: StatusMember) => boolean) => model.members.filter((m) => m.id !== null && m.voter !== null && f(m)).map((m) => m.id!).sort(naturalCompare);
  if (typeof scope === 'object') return [scope.id];
  if (scope === 'leader') return model.leader === null ? [] : [model.leader];
  if (scope === 'followers') return ids((m) => m.voter === true && m.id !== model.leader);
  return ids(() => true);
}

/** What `fleet snapshot restore` knows before it writes anything. */
export interface RestoreFacts {
  readonly snapshot: { readonly index: number; readonly term: number | null; readonly voters: readonly string[]; readonly learners: readonly string[] };
  readonly id: string;
  readonly dataDir: string;
  readonly dataDirEmpty: boolean;
  /** The address the member will listen on, when the operator named it, and whether something answers there now. */
  readonly listen?: { readonly address: string; readonly answers: boolean };
}

/**
 * The preview of an offline restore: the snapshot's membership before, a new one-member cluster
 * after. That the new cluster can lose no member is its nature until it grows, so it is a note,
 * not a refusal; a data dir with data in it is refused (never overwritten), and an address where
 * something answers (the old cluster still running?) is refused unless forced.
 */
export function previewRestore(f: RestoreFacts): ChangePreview {
  const shape = (voters: readonly string[], learners: readonly string[], leader: string | null): QuorumShape => {
    const quorum = quorumOf(voters.length);
    return { voters: [...voters].sort(naturalCompare), learners: [...learners].sort(naturalCompare), leader, quorum, healthyVoters: voters.length, canLose: Math.max(0, voters.length - quorum) };
  };
  const problems: Problem[] = [];
  if (!f.dataDirEmpty) problems.push({ code: 'INVALID', forceable: false, message: `${f.dataDir} is not empty: restore only into a new data dir (a member's existing data is never overwritten)` });
  if (f.listen?.answers) {
    problems.push({ code: 'ADDRESS_IN_USE', forceable: true, message: `something answers at ${f.listen.address} (a member of the old cluster still running?): a restored member there would not start, or would stand beside a live cluster` });
  }
  return {
    change: `restore snapshot index ${f.snapshot.index}${f.snapshot.term === null ? '' : ` (term ${f.snapshot.term})`} into ${f.dataDir} as ${f.id}, a new one-member cluster`,
    before: shape(f.snapshot.voters, f.snapshot.learners, null),
    after: shape([f.id], [], f.id),
    members: [],
    steps: [`write the snapshot into ${f.dataDir} with ${f.id} as its only member`, `start ${f.id}, then grow the cluster (fleet members add)`],
    notes: ['"before" is the membership recorded in the snapshot', `the restored cluster can lose no member until it grows: add members (fleet members add), never from the old cluster's data`],
    problems,
  };
}

// ---------------------------------------------------------------------------------------------
// The cluster as the gate reads it
// ---------------------------------------------------------------------------------------------

/** Members by id, and which are voters, learners and healthy: the model reduced to what the rules need. */
class Cluster {
  private constructor(
    readonly model: StatusModel,
    readonly voters: readonly string[],
    readonly learners: readonly string[],
    readonly healthy: ReadonlySet<string>,
  ) {}

  static of(model: StatusModel): Cluster {
    const ids = (voter: boolean) => model.members.filter((m) => m.id !== null && m.voter === voter).map((m) => m.id!).sort(naturalCompare);
    return new Cluster(model, ids(true), ids(false), new Set(model.members.filter((m) => m.id !== null && m.healthy).map((m) => m.id!)));
  }

  row(id: string): StatusMember | undefined {
    return this.model.members.find((m) => m.id === id);
  }

  isVoter(id: string): boolean {
    return this.voters.includes(id);
  }

  isMember(id: string): boolean {
    return this.isVoter(id) || this.learners.includes(id);
  }

  /** The shape now, or with voters, learners, healthy members and leader changed. */
  shape(change: { voters?: readonly string[]; learners?: readonly string[]; healthy?: ReadonlySet<string>; leader?: string | null } = {}): QuorumShape {
    const voters = [...(change.voters ?? this.voters)].sort(naturalCompare);
    const healthy = change.healthy ?? this.healthy;
    const quorum = quorumOf(voters.length);
    const healthyVoters = voters.filter((v) => healthy.has(v)).length;
    return {
      voters,
      learners: [...(change.learners ?? this.learners)].sort(naturalCompare),
      leader: change.leader === undefined ? this.model.leader : change.leader,
      quorum,
      healthyVoters,
      canLose: Math.max(0, healthyVoters - quorum),
    };
  }

  involved(id: string, part: MemberPart): InvolvedMember {
    const row = this.row(id);
    if (row === undefined) return { id, part, address: null, reachable: false, lag: null, caughtUp: false };
    const reachable = row.role !== 'unreachable';
    return {
      id,
      part,
      address: row.address,
      reachable,
      lag: row.lag,
      caughtUp: reachable && row.healthy && row.lag !== null,
      ...(row.problem === undefined ? {} : { problem: row.problem }),
    };
  }

  /** The most caught-up healthy voter other than those leaving (least lag, then lowest id). */
  handoffTarget(leaving: ReadonlySet<string>): string | undefined {
    const candidates = this.model.members.filter((m) => m.id !== null && m.voter === true && m.healthy && m.id !== this.model.leader && !leaving.has(m.id));
    candidates.sort((a, b) => (a.lag ?? Infinity) - (b.lag ?? Infinity) || naturalCompare(a.id!, b.id!));
    return candidates[0]?.id ?? undefined;
  }
}

/** A change worked out against the cluster, before the shape rules run. */
interface Draft extends Omit<ChangePreview, 'before' | 'problems'> {
  /** The change cannot work at all (not forceable). */
  readonly invalid?: string;
  /** Problems of the members or records involved (unreachable, lagging, a write's own). */
  readonly risks: readonly Problem[];
  /** Whether the voter count changes (only then do the even-count and tolerance rules apply). */
  readonly changesVoters: boolean;
}

function finish(now: Cluster, d: Draft, problems: readonly Problem[]): ChangePreview {
  return {
    change: d.change,
    before: now.shape(),
    after: d.after,
    ...(d.during === undefined ? {} : { during: d.during }),
    members: d.members,
    steps: d.steps,
    ...(d.records === undefined ? {} : { records: d.records }),
    notes: d.notes,
    problems,
  };
}

/** The rules on the voters' shape: quorum kept, tolerance not dropped to zero, an odd count. */
function shapeProblems(before: QuorumShape, d: Draft): Problem[] {
  const out: Problem[] = [];
  const during = d.during;
  if (during !== undefined && during.healthyVoters < during.quorum) {
    out.push({ code: 'QUORUM_LOST', forceable: true, message: `the fault would leave ${during.healthyVoters} of ${during.voters.length} voters healthy, below the quorum of ${during.quorum}: writes would stop (the cluster can lose no member now)` });
  }
  if (!d.changesVoters) return out;
  const a = d.after;
  if (a.healthyVoters < a.quorum) {
    out.push({ code: 'QUORUM_LOST', forceable: true, message: `it leaves ${a.healthyVoters} healthy of ${a.voters.length} voters, below the quorum of ${a.quorum}: writes would stop (bring the unhealthy members back first; fleet status)` });
  } else if (before.canLose > 0 && a.canLose === 0) {
    out.push({ code: 'NO_FAULT_TOLERANCE', forceable: true, message: `it leaves a cluster that can lose no voter (${a.healthyVoters} healthy of ${a.voters.length}, quorum ${a.quorum}; it can lose ${before.canLose} now)` });
  }
  if (a.voters.length > 0 && a.voters.length % 2 === 0) {
    out.push({ code: 'EVEN_VOTERS', forceable: true, message: `it leaves ${a.voters.length} voters, an even number: quorum ${a.quorum}, no more failures survivable than with ${a.voters.length - 1}` });
  }
  return out;
}

/** Where a member runs, as far as is known. */
interface Placement {
  readonly zone?: string | undefined;
  readonly region?: string | undefined;
}

/** Where the members a change brings in will run, as far as the change or the newcomer's answer says. */
function newcomerPlacement(change: ProposedChange, facts: GateFacts): ReadonlyMap<string, Placement> {
  if (change.kind === 'add-voter' && facts.newcomer !== undefined) return new Map([[change.id, { zone: facts.newcomer.zone, region: facts.newcomer.region }]]);
  if (change.kind === 'resize') return new Map(change.add.map((id) => [id, { zone: change.zones?.[id], region: change.regions?.[id] }]));
  return new Map();
}

/**
 * ZONE_MAJORITY and REGION_MAJORITY: the change leaves a quorum of the voters in one zone, or in
 * one region of a cluster that spans several, which they were not in before.
 */
function placementProblems(now: Cluster, d: Draft, newcomers: ReadonlyMap<string, Placement>): Problem[] {
  if (!d.changesVoters) return [];
  const placed = (voters: readonly string[]) =>
    voters.map((id) => ({ id, zone: newcomers.get(id)?.zone ?? now.row(id)?.zone ?? null, region: newcomers.get(id)?.region ?? now.row(id)?.region ?? null }));
  return (['zone', 'region'] as const).flatMap((kind) => {
    const after = domainMajority(placed(d.after.voters), kind);
    if (after === undefined || domainMajority(placed(now.voters), kind)?.name === after.name) return [];
    return [
      {
        code: kind === 'zone' ? 'ZONE_MAJORITY' : 'REGION_MAJORITY',
        forceable: true,
        message: `it puts ${after.voters.length} of ${after.total} voters in ${kind} ${after.name} (${after.voters.join(', ')}): losing ${kind} ${after.name} alone would lose the quorum of ${after.quorum}; place the member in another ${kind}`,
      },
    ];
  });
}

function draftOf(now: Cluster, change: ProposedChange, facts: GateFacts): Draft {
  switch (change.kind) {
    case 'add-voter':
      return addVoter(now, change.id, change.address, facts.newcomer);
    case 'add-learner':
      return addLearner(now, change.id, change.address, facts.newcomer);
    case 'promote':
      return promote(now, change.id);
    case 'remove':
      return remove(now, change.id);
    case 'transfer':
      return transfer(now, change.to);
    case 'resize':
      return resize(now, change.add, change.remove);
    case 'fault':
      return fault(now, change.drill, change.targets);
    case 'write':
      return write(now, change);
  }
}

const unchanged = (now: Cluster, change: string) => ({ change, after: now.shape(), members: [] as InvolvedMember[], steps: [] as string[], notes: [] as string[], risks: [] as Problem[], changesVoters: false });

/** UNREACHABLE or LAGGING for a member that must take part, else nothing. */
function readiness(m: InvolvedMember, why: string): Problem[] {
  if (!m.reachable) return [{ code: 'UNREACHABLE', forceable: true, message: `${m.id} does not answer${m.problem ? ` (${m.problem})` : ''}, and ${why}` }];
  if (!m.caughtUp) return [{ code: 'LAGGING', forceable: true, message: `${m.id} is not caught up (${m.problem ?? `${m.lag ?? '?'} entries behind`}), and ${why}` }];
  return [];
}

/** `set` without `drop`, with `add`. */
function adjusted(set: ReadonlySet<string>, add: readonly string[], drop: readonly string[] = []): Set<string> {
  const out = new Set(set);
  for (const id of drop) out.delete(id);
  for (const id of add) out.add(id);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Membership
// ---------------------------------------------------------------------------------------------

function addVoter(now: Cluster, id: string, address: string, probe: NewcomerProbe | undefined): Draft {
  const base = unchanged(now, `add ${id} (${address}) as a voter, through a learner`);
  if (now.isVoter(id)) return { ...base, invalid: `${id} is already a voter` };
  const wrongId = probe?.answeredAs !== undefined && probe.answeredAs !== id;
  if (wrongId) return { ...base, invalid: `${address} answers as ${probe.answeredAs}, not ${id}` };
  const isLearner = now.isMember(id);
  const newcomer: InvolvedMember = isLearner
    ? now.involved(id, 'joining')
    : { id, part: 'joining', address, reachable: probe?.reachable ?? false, lag: null, caughtUp: false, ...(probe?.problem === undefined ? {} : { problem: probe.problem }) };
  const steps = [...(isLearner ? [] : [`add ${id} at ${address} as a learner`]), `wait until ${id} has caught up with the leader`, `promote ${id} to voter`];
  const startIt = `fleet node start --id ${id} --listen ${newcomer.address ?? address} --join …`;
  const risks: Problem[] = newcomer.reachable
    ? []
    : [{ code: 'UNREACHABLE', forceable: true, message: `${id} at ${newcomer.address ?? address} does not answer${newcomer.problem ? ` (${newcomer.problem})` : ''}: start it first (${startIt})${isLearner ? '' : ', or add it with --learner'}` }];
  // Once promoted it counts as healthy only if it answers now: it is then caught up by construction.
  const after = now.shape({ voters: [...now.voters, id], learners: now.learners.filter((l) => l !== id), healthy: newcomer.reachable ? adjusted(now.healthy, [id]) : now.healthy });
  return { ...base, after, members: [newcomer], steps, risks, changesVoters: true, notes: isLearner ? [`${id} is a learner already: it is promoted once caught up`] : [] };
}

function addLearner(now: Cluster, id: string, address: string, probe: NewcomerProbe | undefined): Draft {
  const base = unchanged(now, `add ${id} (${address}) as a learner`);
  if (now.isMember(id)) return { ...base, invalid: `${id} is already a member` };
  if (probe?.answeredAs !== undefined && probe.answeredAs !== id) return { ...base, invalid: `${address} answers as ${probe.answeredAs}, not ${id}` };
  const newcomer: InvolvedMember = { id, part: 'joining', address, reachable: probe?.reachable ?? false, lag: null, caughtUp: false };
  const notes = [`a learner does not vote: the quorum is unchanged; promote it once caught up (fleet members promote ${id})`];
  if (!newcomer.reachable) notes.push(`${id} does not answer yet: start it with --join and it catches up as a learner`);
  return { ...base, after: now.shape({ learners: [...now.learners, id] }), members: [newcomer], steps: [`add ${id} at ${address} as a learner`], notes };
}

/** Why a read replica is never promoted; the leader refuses in the same words, should --force get past the gate. */
const READ_REPLICA_REFUSAL = (id: string): string => `${id} is a read replica (started with --read-replica): it never votes; start a member without it to add a voter`;

function promote(now: Cluster, id: string): Draft {
  const base = unchanged(now, `promote ${id} to voter`);
  if (!now.isMember(id)) return { ...base, invalid: `${id} is not a member (fleet members list)` };
  if (now.isVoter(id)) return { ...base, invalid: `${id} is already a voter` };
  if (now.row(id)?.readReplica) return { ...base, invalid: READ_REPLICA_REFUSAL(id) };
  const m = now.involved(id, 'promoted');
  const after = now.shape({ voters: [...now.voters, id], learners: now.learners.filter((l) => l !== id) });
  return { ...base, after, members: [m], steps: [`promote ${id} to voter`], risks: readiness(m, 'a new voter counts towards the quorum at once'), changesVoters: true };
}

function remove(now: Cluster, id: string): Draft {
  if (!now.isMember(id)) return { ...unchanged(now, `remove ${id}`), invalid: `${id} is not a member (fleet members list)` };
  if (!now.isVoter(id)) {
    return { ...unchanged(now, `remove ${id} (learner)`), after: now.shape({ learners: now.learners.filter((l) => l !== id) }), members: [now.involved(id, 'leaving')], steps: [`remove ${id}`] };
  }
  const base = unchanged(now, `remove ${id} (voter${id === now.model.leader ? ', the leader' : ''})`);
  if (now.voters.length <= 1) return { ...base, invalid: `${id} is the last voter: removing it would leave no cluster` };
  const leaving = now.involved(id, 'leaving');
  const handoff = leaderHandoff(now, [id]);
  const after = now.shape({ voters: now.voters.filter((v) => v !== id), healthy: adjusted(now.healthy, [], [id]), leader: handoff.leader });
  return { ...base, after, members: [leaving, ...handoff.members], steps: [...handoff.steps, `remove ${id}`], risks: handoff.risks, changesVoters: true };
}

/** When the leader is among `leaving`: the hand-off that comes first, or the problem that there is none. */
function leaderHandoff(now: Cluster, leaving: readonly string[]): { leader: string | null; members: InvolvedMember[]; steps: string[]; risks: Problem[] } {
  const leader = now.model.leader;
  if (leader === null || !leaving.includes(leader)) return { leader, members: [], steps: [], risks: [] };
  const to = now.handoffTarget(new Set(leaving));
  if (to === undefined) {
    return {
      leader: null,
      members: [],
      steps: [],
      risks: [{ code: 'LEADER_WITHOUT_HANDOFF', forceable: true, message: `${leader} leads and no healthy, caught-up voter can take over: without a hand-off writes stop until an election` }],
    };
  }
  return { leader: to, members: [now.involved(to, 'new leader')], steps: [`hand leadership from ${leader} to ${to}`], risks: [] };
}

function transfer(now: Cluster, to: string | undefined): Draft {
  const leader = now.model.leader;
  const target = to ?? now.handoffTarget(new Set());
  const base = unchanged(now, `hand leadership from ${leader ?? '?'} to ${target ?? 'the most caught-up follower'}`);
  if (target === undefined) return { ...base, invalid: 'no healthy voter to transfer leadership to' };
  if (target === leader) return { ...base, invalid: `${target} is already the leader` };
  if (!now.isMember(target)) return { ...base, invalid: `${target} is not a member (fleet members list)` };
  if (!now.isVoter(target)) return { ...base, invalid: `${target} is a learner: only voters can lead (promote it first)` };
  const m = now.involved(target, 'new leader');
  const members = [...(leader === null ? [] : [now.involved(leader, 'leader')]), m];
  return { ...base, after: now.shape({ leader: target }), members, steps: [`hand leadership from ${leader} to ${target}`], risks: readiness(m, 'the transfer would time out and leave the cluster without a leader for an election timeout') };
}

/** `fleet scale`: grow through learners, shrink one member at a time, the leader last and after a hand-off. */
function resize(now: Cluster, add: readonly string[], drop: readonly string[]): Draft {
  const voters = [...now.voters.filter((v) => !drop.includes(v)), ...add.filter((a) => !now.isVoter(a))];
  const parts = [add.length > 0 ? `add ${add.join(', ')}` : '', drop.length > 0 ? `remove ${drop.join(', ')}` : ''].filter(Boolean);
  const base = unchanged(now, parts.length === 0 ? 'no change' : `resize from ${now.voters.length} to ${voters.length} voters (${parts.join('; ')})`);
  if (parts.length === 0) return base;
  const handoff = leaderHandoff(now, drop);
  const steps = [...add.flatMap((id) => [`start ${id} and add it as a learner`, `promote ${id} once caught up`]), ...drop.filter((id) => id !== now.model.leader).map((id) => `remove ${id} and stop it`), ...handoff.steps, ...drop.filter((id) => id === now.model.leader).map((id) => `remove ${id} and stop it`)];
  const members = [...add.map((id): InvolvedMember => ({ id, part: 'joining', address: null, reachable: true, lag: null, caughtUp: false })), ...drop.map((id) => now.involved(id, 'leaving')), ...handoff.members];
  const after = now.shape({ voters, learners: now.learners.filter((l) => !add.includes(l) && !drop.includes(l)), healthy: adjusted(now.healthy, add, drop), leader: handoff.leader });
  return { ...base, after, members, steps, risks: handoff.risks, changesVoters: voters.length !== now.voters.length || add.length > 0 || drop.length > 0 };
}

// ---------------------------------------------------------------------------------------------
// Drills and writes
// ---------------------------------------------------------------------------------------------

/** A drill faults each target in turn: the worst moment is one healthy voter down, on top of what is down already. */
function fault(now: Cluster, drill: string, targets: readonly string[]): Draft {
  const base = unchanged(now, `drill ${drill}: fault ${targets.length === 0 ? 'nobody' : targets.join(', ')}${targets.length > 1 ? ', one at a time' : ''}`);
  const unknown = targets.filter((t) => !now.isMember(t));
  if (unknown.length > 0) return { ...base, invalid: `${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not a member (fleet members list)` };
  const members = targets.map((t) => now.involved(t, 'fault target'));
  const victim = targets.find((t) => now.isVoter(t) && now.healthy.has(t));
  const during = now.shape({ healthy: adjusted(now.healthy, [], victim === undefined ? [] : [victim]), leader: victim === now.model.leader ? null : now.model.leader });
  const risks = members.flatMap((m) => readiness(m, `the drill would fault a member that is ${m.reachable ? 'behind' : 'already down'}`));
  const notes = during.canLose === 0 && during.healthyVoters >= during.quorum ? ['while the fault lasts the cluster survives no further failure'] : [];
  return { ...base, during, members, steps: [`check the steady state`, ...targets.map((t) => `fault ${t}, observe, restore, verify`)], risks, notes };
}

function write(now: Cluster, change: Extract<ProposedChange, { kind: 'write' }>): Draft {
  const leader = now.model.leader;
  return {
    ...unchanged(now, change.summary),
    members: leader === null ? [] : [now.involved(leader, 'leader')],
    steps: [change.summary],
    ...(change.records === undefined ? {} : { records: change.records }),
    risks: change.risks ?? [],
  };
}
