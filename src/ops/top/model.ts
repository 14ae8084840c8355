/**
 * The `fleet top` state: everything the dashboard shows, as plain immutable data. The view
 * model publishes a new TopState after every poll or action; the ink components and the
 * `--once`/`--json` output read nothing else.
 */
import type { PlanView, RegistryCounts, ShardView } from '../../client/index.js';
import type { QuorumView, StatusMember } from '../status.js';

/** One row of the members table: a status row's identity and indexes, and what top adds. */
export interface TopMember extends Pick<StatusMember, 'id' | 'address' | 'role' | 'voter' | 'term' | 'commitIndex' | 'appliedIndex'> {
  /** Where it runs, as it (or, when it is down, its peers) announced; null when unset. */
  readonly region: string | null;
  readonly zone: string | null;
  /** The leader's match index for this member (its own last index on the leader); null without a leader's view. */
  readonly matchIndex: number | null;
  /** Entries it trails the leader by (0 on the leader). */
  readonly lag: number | null;
  /** How the leader replicates to it: probe, replicate or snapshot (null on the leader or without a leader). */
  readonly replication: 'probe' | 'replicate' | 'snapshot' | null;
  /** Milliseconds since it last heard from the leader (0 on the leader, -1 never). */
  readonly lastContactMs: number | null;
  /** Round trip of this poll's status call. */
  readonly rttMs: number | null;
  readonly rssBytes: number | null;
  /** An etcd member's backend database size (null on fleet's members, which report none). */
  readonly dbSize: number | null;
  readonly version: string | null;
  readonly uptimeMs: number | null;
  readonly healthy: boolean;
  readonly problem: string | null;
  /** Its event loop's longest delay of the last minute, when past its bound (a third of its election timeout); null otherwise. */
  readonly loopHeldMs: number | null;
  /** When this session first saw it unreachable (epoch ms); null while it answers. */
  readonly downSince: number | null;
}

/** What the target runs: fleet's own coordinator or etcd. */
export type TopEngine = 'fleet' | 'etcd';

/** The header: who leads, how safe the quorum is, how busy the log is. */
export interface TopHeader {
  readonly engine: TopEngine;
  readonly context: string | null;
  readonly endpoints: readonly string[];
  readonly clusterName: string | null;
  readonly leader: string | null;
  readonly term: number;
  /** The highest commit index any member reported. */
  readonly commitIndex: number | null;
  /** Entries committed per second over the last few seconds; null until two polls have answered. */
  readonly writesPerSec: number | null;
  readonly quorum: QuorumView;
  /** The leader process's uptime. */
  readonly leaderUptimeMs: number | null;
  /** Since when the current leader has led, when this session saw it take over (epoch ms). */
  readonly leaderSince: number | null;
  /** A sentence in capitals' place when the cluster cannot make progress; null when it can. */
  readonly banner: string | null;
}

/** What the registry looks like, as of the last registry read that answered. */
export interface RegistryPanel {
  readonly shards: readonly ShardView[];
  readonly counts: RegistryCounts | null;
  /** Clusters not seen for `staleAfterMs`, counted up to a cap. */
  readonly staleClusters: number | null;
  /** True when there are more stale clusters than were counted. */
  readonly staleCapped: boolean;
  readonly staleAfterMs: number;
  /** Plans running or paused. */
  readonly plans: readonly PlanView[];
  /** When the data shown was read (epoch ms); null before the first answer. */
  readonly readAt: number | null;
  /** Why the last read failed, while it fails. */
  readonly error: string | null;
  /** Why this target has no fleet registry to show (an etcd cluster without one); absent when it has one. */
  readonly absent?: string;
}

/** What an event is about; the UI picks its colour from it. */
export type TopEventKind =
  | 'watch'
  | 'election'
  | 'leader-lost'
  | 'transfer'
  | 'member-lost'
  | 'member-back'
  | 'member-restarted'
  | 'snapshot-installed'
  | 'snapshot-taken'
  | 'membership'
  | 'action-failed'
  /** A registry change from the watch (possibly a burst folded into one line). */
  | 'change'
  /** The watch is unavailable, or changes were missed. */
  | 'change-gap';

/** One line of the timeline. `seq` only grows, so it keys list rows. */
export interface TopEvent {
  readonly seq: number;
  readonly at: number;
  readonly kind: TopEventKind;
  readonly text: string;
}

/** An operator action and how it went, for the status line. */
export interface TopAction {
  readonly kind: 'transfer' | 'snapshot';
  readonly state: 'running' | 'done' | 'failed' | 'refused';
  readonly text: string;
  readonly at: number;
}

/** The whole state of one dashboard session. */
export interface TopState {
  /** When the newest poll ended (epoch ms); null before the first. */
  readonly at: number | null;
  readonly polls: number;
  readonly intervalMs: number;
  readonly readonly: boolean;
  readonly paused: boolean;
  readonly header: TopHeader;
  readonly members: readonly TopMember[];
  readonly registry: RegistryPanel;
  /** Commit rate of each poll, oldest first (entries/s), at most `RATE_SAMPLES`. */
  readonly rates: readonly number[];
  /** The session's events, oldest first, at most `MAX_EVENTS`. */
  readonly events: readonly TopEvent[];
  readonly action: TopAction | null;
  /** How long the newest poll took. */
  readonly pollMs: number | null;
}

/** Commit-rate samples kept for the sparkline: ten minutes at the default interval. */
export const RATE_SAMPLES = 600;

/** Events kept for the session. A cap keeps memory flat through a flapping night. */
export const MAX_EVENTS = 5_000;
