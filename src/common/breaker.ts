/**
 * A circuit breaker per endpoint: the client's per member, a follower's per leader it forwards
 * to (core/server/leader-path.ts). After `failures` consecutive failures the endpoint is skipped
 * for `coolDownMs`; then one probe goes through (half-open) and its outcome closes the breaker
 * or opens it for another cool-down. Time comes from the caller, so tests need no clock.
 */

/** When a breaker opens and for how long. */
export interface BreakerOptions {
  /** Consecutive failures that open the breaker (default 3). */
  readonly failures?: number;
  /** How long an open breaker skips its endpoint (default 2 s). */
  readonly coolDownMs?: number;
}

/** The state of one endpoint's breaker. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** One endpoint's breaker. Invariant: while open, `allow` says yes to at most one probe per cool-down. */
export class CircuitBreaker {
  readonly #threshold: number;
  readonly #coolDownMs: number;
  #failures = 0;
  #openUntil = 0;
  #probing = false;
  /** When the endpoint last failed, with no answer since (-Infinity: it answered last). */
  #lastFailure = -Infinity;

  constructor(opts: BreakerOptions = {}) {
    this.#threshold = opts.failures ?? 3;
    this.#coolDownMs = opts.coolDownMs ?? 2000;
  }

  /** The state at `now`. */
  state(now: number): BreakerState {
    if (this.#failures < this.#threshold) return 'closed';
    return now >= this.#openUntil ? 'half-open' : 'open';
  }

  /** Whether a call may go to the endpoint at `now`; in half-open state the first caller becomes the probe. */
  allow(now: number): boolean {
    const state = this.state(now);
    if (state === 'closed') return true;
    if (state === 'open' || this.#probing) return false;
    this.#probing = true;
    return true;
  }

  /** When the endpoint will be tried again (0 when closed). */
  get retryAt(): number {
    return this.#failures < this.#threshold ? 0 : this.#openUntil;
  }

  /** Whether the endpoint's last call failed and it has not answered since. */
  get silent(): boolean {
    return this.#lastFailure !== -Infinity;
  }

  /** The endpoint answered. */
  success(): void {
    this.#failures = 0;
    this.#probing = false;
    this.#lastFailure = -Infinity;
  }

  /** The endpoint failed (could not be reached, or did not answer in time) at `now`. */
  failure(now: number): void {
    this.#failures++;
    this.#probing = false;
    this.#lastFailure = now;
    if (this.#failures >= this.#threshold) this.#openUntil = now + this.#coolDownMs;
  }
}
