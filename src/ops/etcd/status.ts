/**
 * `fleet status` of an etcd cluster: each member's Maintenance.Status, the membership and the
 * alarms, mapped into fleet's own status model (ops/status.ts), so the same renderer, the same
 * health verdict and the same exit codes serve both engines. `buildEtcdStatusModel` is pure;
 * `collectEtcdStatus` does the probing. Rebind plans in progress, kept by the registry on etcd, show
 * as fleet's own do.
 *
 * etcd exposes no per-follower match index over gRPC, so a member's lag is the leader's commit
 * index (raftIndex) minus the member's own, both as the members report them.
 */
import type { EtcdAlarm, EtcdMember, EtcdStatus } from '../../client/etcd/index.js';
import { readPlans, type EtcdRangeSource } from '../../client/etcd/plans.js';
import type { PlanView } from '../../client/types.js';
import { healthOf, LAGGING_ENTRIES, plansInProgress, shortReason, UNANSWERED, type QuorumView, type StatusMember, type StatusModel } from '../status.js';
import { naturalCompare } from '../natural-order.js';
import { clientEndpoint, etcdId } from '../../client/etcd/ids.js';

export { clientEndpoint, etcdId };

/** What one endpoint answered, or why it did not. */
export type EtcdProbe =
  | { readonly endpoint: string; readonly ok: true; readonly status: EtcdStatus; readonly rttMs: number }
  | { readonly endpoint: string; readonly ok: false; readonly error: Error; readonly rttMs: number };

/** The cluster as probed: every endpoint's answer, the membership (empty when no member answered), the alarms and the registry's plans. */
export interface EtcdObservation {
  readonly probes: readonly EtcdProbe[];
  readonly members: readonly EtcdMember[];
  readonly alarms: readonly EtcdAlarm[];
  /** The rebind plans of the fleet registry kept in this cluster (none when it was not read). */
  readonly plans?: readonly PlanView[];
}

type Answered = Extract<EtcdProbe, { ok: true }>;

/** The model of the observation. Pure. */
export function buildEtcdStatusModel(o: EtcdObservation): StatusModel {
  const answered = o.probes.filter((p): p is Answered => p.ok);
  const leader = pickLeader(answered);
  const term = Math.max(0, ...answered.map((a) => a.status.raftTerm));
  const rows: StatusMember[] = [];
  const used = new Set<EtcdProbe>();
  for (const m of o.members) {
    const ep = clientEndpoint(m);
    const probe = answered.find((a) => a.status.memberId === m.id) ?? o.probes.find((p) => !p.ok && p.endpoint === ep);
    if (probe !== undefined) used.add(probe);
    rows.push(rowOf(m, probe, leader?.status, alarmsOf(o.alarms, m.id)));
  }
  for (const p of o.probes) if (!used.has(p)) rows.push(rowOf(undefined, p, leader?.status, p.ok ? alarmsOf(o.alarms, p.status.memberId) : []));
  // Not localeCompare: its collator cost status ~60 ms of start-up (natural-order.ts).
  rows.sort((a, b) => naturalCompare(a.etcd?.name ?? '', b.etcd?.name ?? '') || naturalCompare(a.address, b.address));
  const quorum = quorumOf(rows, o.members, leader !== undefined);
  return {
    engine: 'etcd',
    clusterName: null,
    leader: leader === undefined ? null : etcdId(leader.status.memberId),
    term: leader?.status.raftTerm ?? term,
    health: healthOf(rows, quorum),
    quorum,
    members: rows,
    plans: plansInProgress(o.plans ?? []),
    autopilot: null,
    // etcd's Status carries no wall clock: its members' clocks are not compared.
    clockWarnings: [],
  };
}

/** The leader: a member that says it leads itself, at the highest term. */
function pickLeader(answered: readonly Answered[]): Answered | undefined {
  let best: Answered | undefined;
  for (const a of answered) {
    if (a.status.leaderId === '0' || a.status.leaderId !== a.status.memberId) continue;
    if (best === undefined || a.status.raftTerm > best.status.raftTerm) best = a;
  }
  return best;
}

function alarmsOf(alarms: readonly EtcdAlarm[], memberId: string): string[] {
  return alarms.filter((a) => a.memberId === memberId && a.alarm !== 'NONE').map((a) => a.alarm);
}

