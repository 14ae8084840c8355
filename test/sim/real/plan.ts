/**
 * The fault mix of a real-node run, drawn from its seed (swarm testing, after TigerBeetle's `options_swarm`):
 * each enabled fault is switched off on about one seed in five, and each seed draws its own
 * rates. Time here is simulated: steps of STEP_MS, message delays in NET_UNIT_US units.
 */
import type { LinkRates } from '../network.js';
import type { Prng } from '../prng.js';
import type { DiskPlan } from './sim-disk.js';
import type { TrailLimits } from '../../../src/core/node/snapshots/log-trail.js';

/** The faults `--faults` may select in real-node runs. */
export const REAL_FAULT_KINDS = ['drop', 'dup', 'delay', 'partition', 'crash', 'stall', 'transfer', 'snapshot', 'clock', 'membership'] as const;

/** One kind of fault of a real-node run. */
export type RealFaultKind = (typeof REAL_FAULT_KINDS)[number];

/** Simulated milliseconds in one step: faults are drawn and the checkers run once per step. */
export const STEP_MS = 100;

/** The network simulator's time unit in real-node runs, in microseconds (its CLOG_UNITS hold is then 0.3–1.5 s). */
export const NET_UNIT_US = 100;

/** The members' timing, as `fleet node start` would be given it. */
export const HEARTBEAT_MS = 100;
export const ELECTION_TIMEOUT_MS = 1000;

/** What a run's seed decides. Per-step values are probabilities per step of STEP_MS. */
export interface RealPlan {
  readonly link: LinkRates;
  readonly partition: number;
  readonly partitionHeal: number;
  readonly crash: number;
  readonly restart: number;
  /** Probability that a crash, a stall or an isolation picks the leader rather than any member. */
  readonly leaderBias: number;
  /** Probability that a peer notices at once that a crashed member's connection closed. */
  readonly connectionHint: number;
  readonly stall: number;
  readonly transfer: number;
  readonly snapshot: number;
  /** FleetNode's snapshotEvery: small, so that slow members need InstallSnapshot. */
  readonly snapshotEvery: number;
  /**
   * FleetNode's applyStepsPerSlice: in half the seeds a few, so that applies run across turns
   * interleaved with everything else (the simulator's time does not pass within a turn, so the
   * production slices by time never split there). Derived from snapshotEvery, not drawn, so that
   * every seed's other draws stay as they were.
   */
  readonly applyStepsPerSlice: number;
  /**
   * FleetNode's snapshotTrail, derived from snapshotEvery as applyStepsPerSlice is: a third of the
   * seeds keep no log behind a snapshot (a follower behind is always sent one), a third one
   * snapshot's worth, a third up to five bounded by a few kB (the byte limit decides).
   */
  readonly snapshotTrail: TrailLimits;
  /** Clock drift, as a fraction (±), and wall-clock skew between members, in ms (±). */
  readonly drift: number;
  readonly skewMs: number;
  /** Per-step probability that a member's wall clock jumps (see `ClockJumps`). */
  readonly clockJump: number;
  /** The largest jump, in ms (±): up to hours, as the reported bug had. */
  readonly clockJumpMaxMs: number;
  /** Per-step probability that a member's disk fills up for a while (ENOSPC; see `drawDiskFull`). */
  readonly diskFull: number;
  /** Per-step probability of an operator's membership change (see `drawMembership`). */
  readonly membership: number;
  readonly disk: DiskPlan;
  readonly clients: number;
  /**
   * Clients that only read, linearizably, from any member. Writers soon all wait on a leader
   * that was cut off (a write's attempt lasts seconds): these keep reads coming meanwhile.
   */
  readonly readers: number;
  /** Per-step probability that an idle client starts an operation. */
  readonly clientRate: number;
  readonly keys: number;
}

/** Parses `--faults` for real-node runs: `all`, `none`, or a comma-separated subset. */
export function parseRealFaults(spec: string): ReadonlySet<RealFaultKind> {
  if (spec === 'all') return new Set(REAL_FAULT_KINDS);
  if (spec === 'none' || spec === '') return new Set();
  const kinds = new Set<RealFaultKind>();
  for (const word of spec.split(',')) {
    const kind = REAL_FAULT_KINDS.find((k) => k === word.trim());
    if (!kind) throw new Error(`unknown fault '${word}': expected all, none or a list of ${REAL_FAULT_KINDS.join(',')}`);
    kinds.add(kind);
  }
  return kinds;
}

