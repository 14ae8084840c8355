/**
 * Registry answers and views to the wire. Views keep their field names (in camelCase, as the
 * loader spells the .proto fields); null becomes an absent optional field.
 */
import type { Assert, ClientCommandType, MemberOnlyCommandType, ResultMismatch } from '../../../common/registry/registry-operations.js';
import { PLAN_STATES, SHARD_STATES, isFleetErrorCode } from '../../../proto/index.js';
import type * as wire from '../../../proto/index.js';
import { resultToWirePart, type ViewCodecs } from '../../../proto/registry-wire.js';
import type {
  ApplyFailure,
  ApplyResult,
  ClusterView,
  CommandResults,
  CommandType,
  DomainView,
  KvEntry,
  KvMeta,
  LeaseStatus,
  LeaseView,
  PlanView,
  ProviderView,
  QuotaView,
  RegistryCounts,
  ShardView,
} from '../../fleet/index.js';

/** null → absent. */
function opt<T>(value: T | null): T | undefined {
  return value ?? undefined;
}

/** A shard view on the wire. */
export function shardToWire(v: ShardView): wire.ShardView {
  return {
    id: v.id,
    address: v.address,
    region: v.region,
    zone: v.zone,
    state: SHARD_STATES.toWire(v.state),
    capacity: v.capacity,
    labels: { ...v.labels },
    registeredAt: v.registeredAt,
    lastHeartbeat: opt(v.lastHeartbeat),
    boundClusters: v.boundClusters,
  };
}

/** A cluster view on the wire (`shard` absent while unbound). */
export function clusterToWire(v: ClusterView): wire.ClusterView {
  return { name: v.name, shard: opt(v.shard), generation: v.generation, boundAtIndex: v.boundAtIndex, lastSeen: v.lastSeen };
}

/** A domain assignment on the wire. */
export function domainToWire(v: DomainView): wire.DomainView {
  return { key: v.key, value: v.value, shard: v.shard, assignedAtIndex: v.assignedAtIndex };
}

/** A quota on the wire. */
export function quotaToWire(v: QuotaView): wire.QuotaView {
  return { provider: v.provider, region: v.region, total: v.total, allocated: v.allocated, slices: { ...v.slices } };
}

/** A provider on the wire. */
export function providerToWire(v: ProviderView): wire.ProviderView {
  return { name: v.name, kind: v.kind, regions: [...v.regions], endpoint: v.endpoint };
}

/** A lease on the wire. */
export function leaseToWire(v: LeaseView): wire.LeaseView {
  const view = { name: v.name, holder: v.holder, token: v.token, ttlMs: v.ttlMs, acquiredAt: v.acquiredAt, expiresAt: v.expiresAt };
  const x = v.extended;
  return x === undefined ? view : { ...view, extended: { lateMs: x.lateMs, sinceIndex: x.sinceIndex, reason: x.reason ?? '' } };
}

/** A lease as seen at the reader's time, on the wire. */
export function leaseStatusToWire(v: LeaseStatus): wire.LeaseStatus {
  return { ...leaseToWire(v), expired: v.expired, remainingMs: v.remainingMs };
}

/** A KV key's revisions on the wire. */
export function kvMetaToWire(v: KvMeta): wire.KvMeta {
  return { ns: v.ns, key: v.key, createRevision: v.createRevision, modRevision: v.modRevision, version: v.version };
}

/** A KV entry on the wire. */
export function kvEntryToWire(v: KvEntry): wire.KvEntry {
  return { ...kvMetaToWire(v), value: v.value };
}

/** A plan's progress on the wire. */
export function planToWire(v: PlanView): wire.PlanView {
  return {
    planId: v.planId,
    startedBy: v.startedBy,
    done: v.done,
    total: v.total,
    state: PLAN_STATES.toWire(v.state),
    startedAt: v.startedAt,
    updatedAt: v.updatedAt,
    updatedAtIndex: v.updatedAtIndex,
  };
}

/** Registry sizes on the wire. */
export function countsToWire(v: RegistryCounts): wire.RegistryCounts {
  return { ...v };
}

/** The read views a result may carry, as the registry holds them. */
interface RegistryViews {
  ShardView: ShardView;
  ClusterView: ClusterView;
  DomainView: DomainView;
  QuotaView: QuotaView;
  ProviderView: ProviderView;
  LeaseView: LeaseView;
  KvMeta: KvMeta;
  PlanView: PlanView;
}

/** Compile-time: the declared results (src/common/registry/registry-operations.ts) are exactly the registry's. */
export type DeclaredResultsMatchRegistry = Assert<[ResultMismatch<CommandResults, RegistryViews>] extends [never] ? true : false>;

/** How results put their views on the wire. */
const VIEWS_TO_WIRE = {
  ShardView: shardToWire,
  ClusterView: clusterToWire,
  DomainView: domainToWire,
  QuotaView: quotaToWire,
  ProviderView: providerToWire,
  LeaseView: leaseToWire,
  KvMeta: kvMetaToWire,
  PlanView: planToWire,
} satisfies ViewCodecs;

/**
 * The writes only members propose, answered in the shape of a client write, or with no result:
 * `lease.expire` resembles a release; no client ever reads the answer to an `audit.record`.
 */