function rowOf(m: EtcdMember | undefined, p: EtcdProbe | undefined, leader: EtcdStatus | undefined, alarms: readonly string[]): StatusMember {
  const address = (m === undefined ? undefined : clientEndpoint(m)) ?? p?.endpoint ?? m?.peerUrls[0] ?? '?';
  const base = { id: m === undefined ? (p?.ok ? etcdId(p.status.memberId) : null) : etcdId(m.id), address, voter: m === undefined ? null : !m.isLearner };
  const facts = { name: m?.name ?? '', learner: m?.isLearner ?? false, alarms, dbSize: null, dbSizeInUse: null, errors: [] };
  if (p === undefined || !p.ok) {
    const problem = p === undefined ? (m?.name === '' ? 'not started: added, never joined' : 'not probed: no client URL among the endpoints') : `unreachable: ${shortReason(p.error.message, p.endpoint)}`;
    return { ...base, role: 'unreachable', ...UNANSWERED, problem, rttMs: p?.rttMs ?? null, etcd: facts };
  }
  const s = p.status;
  const lag = leader === undefined ? null : Math.max(0, leader.raftIndex - s.raftIndex);
  const problem = problemOf(s, m, leader, lag, alarms);
  return {
    ...base,
    role: leader !== undefined && s.memberId === leader.memberId ? 'leader' : s.isLearner || m?.isLearner ? 'learner' : s.leaderId === '0' ? 'unknown' : 'follower',
    term: s.raftTerm,
    commitIndex: s.raftIndex,
    appliedIndex: s.raftAppliedIndex,
    lastIndex: null,
    lag,
    lastContactMs: null,
    storage: alarms.includes('NOSPACE') ? 'out-of-space' : 'ok',
    healthy: problem === undefined,
    ...(problem === undefined ? {} : { problem }),
    rttMs: p.rttMs,
    version: s.version,
    uptimeMs: null,
    repair: null,
    etcd: { ...facts, learner: s.isLearner || facts.learner, dbSize: s.dbSize, dbSizeInUse: s.dbSizeInUse, errors: s.errors },
  };
}

function problemOf(s: EtcdStatus, m: EtcdMember | undefined, leader: EtcdStatus | undefined, lag: number | null, alarms: readonly string[]): string | undefined {
  if (alarms.length > 0) return `alarm ${alarms.join(', ')}`;
  if (s.errors.length > 0) return s.errors.join('; ');
  if (m === undefined && leader !== undefined) return 'not in the membership';
  if (leader === undefined) return s.leaderId === '0' ? 'no leader known' : `follows ${etcdId(s.leaderId)}, which is not leading`;
  if (s.memberId === leader.memberId) return undefined;
  if (s.leaderId !== leader.memberId) return s.leaderId === '0' ? 'no leader known' : `follows ${etcdId(s.leaderId)}, not ${etcdId(leader.memberId)}`;
  if (lag !== null && lag > LAGGING_ENTRIES) return `lagging: ${lag} entries behind`;
  return undefined;
}

function quorumOf(rows: readonly StatusMember[], members: readonly EtcdMember[], hasLeader: boolean): QuorumView {
  const voterIds = new Set(members.filter((m) => !m.isLearner).map((m) => etcdId(m.id)));
  const voters = voterIds.size;
  const size = voters === 0 ? 0 : Math.floor(voters / 2) + 1;
  const healthyVoters = rows.filter((r) => r.id !== null && voterIds.has(r.id) && r.healthy).length;
  const available = hasLeader && voters > 0 && healthyVoters >= size;
  return { voters, size, healthyVoters, failureTolerance: Math.max(0, healthyVoters - size), available };
}

/** What collecting needs of a client (EtcdClient and EtcdStatusProbe have it all). */
export interface EtcdStatusSource extends EtcdRangeSource {
  readonly endpoints: readonly string[];
  status(endpoint: string, timeoutMs?: number): Promise<EtcdStatus>;
  memberList(endpoint: string, timeoutMs?: number): Promise<EtcdMember[]>;
  alarms(endpoint: string, timeoutMs?: number): Promise<EtcdAlarm[]>;
}

/** What else a status shows: the rebind plans of the registry kept under `registryPrefix`, as fleet's status shows its own. */
export interface EtcdStatusOptions {
  readonly registryPrefix?: string;
}

/**
 * Probes every endpoint at once, reads the membership, the alarms and (given a registry prefix)
 * the plans from the first member that answers, then probes the members whose client URL was not
 * among the endpoints. Plans that cannot be read are left out: status must still show the members.
 */
export async function collectEtcdStatus(client: EtcdStatusSource, timeoutMs: number, opts: EtcdStatusOptions = {}): Promise<StatusModel> {
  const probe = (endpoint: string) => probeOne(client, endpoint, timeoutMs);
  const first = await Promise.all(client.endpoints.map(probe));
  const answering = first.find((p): p is Answered => p.ok);
  if (answering === undefined) return buildEtcdStatusModel({ probes: first, members: [], alarms: [] });
  const prefix = opts.registryPrefix;
  const [members, alarms, plans] = await Promise.all([
    client.memberList(answering.endpoint, timeoutMs).catch(() => [] as EtcdMember[]),
    client.alarms(answering.endpoint, timeoutMs).catch(() => [] as EtcdAlarm[]),
    prefix === undefined ? [] : readPlans(client, answering.endpoint, prefix).catch(() => [] as PlanView[]),
  ]);
  const probed = new Set(first.map((p) => p.endpoint));
  const seen = new Set(first.flatMap((p) => (p.ok ? [p.status.memberId] : [])));
  const more = members.filter((m) => !seen.has(m.id)).map(clientEndpoint).filter((ep): ep is string => ep !== undefined && !probed.has(ep));
  const extra = await Promise.all(more.map(probe));
  return buildEtcdStatusModel({ probes: [...first, ...extra], members, alarms, plans });
}

async function probeOne(client: EtcdStatusSource, endpoint: string, timeoutMs: number): Promise<EtcdProbe> {
  const started = performance.now();
  try {
    const status = await client.status(endpoint, timeoutMs);
    return { endpoint, ok: true, status, rttMs: Math.round(performance.now() - started) };
  } catch (err) {
    return { endpoint, ok: false, error: err as Error, rttMs: Math.round(performance.now() - started) };
  }
}
