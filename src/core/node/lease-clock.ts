/**
 * The leader's clock for etcd leases. Grants, renewals and expiries are stamped into the log with
 * a time, and the leader judges expiry by comparing those stamps with its clock; a wall clock that
 * steps (an NTP correction, an operator) would expire leases early or keep them late by the step.
 * So within one term the clock is the leader's wall clock when the term began here, advanced by
 * its monotonic clock: a step of the wall clock moves nothing until the next term. (etcd's leader
 * times leases by its monotonic clock alone; the stamps keep fleet's expiry a replicated decision.)
 */
import type { NodeRuntime } from './runtime.js';

/**
 * The fastest a member's monotonic clock may run against real time: lease timers are stretched by
 * it (1 %; quartz is off by well under 0.01 %, the simulator draws up to 0.2 %).
 */
export const LEASE_MAX_DRIFT = 0.01;
/** How much an etcd lease's TTL is stretched when the leader judges it: the client's clock may run slow as the leader's runs fast. */
export const ETCD_LEASE_DRIFT = 2 * LEASE_MAX_DRIFT;

export class EtcdLeaseClock {
  private term = 0;
  private wallBase = 0;
  private monoBase = 0;
  private since: number | undefined;

  constructor(private readonly rt: Pick<NodeRuntime, 'wallNow' | 'monoNow'>) {}

  /** The lease time now, for a leader in `term` (the clock starts again from the wall clock in a new term). */
  now(term: number): number {
    if (term !== this.term) {
      [this.term, this.wallBase, this.monoBase, this.since] = [term, this.rt.wallNow(), this.rt.monoNow(), undefined];
    }
    return this.wallBase + (this.rt.monoNow() - this.monoBase);
  }

  /**
   * The lease time now, and `since`: when this leader began to look at the leases in `term`, by this
   * clock. Every lease lives a whole TTL from `since`, as etcd's leader extends every lease when
   * elected (a new leader whose clock runs ahead of the last one's must not expire leases early).
   * The first look in a term sets it; later than the election, so leases only live longer. Both come
   * from one reading: read apart, a first look taken after `now` put a whole TTL from the look past
   * a whole TTL from now (a new 30 s lease answered 31).
   */
  look(term: number): { readonly now: number; readonly since: number } {
    const now = this.now(term);
    this.since ??= now;
    return { now, since: this.since };
  }
}
