/**
 * Swarm testing (TigerBeetle's `options_swarm`): each seed draws its own fault rates, and
 * each enabled fault is switched off altogether on some seeds, so that faults which mask one
 * another (drops hiding duplicates, crashes hiding partitions) are also tried alone.
 */
import type { Prng } from './prng.js';

/** The faults a run may inject; `--faults` picks a subset. */
export const FAULT_KINDS = ['drop', 'dup', 'delay', 'partition', 'crash', 'transfer', 'membership'] as const;

/** One kind of fault. */
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Simulated time units in one tick interval; message delays are drawn in these units. */
export const TICK_UNITS = 1000;

/**
 * The rates one run uses, all decided by its seed. Per-message rates are probabilities per
 * message; the others are probabilities per step (one tick interval). Zero means off.
 */
export interface FaultPlan {
  readonly drop: number;
  readonly dup: number;
  /** Delivery delay range in time units; a wide range reorders messages. */
  readonly delayMin: number;
  readonly delayMax: number;
  /** Probability that a message is held far longer than usual (a clogged link). */
  readonly clog: number;
  readonly partition: number;
  readonly partitionHeal: number;
  /** Probability that a partition, when it ends, is replaced at once by another rather than healed. */
  readonly repartition: number;
  readonly crash: number;
  readonly restart: number;
  /** Share of crashes that strike in the middle of a Ready: after its `messages` are sent, before its write is durable. */
  readonly tornCrash: number;
  /** Per-step probability of freezing a process for a while (a GC pause); a process fault, drawn with `crash`. */
  readonly stall: number;
  /** Per-step probability of crashing a leader that holds uncommitted entries (the Figure 8 nemesis). */
  readonly leaderKill: number;
  /** Probability that a crash or an isolation picks the current leader rather than any node. */
  readonly leaderBias: number;
  /** Probability that a follower's host reports the lost connection when its leader crashes. */
  readonly connectionHint: number;
  readonly transfer: number;
  readonly membership: number;
  /** Applied entries between two snapshots of a host. */
  readonly compactEvery: number;
  /** Core flow-control settings: small values split appends into many messages. */
  readonly maxMsgBytes: number;
  readonly maxInflight: number;
  /** Per-step probability that an idle client starts an operation. */
  readonly clientRate: number;
  readonly clients: number;
  readonly keys: number;
}

/** Parses `--faults`: `all`, `none`, or a comma-separated subset of FAULT_KINDS. */
export function parseFaults(spec: string): ReadonlySet<FaultKind> {
  if (spec === 'all') return new Set(FAULT_KINDS);
  if (spec === 'none' || spec === '') return new Set();
  const kinds = new Set<FaultKind>();
  for (const word of spec.split(',')) {
    const kind = FAULT_KINDS.find((k) => k === word.trim());
    if (!kind) throw new Error(`unknown fault '${word}': expected all, none or a list of ${FAULT_KINDS.join(',')}`);
    kinds.add(kind);
  }
  return kinds;
}

/** Formats a fault set the way `parseFaults` reads it, in canonical order. */
export function formatFaults(kinds: ReadonlySet<FaultKind>): string {
  if (kinds.size === FAULT_KINDS.length) return 'all';
  if (kinds.size === 0) return 'none';
  return FAULT_KINDS.filter((k) => kinds.has(k)).join(',');
}

/**
 * Draws a run's fault plan. `hostile` (used with the deliberately broken cores) keeps every
 * enabled fault on and favours the shapes that expose election and commitment bugs: many
 * leader changes, slow links, and one-entry appends so that a quorum can hold an old entry
 * without the new leader's own.
 */
export function drawFaultPlan(prng: Prng, enabled: ReadonlySet<FaultKind>, hostile = false): FaultPlan {
  // Swarm: an enabled fault is still switched off on about one seed in five.
  const on = (kind: FaultKind): boolean => enabled.has(kind) && (hostile || prng.chance(0.8));
  const rate = (kind: FaultKind, lo: number, hi: number): number => (on(kind) ? prng.logUniform(lo, hi) : 0);
  const delayOn = on('delay');
  const delayMax = delayOn ? Math.round(prng.logUniform(0.3, hostile ? 6 : 4) * TICK_UNITS) : 1;
  const tinyMessages = hostile || prng.chance(0.25);
  return {
    drop: rate('drop', 0.002, hostile ? 0.1 : 0.2),
    dup: rate('dup', 0.002, 0.1),
    delayMin: delayOn ? prng.between(1, Math.max(1, Math.floor(delayMax / 4))) : 1,
    delayMax,
    clog: delayOn && prng.chance(0.5) ? prng.logUniform(0.0005, 0.01) : 0,
    partition: rate('partition', 0.002, hostile ? 0.05 : 0.03),
    partitionHeal: prng.logUniform(hostile ? 0.05 : 0.01, 0.2),
    repartition: hostile ? 0.8 : prng.float() * 0.5,
    crash: rate('crash', hostile ? 0.01 : 0.0005, hostile ? 0.05 : 0.01),
    restart: prng.logUniform(hostile ? 0.05 : 0.01, hostile ? 0.3 : 0.2),
    tornCrash: prng.chance(0.5) ? prng.float() : 0,
    stall: rate('crash', 0.0005, 0.01),
    leaderKill: enabled.has('crash') && (hostile || prng.chance(0.3)) ? prng.logUniform(hostile ? 0.05 : 0.002, hostile ? 0.3 : 0.03) : 0,
    leaderBias: hostile ? 0.9 : prng.float() * 0.6,
    connectionHint: prng.chance(0.5) ? prng.float() : 0,
    transfer: rate('transfer', 0.0005, 0.01),
    membership: rate('membership', 0.002, 0.03),
    compactEvery: prng.between(20, 100),
    maxMsgBytes: tinyMessages ? 1 : prng.pick([256, 4096, 1 << 20]),
    maxInflight: prng.pick([1, 2, 4, 16, 256]),
    clientRate: hostile ? prng.logUniform(0.01, 0.1) : prng.logUniform(0.02, 0.2),
    clients: prng.between(4, 8),
    keys: prng.between(3, 5),
  };
}

/** A short description of the faults a plan actually draws, for the per-run summary line. */
export function describePlan(plan: FaultPlan): string {
  const pct = (p: number): string => `${(p * 100).toFixed(p < 0.01 ? 2 : 1)}%`;
  const parts: string[] = [];
  if (plan.drop > 0) parts.push(`drop=${pct(plan.drop)}`);
  if (plan.dup > 0) parts.push(`dup=${pct(plan.dup)}`);
  if (plan.delayMax > 1) parts.push(`delay=${plan.delayMin}-${plan.delayMax}u${plan.clog > 0 ? `+clog=${pct(plan.clog)}` : ''}`);
  if (plan.partition > 0) parts.push(`partition=${pct(plan.partition)}`);
  if (plan.crash > 0) parts.push(`crash=${pct(plan.crash)}`);
  if (plan.stall > 0) parts.push(`stall=${pct(plan.stall)}`);
  if (plan.leaderKill > 0) parts.push(`kill-leader=${pct(plan.leaderKill)}`);
  if (plan.transfer > 0) parts.push(`transfer=${pct(plan.transfer)}`);
  if (plan.membership > 0) parts.push(`membership=${pct(plan.membership)}`);
  parts.push(`snap/${plan.compactEvery}`, `msg=${plan.maxMsgBytes}B`, `inflight=${plan.maxInflight}`);
  return parts.join(' ');
}
