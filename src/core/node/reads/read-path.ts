/**
 * How a member serves reads at each consistency: linearizable ones after a ReadIndex round
 * (read-queue.ts), at-least-index ones once that index is applied, bounded-stale ones from a
 * follower that heard from a leader recently enough. It refuses at once where it could only wait
 * in vain: outside the membership, or with a disk so full that nothing new is applied.
 */
import type { ConfState, RaftErrorCode } from '../../raft/index.js';
import { NodeError, type ReadConsistency } from '../api.js';
import { ReadQueue } from './read-queue.js';
import type { NodeRuntime } from '../runtime.js';

/** A read not confirmed or applied within this long fails (TIMEOUT), and the client retries. */
export const READ_TIMEOUT_MS = 5_000;

/** What the read path needs of its member. */
export interface ReadHost {
  readonly id: string;
  readonly rt: NodeRuntime;
  appliedIndex(): number;
  isLeader(): boolean;
  /** The leader has applied an entry of its own term, so it has every write answered before it led. */
  leaderCurrent(): boolean;
  /** Monotonic time of the last message from the leader; -1 before any. */
  lastLeaderContact(): number;
  confState(): ConfState;
  /** Monotonic time the disk started refusing writes; undefined with space. */
  outOfSpaceSince(): number | undefined;
  readIndex(context: Uint8Array): RaftErrorCode | undefined;
  schedule(): void;
  stopped(): boolean;
  /** Test-only: serve linearizable reads at once, without their ReadIndex confirmation (unsafe). */
  readonly releaseEarly: boolean;
}

export class ReadPath {
  private readonly queue: ReadQueue;
  /** Reads waiting for this member's state: each released after a Ready once its `ready()` holds. */
  private readonly stateWaiters: { ready: () => boolean; resolve: () => void }[] = [];
  /** A read round was in flight at the last expiry check: still in flight at the next one means it was lost. */
  private roundStuck = false;

  constructor(private readonly host: ReadHost) {
    this.queue = new ReadQueue(host.id, host.rt.randomInt(2 ** 47));
  }

  read<T>(consistency: ReadConsistency, fn: () => T): Promise<{ value: T; index: number }> {
    const h = this.host;
    if (h.stopped()) return Promise.reject(new NodeError('UNAVAILABLE', 'this member is shutting down', { reason: 'shutting-down' }));
    const refused = this.outsideMembership() ?? this.behindForSpace(consistency);
    if (refused) return Promise.reject(refused);
    switch (consistency.mode) {
      case 'linearizable':
        if (h.releaseEarly) return Promise.resolve().then(() => ({ value: fn(), index: h.appliedIndex() }));
        return new Promise((resolve, reject) => {
          const run = (): void => {
            try {
              resolve({ value: fn(), index: h.appliedIndex() });
            } catch (err) {
              reject(err instanceof Error ? err : new Error(String(err)));
            }
          };
          this.queue.enqueue({ run, fail: reject });
          this.startRound();
        });
      case 'min-index':
        return this.waitApplied(consistency.index).then(() => ({ value: fn(), index: h.appliedIndex() }));
      case 'max-staleness':
        return this.readBoundedStale(consistency.ms, fn);
    }
  }

  /** After each Ready: serves the confirmed reads now applied, starts the next round, releases index waiters. */
  afterReady(): void {
    this.queue.serve(this.host.appliedIndex());
    // Reads that arrived while the last round was in flight start theirs now, not at the next tick.
    this.startRound();
    this.releaseStateWaiters();
  }

  confirmed(context: Uint8Array, index: number): void {
    this.queue.confirmed(context, index);
  }

  startRound(): void {
    const context = this.queue.nextRound();
    if (!context) return;
    const err = this.host.readIndex(context);
    if (err) this.queue.failAll(new NodeError('UNAVAILABLE', 'no leader to confirm a linearizable read; retry', { reason: 'no-leader' }));
    this.host.schedule();
  }

  /** A forwarded ReadIndex can be lost with its messages: fail reads stuck for a whole period (called every READ_TIMEOUT_MS). */
  expire(): void {
    if (this.queue.inFlight > 0 && this.roundStuck) this.queue.failAll(new NodeError('TIMEOUT', 'the read was not confirmed in time; retry', { reason: 'read-unconfirmed' }));
    this.roundStuck = this.queue.inFlight > 0;
  }

