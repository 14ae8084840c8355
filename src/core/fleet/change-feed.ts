/**
 * The change feed of one member: the watch events of the entries it applies, kept in a bounded
 * ring so that a watcher can resume from an index it has not seen, and handed to live watchers
 * as they are applied. Every member applies the same entries, so every member's feed holds the
 * same events at the same indexes: a watcher may resume on any member that still has the index.
 * Plain data and callbacks only (no I/O, no clock), so it is tested without gRPC.
 */
import { isSystemNs, kvEtcdKey, kvKeyOfEtcd } from '../../common/registry/kv-keys.js';
import type { ChangeEvent, ChangeSink, WatchRegistry } from './changes.js';

/** The changes of one log entry, delivered together (a watcher never sees half an entry). */
export interface ChangeBatch {
  readonly index: number;
  readonly events: readonly ChangeEvent[];
}

/** How much the ring keeps. */
export interface ChangeFeedLimits {
  /** At most this many events (whole entries are dropped, oldest first). */
  readonly maxEvents: number;
  /** At most about this many bytes of events (KV values counted at their length, registry views at a flat size). */
  readonly maxBytes: number;
}

/** The ring's default size: the last 10,000 changes, within about 64 MiB. */
export const DEFAULT_FEED_LIMITS: ChangeFeedLimits = { maxEvents: 10_000, maxBytes: 64 * 1024 * 1024 };

/** Which changes a watcher wants: one registry (or a few); for KV one namespace; keys starting with `prefix`. */
export interface WatchFilter {
  readonly registry: WatchRegistry;
  /** More registries on the same stream (`fleet top` follows every registry on one watch). */
  readonly also?: readonly WatchRegistry[];
  readonly ns: string;
  readonly prefix: string;
}

/** What a watcher is told. */
export interface WatchListener {
  /** The changes of one entry that pass the filter, in index order. */
  batch(b: ChangeBatch): void;
  /** The feed was restarted at `oldest` (this member installed a snapshot): resume elsewhere, or from there. */
  reset(oldest: number): void;
}

/** A watch asked for an index the ring no longer holds (etcd's "required revision has been compacted"). */
export class WatchCompacted extends Error {
  constructor(
    readonly requested: number,
    readonly oldest: number,
  ) {
    super(`index ${requested} has been compacted: the oldest index this member still has is ${oldest}`);
    this.name = 'WatchCompacted';
  }
}

/** Whether an event passes a filter. */
export function matches(filter: WatchFilter, e: ChangeEvent): boolean {
  const wanted = e.registry === filter.registry || filter.also?.includes(e.registry) === true;
  if (!wanted) return false;
  // The `fleet.` namespaces are the registry's: an etcd key that looks like one is no change of theirs.
  if (e.inKeyspace === true) return !isSystemNs(filter.ns) && e.key.startsWith(kvEtcdKey(filter.prefix, filter.ns));
  return (e.registry !== 'kv' || e.ns === filter.ns) && e.key.startsWith(filter.prefix);
}

/** An event as a watcher of `filter` sees it: a keyspace key under its namespace, as `fleet kv` names it. */
function asSeen(filter: WatchFilter, e: ChangeEvent): ChangeEvent {
  return e.inKeyspace === true && filter.ns !== '' ? { ...e, ns: filter.ns, key: kvKeyOfEtcd(e.key, filter.ns) } : e;
}

/** The events of a batch that pass a filter, as a batch, or undefined when none does. */
export function filterBatch(filter: WatchFilter, b: ChangeBatch): ChangeBatch | undefined {
  const events = b.events.filter((e) => matches(filter, e));
  if (events.length === 0) return undefined;
  const seen = filter.ns === '' ? events : events.map((e) => asSeen(filter, e));
  return seen.length === b.events.length && seen.every((e, i) => e === b.events[i]) ? b : { index: b.index, events: seen };
}

