/**
 * The leader's lease timers, as etcd's lessor keeps them: replicas hold a lease's ttl and the
 * grant it belongs to, never a deadline; the leader alone times each grant on its monotonic
 * clock and, when the timer runs out, proposes a `lease.expire` naming that grant. A new leader
 * knows nothing of how long ago the old one granted: it times every live lease from the moment
 * it first sees it, for the whole ttl plus a bound, so it can only honour a grant for longer.
 *
 * Pure: times come in as arguments (the node reads them from its NodeRuntime).
 */
import { checkInvariant } from '../invariant.js';

/** What the keeper needs of one live lease. */
export interface LeaseGrant {
  readonly name: string;
  readonly token: number;
  readonly ttlMs: number;
  /** The index of the grant or latest renewal: an expiry names it, so a renewal since makes it miss. */
  readonly renewedIndex: number;
}

/** How much longer than its ttl the leader lets a grant run. */
export interface LeaseBounds {
  /**
   * The fastest this member's monotonic clock may run against real time, as a fraction
   * (0.01: 1 % fast). A ttl is stretched by it so that a fast clock cannot cut a lease short.
   */
  readonly maxDrift: number;
  /** Added to every grant: covers the time between the grant's apply and the client reading its answer. */
  readonly graceMs: number;
  /** An expiry proposed but not applied after this long is proposed again. */
  readonly retryMs: number;
}

/** A grant whose time ran out: what a `lease.expire` names. */
export type LeaseExpiry = Omit<LeaseGrant, 'ttlMs'>;

interface Timer {
  readonly token: number;
  readonly renewedIndex: number;
  readonly deadline: number;
  proposedAt: number | undefined;
}

/**
 * The timers of one leadership: a timer exists for exactly the live leases of the registry
 * version last seen, and its deadline is at least `ttl × (1 + maxDrift) + graceMs` after the
 * keeper first saw that grant, which is no earlier than the grant's apply on this member (both
 * checked as `#rescan` builds the timers).
 */
export class LeaseKeeper {
  readonly #bounds: LeaseBounds;
  #timers = new Map<string, Timer>();
  #version = -1;
  /** The earliest time anything may be due: checks before it cost nothing. */
  #next = Infinity;

  constructor(bounds: LeaseBounds) {
    // A negative drift or grace would let a grant run out before its ttl: a lease cut short.
    checkInvariant(bounds.maxDrift >= 0 && bounds.graceMs >= 0, 'lease-deadline-after-ttl', () => `maxDrift ${bounds.maxDrift}, graceMs ${bounds.graceMs}`);
    this.#bounds = bounds;
  }

  /** Forgets every timer: this member stopped leading, or its registry was replaced. */
  reset(): void {
    this.#timers = new Map();
    this.#version = -1;
    this.#next = Infinity;
  }

  /** The number of leases being timed. */
  get size(): number {
    return this.#timers.size;
  }

  /**
   * The grants whose time ran out at monotonic time `now`, at most `limit` of them, each
   * returned once (again after `retryMs` if still live). `leases` is read only when `version`
   * changed since the last call.
   */
  due(now: number, version: number, leases: () => Iterable<LeaseGrant>, limit = Infinity): LeaseExpiry[] {
    if (version !== this.#version) this.#rescan(now, version, leases());
    if (now < this.#next) return [];
    const expired: LeaseExpiry[] = [];
    let next = Infinity;
    for (const [name, t] of this.#timers) {
      const at = t.proposedAt === undefined ? t.deadline : t.proposedAt + this.#bounds.retryMs;
      if (at > now) {
        next = Math.min(next, at);
      } else if (expired.length < limit) {
        t.proposedAt = now;
        expired.push({ name, token: t.token, renewedIndex: t.renewedIndex });
        next = Math.min(next, now + this.#bounds.retryMs);
      } else {
        next = now; // more are due than one call may return: the next call goes on
      }
    }
    this.#next = next;
    return expired;
  }

  /** Keeps the timers of unchanged grants, starts one for each new grant or renewal, drops the rest. */
  #rescan(now: number, version: number, leases: Iterable<LeaseGrant>): void {
    const { maxDrift, graceMs } = this.#bounds;
    const timers = new Map<string, Timer>();
    let next = Infinity;
    let count = 0;
    for (const l of leases) {
      const kept = this.#timers.get(l.name);
      const same = kept !== undefined && kept.token === l.token && kept.renewedIndex === l.renewedIndex;
      const t = same ? kept : { token: l.token, renewedIndex: l.renewedIndex, deadline: now + l.ttlMs * (1 + maxDrift) + graceMs, proposedAt: undefined };
      checkInvariant(t.deadline >= now + l.ttlMs || same, 'lease-deadline-after-ttl', () => `lease ${l.name}: deadline ${t.deadline} for ttl ${l.ttlMs} ms first seen at ${now}`);
      timers.set(l.name, t);
      // One timer per live lease: a name twice in the registry's leases would time one of them only.
      checkInvariant(timers.size === ++count, 'lease-timer-per-live-lease', () => `lease ${l.name} appears twice among the live leases (version ${version})`);
      next = Math.min(next, t.proposedAt === undefined ? t.deadline : t.proposedAt + this.#bounds.retryMs);
    }
    this.#timers = timers;
    this.#version = version;
    this.#next = next;
  }
}