  failAll(err: Error): void {
    this.queue.failAll(err);
  }

  /**
   * A member outside the configuration it applied (removed, or started with --join and not yet
   * added) is sent no new entries: a read there would wait for an index it never reaches (or,
   * bounded-stale, serve a state frozen at its removal), so it is refused at once, and the
   * client asks another member.
   */
  private outsideMembership(): NodeError | undefined {
    const conf = this.host.confState();
    if (conf.voters.includes(this.host.id) || conf.learners.includes(this.host.id)) return undefined;
    const why = conf.voters.length === 0 ? 'has not been added to a cluster yet (fleet members add)' : 'was removed from the cluster (fleet members remove)';
    return new NodeError('UNAVAILABLE', `member ${this.host.id} ${why}: it serves no reads; read from another member`, { reason: 'read-refused' });
  }

  /**
   * Out of space, this member applies nothing new, so its state is as old as the moment its disk
   * filled: it serves a read only if that is recent enough, or the index asked for is applied.
   */
  private behindForSpace(consistency: ReadConsistency): NodeError | undefined {
    const since = this.host.outOfSpaceSince();
    if (since === undefined) return undefined;
    const applied = this.host.appliedIndex();
    const why = `out of space on member ${this.host.id}: it applies nothing new until space is freed on its disk`;
    switch (consistency.mode) {
      case 'linearizable':
        return new NodeError('UNAVAILABLE', `${why}; read from another member`, { reason: 'read-refused' });
      case 'min-index':
        return applied >= consistency.index ? undefined : new NodeError('UNAVAILABLE', `${why}, and it has applied only up to index ${applied}; read from another member`, { reason: 'read-refused' });
      case 'max-staleness':
        return this.host.rt.monoNow() - since <= consistency.ms ? undefined : new NodeError('UNAVAILABLE', `${why}, so its state may be older than ${consistency.ms} ms; read from another member`, { reason: 'read-refused' });
    }
  }

  /**
   * A follower serves the read if it heard from a leader within `ms`. A leader serves it once
   * it has applied an entry of its own term; until then it may lack writes committed and
   * answered before it led, so the read waits as a linearizable one does.
   */
  private readBoundedStale<T>(ms: number, fn: () => T): Promise<{ value: T; index: number }> {
    const h = this.host;
    const leader = h.isLeader();
    const contact = h.lastLeaderContact();
    const fresh = (leader && h.leaderCurrent()) || (contact >= 0 && h.rt.monoNow() - contact <= ms);
    if (fresh) return Promise.resolve({ value: fn(), index: h.appliedIndex() });
    if (leader) return this.read({ mode: 'linearizable' }, fn);
    return Promise.reject(new NodeError('UNAVAILABLE', `this member has not heard from a leader within ${ms} ms`, { reason: 'read-refused' }));
  }

  private waitApplied(index: number): Promise<void> {
    if (this.host.appliedIndex() >= index) return Promise.resolve();
    const rt = this.host.rt;
    return new Promise((resolve, reject) => {
      const timer = rt.setTimeout(() => reject(new NodeError('TIMEOUT', `this member has not applied index ${index} yet`)), READ_TIMEOUT_MS);
      this.stateWaiters.push({ ready: () => this.host.appliedIndex() >= index, resolve: () => (timer.clear(), resolve()) });
    });
  }

  /**
   * Resolves once `ready()` holds after a Ready, or after `ms` whether or not it does: the caller
   * looks at the state again and answers from what it finds.
   */
  settleWithin(ready: () => boolean, ms: number): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = { ready, resolve: () => (timer.clear(), resolve()) };
      const timer = this.host.rt.setTimeout(() => {
        const at = this.stateWaiters.indexOf(waiter);
        if (at >= 0) this.stateWaiters.splice(at, 1);
        resolve();
      }, ms);
      this.stateWaiters.push(waiter);
    });
  }

  private releaseStateWaiters(): void {
    for (let i = this.stateWaiters.length - 1; i >= 0; i--) {
      const w = this.stateWaiters[i]!;
      if (w.ready()) {
        this.stateWaiters.splice(i, 1);
        w.resolve();
      }
    }
  }
}