/** A rough size of an event, for the ring's byte bound. */
function sizeOf(e: ChangeEvent): number {
  const text = (v: unknown): number => (typeof v === 'string' ? v.length : v === null ? 0 : 512);
  return 64 + e.key.length + e.ns.length + text(e.old) + text(e.new);
}

interface Watcher {
  readonly from: number;
  readonly filter: WatchFilter;
  readonly listener: WatchListener;
}

/**
 * A member's change feed. Invariants: the ring holds, in index order, every change at an index
 * ≥ `oldestIndex` that was recorded since the last `reset`; a watcher gets each batch at an
 * index ≥ its start exactly once, in index order, backlog first.
 */
export class ChangeFeed implements ChangeSink {
  readonly #limits: ChangeFeedLimits;
  #ring: ChangeBatch[] = [];
  /** The ring's first live slot: dropping from the front moves it instead of shifting the array. */
  #head = 0;
  #events = 0;
  #bytes = 0;
  #oldest = 1;
  readonly #watchers = new Set<Watcher>();

  constructor(limits: ChangeFeedLimits = DEFAULT_FEED_LIMITS) {
    this.#limits = limits;
  }

  /** The lowest index a watch may start from: every change from it on is in the ring. */
  get oldestIndex(): number {
    return this.#oldest;
  }

  /** Number of watchers attached. */
  get watchers(): number {
    return this.#watchers.size;
  }

  /** Events in the ring. */
  get size(): number {
    return this.#events;
  }

  /**
   * Starts over at `nextIndex` (the state was replaced, by a restart or a snapshot from the
   * leader): the changes before it are not known. Watchers are told and detached, since
   * they missed the entries the snapshot covered.
   */
  reset(nextIndex: number): void {
    this.#ring = [];
    this.#head = 0;
    this.#events = 0;
    this.#bytes = 0;
    this.#oldest = nextIndex;
    const watchers = [...this.#watchers];
    this.#watchers.clear();
    for (const w of watchers) w.listener.reset(nextIndex);
  }

  /** Keeps the changes of the entry at `index` and hands them to the watchers. */
  record(index: number, events: readonly ChangeEvent[]): void {
    if (events.length === 0) return;
    const batch: ChangeBatch = { index, events };
    this.#ring.push(batch);
    this.#events += events.length;
    for (const e of events) this.#bytes += sizeOf(e);
    this.#evict();
    for (const w of this.#watchers) {
      if (index < w.from) continue;
      const passed = filterBatch(w.filter, batch);
      if (passed !== undefined) w.listener.batch(passed);
    }
  }

  #evict(): void {
    while (this.#events > this.#limits.maxEvents || this.#bytes > this.#limits.maxBytes) {
      const dropped = this.#ring[this.#head]!;
      this.#head++;
      this.#events -= dropped.events.length;
      for (const e of dropped.events) this.#bytes -= sizeOf(e);
      this.#oldest = dropped.index + 1;
    }
    // Compact once the dropped front outweighs the live part: amortised O(1) per batch.
    if (this.#head > 1024 && this.#head * 2 > this.#ring.length) {
      this.#ring = this.#ring.slice(this.#head);
      this.#head = 0;
    }
  }

  /**
   * Attaches a watcher from index `from`: the ring's batches at or after it are delivered at
   * once, then every later one as it is recorded. Throws WatchCompacted when `from` is older
   * than the ring. Returns the detach function.
   */
  watch(from: number, filter: WatchFilter, listener: WatchListener): () => void {
    if (from < this.#oldest) throw new WatchCompacted(from, this.#oldest);
    for (let i = this.#firstAtOrAfter(from); i < this.#ring.length; i++) {
      const passed = filterBatch(filter, this.#ring[i]!);
      if (passed !== undefined) listener.batch(passed);
    }
    const w: Watcher = { from, filter, listener };
    this.#watchers.add(w);
    return () => this.#watchers.delete(w);
  }

  /** The slot of the first batch at an index ≥ `from` (binary search: the ring is in index order). */
  #firstAtOrAfter(from: number): number {
    let lo = this.#head;
    let hi = this.#ring.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#ring[mid]!.index < from) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
