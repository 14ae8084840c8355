/**
 * When a learner may become a voter: the leader sees it replicating within CAUGHT_UP_LAG entries
 * of its last index. `waitCaughtUp` polls the leader until then, or says why not by a deadline;
 * `fleet members add` and `fleet scale` both add voters this way (a learner first, promoted once
 * caught up), so a voter never counts towards the quorum before it has the log.
 */
import type { MemberStatus } from '../../client/index.js';
import { abortReason, pause } from '../local-cluster/wait.js';

/** A learner within this many entries of the leader's last index may be promoted (the leader refuses beyond 1000). */
export const CAUGHT_UP_LAG = 64;

/** Whether the leader sees learner `id` replicating within CAUGHT_UP_LAG of its last index. */
export function isCaughtUp(leader: MemberStatus, id: string): boolean {
  const p = leader.progress.find((x) => x.id === id);
  return p !== undefined && p.state === 'replicate' && p.match > 0 && leader.lastIndex - p.match <= CAUGHT_UP_LAG;
}

/** Where a learner stands, as the leader sees it: a phrase for progress lines and for "why not" when a deadline passes. */
export function catchUpState(leader: MemberStatus, id: string): string {
  const p = leader.progress.find((x) => x.id === id);
  if (p === undefined) return `the leader ${leader.id} does not replicate to it (is ${id} a member?)`;
  if (!p.recentActive || p.match === 0) return `the leader ${leader.id} has not heard from it (is it running with --join, at the address it was added with?)`;
  if (p.state === 'snapshot') return `installing a snapshot (${p.match}/${leader.lastIndex})`;
  if (p.state === 'probe') return `probing: the leader is looking for where their logs agree (${p.match}/${leader.lastIndex})`;
  return `${leader.lastIndex - p.match} entries behind (${p.match}/${leader.lastIndex})`;
}

/** What `waitCaughtUp` needs: the leader's status. */
export interface LeaderSource {
  status(): Promise<MemberStatus>;
}

/** Options of `waitCaughtUp`. */
export interface CatchUpOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
  /** Each poll's state, for a progress line. */
  readonly onProgress?: (line: string) => void;
  /** Called before each poll; throws to give up early (e.g. the member's process exited). */
  readonly check?: () => void;
  readonly everyMs?: number;
}

/** The outcome: caught up, or why not when the deadline passed. */
export type CatchUpOutcome = { readonly caughtUp: true; readonly tookMs: number } | { readonly caughtUp: false; readonly reason: string };

/** Polls the leader until learner `id` has caught up or `timeoutMs` has passed. */
export async function waitCaughtUp(source: LeaderSource, id: string, opts: CatchUpOptions): Promise<CatchUpOutcome> {
  const started = Date.now();
  const deadline = started + opts.timeoutMs;
  for (;;) {
    if (opts.signal?.aborted) throw abortReason(opts.signal);
    opts.check?.();
    const leader = await source.status();
    if (isCaughtUp(leader, id)) return { caughtUp: true, tookMs: Date.now() - started };
    const state = catchUpState(leader, id);
    opts.onProgress?.(`${id} catching up: ${state}`);
    if (Date.now() > deadline) return { caughtUp: false, reason: `${id} did not catch up within ${formatSeconds(opts.timeoutMs)}: ${state}` };
    await pause(opts.everyMs ?? 100, opts.signal);
  }
}

function formatSeconds(ms: number): string {
  return ms < 1_000 ? `${ms}ms` : `${Math.round(ms / 100) / 10}s`;
}