/** Formats a fault set the way `parseRealFaults` reads it. */
export function formatRealFaults(kinds: ReadonlySet<RealFaultKind>): string {
  if (kinds.size === REAL_FAULT_KINDS.length) return 'all';
  if (kinds.size === 0) return 'none';
  return REAL_FAULT_KINDS.filter((k) => kinds.has(k)).join(',');
}

/** The disk of a run without `--disk-faults`: fast fsyncs that never fail; a crash loses exactly what was not fsynced. */
const HEALTHY_DISK: DiskPlan = { fsyncUs: [200, 2000], slowFsync: 0, slowFsyncUs: [0, 0], eio: 0, keepUnsynced: 0, torn: 0 };

function drawDisk(prng: Prng, hostile: boolean): DiskPlan {
  const on = (p: number): boolean => hostile || prng.chance(p);
  return {
    fsyncUs: [200, prng.between(1000, 5000)],
    // Slow fsyncs widen the moments when a member's memory is ahead of its disk: a new leader's
    // no-op not yet durable is when its reads could outrun its commit index.
    slowFsync: on(0.8) ? (hostile ? prng.logUniform(0.05, 0.25) : prng.logUniform(0.002, 0.05)) : 0,
    slowFsyncUs: [20_000, prng.between(100_000, 1_500_000)],
    eio: on(0.8) ? prng.logUniform(0.00005, 0.002) : 0,
    keepUnsynced: on(0.8) ? prng.float() : 0,
    torn: prng.float(),
  };
}

/** Readers in a hostile run: the moments a broken member mishandles reads are short. */
const HOSTILE_READERS = 4;

/** Draws a run's plan. `hostile` (with a deliberately broken member) keeps every enabled fault on. */
export function drawRealPlan(prng: Prng, enabled: ReadonlySet<RealFaultKind>, diskFaults: boolean, hostile = false): RealPlan {
  const on = (kind: RealFaultKind): boolean => enabled.has(kind) && (hostile || prng.chance(0.8));
  const rate = (kind: RealFaultKind, lo: number, hi: number): number => (on(kind) ? prng.logUniform(lo, hi) : 0);
  const delayOn = on('delay');
  const delayMax = delayOn ? Math.round(prng.logUniform(5, 400)) : 2;
  const plan = {
    link: {
      drop: rate('drop', 0.001, 0.1),
      dup: rate('dup', 0.001, 0.05),
      delayMin: delayOn ? prng.between(1, Math.max(1, Math.floor(delayMax / 4))) : 1,
      delayMax,
      clog: delayOn && prng.chance(0.5) ? prng.logUniform(0.0005, 0.01) : 0,
    },
    partition: rate('partition', hostile ? 0.01 : 0.003, hostile ? 0.05 : 0.03),
    // Long partitions in hostile runs: a leader cut off on the minority side then outlives the election of the next.
    partitionHeal: hostile ? prng.logUniform(0.01, 0.05) : prng.logUniform(0.02, 0.2),
    crash: rate('crash', hostile ? 0.01 : 0.002, hostile ? 0.04 : 0.02),
    restart: prng.logUniform(0.03, 0.3),
    leaderBias: hostile ? 0.8 : prng.float() * 0.6,
    connectionHint: prng.chance(0.5) ? prng.float() : 0,
    stall: rate('stall', 0.001, 0.01),
    // Frequent leader changes in hostile runs: a new leader's first moments are when its commit index may lag.
    transfer: rate('transfer', hostile ? 0.02 : 0.002, hostile ? 0.06 : 0.02),
    snapshot: rate('snapshot', 0.002, 0.02),
    snapshotEvery: prng.between(10, 200),
    drift: prng.float() * 0.002,
    skewMs: prng.float() * 500,
    // Drawn from their own stream (drawClockJumps), so that the rest of a seed's plan stays as it was.
    clockJump: 0,
    clockJumpMaxMs: 0,
    diskFull: 0,
    membership: 0,
    disk: diskFaults ? drawDisk(prng, hostile) : HEALTHY_DISK,
    clients: prng.between(3, 6),
    clientRate: prng.logUniform(0.2, 1),
    readers: hostile ? HOSTILE_READERS : 0,
    keys: prng.between(2, 4),
  };
  return { ...plan, applyStepsPerSlice: plan.snapshotEvery % 2 === 0 ? Infinity : 1 + (plan.snapshotEvery % 5), snapshotTrail: trailFor(plan.snapshotEvery) };
}

