/**
 * ContextsTopViewModel: the `fleet top --contexts` session. Every cluster has its own poller
 * and its own deadline, so a stopped or hanging cluster only ever delays its own tile: the
 * others keep refreshing at the interval. After every poll of any cluster it publishes a new
 * immutable ContextsTopState; the ink components only read it.
 */
import type { StatusModel } from '../status.js';
import { answeredTile, failedTile, pendingTile, type ContextsTopState, type ContextTile } from './contexts.js';
import { Poller, systemClock, withDeadline, type Clock } from './poller.js';

/** A cluster to watch: its context name and how to ask it for its status. */
export interface WatchedContext {
  readonly name: string;
  /** One `fleet status` round over connections the caller keeps open; its calls carry their own deadline. */
  status(): Promise<StatusModel>;
}

/** How a session is set up. */
export interface ContextsTopOptions {
  readonly contexts: readonly WatchedContext[];
  readonly intervalMs: number;
  /** The deadline of one cluster's poll: past it, the cluster shows as unreachable. */
  readonly deadlineMs: number;
  readonly clock?: Clock;
}

/** What the components may call: the state, its changes, and pausing. */
export interface ContextsTopHandle {
  getState(): ContextsTopState;
  subscribe(listener: () => void): () => void;
  togglePause(): void;
  /** Polls every cluster now (each still under its deadline). */
  refresh(): void;
}

/**
 * A multi-cluster session. Invariants: at most one poll per cluster in flight; a cluster's
 * tile is replaced only by its own poll, and `polls` of a tile only grows.
 */
export class ContextsTopViewModel implements ContextsTopHandle {
  readonly #clock: Clock;
  readonly #pollers: Poller[];
  readonly #listeners = new Set<() => void>();
  #state: ContextsTopState;
  /** Each cluster's status call still running, past its poll's deadline or not. */
  readonly #inFlight = new Map<number, Promise<StatusModel>>();

  constructor(opts: ContextsTopOptions) {
    this.#clock = opts.clock ?? systemClock;
    this.#state = { at: null, intervalMs: opts.intervalMs, paused: false, contexts: opts.contexts.map((c) => pendingTile(c.name)) };
    this.#pollers = opts.contexts.map((c, i) => new Poller({ task: () => this.#poll(i, c, opts.deadlineMs), intervalMs: opts.intervalMs, clock: this.#clock }));
  }

  getState(): ContextsTopState {
    return this.#state;
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Starts every cluster's poller, the first polls at once. */
  start(): void {
    for (const p of this.#pollers) p.start();
  }

  /** Stops polling; resolves once the polls in flight have settled (each within its deadline). */
  async stop(): Promise<void> {
    await Promise.all(this.#pollers.map((p) => p.stop()));
  }

  /** One poll of every cluster now (for `--once`); resolves with the state they produced. */
  async pollOnce(): Promise<ContextsTopState> {
    await Promise.all(this.#pollers.map((p) => p.runNow()));
    return this.#state;
  }

  togglePause(): void {
    const paused = !this.#state.paused;
    for (const p of this.#pollers) {
      if (paused) void p.stop();
      else p.start();
    }
    this.#publish({ paused });
  }

  refresh(): void {
    if (!this.#state.paused) for (const p of this.#pollers) void p.runNow();
  }

  async #poll(index: number, context: WatchedContext, deadlineMs: number): Promise<void> {
    const started = this.#clock.now();
    const r = await withDeadline(() => this.#single(index, context), deadlineMs, this.#clock);
    const at = this.#clock.now();
    const prev = this.#state.contexts[index]!;
    const tile = r.ok ? answeredTile(prev, r.value, at, at - started) : failedTile(prev, r.error, at, at - started);
    const contexts: ContextTile[] = [...this.#state.contexts];
    contexts[index] = tile;
    this.#publish({ at, contexts });
  }

  /**
   * Starts the cluster's status call unless its call from an earlier poll is still running
   * (it outlived its deadline); then joins it, so calls to a hanging cluster never pile up.
   */
  #single(index: number, context: WatchedContext): Promise<StatusModel> {
    const running = this.#inFlight.get(index);
    if (running !== undefined) return running;
    const started = context.status().finally(() => this.#inFlight.delete(index));
    this.#inFlight.set(index, started);
    return started;
  }

  #publish(change: Partial<ContextsTopState>): void {
    this.#state = { ...this.#state, ...change };
    for (const listener of this.#listeners) listener();
  }
}
