/**
 * The fault schedule of `fleet drill chaos` (issue 39): a seeded, reproducible list of faults
 * from the nemeses asked for, as Jepsen's combined nemeses mix them. Two tracks:
 *
 * - the main track, one fault at a time (kill, pause, partition, disk stall of one member, the
 *   leader about half the time): one member at most is away, so a cluster of three or more
 *   always keeps a quorum, and each fault is followed by a quiet gap to recover in;
 * - the clock track, overlapping the main one: one member's wall clock skewed at a time, by at
 *   most 30 s either way (within the peers' handshake window, so the skew tests leases and
 *   expiry, not whether peers talk).
 *
 * The same seed, duration, nemeses and member ids give the same schedule.
 */
import { UsageError } from '../../../common/errors.js';

export const NEMESES = ['kill', 'pause', 'partition', 'clock', 'disk-stall'] as const;
export type Nemesis = (typeof NEMESES)[number];

/** One fault: what, on whom (`leader`: whoever leads when it starts), when (ms from the start) and for how long. */
export interface ChaosFault {
  readonly nemesis: Nemesis;
  readonly target: string;
  readonly atMs: number;
  readonly forMs: number;
  /** `clock` only: how far the clock moves (negative: behind). */
  readonly clockOffsetMs?: number;
}

export interface ChaosPlan {
  readonly seed: number;
  readonly durationMs: number;
  readonly nemeses: readonly Nemesis[];
  readonly members: readonly string[];
}

/** How long a main-track fault lasts, and the quiet gap after it. */
const FAULT_MS = { min: 1_000, max: 4_000 };
const GAP_MS = { min: 1_000, max: 3_000 };
const SKEW_MS = { min: 2_000, max: 8_000 };
const SKEW_OFFSET_MS = { min: 1_000, max: 30_000 };
/** The shortest run that holds one fault of the longest kind and its recovery. */
export const MIN_CHAOS_MS = FAULT_MS.max + GAP_MS.max;

/** Reads `--nemesis kill,pause,…`, refusing an unknown or repeated one (exit 2). */
export function parseNemeses(text: string): Nemesis[] {
  const names = text.split(',').map((n) => n.trim()).filter((n) => n !== '');
  if (names.length === 0) throw new UsageError(`--nemesis needs at least one of ${NEMESES.join(', ')}`);
  const unknown = names.filter((n) => !(NEMESES as readonly string[]).includes(n));
  if (unknown.length > 0) throw new UsageError(`--nemesis: unknown ${unknown.map((n) => `"${n}"`).join(', ')}; choose from ${NEMESES.join(', ')}`);
  if (new Set(names).size !== names.length) throw new UsageError('--nemesis names a nemesis twice');
  return names as Nemesis[];
}

/** Refuses, before anything runs, a plan that cannot hold one fault or would cost the quorum (exit 2). */
export function checkChaosPlan(plan: ChaosPlan): void {
  if (plan.durationMs < MIN_CHAOS_MS) throw new UsageError(`--duration ${plan.durationMs / 1000}s is too short for one fault and its recovery: at least ${MIN_CHAOS_MS / 1000}s`);
  const takesAMember = plan.nemeses.some((n) => n !== 'clock');
  if (takesAMember && plan.members.length < 3) {
    throw new UsageError(`chaos with ${plan.nemeses.filter((n) => n !== 'clock').join(', ')} needs at least 3 members: with ${plan.members.length}, one member away leaves no quorum`);
  }
}

/** A small seeded generator (mulberry32): the schedule must not depend on Math.random. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The faults of `plan`, in start order. */
export function chaosSchedule(plan: ChaosPlan): ChaosFault[] {
  checkChaosPlan(plan);
  const random = seededRandom(plan.seed);
  const between = (r: { min: number; max: number }) => Math.round(r.min + random() * (r.max - r.min));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const member = () => (random() < 0.5 ? 'leader' : pick(plan.members));
  const faults: ChaosFault[] = [];

  const main = plan.nemeses.filter((n) => n !== 'clock');
  for (let at = between(GAP_MS); main.length > 0; ) {
    const forMs = between(FAULT_MS);
    if (at + forMs > plan.durationMs) break;
    faults.push({ nemesis: pick(main), target: member(), atMs: at, forMs });
    at += forMs + between(GAP_MS);
  }
  if (plan.nemeses.includes('clock')) {
    for (let at = between(GAP_MS); ; ) {
      const forMs = between(SKEW_MS);
      if (at + forMs > plan.durationMs) break;
      const offset = between(SKEW_OFFSET_MS) * (random() < 0.5 ? -1 : 1);
      faults.push({ nemesis: 'clock', target: pick(plan.members), atMs: at, forMs, clockOffsetMs: offset });
      at += forMs + between(GAP_MS);
    }
  }
  return faults.sort((a, b) => a.atMs - b.atMs);
}