function trailFor(snapshotEvery: number): TrailLimits {
  if (snapshotEvery % 3 === 0) return { entries: 0, bytes: 0 };
  if (snapshotEvery % 3 === 1) return { entries: snapshotEvery, bytes: 4 << 20 };
  return { entries: 5 * snapshotEvery, bytes: 4 << 10 };
}

/**
 * The wall-clock jumps of a run (an operator setting the date, NTP stepping a clock, a VM
 * resumed): drawn from the clock stream, so that adding them left every other draw of a seed as
 * it was. On about four seeds in five when `clock` is enabled.
 */
/**
 * How often a member's disk fills up (for 50 ms to 3 s), on about three seeds in five with disk
 * faults: drawn from a stream of its own, like the clock jumps, so other draws stay as they were.
 */
export function drawDiskFull(prng: Prng, diskFaults: boolean): Pick<RealPlan, 'diskFull'> {
  return { diskFull: diskFaults && prng.chance(0.6) ? prng.logUniform(0.002, 0.02) : 0 };
}

/**
 * How often the operator changes the membership (add a learner, promote it, remove a voter), on
 * about four seeds in five when `membership` is enabled: a stream of its own, like the others.
 */
export function drawMembership(prng: Prng, enabled: ReadonlySet<RealFaultKind>): Pick<RealPlan, 'membership'> {
  return { membership: enabled.has('membership') && prng.chance(0.8) ? prng.logUniform(0.005, 0.05) : 0 };
}

export function drawClockJumps(prng: Prng, enabled: ReadonlySet<RealFaultKind>): Pick<RealPlan, 'clockJump' | 'clockJumpMaxMs'> {
  const on = enabled.has('clock') && prng.chance(0.8);
  return { clockJump: on ? prng.logUniform(0.002, 0.03) : 0, clockJumpMaxMs: on ? prng.logUniform(2_000, 2 * 3600_000) : 0 };
}

/** A short description of a plan, for the per-run line. */
export function describeRealPlan(plan: RealPlan): string {
  const pct = (p: number): string => `${(p * 100).toFixed(p < 0.01 ? 2 : 1)}%`;
  const parts: string[] = [];
  const l = plan.link;
  if (l.drop > 0) parts.push(`drop=${pct(l.drop)}`);
  if (l.dup > 0) parts.push(`dup=${pct(l.dup)}`);
  if (l.delayMax > 2) parts.push(`delay=${(l.delayMin * NET_UNIT_US) / 1000}-${(l.delayMax * NET_UNIT_US) / 1000}ms${l.clog > 0 ? `+clog=${pct(l.clog)}` : ''}`);
  if (plan.partition > 0) parts.push(`partition=${pct(plan.partition)}`);
  if (plan.crash > 0) parts.push(`crash=${pct(plan.crash)}`);
  if (plan.stall > 0) parts.push(`stall=${pct(plan.stall)}`);
  if (plan.transfer > 0) parts.push(`transfer=${pct(plan.transfer)}`);
  if (plan.snapshot > 0) parts.push(`snapshot=${pct(plan.snapshot)}`);
  if (plan.diskFull > 0) parts.push(`disk-full=${pct(plan.diskFull)}`);
  if (plan.membership > 0) parts.push(`membership=${pct(plan.membership)}`);
  if (plan.clockJump > 0) parts.push(`clock-jump=${pct(plan.clockJump)}<=${Math.round(plan.clockJumpMaxMs / 1000)}s`);
  const d = plan.disk;
  if (d.slowFsync > 0) parts.push(`slow-fsync=${pct(d.slowFsync)}`);
  if (d.eio > 0) parts.push(`eio=${pct(d.eio)}`);
  if (d.keepUnsynced > 0) parts.push(`keep-unsynced=${pct(d.keepUnsynced)}`);
  if (plan.readers > 0) parts.push(`readers=${plan.readers}`);
  parts.push(`snap/${plan.snapshotEvery}`);
  if (plan.snapshotTrail.entries > 0) parts.push(`trail/${plan.snapshotTrail.entries}`);
  if (plan.applyStepsPerSlice !== Infinity) parts.push(`apply/${plan.applyStepsPerSlice}`);
  return parts.join(' ');
}
