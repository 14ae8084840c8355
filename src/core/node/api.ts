import type { RaftErrorCode } from '../raft/index.js';
import type { AutopilotReport } from './autopilot/runner.js';

/** A member of the coordinator cluster as the membership records it. */
export interface MemberInfo {
  readonly id: string;
  /** `host:port` of the member's single gRPC port (peer, client and admin services). */
  readonly address: string;
  readonly voter: boolean;
  /** Its failure domain as this member knows it (announced on peer streams); absent when unset or not yet heard. */
  readonly zone?: string;
  readonly region?: string;
  /** A permanent non-voting member (`--read-replica`), as it announced itself; absent otherwise. */
  readonly readReplica?: boolean;
  /** Its fleet version as it announced it (this member's own for itself); absent when not heard. */
  readonly version?: string;
}

/**
 * Where a member runs: its zone and region (`fleet node start --zone --region`), '' when unset,
 * and whether it is a permanent read replica (`--read-replica`). The member announces all three
 * on every peer stream it opens, so every member (the leader's autopilot included) learns them
 * again after any restart, without a log entry.
 */
export interface Placement {
  readonly zone: string;
  readonly region: string;
  readonly readReplica?: boolean;
}

/** A follower's replication progress as the leader sees it. */
export interface FollowerProgress {
  readonly id: string;
  readonly match: number;
  readonly next: number;
  readonly state: 'probe' | 'replicate' | 'snapshot';
  readonly recentActive: boolean;
  readonly learner: boolean;
  /** Entries the follower trails the leader's last index by. */
  readonly lag: number;
}

/** What one member reports about itself: the figures `fleet status` and `fleet top` show. */
export interface MemberStatus {
  readonly id: string;
  readonly address: string;
  readonly clusterName: string;
  readonly role: 'leader' | 'follower' | 'candidate' | 'pre-candidate' | 'learner';
  readonly term: number;
  /** '' when no leader is known. */
  readonly leaderId: string;
  readonly leaderAddress: string;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly lastIndex: number;
  readonly snapshotIndex: number;
  readonly members: readonly MemberInfo[];
  /** Only on the leader. */
  readonly progress: readonly FollowerProgress[];
  /** Milliseconds since a follower last heard from its leader; 0 on the leader; -1 if never. */
  readonly lastContactMs: number;
  readonly uptimeMs: number;
  readonly version: string;
  readonly rssBytes: number;
  readonly snapshotsTaken: number;
  readonly elections: number;
  /** Set while this member repairs a damaged log from its peers (storage-port.ts, RecoveredState.repair). */
  readonly repair?: RepairStatus;
  readonly repairsCompleted: number;
  /** Autopilot's latest assessment: only on the leader. */
  readonly autopilot: AutopilotReport | undefined;
  /** `out-of-space` while the disk refuses this member's log writes: it appends nothing (see FleetNode). */
  readonly storage: StorageState;
  /** The index of the membership change that made the configuration this member applies: what a conditional change names. */
  readonly configIndex?: number;
  /**
   * The leader's wall clock minus this member's, in ms, as the last entry of the leader's term
   * applied here showed it (replication delay included); absent on the leader and before any.
   */
  readonly clockOffsetMs?: number;
  /**
   * Milliseconds this member's applied index has stayed below its commit index without moving
   * (0 while it is caught up or applying): see apply-watch.ts.
   */
  readonly applyStalledMs?: number;
  /** The longest delay of this member's event loop in the last minute, in ms (loop-watch.ts). */
  readonly loopDelayMaxMs?: number;
  /** The delay past which the loop counts as held: a third of the election timeout. */
  readonly loopHeldBoundMs?: number;
  /** How long `applyStalledMs` may grow before this member is stuck (three election timeouts, at least 3 s). */
  readonly stuckAfterMs?: number;
  /** Peer streams refused in the last half minute, by this member or by its peers (src/core/server/peer/peer-trouble.ts). */
  readonly peerRefusals?: readonly PeerRefusal[];
  /** The cluster's version as the log records it (cluster-version.ts); absent before one was agreed. */
  readonly clusterVersion?: { readonly version: string; readonly dataFormat: number; readonly revision: number };
  /** Its scheduled backups (`--backup-dir`, src/core/server/admin/backup-schedule.ts); absent when it takes none. */
  readonly backup?: BackupStatus;
  /** This member's own zone and region; absent when unset. */
  readonly zone?: string;
  readonly region?: string;
  /** This member was started as a permanent read replica; absent otherwise. */
  readonly readReplica?: boolean;
}

/** What `fleet status` and /metrics show of a member's scheduled backups. */
export interface BackupStatus {
  readonly dir: string;
  readonly everyMs: number;
  readonly keep: number;
  /** Backups this process wrote, and attempts that failed. */
  readonly taken: number;
  readonly failures: number;
  /** The newest good backup in the directory (found there at start, or written since). */
  readonly lastOk?: { readonly at: string; readonly index: number; readonly name: string; readonly bytes: number };
  /** The newest failure since the last good backup; absent once one succeeds. */
  readonly lastError?: { readonly at: string; readonly message: string };
}

