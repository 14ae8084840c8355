/**
 * The vocabulary of the Raft core: entries, messages, hard state, snapshots and the Ready
 * batch a host handles. Plain data only, so a host can persist it, a transport can encode it
 * and the simulator can copy it.
 */

/** A member's id, e.g. `n1`. Stable for the life of the member. */
export type NodeId = string;

/** What an entry carries. `noop` is the empty entry a new leader appends to commit its term. */
export type EntryType = 'normal' | 'conf-change' | 'noop';

/** One log entry. Invariant: within a log, `index` is dense and `term` never decreases. */
export interface Entry {
  readonly term: number;
  readonly index: number;
  readonly type: EntryType;
  /** Opaque to the core for `normal`; an encoded ConfChange (see conf-change.ts) for `conf-change`; empty for `noop`. */
  readonly data: Uint8Array;
}

/** What must be on disk before the node may answer anything that depends on it. */
export interface HardState {
  readonly term: number;
  /** Who this node voted for in `term`, or '' for nobody. */
  readonly vote: NodeId;
  readonly commit: number;
}

/** The membership: voters decide elections and commitment; learners only receive the log. */
export interface ConfState {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

/** Identifies a snapshot: the state machine as of `index` (whose entry had `term`), with the membership then. */
export interface SnapshotMeta {
  readonly index: number;
  readonly term: number;
  readonly conf: ConfState;
}

/**
 * A snapshot. The core only reasons about `meta`; `data` is the state machine's image. On a
 * `snap` message the core emits, `data` is absent: the host attaches its latest snapshot's
 * bytes when it sends the message (it may stream them). On a `snap` message the core receives,
 * `data` is present and is handed back in `Ready.snapshot` to be persisted and restored.
 */
export interface Snapshot {
  readonly meta: SnapshotMeta;
  readonly data?: Uint8Array;
}

/** A single-server membership change (Raft dissertation §4.1): one voter or learner at a time. */
export interface ConfChange {
  readonly type: 'add-voter' | 'add-learner' | 'remove';
  readonly node: NodeId;
  /** Opaque to the core: the host records e.g. the member's addresses here. */
  readonly context?: Uint8Array;
}

/** Messages exchanged between members. */
export type MessageType =
  | 'pre-vote'
  | 'pre-vote-resp'
  | 'vote'
  | 'vote-resp'
  | 'app'
  | 'app-resp'
  | 'heartbeat'
  | 'heartbeat-resp'
  | 'snap'
  | 'timeout-now'
  | 'read-index'
  | 'read-index-resp'
  | 'term-probe'
  | 'term-probe-resp';

/**
 * One Raft message. Fields not meaningful for a type are zero/empty. Meaning by type:
 * - vote / pre-vote: `index`,`logTerm` = candidate's last entry; `transfer` when caused by a leadership transfer.
 * - app: `index`,`logTerm` = entry preceding `entries`; `commit` = leader's commit.
 * - app-resp: accepted → `index` = last index now matching; rejected → `index` = the probed index,
 *   `rejectHint` = follower's hint index and `logTerm` = its term there (fast back-off).
 * - heartbeat: `commit` = min(leader commit, follower match); `context` echoes a ReadIndex round.
 * - snap: `snapshot` (see Snapshot about `data`).
 * - read-index / read-index-resp: `context` identifies the request; resp `index` = read index.
 * - term-probe / term-probe-resp: a member repairing damage asks for terms (term-probe.ts); `repair`
 *   names the probe and the answer's `term` is the answering member's.
 */
export interface Message {
  readonly type: MessageType;
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
  readonly logTerm: number;
  readonly index: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
  readonly reject: boolean;
  readonly rejectHint: number;
  readonly transfer?: boolean;
  /**
   * Protocol-aware repair (Alagappan et al., FAST 2018). From a follower (on app-resp and
   * heartbeat-resp): "my disk lost entries I may have acknowledged; do not count my earlier
   * acknowledgements". From the leader (on app and heartbeat): "you hold my whole log again".
   * The value names the repair (a number the repairing member drew, never 0), so that a late
   * message of a repair that ended is not taken for a new one.
   */
  readonly repair?: number;
  readonly snapshot?: Snapshot;
  readonly context?: Uint8Array;
}

export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

/** Volatile state a host shows to operators; not persisted. */
export interface SoftState {
  readonly leader: NodeId;
  readonly role: Role;
}

/** A linearizable read point: once the host has applied `index`, it may answer the read tagged `context`. */
export interface ReadState {
  readonly index: number;
  readonly context: Uint8Array;
}

/**
 * A batch of work for the host. The host must, in this order:
 * 1. persist `hardState`, `entries` (replacing any conflicting suffix) and `snapshot` — with
 *    fsync when `mustSync`;
 * 2. send `messagesAfterPersist`, and only then: they promise what step 1 wrote (votes,
 *    acknowledgements of entries);
 * 3. restore `snapshot` (if any) into the state machine, then apply `committedEntries` in order;
 * 4. call `advance(ready)`.
 * `messages` carry nothing that depends on step 1 (a leader's appends, heartbeats): the host
 * may send them at once, in parallel with its own disk write (Raft dissertation §10.2.1).
 * `committedEntries` never include an entry that is not yet durable on this node.
 *
 * With asynchronous storage writes the host instead submits step 1 to a storage that makes
 * writes durable in submission order, applies `committedEntries` at once (they are durable
 * already), calls `handedOff(ready)` and may take the next Ready; once step 1 is durable it
 * sends `messagesAfterPersist` and calls `persisted(ready)`. A Ready with a snapshot is
 * persisted before it is handed off (the core holds it back until earlier writes are durable).
 */
export interface Ready {
  readonly softState?: SoftState;
  readonly hardState?: HardState;
  readonly entries: readonly Entry[];
  readonly snapshot?: Snapshot;
  readonly committedEntries: readonly Entry[];
  readonly messages: readonly Message[];
  readonly messagesAfterPersist: readonly Message[];
  readonly readStates: readonly ReadState[];
  readonly mustSync: boolean;
}

/** Per-follower replication state as the leader sees it. */
export interface ProgressStatus {
  readonly match: number;
  readonly next: number;
  readonly state: 'probe' | 'replicate' | 'snapshot';
  /** The leader heard from it in this check-quorum round or the one before. */
  readonly recentActive: boolean;
  readonly learner: boolean;
  readonly inflight: number;
}

/** A read-only view of a node for operators and tests. */
export interface Status {
  readonly id: NodeId;
  readonly term: number;
  readonly vote: NodeId;
  readonly commit: number;
  readonly applied: number;
  readonly lastIndex: number;
  /** The newest snapshot, taken here or installed from the leader. */
  readonly snapshotIndex: number;
  /** The log's first entry (it may hold entries the newest snapshot covers, for followers a little behind). */
  readonly firstIndex: number;
  readonly role: Role;
  readonly leader: NodeId;
  readonly conf: ConfState;
  readonly transferee: NodeId;
  /** Rebuilding a damaged log from the leader (InitialState.repairing): no votes, no campaigns. */
  readonly repairing: boolean;
  /** On the leader: a membership change would be refused now (one is pending, or the term has committed nothing yet). */
  readonly confChangeBlocked: boolean;
  /** The index of the membership change that made the configuration in force (the snapshot's index when none since). */
  readonly confIndex: number;
  /** Only on the leader: each member's progress, the leader's own included. */
  readonly progress: ReadonlyMap<NodeId, ProgressStatus>;
}

/** A seeded source of randomness: returns an integer in [0, n). Injected so that runs reproduce. */
export type RandomInt = (n: number) => number;

/** A sink for the core's diagnostics; the host decides where they go. */
export interface RaftLogger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

/**
 * Deliberately broken behaviours, for proving that the simulator's checkers can fail.
 * Never set outside tests.
 */
export interface UnsafeTestingOptions {
  /** Commit entries of earlier terms by counting replicas (violates the Figure 8 rule). */
  readonly commitPreviousTermByCount?: boolean;
  /** Grant a vote to any candidate of the current term, even after voting for another. */
  readonly voteTwicePerTerm?: boolean;
  /**
   * Ignore InitialState.repairing: a member whose host cut a damaged log rejoins as if nothing
   * was lost, voting and counting at once (it truncated entries that may be committed).
   */
  readonly ignoreRepair?: boolean;
  /**
   * Release a linearizable read on any earlier confirmation: once a quorum has answered one
   * heartbeat round of the term, later reads go out without a round sent after they arrived
   * (the stale confirmation ReadOnlyQueue's rounds exist to prevent).
   */
  readonly releaseReadsOnStaleConfirmation?: boolean;
  /** A new leader serves linearizable reads before an entry of its own term has committed (its commit index may lag). */
  readonly readBeforeTermCommit?: boolean;
}

/** How a node is set up. Timeouts are counted in ticks; the host decides how long a tick is. */
export interface Config {
  readonly id: NodeId;
  /** Ticks between heartbeats. Must be < electionTicks. */
  readonly heartbeatTicks: number;
  /** Base election timeout; each wait is randomized in [electionTicks, 1.5 × electionTicks) (raft.ts, electionSpread). */
  readonly electionTicks: number;
  readonly random: RandomInt;
  /** Run a pre-vote round before a real election, so a partitioned node does not disrupt. Default true. */
  readonly preVote?: boolean;
  /** Leaders step down without a quorum; followers with a live leader ignore disruptive votes. Default true. */
  readonly checkQuorum?: boolean;
  /** Largest total entry payload in one `app` message. Default 1 MiB. */
  readonly maxMsgBytes?: number;
  /**
   * Largest total payload of the committed entries one Ready hands out (at least one entry); the
   * rest come in the next Ready (etcd's MaxCommittedSizePerReady). Default 256 KiB.
   */
  readonly maxCommittedBytesPerReady?: number;
  /** Most `app` messages in flight to one follower in replicate state. Default 256. */
  readonly maxInflight?: number;
  /** Largest number of uncommitted payload bytes the leader accepts before dropping proposals. Default 64 MiB. */
  readonly maxUncommittedBytes?: number;
  /**
   * A permanent non-voter (a read replica): it grants no vote and never campaigns, whatever the
   * membership says, so a replica an operator added as a voter by mistake cannot help elect a
   * leader (the host refuses to run it as one). Default false.
   */
  readonly nonVoting?: boolean;
  readonly logger?: RaftLogger;
  readonly unsafe?: UnsafeTestingOptions;
}

/** What a node restarts from: everything its host had durably stored. */
export interface InitialState {
  readonly hardState?: HardState;
  readonly snapshot?: SnapshotMeta;
  /** The persisted log after the snapshot, in order. */
  readonly entries?: readonly Entry[];
  /**
   * The founding membership of a new cluster, used only when nothing was persisted yet: it
   * becomes the first log entries (committed, identical on every founding member). Empty or
   * absent for a member that joins an existing cluster: it learns the membership by replication.
   */
  readonly bootstrap?: ConfState;
  /**
   * The host's applied index (≥ snapshot index, ≤ the last entry's index, or the constructor
   * throws InvalidInitialStateError); entries after it are re-delivered as committed, and it
   * counts as committed even if `hardState.commit` is older.
   */
  readonly applied?: number;
  /**
   * The host found damage in durable data and cut the log before it: entries (and a hard state)
   * this member acknowledged may be gone. It neither votes nor campaigns, and tells the leader
   * so that its earlier acknowledgements stop counting, until a leader has given it back the
   * whole log. The host keeps this durable across restarts until `Status.repairing` is false.
   */
  readonly repairing?: boolean;
  /**
   * With `repairing`: the damage took both copies of the hard state, so the vote this member
   * cast last is unknown. Before it votes again it then waits for every other voter's term, not
   * only enough of them to meet every quorum (term-probe.ts says why).
   */
  readonly voteLost?: boolean;
}
