/**
 * Each member's health as the leader sees it (the shape of hashicorp/raft-autopilot's server
 * health): healthy when heard from recently and not trailing far, stable once healthy for the
 * stabilization period, dead once unheard for longer than `deadAfterMs`. Pure: the caller
 * supplies the time and carries `healthySince` from one assessment to the next.
 */
import type { AutopilotSettings } from './settings.js';

/** What the leader measured of one member (the leader itself included, with zeros). */
export interface MemberObservation {
  readonly id: string;
  readonly voter: boolean;
  /** Milliseconds since the leader last heard from it. */
  readonly lastContactMs: number;
  /** Entries it trails the leader's last index by. */
  readonly trailingEntries: number;
  /** Milliseconds since it was last caught up with the leader's log (KIP-836's lag in time). */
  readonly trailingMs: number;
}

/** One member's verdict. */
export interface MemberHealth extends MemberObservation {
  readonly healthy: boolean;
  /** Healthy for at least the stabilization period without a break. */
  readonly stable: boolean;
  /** Unheard from for longer than `deadAfterMs`. */
  readonly dead: boolean;
  /** When its current healthy streak began (the caller's clock), or null when unhealthy. */
  readonly healthySince: number | null;
}

/**
 * Judges every observed member at time `now`. `previous` holds each member's `healthySince`
 * from the last assessment: a streak survives only while every assessment finds it healthy.
 */
export function assessHealth(
  observations: readonly MemberObservation[],
  previous: ReadonlyMap<string, number | null>,
  settings: AutopilotSettings,
  now: number,
): MemberHealth[] {
  return observations.map((o) => {
    const healthy = o.lastContactMs <= settings.lastContactThresholdMs && o.trailingEntries <= settings.maxTrailingEntries;
    const healthySince = healthy ? (previous.get(o.id) ?? now) : null;
    return {
      ...o,
      healthy,
      stable: healthySince !== null && now - healthySince >= settings.stabilizationMs,
      dead: o.lastContactMs > settings.deadAfterMs,
      healthySince,
    };
  });
}
