/**
 * The vocabulary of `fleet drill`: which drills exist, what a drill is told to do, what it
 * records about each operation, and the report it hands back (the `--json` document).
 */
import type { HistoryEvent } from '../history/index.js';
import type { Nemesis } from './scenarios/chaos-schedule.js';
import type { SideWorkloadName } from './side/names.js';

/** The drills `fleet drill` runs. */
export const DRILL_NAMES = ['kill-leader', 'kill-follower', 'pause-leader', 'partition', 'rolling-restart', 'upgrade', 'wan', 'chaos'] as const;

/** One of the drills. */
export type DrillName = (typeof DRILL_NAMES)[number];

/** The outcome of a drill: exit 0 for `pass`, 5 for `slo-missed` and `aborted`, 6 for `unsafe`. */
export type Verdict = 'pass' | 'slo-missed' | 'aborted' | 'unsafe';

/** The service-level objectives a round is held to. */
export interface DrillSlo {
  /** Longest client-visible unavailability window allowed. */
  readonly unavailableMs: number;
  /** Longest time from the fault to a new leader agreed on by the survivors. */
  readonly newLeaderMs: number;
}

/** Everything a drill run is told; commands build it from flags, tests by hand. */
export interface DrillOptions {
  readonly drill: DrillName;
  readonly rounds: number;
  /** Concurrent clients of the workload. */
  readonly clients: number;
  /** KV registers per round. */
  readonly keys: number;
  /** Workload before the fault (not measured, but recorded and checked). */
  readonly warmupMs: number;
  /** How long to observe after the fault before restoring. */
  readonly observeMs: number;
  /** Restart a killed member after observing (and measure its catch-up). */
  readonly restart: boolean;
  readonly slo: DrillSlo;
  /** Steady state: every member's applied index within this many entries of the leader's commit. */
  readonly maxLag: number;
  /** How long to wait for the steady state (before each round) or a catch-up before giving up. */
  readonly settleMs: number;
  /** Deadline of one attempt of a workload operation. */
  readonly opTimeoutMs: number;
  /** pause-leader: how long the leader stays stopped. */
  readonly pauseMs: number;
  /** partition: `leader` or a member id. */
  readonly isolate: string;
  /** partition: how long the member stays cut off. */
  readonly partitionMs: number;
  /** kill-follower: the follower to kill (default: each follower in turn). */
  readonly target?: string | undefined;
  /** wan: the round trip of each region pair, jitter and loss (scenario-wan.ts). */
  readonly wan?: WanLinks | undefined;
  /** upgrade: the build each member runs after (its `bin/run.js`), and the one each must run before, when given. */
  readonly upgrade?: { readonly to: string; readonly from?: string | undefined } | undefined;
  /** chaos: the nemeses, how long the faults go on, and the seed of their schedule (chaos-schedule.ts). */
  readonly chaos?: { readonly nemeses: readonly Nemesis[]; readonly durationMs: number; readonly seed: number } | undefined;
  /** Workloads run beside the CAS registers, each with its own check (side/types.ts). */
  readonly sideWorkloads?: readonly SideWorkloadName[] | undefined;
}

/** What the WAN drill emulates: a round trip per pair of regions, jitter and loss on every link. */
export interface WanLinks {
  /** Round trip in ms, by pair key (scenario-wan.ts `pairKey`). */
  readonly roundTripMs: ReadonlyMap<string, number>;
  /** Added to a round trip, at most (each direction draws up to half of it). */
  readonly jitterMs: number;
  /** Fraction of the messages on a cross-region link that are dropped, each direction. */
  readonly loss: number;
}

/** How an operation ended, as the history records it. */
export type Outcome = 'ok' | 'fail' | 'info';

/** A register operation of the workload. */
export type OpKind = 'read' | 'write' | 'cas';

/**
 * One workload operation with the facts the measurements need besides the history event pair.
 * Times are nanoseconds on the drill's clock (`time` in the history).
 */