/** A peer stream refused: evidence of why a member is cut off (a clock, a secret, an id). */
export interface PeerRefusal {
  /** The other member (the id a refused stream claimed, when this member refused it). */
  readonly peer: string;
  /** True: this member refused `peer`'s stream; false: `peer` refused this member's. */
  readonly byThisMember: boolean;
  /** A PeerRejectReason (`stale-handshake`, `bad-signature`, `unknown-member`, …). */
  readonly reason: string;
  /** As the refusing member said it (`handshake of n3 is -7200 s old`). */
  readonly detail: string;
  /** Milliseconds since the refusal. */
  readonly agoMs: number;
}

/** Where a member found its log damaged and since when (see RecoveredState.repair). */
export interface RepairStatus {
  readonly file: string;
  readonly reason: string;
  readonly since: string;
}

/** Whether a member's storage accepts writes. */
export type StorageState = 'ok' | 'out-of-space';

/** How fresh a read must be. */
export type ReadConsistency =
  /** Linearizable: confirmed by a ReadIndex round through the leader (the default). */
  | { readonly mode: 'linearizable' }
  /** Read-your-writes on any member: wait until this member has applied `index`. */
  | { readonly mode: 'min-index'; readonly index: number }
  /** Bounded staleness on any member: refuse if this member has not heard from a leader within `ms`. */
  | { readonly mode: 'max-staleness'; readonly ms: number };


/** Why a node could not serve a request; the server maps these to gRPC status codes. */
export type NodeErrorCode =
  /** Not the leader: the answer names the leader when known (UNAVAILABLE with a leader hint). */
  | 'NOT_LEADER'
  /** No leader, no quorum, or shutting down: retry later (UNAVAILABLE). */
  | 'UNAVAILABLE'
  /** The request's deadline passed before it was answered (DEADLINE_EXCEEDED); a write may still apply. */
  | 'TIMEOUT'
  /** The leader's disk is full and no other voter could take over: writes wait for space (RESOURCE_EXHAUSTED). */
  | 'OUT_OF_SPACE'
  | 'INVALID_ARGUMENT'
  | 'FAILED_PRECONDITION'
  | 'NOT_FOUND'
  | 'PERMISSION_DENIED';

/**
 * Why a node refused, where one code covers several refusals that callers answer differently:
 * the etcd API maps them to etcd's own errors ("leader changed", "no leader", "server stopped",
 * the membership errors), the embedding to its codes. Callers switch on this, never on the text.
 * A Raft core's refusal of a proposal keeps the core's own code (RaftErrorCode).
 */
export type NodeErrorReason =
  | RaftErrorCode
  /** A write in flight when this member stopped leading: it may still commit under the next leader. */
  | 'leader-changed'
  /** A write whose log place a new leader's entry took: it did not commit. */
  | 'superseded'
  /** No leader known to take a write or confirm a read. */
  | 'no-leader'
  | 'shutting-down'
  /** The state machine failed here, and this member stopped applying. */
  | 'stopped-applying'
  /** A linearizable read's confirmation did not come in time. */
  | 'read-unconfirmed'
  /** This member may not serve the read as asked (a replica too far behind or cut off from the leader). */
  | 'read-refused'
  /** A write whose outcome is not known: it may or may not have applied. */
  | 'outcome-unknown'
  /** The leader is out of space: handing leadership over, or no voter can take over. */
  | 'handing-off'
  | 'out-of-space'
  | 'no-transfer-target'
  | 'transfer-timeout'
  /** Membership: the address is another member's; the member is not a learner, or a read replica; a learner too far behind. */
  | 'address-in-use'
  | 'not-learner'
  | 'read-replica'
  | 'learner-behind'
  /** A new voter that answers at no address: it would count for the quorum before it can vote. */
  | 'newcomer-unreachable'
  /** The membership is not the one the change was checked against. */
  | 'membership-changed'
  /** A membership change not committed in time. */
  | 'not-committed'
  /** A member without an application's state machine, or one whose state diverged from the leader's. */
  | 'no-application'
  | 'diverged';

/** What a NodeError may carry beside its code and text: the leader it knows of, and why. */
export interface NodeErrorDetail {
  readonly leaderId?: string | undefined;
  readonly leaderAddress?: string | undefined;
  readonly reason?: NodeErrorReason | undefined;
}

/** An error a node returns instead of an answer. */
export class NodeError extends Error {
  readonly leaderId: string;
  readonly leaderAddress: string;
  readonly reason: NodeErrorReason | undefined;

  constructor(
    readonly code: NodeErrorCode,
    message: string,
    detail: NodeErrorDetail = {},
  ) {
    super(message);
    this.name = 'NodeError';
    this.leaderId = detail.leaderId ?? '';
    this.leaderAddress = detail.leaderAddress ?? '';
    this.reason = detail.reason;
  }
}

