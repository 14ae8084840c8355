/**
 * The wire enums next to the names the registry and the client use for the same values
 * (`active` ↔ `SHARD_STATE_ACTIVE`). Both sides translate through these maps, so a name can
 * only change in one place.
 */
import type { MemberRole__Output, PlanState__Output, ProgressState__Output, ShardState__Output } from './types.js';

/**
 * A two-way map between plain names and a wire enum's value names. Invariant: one-to-one; the
 * enum's UNSPECIFIED value and numbers this version does not know map to no name.
 */
export class EnumMap<Name extends string, Wire extends string> {
  readonly #toWire: Readonly<Record<Name, Wire>>;
  readonly #fromWire: ReadonlyMap<string, Name>;

  constructor(toWire: Readonly<Record<Name, Wire>>) {
    this.#toWire = toWire;
    this.#fromWire = new Map((Object.keys(toWire) as Name[]).map((name) => [toWire[name], name]));
  }

  /** The plain names, in declaration order. */
  get names(): readonly Name[] {
    return Object.keys(this.#toWire) as Name[];
  }

  /** The wire value of a name. */
  toWire(name: Name): Wire {
    return this.#toWire[name];
  }

  /** The name of a wire value, or undefined for UNSPECIFIED and unknown values. */
  fromWire(value: string | number | null | undefined): Name | undefined {
    return typeof value === 'string' ? this.#fromWire.get(value) : undefined;
  }
}

/** Shard scheduling states. */
export const SHARD_STATES = new EnumMap<'active' | 'draining' | 'cordoned', ShardState__Output>({
  active: 'SHARD_STATE_ACTIVE',
  draining: 'SHARD_STATE_DRAINING',
  cordoned: 'SHARD_STATE_CORDONED',
});

/** Rebind plan states. */
export const PLAN_STATES = new EnumMap<'running' | 'paused' | 'completed' | 'failed' | 'aborted', PlanState__Output>({
  running: 'PLAN_STATE_RUNNING',
  paused: 'PLAN_STATE_PAUSED',
  completed: 'PLAN_STATE_COMPLETED',
  failed: 'PLAN_STATE_FAILED',
  aborted: 'PLAN_STATE_ABORTED',
});

/** Raft roles of a member. */
export const MEMBER_ROLES = new EnumMap<'leader' | 'follower' | 'candidate' | 'pre-candidate' | 'learner', MemberRole__Output>({
  leader: 'MEMBER_ROLE_LEADER',
  follower: 'MEMBER_ROLE_FOLLOWER',
  candidate: 'MEMBER_ROLE_CANDIDATE',
  'pre-candidate': 'MEMBER_ROLE_PRE_CANDIDATE',
  learner: 'MEMBER_ROLE_LEARNER',
});

/** Replication states of a follower, as its leader tracks it. */
export const PROGRESS_STATES = new EnumMap<'probe' | 'replicate' | 'snapshot', ProgressState__Output>({
  probe: 'PROGRESS_STATE_PROBE',
  replicate: 'PROGRESS_STATE_REPLICATE',
  snapshot: 'PROGRESS_STATE_SNAPSHOT',
});

/** The registry's refusal codes; on the wire they carry the same names. */
export const FLEET_ERROR_CODES = ['ALREADY_BOUND', 'CAS_FAILED', 'NOT_FOUND', 'INVALID_ARGUMENT', 'FAILED_PRECONDITION', 'DUPLICATE_STALE'] as const;

/** One of the registry's refusal codes. */
export type FleetErrorCodeName = (typeof FLEET_ERROR_CODES)[number];

/** Whether a wire value is one of the registry's refusal codes (not UNSPECIFIED, not unknown). */
export function isFleetErrorCode(value: unknown): value is FleetErrorCodeName {
  return typeof value === 'string' && (FLEET_ERROR_CODES as readonly string[]).includes(value);
}

/** Metadata keys of the protocol (see the ERRORS comment in client.proto). */
export const METADATA = {
  leaderId: 'fleet-leader-id',
  leaderAddress: 'fleet-leader-address',
  errorCode: 'fleet-error-code',
  writeResponse: 'fleet-write-response-bin',
  /** On a watch refused as compacted: the oldest index the member still has. */
  watchOldestIndex: 'fleet-watch-oldest-index',
  authorization: 'authorization',
  /** The `user@host` a client says it runs as, for the audit log (unverified). */
  actor: 'fleet-actor',
  /** On a unary Write: redirect me (NOT_LEADER with the hint) rather than forward it to the leader (write-forwarder.ts). */
  preferRedirect: 'fleet-prefer-redirect',
} as const;
