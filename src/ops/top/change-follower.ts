/**
 * The registry half of the timeline: one watch on the registries, from the index the members
 * apply next, its changes folded per second into events. Polling stays for what only member
 * status tells (elections, members lost); what operators change in the registry comes from the
 * stream, which is far cheaper than diffing registry reads.
 */
import type { WatchBatch, WatchOptions, WatchRegistry } from '../../client/index.js';
import { FleetClientError } from '../../client/errors.js';
import { ChangeCoalescer, describeChange, missedEvent, unavailableEvent } from './changes.js';
import type { NewEvent } from './events.js';
import { errorText, type Clock } from './poller.js';

/** Opens a watch (FleetClient.watch satisfies it). */
export type OpenWatch = (opts: WatchOptions) => AsyncIterable<WatchBatch>;

/** How a follower is set up. */
export interface ChangeFollowerOptions {
  readonly open: OpenWatch;
  readonly registries: readonly WatchRegistry[];
  readonly clock: Clock;
  /** Receives each flush's events (and the notes on gaps), in order. */
  readonly emit: (events: readonly NewEvent[]) => void;
  /** Changes that arrive within this long of the first one unflushed fold together (default 1 s). */
  readonly flushMs?: number;
}

/** gRPC's UNIMPLEMENTED: a member without the Watch call at all. */
const GRPC_UNIMPLEMENTED = 12;

/**
 * Follows the registries until stopped. Invariants: one watch at a time; every change the watch
 * delivers is in exactly one flushed event (or dropped as a heartbeat); after `stop()` nothing is
 * emitted but the final flush.
 */
export class ChangeFollower {
  readonly #opts: ChangeFollowerOptions;
  readonly #pending = new ChangeCoalescer();
  readonly #abort = new AbortController();
  #timer: unknown;
  #running: Promise<void> | undefined;

  constructor(opts: ChangeFollowerOptions) {
    this.#opts = opts;
  }

  /** Opens the watch (a no-op when already started). */
  start(): void {
    this.#running ??= this.#follow();
  }

  /** Ends the watch and flushes what is pending. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#running;
    this.#flush();
  }

  async #follow(): Promise<void> {
    const signal = this.#abort.signal;
    // No fromIndex: each member starts at the next index it applies, so top shows changes from now.
    // Retryable failures (a leader change, a restart) never end the watch: it resumes at the last index + 1.
    const opts: WatchOptions = { registries: this.#opts.registries, signal, reconnectMs: Number.POSITIVE_INFINITY };
    while (!signal.aborted) {
      try {
        for await (const batch of this.#opts.open(opts)) this.#take(batch);
        return;
      } catch (err) {
        if (signal.aborted) return;
        const gap = compactedGap(err);
        this.#flush();
        if (gap === null) return void this.#opts.emit([unavailableEvent(this.#opts.clock.now(), unavailableReason(err))]);
        this.#opts.emit([missedEvent(this.#opts.clock.now(), gap.requested, gap.oldest)]);
      }
    }
  }

  #take(batch: WatchBatch): void {
    const at = this.#opts.clock.now();
    for (const e of batch.events) {
      const line = describeChange(e);
      if (line !== null) this.#pending.add(at, line);
    }
    if (!this.#pending.empty && this.#timer === undefined) {
      this.#timer = this.#opts.clock.setTimeout(() => {
        this.#timer = undefined;
        this.#flush();
      }, this.#opts.flushMs ?? 1_000);
    }
  }

  #flush(): void {
    if (this.#timer !== undefined) this.#opts.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#pending.empty) this.#opts.emit(this.#pending.drain());
  }
}

/** The indexes lost when every member refused the watch's index as compacted; null for any other failure. */
function compactedGap(err: unknown): { requested: number | null; oldest: number | null } | null {
  if (!(err instanceof FleetClientError) || err.kind !== 'precondition') return null;
  const d = err.details as { requestedIndex?: number; oldestIndex?: number };
  if (d.oldestIndex === undefined) return null;
  return { requested: d.requestedIndex ?? null, oldest: d.oldestIndex };
}

/** Why there is no watch, in a few words; a member that refuses a watch of several registries is older than this fleet. */
function unavailableReason(err: unknown): string {
  if (err instanceof FleetClientError && (err.kind === 'invalid' || err.grpcCode === GRPC_UNIMPLEMENTED)) {
    return 'the members do not serve a watch of the registries (older than this fleet?)';
  }
  return `the watch failed: ${errorText(err)}`;
}