const MEMBER_ONLY_ANSWERS: { readonly [T in MemberOnlyCommandType]: ClientCommandType | undefined } = {
  'lease.expire': 'lease.release',
  'audit.record': undefined,
};

function isMemberOnly(type: CommandType): type is MemberOnlyCommandType {
  return Object.hasOwn(MEMBER_ONLY_ANSWERS, type);
}

/**
 * The answer to a write of command `type`. A success value that does not have the command's
 * shape (a node acknowledging before it applies, for benchmarks) leaves the result unset.
 */
export function writeResponseToWire(type: CommandType, result: ApplyResult): wire.WriteResponse {
  const head = { index: result.index, ...(result.duplicate ? { duplicate: true } : {}) };
  if (!result.ok) return { ...head, error: writeErrorToWire(result) };
  const answeredAs = isMemberOnly(type) ? MEMBER_ONLY_ANSWERS[type] : type;
  if (answeredAs === undefined) return head;
  try {
    return { ...head, ...resultToWirePart(answeredAs, result.value as object, VIEWS_TO_WIRE) };
  } catch {
    // A duplicate's remembered answer may be of another type (a session id reused for another write).
    return head;
  }
}

/** A registry refusal on the wire. */
export function writeErrorToWire(failure: ApplyFailure): wire.WriteError {
  return {
    code: isFleetErrorCode(failure.code) ? failure.code : 'FLEET_ERROR_CODE_UNSPECIFIED',
    message: failure.message,
    details: detailsToWire(failure.details ?? {}),
  };
}

type Details = Readonly<Record<string, unknown>>;
/** Puts one detail into its typed field; false when the value does not have the field's type. */
type DetailSetter = (out: wire.ErrorDetails, value: unknown) => boolean;

/** Fields of ErrorDetails by kind, so one setter per kind serves them all. */
type TextField = 'cluster' | 'shard' | 'address' | 'ns' | 'key' | 'currentValue' | 'name' | 'holder' | 'lease' | 'domain' | 'provider' | 'quota' | 'region' | 'clientId';
type CountField = 'generation' | 'moveIndex' | 'capacity' | 'boundClusters' | 'incoming' | 'currentRevision' | 'expiresAt' | 'seq' | 'firstIncomplete';

function text(field: TextField): DetailSetter {
  return (out, value) => {
    if (typeof value !== 'string') return false;
    out[field] = value;
    return true;
  };
}

function count(field: CountField): DetailSetter {
  return (out, value) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) return false;
    out[field] = value;
    return true;
  };
}

/** A shard that may be null (unbound): '' plus the `…Unbound` flag on the wire. */
function shardOrUnbound(field: 'currentShard' | 'expectedShard', flag: 'currentUnbound' | 'expectedUnbound'): DetailSetter {
  return (out, value) => {
    if (value !== null && typeof value !== 'string') return false;
    out[field] = value ?? '';
    if (value === null) out[flag] = true;
    return true;
  };
}

/** A value that may be null (the key is absent): null sets `currentAbsent`. */
function orAbsent(set: DetailSetter): DetailSetter {
  return (out, value) => {
    if (value !== null) return set(out, value);
    out.currentAbsent = true;
    return true;
  };
}

/** How each detail the registry gives lands in the typed ErrorDetails; anything else goes to `other` as JSON. */
const DETAIL_FIELDS: Readonly<Record<string, DetailSetter>> = {
  cluster: text('cluster'),
  currentShard: shardOrUnbound('currentShard', 'currentUnbound'),
  actualShard: shardOrUnbound('currentShard', 'currentUnbound'),
  expectedShard: shardOrUnbound('expectedShard', 'expectedUnbound'),
  generation: count('generation'),
  moveIndex: count('moveIndex'),
  shard: text('shard'),
  state: (out, value) => {
    const name = SHARD_STATES.names.find((n) => n === value);
    if (name === undefined) return false;
    out.state = SHARD_STATES.toWire(name);
    return true;
  },
  capacity: count('capacity'),
  boundClusters: count('boundClusters'),
  incoming: count('incoming'),
  address: text('address'),
  ns: text('ns'),
  key: text('key'),
  current: orAbsent(text('currentValue')),
  modRevision: orAbsent(count('currentRevision')),
  name: text('name'),
  holder: text('holder'),
  expiresAt: count('expiresAt'),
  lease: text('lease'),
  domain: text('domain'),
  provider: text('provider'),
  quota: text('quota'),
  region: text('region'),
  quotaRegions: (out, value) => {
    if (!Array.isArray(value) || !value.every((r) => typeof r === 'string')) return false;
    out.quotaRegions = [...value];
    return true;
  },
  clientId: text('clientId'),
  seq: count('seq'),
  firstIncomplete: count('firstIncomplete'),
};

/** A refusal's details as typed fields. */
export function detailsToWire(details: Details): wire.ErrorDetails {
  const out: wire.ErrorDetails = {};
  const other: Record<string, string> = {};
  for (const [key, value] of Object.entries(details)) {
    const set = Object.hasOwn(DETAIL_FIELDS, key) ? DETAIL_FIELDS[key] : undefined;
    if (set === undefined || !set(out, value)) other[key] = JSON.stringify(value) ?? 'null';
  }
  if (Object.keys(other).length > 0) out.other = other;
  return out;
}
