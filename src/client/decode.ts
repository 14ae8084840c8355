/**
 * Wire answers to the client's plain objects. Absent optional fields become null where the
 * registry has null; a registry refusal becomes a FleetClientError.
 */
import type { ArgsMismatch, Assert, ResultMismatch } from '../common/registry/registry-operations.js';
import { MEMBER_ROLES, PLAN_STATES, PROGRESS_STATES, SHARD_STATES, isFleetErrorCode } from '../proto/index.js';
import type * as wire from '../proto/index.js';
import { resultFromWirePart, type ViewCodecs } from '../proto/registry-wire.js';
import { FleetClientError, kindOfRefusal } from './errors.js';
import { oneofKey } from './encode.js';
import type {
  AutopilotSettings,
  AutopilotState,
  BackupState,
  ClusterView,
  CommandResults,
  CommandType,
  Commands,
  DomainView,
  FleetErrorDetails,
  KvEntry,
  KvMeta,
  LeaseStatus,
  LeaseView,
  MemberInfo,
  MemberStatus,
  PlanView,
  ProviderView,
  QuotaView,
  RegistryCounts,
  ShardView,
  Written,
} from './types.js';

/** A message the member was bound to send: its absence is a protocol error, not a user's. */
function required<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new FleetClientError('internal', `the member's answer has no ${what}: is it running a compatible version? (fleet version)`);
  return value;
}

/** A shard. */
export function shardFromWire(v: wire.ShardView__Output | null): ShardView {
  const s = required(v, 'shard');
  return {
    id: s.id,
    address: s.address,
    region: s.region,
    zone: s.zone,
    state: SHARD_STATES.fromWire(s.state) ?? 'active',
    capacity: s.capacity,
    labels: { ...s.labels },
    registeredAt: s.registeredAt,
    lastHeartbeat: s.lastHeartbeat ?? null,
    boundClusters: s.boundClusters,
  };
}

/** A cluster (`shard` null while unbound). */
export function clusterFromWire(v: wire.ClusterView__Output | null): ClusterView {
  const c = required(v, 'cluster');
  return { name: c.name, shard: c.shard ?? null, generation: c.generation, boundAtIndex: c.boundAtIndex, lastSeen: c.lastSeen };
}

/** A domain assignment. */
export function domainFromWire(v: wire.DomainView__Output | null): DomainView {
  const d = required(v, 'domain');
  return { key: d.key, value: d.value, shard: d.shard, assignedAtIndex: d.assignedAtIndex };
}

/** A quota. */
export function quotaFromWire(v: wire.QuotaView__Output | null): QuotaView {
  const q = required(v, 'quota');
  return { provider: q.provider, region: q.region, total: q.total, allocated: q.allocated, slices: { ...q.slices } };
}

/** A provider. */
export function providerFromWire(v: wire.ProviderView__Output | null): ProviderView {
  const p = required(v, 'provider');
  return { name: p.name, kind: p.kind, regions: [...p.regions], endpoint: p.endpoint };
}

/** A lease. */
export function leaseFromWire(v: wire.LeaseView__Output | null): LeaseView {
  const l = required(v, 'lease');
  const view = { name: l.name, holder: l.holder, token: l.token, ttlMs: l.ttlMs, acquiredAt: l.acquiredAt, expiresAt: l.expiresAt };
  const x = l.extended;
  if (!x) return view;
  const reason = x.reason === 'margin' || x.reason === 'leader-change' ? x.reason : undefined;
  return { ...view, extended: { lateMs: x.lateMs, sinceIndex: x.sinceIndex, ...(reason ? { reason } : {}) } };
}

/** A lease as seen at read time. */
export function leaseStatusFromWire(l: wire.LeaseStatus__Output): LeaseStatus {
  return { name: l.name, holder: l.holder, token: l.token, ttlMs: l.ttlMs, acquiredAt: l.acquiredAt, expiresAt: l.expiresAt, expired: l.expired, remainingMs: l.remainingMs };
}

/** A KV key's revisions. */
export function kvMetaFromWire(v: wire.KvMeta__Output | null): KvMeta {
  const k = required(v, 'kv');
  return { ns: k.ns, key: k.key, createRevision: k.createRevision, modRevision: k.modRevision, version: k.version };
}

/** A KV entry. */
export function kvEntryFromWire(e: wire.KvEntry__Output): KvEntry {
  return { ...kvMetaFromWire(e), value: e.value };
}

