/**
 * Side workloads: what a drill round runs beside the CAS-register workload (workload.ts), each
 * with its own checker (Jepsen's list-append, lock and set-like tests): an append-only list
 * checked for lost, duplicated and reordered appends; a lock checked for two holders at once and
 * by its fencing tokens; the registry's first contact checked for exactly one winner. Each talks
 * to the cluster through a narrow client interface of its own, so a test can plant a broken
 * implementation (the twin its checker must catch) without a cluster.
 */
import type { DrillClock } from '../clock.js';
import type { SideOp, SideVerdict } from '../types.js';
import type { SideWorkloadName } from './names.js';

// The operations and verdicts are the report's vocabulary (../types.ts); re-exported for the workloads.
export type { SideOp, SideVerdict };
export { SIDE_WORKLOADS, type SideWorkloadName } from './names.js';

/** What one side workload of one round runs with. */
export interface SideWorkloadOptions<C> {
  readonly round: number;
  /** Its concurrent clients (each with its own connections, one operation in flight). */
  readonly clients: number;
  readonly clock: DrillClock;
  /**
   * Unique per drill run and round: every name the workload creates (KV keys, leases, shards,
   * clusters) starts with it, so each round starts from nothing and cleanup finds them all.
   */
  readonly prefix: string;
  /** A new client for one workload client, or for the verification after the round. */
  readonly newClient: () => C;
  /** Uniform in [0, 1) (default Math.random). */
  readonly random?: () => number;
}

/** A running side workload: started with the round's register workload, stopped with it, then verified. */
export interface SideWorkload {
  readonly name: SideWorkloadName;
  /** Sets up what it needs (say, shards to contact) and starts every client. */
  start(): Promise<void>;
  /** Stops issuing operations, waits for those in flight, closes its clients. */
  stop(): Promise<void>;
  /** After stop: reads back what it must with a fresh client, and checks the round. Never throws for a finding. */
  verify(): Promise<SideVerdict>;
  /** Deletes what it created (best effort, never throws). */
  cleanup(): Promise<void>;
}