export interface OpRecord {
  readonly process: number;
  readonly f: OpKind;
  readonly key: string;
  /** What was written (write), `[expected, new]` (cas), or null (read). */
  readonly input: unknown;
  /** What an ok read observed (null = absent). */
  readonly output: string | null;
  readonly outcome: Outcome;
  readonly startNs: number;
  readonly endNs: number;
  /** The address of the member that acknowledged a write or cas (only a leader does), when the client can tell. */
  readonly by?: string | undefined;
  /**
   * Why it did not succeed: `refused` when the cluster answered with a definite refusal (a
   * failed compare-and-set), else the client's error kind (`unavailable`, `timeout`, …).
   */
  readonly error?: string | undefined;
}

/** One check of a round (steady state, the fault's own expectations) and whether it held. */
export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  /** `slo` failures exit 5, `safety` failures 6. */
  readonly severity: 'slo' | 'safety';
}

/** A safety violation with the smallest set of events that shows it. */
export interface Violation {
  readonly kind: 'lost' | 'duplicated' | 'not-linearizable' | 'unknown-value' | 'minority-commit';
  readonly round: number;
  readonly key?: string | undefined;
  readonly message: string;
  readonly counterexample: readonly HistoryEvent[];
}

/** A window during which clients could not complete operations. */
export interface UnavailableWindow {
  /** Offsets from the drill's start, in ms. */
  readonly fromMs: number;
  readonly toMs: number;
  /** No write was acknowledged before the round's workload stopped. */
  readonly unrecovered: boolean;
}

/** Where an operation started relative to the round's fault. */
export type FaultPhase = 'before' | 'during' | 'after';

