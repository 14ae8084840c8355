/**
 * The vocabulary FleetNode is built from: what it is given (options, storage, transport, logger,
 * the state it replicates, the services around it) and what it reports. See fleet-node.ts.
 */
import type { Entry, Message, SoftState, UnsafeTestingOptions } from '../raft/index.js';
import type { Placement } from './api.js';
import type { NodeRuntime } from './runtime.js';
import type { TrailLimits } from './snapshots/log-trail.js';
import type { NodeStorage } from './storage-port.js';

/** The transport the node sends through; implemented over gRPC streams in src/core/server. */
export interface PeerSender {
  /** Best effort: Raft tolerates loss. `snap` messages are streamed with the newest snapshot file. */
  send(messages: readonly Message[]): void;
  setPeers(peers: ReadonlyMap<string, string>): void;
}

/** Where the node reports what operators graph; every method is optional to implement. */
export interface NodeObserver {
  onRoleChange?(soft: SoftState, term: number): void;
  onCommitted?(count: number): void;
  onProposalFailed?(count: number): void;
  onApplyLatency?(seconds: number): void;
  onSnapshot?(bytes: number, seconds: number): void;
  /** Each entry as it is applied (the simulator checks that members apply the same entry at each index). */
  onEntryApplied?(index: number, term: number): void;
  /** The longest event-loop delay of each second, in seconds (loop-watch.ts). */
  onLoopDelay?(seconds: number): void;
}

/** Structured logging, as pino provides it. */
export interface NodeLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

/** Writes image bytes at an offset. */
export type ImageWrite = (bytes: Uint8Array, offset: number) => void;

/** One image of a replicated state being made, as of `index` (see ReplicatedMachine.beginImage). */
export interface MachineImage {
  readonly index: number;
  /** Writes the bulk of the image, a step at a time (the event loop gets turns between steps). */
  steps(write: ImageWrite): Generator<void, void, undefined>;
  /** Writes the rest once the steps are done; returns the image's whole length. */
  finish(write: ImageWrite): number;
}

/** What one committed entry did to the replicated state: its answer (for the proposal's waiter), or why applying must stop here. */
export type EntryOutcome = { readonly answer?: unknown; readonly stop?: undefined } | { readonly stop: Error };
/** An entry the machine applies in steps, across turns of the loop (a txn that deletes 60,000 keys): its outcome once the steps end. */
export interface EntryInSteps { readonly steps: Generator<void, EntryOutcome, undefined> }

/** The state a node replicates (hashicorp/raft's FSM): deterministic, applied in log order on every member. */
export interface ReplicatedMachine {
  readonly appliedIndex: number;
  /** Bumped whenever `restore` replaces the state. */
  readonly generation: number;
  /**
   * Applies a committed normal entry at the next index, or begins to (`steps`): until its steps
   * end the applied index stays before it, reads see the state before it, and nothing else is
   * applied, restored or imaged.
   */
  apply(e: Entry): EntryOutcome | EntryInSteps;
  /** Advances the applied index over an entry that is not the machine's (a membership change). */
  skip(index: number): void;
  /** After each batch of applied entries. */
  batchApplied?(): void;
  /** Replaces the state with a snapshot image (from the leader). */
  restore(image: Uint8Array): void;
  beginImage(): MachineImage;
  /** The image the state was restored from when the member started, and how long that took (ms); undefined: it started empty. */
  readonly startedFrom?: RestoredImage | undefined;
}

export interface RestoredImage {
  readonly bytes: number;
  readonly restoreMs: number;
}

/** Work around the node (lease expiry, autopilot, clock warnings …), told what happens in it. */
export interface NodeService {
  started?(): void;
  tick?(): void;
  /** A message from a peer, before the core takes it. */
  stepped?(m: Message): void;
  entryApplied?(e: Entry): void;
  /** After a batch of entries; `last` is its last normal entry. */
  batchApplied?(last: Entry | undefined): void;
  roleChanged?(was: SoftState, now: SoftState): void;
  /** A snapshot from the leader replaced the state. */
  stateReplaced?(): void;
  /** The member stopped applying for `err` (its state machine failed). */
  halted?(err: Error): void;
  stopped?(): void;
}

/** Deliberately unsafe behaviours, for tests that prove the simulator and the drills catch them. Never set in production. */
export interface UnsafeNodeHooks {
  /** Acknowledge writes as soon as they are proposed. */
  readonly ackBeforeCommit?: boolean;
  /** Serve a linearizable read at once, without waiting for its ReadIndex confirmation. */
  readonly releaseReadsEarly?: boolean;
  /** Apply entries as soon as they are appended, committed or not. */
  readonly applyBeforeCommit?: boolean;
  /** Send vote grants before the hard state that records them is durable. */
  readonly sendVotesBeforePersist?: boolean;
  /** Deliberately broken Raft core behaviours. */
  readonly raft?: UnsafeTestingOptions;
  /** Apply no entry beyond this index (a member that cannot apply), to prove status reports it stuck. */
  readonly stopApplyingAfter?: number;
}

export interface FleetNodeOptions {
  readonly id: string;
  readonly clusterName: string;
  /** This member's `host:port`. */
  readonly address: string;
  /** This member's zone and region (default: unset), announced to its peers and shown in its status. */
  readonly placement?: Placement;
  /** The founding members (id → address), this one included; empty when joining an existing cluster. */
  readonly founders: ReadonlyMap<string, string>;
  readonly heartbeatMs: number;
  readonly electionTimeoutMs: number;
  /** Take a snapshot every this many applied entries. */
  readonly snapshotEvery: number;
  /** How much log to keep behind the newest snapshot, for followers a little behind (default: snapshots/log-trail.ts's DEFAULT_TRAIL). */
  readonly snapshotTrail?: TrailLimits | undefined;
  /** Apply steps per turn at most (default: as many as fit in apply-queue.ts's SLICE_MS); the simulator sets a few. */
  readonly applyStepsPerSlice?: number | undefined;
  readonly storage: NodeStorage;
  readonly logger: NodeLogger;
  readonly observer?: NodeObserver;
  readonly version: string;
  /**
   * Whether the cluster is being founded (`new`, the default: a member without Raft state
   * bootstraps from `founders`) or exists already (`existing`: a founder without Raft state is
   * refused, since it may have lost votes and acknowledged entries).
   */
  readonly initialClusterState?: 'new' | 'existing';
  /** Clock, timers and randomness; Node's (`systemRuntime`) unless a simulator supplies its own. */
  readonly runtime?: NodeRuntime;
  readonly unsafe?: UnsafeNodeHooks;
}
