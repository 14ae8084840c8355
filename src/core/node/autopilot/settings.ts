/**
 * Autopilot's settings: what the leader may do to the membership by itself, and the thresholds
 * that decide when a member is healthy, stable or dead. They are cluster-wide and replicated
 * (stored in the registry's KV under a reserved namespace, see `AUTOPILOT_KV`), so every member
 * and every client reads the same. Pure: no clock, no I/O.
 */

/** The settings, every duration in milliseconds. */
export interface AutopilotSettings {
  /** Promote a learner once it has been stable for `stabilizationMs`. */
  readonly autoPromoteLearners: boolean;
  /** Remove a member unreachable for longer than `deadAfterMs`, while `minQuorum` voters remain. */
  readonly cleanupDeadMembers: boolean;
  /** Past this long without contact a member is dead. */
  readonly deadAfterMs: number;
  /** Past this long without contact a member is unhealthy. */
  readonly lastContactThresholdMs: number;
  /** A member trailing by more entries than this is unhealthy. */
  readonly maxTrailingEntries: number;
  /** Cleanup never leaves fewer voters than this. */
  readonly minQuorum: number;
  /** How long a member must stay healthy to be stable (and a learner to be promoted). */
  readonly stabilizationMs: number;
  /** After a failover, hand leadership back to a stable, caught-up voter of this region ('' off). */
  readonly preferredRegion: string;
}

/**
 * Off by default: an operator opts in. The thresholds follow Consul's where fleet's timings
 * allow (stabilization 10 s); the trailing bound is the leader's own promotion limit.
 */
export const DEFAULT_AUTOPILOT: AutopilotSettings = {
  autoPromoteLearners: false,
  cleanupDeadMembers: false,
  deadAfterMs: 300_000,
  lastContactThresholdMs: 2_000,
  maxTrailingEntries: 1_000,
  minQuorum: 3,
  stabilizationMs: 10_000,
  preferredRegion: '',
};

/** Where the settings live in the replicated KV (a namespace `fleet kv` users are told to leave alone). */
export const AUTOPILOT_KV = { ns: 'fleet.system', key: 'autopilot' } as const;

/** Bounds that keep a typo from disabling the feature it configures (a dead-after of a week is allowed, a year is not). */
const MAX_DURATION_MS = 30 * 86_400_000;
const MAX_MIN_QUORUM = 9;
const MAX_TRAILING = 1_000_000_000;

/** A change to some settings; absent fields keep their value. */
export type AutopilotPatch = Partial<AutopilotSettings>;

/** Why `settings` are not acceptable, or undefined when they are. */
export function settingsProblem(s: AutopilotSettings): string | undefined {
  for (const key of ['deadAfterMs', 'lastContactThresholdMs', 'stabilizationMs'] as const) {
    const v = s[key];
    if (!Number.isInteger(v) || v <= 0 || v > MAX_DURATION_MS) return `${key} must be a whole number of milliseconds in 1..${MAX_DURATION_MS}, got ${v}`;
  }
  if (!Number.isInteger(s.minQuorum) || s.minQuorum < 1 || s.minQuorum > MAX_MIN_QUORUM) return `minQuorum must be 1..${MAX_MIN_QUORUM}, got ${s.minQuorum}`;
  if (!Number.isInteger(s.maxTrailingEntries) || s.maxTrailingEntries < 0 || s.maxTrailingEntries > MAX_TRAILING) return `maxTrailingEntries must be 0..${MAX_TRAILING}, got ${s.maxTrailingEntries}`;
  if (s.preferredRegion !== '' && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(s.preferredRegion)) return `preferredRegion must be a region label of letters, digits, '.', '_' or '-' (at most 63), got '${s.preferredRegion}'`;
  // A member must be unhealthy before it is dead: dead-after below the contact threshold would remove members that still count as healthy.
  if (s.deadAfterMs < s.lastContactThresholdMs) return `deadAfterMs (${s.deadAfterMs} ms) must be at least lastContactThresholdMs (${s.lastContactThresholdMs} ms)`;
  return undefined;
}

/** Applies `patch` to `current`: the new settings, or why they would be unacceptable. */
export function mergeSettings(current: AutopilotSettings, patch: AutopilotPatch): { ok: true; settings: AutopilotSettings } | { ok: false; problem: string } {
  const defined = Object.entries(patch).filter(([key, v]) => v !== undefined && key in DEFAULT_AUTOPILOT);
  const merged: AutopilotSettings = { ...current, ...(Object.fromEntries(defined) as Partial<AutopilotSettings>) };
  const problem = settingsProblem(merged);
  return problem === undefined ? { ok: true, settings: merged } : { ok: false, problem };
}

/**
 * Reads the stored JSON (undefined: never set). Anything unreadable yields the defaults and a
 * `problem`: a value written by hand through `fleet kv` must not switch cleanup on by accident.
 */
export function decodeSettings(stored: string | undefined): { settings: AutopilotSettings; problem?: string } {
  if (stored === undefined) return { settings: DEFAULT_AUTOPILOT };
  let raw: unknown;
  try {
    raw = JSON.parse(stored);
  } catch {
    return { settings: DEFAULT_AUTOPILOT, problem: 'the stored autopilot settings are not JSON; using the defaults' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { settings: DEFAULT_AUTOPILOT, problem: 'the stored autopilot settings are not an object; using the defaults' };
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(DEFAULT_AUTOPILOT) as (keyof AutopilotSettings)[]) {
    const v = (raw as Record<string, unknown>)[key];
    if (v === undefined) continue;
    if (typeof v !== typeof DEFAULT_AUTOPILOT[key]) return { settings: DEFAULT_AUTOPILOT, problem: `the stored autopilot setting ${key} is not a ${typeof DEFAULT_AUTOPILOT[key]}; using the defaults` };
    patch[key] = v;
  }
  const merged = mergeSettings(DEFAULT_AUTOPILOT, patch as AutopilotPatch);
  return merged.ok ? { settings: merged.settings } : { settings: DEFAULT_AUTOPILOT, problem: `the stored autopilot settings are invalid (${merged.problem}); using the defaults` };
}

/** The stored form: every field, so a reader never depends on this version's defaults. */
export function encodeSettings(s: AutopilotSettings): string {
  return JSON.stringify(s);
}
