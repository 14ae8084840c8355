/**
 * Exactly-once for pipelined clients. A client has many writes in flight, so a session keeps
 * the answer to every seq at or above the client's `firstIncomplete` (the lowest seq it has
 * not yet seen answered): a retry of one of those gets the remembered answer; a seq below
 * that floor was already answered and seen, so it can only be a stale duplicate.
 */
import { checkInvariant } from '../invariant.js';
import { LIMITS } from './limits.js';
import type { ApplyResult } from './types.js';

/** One client's session. `results` holds no seq below `floor` but out-of-order stragglers (see `advanceFloor`; `remember` checks each answer it adds). */
export interface Session {
  /** The highest `firstIncomplete` the client has sent: seqs below it are stale. */
  floor: number;
  /** Registry age (leaders' monotonic milliseconds, never a wall clock) of the client's last write. */
  lastActivity: number;
  /** Answers by seq, in the order they were applied. */
  readonly results: Map<number, ApplyResult>;
}

/** What the session says about an incoming write. */
export type SessionVerdict =
  | { readonly kind: 'new'; readonly session: Session }
  | { readonly kind: 'duplicate'; readonly result: ApplyResult }
  | { readonly kind: 'stale'; readonly floor: number }
  | { readonly kind: 'window-full' };

/**
 * All sessions, least recently active first. Since the registry age never goes back and every
 * touch moves a session to the end, `lastActivity` never decreases along the map, so expiry only
 * ever looks at its front (checked as a session is touched or restored: `#newest`). Idleness is
 * measured in registry age, not leader wall time, so a leader whose wall clock is hours ahead does
 * not make every session look idle.
 *
 * The table is bounded three ways, all replicated semantics: sessions idle for
 * `LIMITS.sessionIdleMs` expire; beyond `LIMITS.maxSessions` sessions, or beyond
 * `LIMITS.maxRememberedAnswers` answers in all sessions together, the least recently active
 * sessions are forgotten (never the one being written to). Writes that never advance
 * `firstIncomplete` from many client ids grew it by about 153 B each, outside every limit.
 * `answers` is the sum of every session's `results.size`: summing is O(sessions), so each step
 * that moves it checks the count stays within what one session could explain (never negative).
 */
export class SessionTable {
  readonly sessions = new Map<string, Session>();
  #answers = 0;
  /** The `lastActivity` of the session at the end of the map (the most recently active). */
  #newest = -Infinity;

  /** Answers remembered in all sessions together. */
  get answers(): number {
    return this.#answers;
  }

  /** Adds a session read back from a snapshot, after those already added (least recently active first). */
  restore(clientId: string, session: Session): void {
    this.#forget(clientId);
    this.#touched(clientId, session.lastActivity);
    this.sessions.set(clientId, session);
    this.#answers += session.results.size;
  }

  /** `clientId`'s session becomes the most recently active, at registry age `age`. */
  #touched(clientId: string, age: number): void {
    checkInvariant(age >= this.#newest, 'sessions-in-activity-order', () => `session ${clientId} active at ${age}, after one active at ${this.#newest}`);
    this.#newest = age;
  }

  /** Forgets sessions idle for more than `LIMITS.sessionIdleMs` at registry age `age`. */
  expire(age: number): void {
    const cutoff = age - LIMITS.sessionIdleMs;
    for (const [clientId, session] of this.sessions) {
      if (session.lastActivity >= cutoff) return;
      this.#forget(clientId);
    }
  }

  /** Looks up (and touches) the client's session for a write `seq`, and says whether to apply it. */
  check(clientId: string, seq: number, firstIncomplete: number, age: number): SessionVerdict {
    let session = this.sessions.get(clientId);
    if (session === undefined) {
      if (this.sessions.size >= LIMITS.maxSessions) this.#forget(this.sessions.keys().next().value!);
      session = { floor: 0, lastActivity: age, results: new Map() };
    } else {
      this.sessions.delete(clientId);
    }
    this.#touched(clientId, age);
    session.lastActivity = age;
    this.sessions.set(clientId, session);
    this.#answers -= advanceFloor(session, firstIncomplete);
    checkInvariant(this.#answers >= session.results.size, 'sessions-answers-counted', () => `${this.#answers} answers counted, session ${clientId} alone holds ${session.results.size}`);
    if (seq < session.floor) return { kind: 'stale', floor: session.floor };
    const remembered = session.results.get(seq);
    if (remembered !== undefined) return { kind: 'duplicate', result: remembered };
    if (session.results.size >= LIMITS.maxInFlightPerSession) return { kind: 'window-full' };
    return { kind: 'new', session };
  }

  /** Remembers the answer to a write `check` called new; forgets the least recently active other sessions while the table holds too many answers. */
  remember(session: Session, seq: number, result: ApplyResult): void {
    // `check` answers `stale` below the floor: an answer there would never be read, nor forgotten.
    checkInvariant(seq >= session.floor, 'session-results-above-floor', () => `an answer to seq ${seq} below the floor ${session.floor}`);
    if (!session.results.has(seq)) this.#answers++;
    session.results.set(seq, result);
    for (const [clientId, other] of this.sessions) {
      if (this.#answers <= LIMITS.maxRememberedAnswers) return;
      if (other !== session) this.#forget(clientId);
    }
  }

  #forget(clientId: string): void {
    const session = this.sessions.get(clientId);
    if (session === undefined) return;
    this.#answers -= session.results.size;
    checkInvariant(this.#answers >= 0, 'sessions-answers-counted', () => `${this.#answers} answers counted after forgetting ${clientId} (${session.results.size})`);
    this.sessions.delete(clientId);
  }
}

/**
 * Raises the floor and forgets answers below it, from the front of the map (where the oldest
 * seqs are). An out-of-order straggler behind a larger seq stays until the front reaches it:
 * harmless, because the floor check comes first, and kept in snapshots so that the window's
 * size — which decides `window-full` — is the same on every replica. Returns how many it forgot.
 */
function advanceFloor(session: Session, firstIncomplete: number): number {
  if (firstIncomplete <= session.floor) return 0;
  session.floor = firstIncomplete;
  let forgotten = 0;
  for (const seq of session.results.keys()) {
    if (seq >= firstIncomplete) return forgotten;
    session.results.delete(seq);
    forgotten++;
  }
  return forgotten;
}