/** Latency percentiles (ms, nearest rank) of one kind of operation in one phase; null figures when none ran. */
export interface PhaseLatency {
  readonly phase: FaultPhase;
  readonly f: OpKind;
  /** Operations the cluster answered (a cas that found another value included); only they are timed. */
  readonly count: number;
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

/** What one round measured and found. Figures are null when they do not apply or were not reached. */
export interface RoundReport {
  readonly round: number;
  /** The member the fault was injected into (for rolling-restart, every member in order). */
  readonly target: string;
  /** The killed member (kill drills), else null. */
  readonly killed: string | null;
  /** When the fault was injected, in ms since the drill started (the history's clock). */
  readonly faultAtMs: number;
  readonly oldLeader: string;
  readonly newLeader: string | null;
  readonly newLeaderMs: number | null;
  /** The longest unavailability window of the round (0 when no operation was disrupted). */
  readonly unavailableMs: number;
  readonly unavailableTotalMs: number;
  readonly windows: readonly UnavailableWindow[];
  readonly catchupMs: number | null;
  readonly ops: number;
  readonly opsPerSec: number;
  /** Writes and compare-and-sets acknowledged. */
  readonly acknowledged: number;
  /** Compare-and-sets that found another value: answered, not failed (absent from older reports, which counted them as failed). */
  readonly compareFailed?: number;
  /** Operations the cluster refused or that failed outright (no leader, an error); not compare mismatches. */
  readonly failed: number;
  readonly indeterminate: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly linearizable: boolean | null;
  readonly checks: readonly CheckResult[];
  /** Drill-specific figures (e.g. `deposedMs` of pause-leader). */
  readonly extra: Readonly<Record<string, number | null>>;
  /** When the round's workload started and stopped, in ms since the drill started (absent from reports of older versions). */
  readonly startMs?: number;
  readonly endMs?: number;
  /** What happened when, for the report's charts: the fault, the repairs, the new leader, the catch-up. */
  readonly marks?: readonly RoundMark[];
  /** The side workloads' figures and checks, with the operations that show an anomaly (absent when none ran). */
  readonly sideWorkloads?: readonly SideVerdict[];
  /**
   * Latency of the answered operations by kind, before the fault, while it lasted and after its
   * repair: the HTML report's table, from the same function (roundLatency in report-data.ts).
   * Absent from reports of older versions.
   */
  readonly latency?: readonly PhaseLatency[];
}

/** A moment of a round, in ms since the drill started. */
export interface RoundMark {
  readonly atMs: number;
  readonly kind: 'fault' | 'repair' | 'new-leader' | 'caught-up' | 'anomaly';
  /** What a reader sees next to the mark: `kill n1`, `n2 leads`, `n1 caught up`. */
  readonly label: string;
}

/** The cluster as the first steady state found it, and the tool that drilled it. */
export interface DrillEnvironment {
  readonly clusterName: string;
  readonly leader: string;
  readonly term: number;
  readonly members: readonly { readonly id: string; readonly address: string; readonly version: string }[];
  /** fleet's own version (the CLI that ran the drill) and Node's. */
  readonly fleetVersion: string;
  readonly nodeVersion: string;
}

/** Median and max of one figure over the rounds where it applied (null when none did). */
export interface FigureSummary {
  readonly median: number | null;
  readonly max: number | null;
}

/** Why a drill stopped before its rounds were done. */
export interface AbortInfo {
  readonly round: number;
  readonly check: string;
  readonly message: string;
}

/** The whole drill report: what `--json` prints and `--report` writes. */
export interface DrillReport {
  readonly drill: DrillName;
  readonly verdict: Verdict;
  /** One line: why the verdict is what it is. */
  readonly reason: string;
  readonly startedAt: string;
  readonly elapsedMs: number;
  readonly options: DrillOptions;
  /** How faults were injected: `local` (signals to validated pids) or `admin-api`. */
  readonly injector: string;
  readonly rounds: readonly RoundReport[];
  readonly summary: {
    readonly unavailableMs: FigureSummary;
    readonly newLeaderMs: FigureSummary;
    readonly catchupMs: FigureSummary;
  };
  /** Whether the whole history is linearizable; null when the checker ran out of budget. */
  readonly linearizable: boolean | null;
  readonly violations: readonly Violation[];
  readonly aborted: AbortInfo | null;
  /** Recorded operations (events) in the history. */
  readonly historyEvents: number;
  /** The cluster and versions (null when no steady state was ever reached; absent from older reports). */
  readonly environment?: DrillEnvironment | null;
}

/** What the drill is doing now, for the live progress line. */
export interface DrillProgress {
  readonly round: number;
  readonly rounds: number;
  readonly phase: 'steady-state' | 'warmup' | 'fault' | 'observe' | 'restore' | 'verify' | 'cleanup';
  readonly leader: string | null;
  readonly opsPerSec: number;
  readonly acknowledged: number;
  readonly compareFailed: number;
  readonly failed: number;
  readonly indeterminate: number;
}

/** One completed operation of a side workload. Times are nanoseconds on the drill's clock. */
export interface SideOp {
  /** Which workload client ran it (0-based). */
  readonly client: number;
  /** The operation: `append`/`read` (list), `acquire`/`release` (lock), `contact`/`read` (first contact). */
  readonly f: string;
  /** The list or lease or cluster it was about. */
  readonly key: string;
  readonly input: unknown;
  /** What an ok operation answered (a read list, a fencing token, the shard bound to). */
  readonly output: unknown;
  /** ok; fail = a definite refusal (nothing applied); info = unknown (it may have applied). Decided by register-client.ts's writeOutcome. */
  readonly outcome: Outcome;
  readonly startNs: number;
  readonly endNs: number;
  readonly error?: string | undefined;
}

/** A side workload's round, checked. */
export interface SideVerdict {
  readonly name: SideWorkloadName;
  /** The checker's verdict; `severity: 'safety'`, `name` the workload's name. */
  readonly check: CheckResult;
  readonly ops: number;
  readonly acknowledged: number;
  readonly failed: number;
  readonly indeterminate: number;
  /** When the check failed: the smallest set of operations that shows it, in words, oldest first. */
  readonly anomaly?: { readonly summary: string; readonly ops: readonly SideOp[] };
}