/** A plan's progress. */
export function planFromWire(v: wire.PlanView__Output | null): PlanView {
  const p = required(v, 'plan');
  return {
    planId: p.planId,
    startedBy: p.startedBy,
    done: p.done,
    total: p.total,
    state: PLAN_STATES.fromWire(p.state) ?? 'running',
    startedAt: p.startedAt,
    updatedAt: p.updatedAt,
    updatedAtIndex: p.updatedAtIndex,
  };
}

/** Registry sizes. */
export function countsFromWire(v: wire.RegistryCounts__Output | null): RegistryCounts {
  const { ...counts } = required(v, 'counts');
  return counts;
}

/** A member's status. */
export function memberStatusFromWire(s: wire.MemberStatus__Output): MemberStatus {
  const { autopilot, _autopilot, clockOffsetMs, _clockOffsetMs, zone, region, readReplica, backup, _backup, clusterVersion, _clusterVersion, ...rest } = s;
  return {
    ...rest,
    role: MEMBER_ROLES.fromWire(s.role) ?? 'unknown',
    // '' from a member that predates the field: it treats a full disk as fatal, so it is up only with space.
    storage: s.storage === '' || s.storage === 'ok' ? 'ok' : s.storage === 'out-of-space' ? 'out-of-space' : 'unknown',
    members: s.members.map(memberFromWire),
    progress: s.progress.map((p) => ({ ...p, state: PROGRESS_STATES.fromWire(p.state) ?? 'probe' })),
    repair: s.repair === null ? null : { file: s.repair.file, reason: s.repair.reason, since: s.repair.since },
    ...(autopilot === null || autopilot === undefined ? {} : { autopilot: autopilotFromWire(autopilot) }),
    ...(clockOffsetMs === undefined || clockOffsetMs === null ? {} : { clockOffsetMs }),
    ...placementFromWire(zone, region),
    ...(readReplica ? { readReplica: true } : {}),
    ...(backup ? { backup: backupFromWire(backup) } : {}),
    ...(clusterVersion ? { clusterVersion: { version: clusterVersion.version, dataFormat: clusterVersion.dataFormat, revision: clusterVersion.revision } } : {}),
  };
}

/** A member's scheduled backups. */
function backupFromWire(b: wire.BackupState__Output): BackupState {
  return {
    dir: b.dir,
    everyMs: b.everyMs,
    keep: b.keep,
    taken: b.taken,
    failures: b.failures,
    lastOk: b.lastOk ? { at: b.lastOk.at, index: b.lastOk.index, name: b.lastOk.name, bytes: b.lastOk.bytes } : null,
    lastError: b.lastError ? { at: b.lastError.at, message: b.lastError.message } : null,
  };
}

/** A zone and region, without the ones that are unset ('' on the wire). */
function placementFromWire(zone: string | undefined, region: string | undefined): { zone?: string; region?: string } {
  return { ...(zone ? { zone } : {}), ...(region ? { region } : {}) };
}

/** Autopilot's assessment. */
function autopilotFromWire(a: wire.AutopilotState__Output): AutopilotState {
  return {
    settings: autopilotSettingsFromWire(a.settings),
    settingsProblem: a.settingsProblem === '' ? null : a.settingsProblem,
    members: a.members.map((m) => ({ ...m })),
    held: [...a.held],
    lastAction: a.lastAction === '' ? null : a.lastAction,
  };
}

/** Autopilot's settings. */
export function autopilotSettingsFromWire(v: wire.AutopilotSettings__Output | null): AutopilotSettings {
  const { ...settings } = required(v, 'autopilot settings');
  return settings;
}

/** A member of the membership. */
export function memberFromWire(m: wire.MemberInfo__Output): MemberInfo {
  return { id: m.id, address: m.address, voter: m.voter, ...placementFromWire(m.zone, m.region), ...(m.readReplica ? { readReplica: true } : {}), ...(m.version ? { version: m.version } : {}) };
}

/** The read views a result may carry, as the client spells them. */
interface ClientViews {
  ShardView: ShardView;
  ClusterView: ClusterView;
  DomainView: DomainView;
  QuotaView: QuotaView;
  ProviderView: ProviderView;
  LeaseView: LeaseView;
  KvMeta: KvMeta;
  PlanView: PlanView;
}

