/**
 * Stopping members: followers first and the leader last, so no election runs while the cluster
 * goes down (the leader would hand off to a follower that is about to stop). SIGTERM, a wait
 * with one deadline for everything, then SIGKILL for what is left.
 */
import type { ManifestMember } from './manifest.js';
import { isMemberProcess, signalMember } from './pids.js';
import { pause } from './wait.js';

/** A member with a validated, live pid. */
export interface RunningMember {
  readonly member: ManifestMember;
  readonly pid: number;
}

/** What a stop did to each member. */
export interface StopReport {
  /** Exited after SIGTERM. */
  readonly stopped: string[];
  /** Needed SIGKILL after the deadline. */
  readonly killed: string[];
}

/**
 * The waves of a shutdown: every follower together, then the leader alone. With the leader
 * unknown (no quorum, or it is not running), everything goes in one wave.
 */
export function shutdownWaves<T extends { readonly member: { readonly id: string } }>(running: readonly T[], leaderId: string | undefined): T[][] {
  const leader = running.filter((r) => r.member.id === leaderId);
  const followers = running.filter((r) => r.member.id !== leaderId);
  return [followers, leader].filter((wave) => wave.length > 0);
}

/** How long to wait for one wave before the next: members may linger after they stopped working. */
export interface StopTiming {
  /** Deadline for every member to exit, after which the rest get SIGKILL. */
  readonly timeoutMs: number;
  /**
   * How long the followers get before the leader is signalled anyway. A follower that has
   * stopped its Raft node can still be waiting for the leader's replication stream to close,
   * which only happens when the leader stops; past this grace it no longer answers the leader,
   * so the leader finds no one to hand off to. Default: the whole timeout.
   */
  readonly waveGraceMs?: number;
}

/** Stops `running` in waves (see `shutdownWaves`) within the timeout, then SIGKILLs what remains. Never signals a pid that is not the member's. */
export async function stopMembers(running: readonly RunningMember[], leaderId: string | undefined, timing: StopTiming): Promise<StopReport> {
  const deadline = Date.now() + timing.timeoutMs;
  const waves = shutdownWaves(running, leaderId);
  for (const [i, wave] of waves.entries()) {
    if (Date.now() >= deadline) break;
    for (const r of wave) signalMember(r.pid, r.member, 'SIGTERM');
    const last = i === waves.length - 1;
    await waitGone(last ? running : wave, last ? deadline : Math.min(deadline, Date.now() + (timing.waveGraceMs ?? timing.timeoutMs)));
  }
  const left = await waitGone(running, deadline);
  // Past the deadline: SIGKILL whatever is still there, signalled yet or not.
  for (const r of left) signalMember(r.pid, r.member, 'SIGKILL');
  const stubborn = await waitGone(left, Date.now() + 5_000);
  if (stubborn.length > 0) throw new Error(`${stubborn.map((r) => `${r.member.id} (pid ${r.pid})`).join(', ')} did not exit even after SIGKILL`);
  const killed = left.map((r) => r.member.id);
  return { stopped: running.map((r) => r.member.id).filter((id) => !killed.includes(id)), killed };
}

/** Polls until every member's process is gone or the deadline passes; answers those still there. */
export async function waitGone(members: readonly RunningMember[], deadline: number): Promise<RunningMember[]> {
  for (;;) {
    const left = members.filter((r) => isMemberProcess(r.pid, r.member));
    if (left.length === 0 || Date.now() >= deadline) return left;
    await pause(Math.min(20, Math.max(1, deadline - Date.now())));
  }
}
