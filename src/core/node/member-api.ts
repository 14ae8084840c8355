/**
 * What the server's registry services ask of a fleet member (FleetMember implements it; the
 * server tests' harness fakes it): the registry's writes and reads, beside the node's own admin.
 */
import type { Actor, ApplyResult, ChangeFeed, Command, FleetStateMachine } from '../fleet/index.js';
import type { MemberStatus, ReadConsistency } from './api.js';
import type { AutopilotPatch, AutopilotSettings } from './autopilot/settings.js';

/** One write as a client sends it; the leader stamps the time. */
export interface WriteRequest {
  readonly clientId: string;
  readonly seq: number;
  readonly firstIncomplete: number;
  readonly op: Command;
  /** Who asks, for the audit log (stamped by the service from the call's credentials). */
  readonly by?: Actor;
}

/**
 * What the gRPC services need from a coordinator node. The services translate the wire format
 * to these calls and back; they never touch Raft directly.
 */
export interface NodeApi {
  readonly id: string;
  /** The changes this member applied recently, for watchers; `status().appliedIndex` says how far it has applied. */
  readonly changes: ChangeFeed;
  /** Replicates and applies one write; resolves with the state machine's answer (which carries the commit index). */
  write(req: WriteRequest): Promise<ApplyResult>;
  /** Replicates one command for the embedding application's state machine (on the leader); resolves with its answer and index. */
  submit(op: string, payload: Uint8Array): Promise<{ value: unknown; index: number }>;
  /** Runs `fn` against the state machine once the consistency requirement holds. */
  read<T>(consistency: ReadConsistency, fn: (sm: FleetStateMachine) => T): Promise<{ value: T; index: number }>;
  status(): MemberStatus;
  /** Hands leadership to `to` (default: the most caught-up voter); resolves once the new leader is known. */
  transferLeadership(to?: string): Promise<{ from: string; to: string; tookMs: number }>;
  /** Takes a snapshot now; resolves with where it is. */
  takeSnapshot(): Promise<{ index: number; term: number; bytes: number; path: string }>;
  /** The newest snapshot on disk, for streaming to an operator (`fleet snapshot save`). */
  latestSnapshot(): Promise<{ index: number; term: number; path: string } | undefined>;
  /**
   * Membership changes, one at a time. With `ifConfigIndex` (a `configIndex` from status) a change
   * is conditional: refused (FAILED_PRECONDITION) if the membership changed since that configuration.
   */
  addMember(id: string, address: string, learner: boolean, ifConfigIndex?: number): Promise<void>;
  promoteMember(id: string, ifConfigIndex?: number): Promise<void>;
  removeMember(id: string, ifConfigIndex?: number): Promise<void>;
  /**
   * Records a change made outside the registry in the audit log (an `audit.record` entry);
   * through the leader, so a follower rejects it like a write.
   */
  recordAudit(by: Actor, op: string, args: Readonly<Record<string, unknown>>, outcome: string): Promise<void>;
  /** The replicated autopilot settings (the defaults until set), and why the stored ones are unusable if they are. */
  autopilotSettings(): Promise<{ settings: AutopilotSettings; problem?: string }>;
  /** Changes some autopilot settings (on the leader); INVALID_ARGUMENT when the result would be unacceptable. */
  setAutopilot(patch: AutopilotPatch): Promise<{ settings: AutopilotSettings }>;
}