/** Compile-time: the client's `Commands` and `CommandResults` are exactly what src/common/registry/registry-operations.ts declares. */
export type DeclaredOperationsMatchClient = Assert<[ArgsMismatch<Commands, ClientViews> | ResultMismatch<CommandResults, ClientViews>] extends [never] ? true : false>;

/** How results read their views from the wire. */
const VIEWS_FROM_WIRE = {
  ShardView: shardFromWire,
  ClusterView: clusterFromWire,
  DomainView: domainFromWire,
  QuotaView: quotaFromWire,
  ProviderView: providerFromWire,
  LeaseView: leaseFromWire,
  KvMeta: kvMetaFromWire,
  PlanView: planFromWire,
} satisfies ViewCodecs;

/** A wire enum value this client does not know reads as the enum's first name (a newer member's state). */
const firstName = (map: { readonly names: readonly string[] }): string => map.names[0]!;

/** The result of a write of `type`, as its declaration (src/common/registry/registry-operations.ts) spells it. */
function resultFromWire<T extends CommandType>(type: T, r: wire.WriteResponse__Output): CommandResults[T] {
  const result = required(resultFromWirePart(type, r, { views: VIEWS_FROM_WIRE, badEnum: firstName }), 'result');
  // The declaration's result fields are CommandResults[T] (DeclaredOperationsMatchClient).
  return result as CommandResults[T];
}

/** A refusal's details as the client spells them. */
export function detailsFromWire(d: wire.ErrorDetails__Output | null): FleetErrorDetails {
  if (d === null) return {};
  const { currentUnbound, expectedUnbound, currentAbsent, currentShard, expectedShard, currentValue, currentRevision, quotaRegions, other, state, ...rest } = d;
  const out: Record<string, unknown> = {};
  // The loader also sets the virtual `_field` names of proto3 optional fields: keep only real fields.
  for (const [key, value] of Object.entries(rest)) if (!key.startsWith('_') && value !== undefined) out[key] = value;
  if (currentShard !== undefined) out.currentShard = currentUnbound ? null : currentShard;
  if (expectedShard !== undefined) out.expectedShard = expectedUnbound ? null : expectedShard;
  if (currentAbsent) Object.assign(out, { currentValue: null, currentRevision: null });
  if (currentValue !== undefined) out.currentValue = currentValue;
  if (currentRevision !== undefined) out.currentRevision = currentRevision;
  if (quotaRegions.length > 0) out.quotaRegions = [...quotaRegions];
  if (Object.keys(other).length > 0) out.other = { ...other };
  const shardState = SHARD_STATES.fromWire(state);
  if (shardState !== undefined) out.state = shardState;
  return out as FleetErrorDetails;
}

/** The error for a write the registry refused. */
export function refusalError(e: wire.WriteError__Output, index: number, endpoint: string, duplicate = false): FleetClientError {
  const code = isFleetErrorCode(e.code) ? e.code : 'FAILED_PRECONDITION';
  const details = { ...detailsFromWire(e.details), ...(duplicate ? { alreadyApplied: true as const } : {}) };
  const message = duplicate ? `${e.message} (the answer given when this write was first applied, at index ${index})` : e.message;
  return new FleetClientError(kindOfRefusal(code), message, { code, details, index, endpoint });
}

/** A write's answer as the typed result plus its index; throws the refusal as a FleetClientError. */
export function writeResultFromWire<T extends CommandType>(type: T, r: wire.WriteResponse__Output, endpoint: string): Written<T> {
  if (r.error) throw refusalError(r.error, r.index, endpoint, r.duplicate);
  if (r.duplicate && r.result !== oneofKey(type)) {
    // The session's seq was first used by another write: its answer is not this write's.
    const message = `this write's session id and seq were already used by another write (applied at index ${r.index}${r.result === undefined ? '' : `, a ${r.result}`}); nothing was applied: use a new request id`;
    throw new FleetClientError('precondition', message, { code: 'FAILED_PRECONDITION', details: { alreadyApplied: true }, endpoint, index: r.index });
  }
  if (r.result === undefined || r.result !== oneofKey(type)) {
    throw new FleetClientError('internal', `the member answered a ${type} write with ${r.result ?? 'no result'}: is it running with --unsafe-ack-before-commit or a different version?`, { endpoint, index: r.index });
  }
  return { ...resultFromWire(type, r), index: r.index, ...(r.duplicate ? { alreadyApplied: true as const } : {}) };
}
