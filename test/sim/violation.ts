/**
 * The one error type the simulator's checkers raise. A run stops at the first violation and
 * reports it with its seed; anything else thrown during a run is a crash of the core or of
 * the harness, reported as such.
 */

/** The properties the simulator checks; each violation names one. */
export type Property =
  | 'election-safety'
  | 'log-matching'
  | 'leader-completeness'
  | 'state-machine-safety'
  | 'committed-durable'
  | 'applied-monotonic'
  | 'ready-contract'
  | 'linearizability'
  | 'liveness'
  // Real-node runs (test/sim/real) check these as well:
  | 'acknowledged-lost'
  | 'read-your-writes'
  | 'read-validity'
  | 'first-contact-wins'
  | 'lease-safety'
  | 'session-lost'
  | 'fsync-failure'
  | 'ack-before-durable'
  // With the etcd keyspace in the workload (real/etcd-checkers.ts):
  | 'watch-completeness';

/** A broken safety or liveness property, found by a checker outside the core. */
export class SafetyViolation extends Error {
  constructor(
    readonly property: Property,
    detail: string,
  ) {
    super(`${property}: ${detail}`);
    this.name = 'SafetyViolation';
  }
}
