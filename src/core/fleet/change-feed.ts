/**
 * The change feed of one member: the watch events of the entries it applies, kept in a bounded
 * ring so that a watcher can resume from an index it has not seen, and handed to live watchers
 * as they are applied. Every member applies the same entries, so every member's feed holds the
 * same events at the same indexes: a watcher may resume on any member that still has the index.
 *
 * The registry's changes are kept as events. The keyspace's (fleet's KV once it moved there, and
 * every etcd client's write) are kept as the span of revisions an entry made and read from the
 * keyspace's own history when a watcher wants them, as etcd's Watch reads them: a write nobody
 * watches costs the feed no event, and the history is held once (it cost every write on every
 * member an event object per key before; BENCHMARKS.md "Session 43"). Plain data and callbacks
 * only (no I/O, no clock), so it is tested without gRPC.
 */
import { isSystemNs, kvEtcdKey, kvKeyOfEtcd } from '../../common/registry/kv-keys.js';
import type { WatchEvent } from '../etcd-store/mvcc.js';
import { keyspaceChanges, type ChangeEvent, type ChangeSink, type WatchRegistry } from './changes.js';

/** The changes of one log entry, delivered together (a watcher never sees half an entry). */
export interface ChangeBatch {
  readonly index: number;
  readonly events: readonly ChangeEvent[];
}

/** The revisions of the keyspace one entry made, `from` to `to`. */
export interface KeyspaceSpan {
  readonly from: number;
  readonly to: number;
}

/** The keyspace's history, which the feed reads its KV events from. */
export interface KeyspaceHistory {
  /** Below it, history is compacted: a span starting below it can no longer be read. */
  readonly compactRevision: number;
  /** The events of the keys starting with `prefix` (UTF-8; '' for every key) from revision `from` to now, oldest first. */
  events(prefix: string, from: number): readonly WatchEvent[];
  /**
   * Calls `listener` when a change may have written keys starting with `prefix`, before the entry
   * that made it is recorded (the member's keyspace watch hub); returns its removal.
   */
  watch(prefix: string, listener: () => void): () => void;
}

/** A feed with no keyspace: an entry records no span. */
const NO_KEYSPACE: KeyspaceHistory = { compactRevision: 0, events: () => [], watch: () => () => undefined };

/** How much the ring keeps. */
export interface ChangeFeedLimits {
  /** At most this many events, a keyspace revision counted as one (whole entries are dropped, oldest first). */
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

/** An entry in the ring: its registry events, and the keyspace revisions it made. */
interface Recorded {
  readonly index: number;
  readonly events: readonly ChangeEvent[];
  readonly keyspace: KeyspaceSpan | undefined;
}

/** The ring's measure of a keyspace span: a revision as one event of a flat size (the history holds the bytes). */
const SPAN_REVISION_BYTES = 64;

/** The etcd key prefix whose changes a watcher of `filter` wants, or undefined when it wants none of the keyspace's. */
function keyspacePrefixOf(filter: WatchFilter): string | undefined {
  const kv = filter.registry === 'kv' || filter.also?.includes('kv') === true;
  return kv && !isSystemNs(filter.ns) ? kvEtcdKey(filter.prefix, filter.ns) : undefined;
}

interface Watcher {
  readonly from: number;
  readonly filter: WatchFilter;
  readonly listener: WatchListener;
  /** Its registrations: by registry here, and its keyspace prefix in the hub. */
  detach(): void;
}

/** The registries a watcher of `filter` hears of. */
function registriesOf(filter: WatchFilter): readonly WatchRegistry[] {
  return [filter.registry, ...(filter.also ?? [])];
}

/**
 * A member's change feed. Invariants: the ring holds, in index order, every change at an index
 * ≥ `oldestIndex` that was recorded since the last `reset` (a keyspace span as its revisions,
 * which the history still holds from `oldestIndex` on); a watcher gets each batch at an index ≥
 * its start exactly once, in index order, backlog first.
 */
export class ChangeFeed implements ChangeSink {
  readonly #limits: ChangeFeedLimits;
  readonly #history: KeyspaceHistory;
  #ring: Recorded[] = [];
  /** The ring's first live slot: dropping from the front moves it instead of shifting the array. */
  #head = 0;
  #events = 0;
  #bytes = 0;
  #oldest = 1;
  /** The keyspace's compaction point the ring was last trimmed to. */
  #trimmedTo = 0;
  readonly #watchers = new Set<Watcher>();
  /** The watchers of each registry's events. */
  readonly #byRegistry = new Map<WatchRegistry, Set<Watcher>>();
  /** The watchers the hub said the keyspace change being recorded concerns. */
  #keyspaceTouched = new Set<Watcher>();

  constructor(limits: ChangeFeedLimits = DEFAULT_FEED_LIMITS, history: KeyspaceHistory = NO_KEYSPACE) {
    this.#limits = limits;
    this.#history = history;
  }

  /** The lowest index a watch may start from: every change from it on is in the ring (or the history it refers to). */
  get oldestIndex(): number {
    this.#trimCompacted();
    return this.#oldest;
  }

  /** Number of watchers attached. */
  get watchers(): number {
    return this.#watchers.size;
  }

  /** Events in the ring, a keyspace revision counted as one. */
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
    // A state replaced brings a history of its own, compacted anywhere.
    this.#trimmedTo = 0;
    const watchers = [...this.#watchers];
    for (const w of watchers) w.detach();
    for (const w of watchers) w.listener.reset(nextIndex);
  }

  /**
   * Keeps the changes of the entry at `index` — the registry's `events`, and the keyspace
   * revisions it made, which the history holds now — and hands them to the watchers.
   */
  record(index: number, events: readonly ChangeEvent[], keyspace?: KeyspaceSpan): void {
    const touched = this.#keyspaceTouched;
    this.#keyspaceTouched = new Set();
    if (events.length === 0 && keyspace === undefined) return;
    const rec: Recorded = { index, events, keyspace };
    this.#ring.push(rec);
    const revisions = keyspace === undefined ? 0 : keyspace.to - keyspace.from + 1;
    this.#events += events.length + revisions;
    this.#bytes += revisions * SPAN_REVISION_BYTES;
    for (const e of events) this.#bytes += sizeOf(e);
    this.#evict();
    for (const w of this.#concerned(events, keyspace === undefined ? undefined : touched)) {
      if (index < w.from) continue;
      const passed = filterBatch(w.filter, this.#batchOf(rec, touched.has(w) ? this.#spanEvents(keyspace, w.filter) : []));
      if (passed !== undefined) w.listener.batch(passed);
    }
  }

  /** The watchers an entry may concern: those of its events' registries, and those the hub named for its keyspace span. */
  #concerned(events: readonly ChangeEvent[], touched: ReadonlySet<Watcher> | undefined): Set<Watcher> {
    const out = new Set<Watcher>(touched);
    let last: WatchRegistry | undefined;
    for (const e of events) {
      if (e.registry === last) continue;
      last = e.registry;
      this.#byRegistry.get(e.registry)?.forEach((w) => out.add(w));
    }
    return out;
  }

  /** The keyspace events a watcher of `filter` wants of `span`, read from the history now. */
  #spanEvents(span: KeyspaceSpan | undefined, filter: WatchFilter): readonly WatchEvent[] {
    const prefix = span === undefined ? undefined : keyspacePrefixOf(filter);
    // Only the span's own revisions are its events, whatever the history holds past them.
    return prefix === undefined ? [] : new InOrder(this.#history.events(prefix, span!.from)).take(span!);
  }

  /** A recorded entry as a batch, with the keyspace events a watcher wants of its span. */
  #batchOf(rec: Recorded, keyspace: readonly WatchEvent[]): ChangeBatch {
    if (keyspace.length === 0) return { index: rec.index, events: rec.events };
    return { index: rec.index, events: [...rec.events, ...keyspaceChanges(rec.index, keyspace)] };
  }

  #evict(): void {
    while (this.#events > this.#limits.maxEvents || this.#bytes > this.#limits.maxBytes) this.#dropFront();
    // Compact once the dropped front outweighs the live part: amortised O(1) per batch.
    if (this.#head > 1024 && this.#head * 2 > this.#ring.length) {
      this.#ring = this.#ring.slice(this.#head);
      this.#head = 0;
    }
  }

  #dropFront(): void {
    const dropped = this.#ring[this.#head]!;
    this.#head++;
    const revisions = dropped.keyspace === undefined ? 0 : dropped.keyspace.to - dropped.keyspace.from + 1;
    this.#events -= dropped.events.length + revisions;
    this.#bytes -= revisions * SPAN_REVISION_BYTES;
    for (const e of dropped.events) this.#bytes -= sizeOf(e);
    this.#oldest = dropped.index + 1;
  }

  /** Drops the entries up to the last whose keyspace span the history no longer holds whole. */
  #trimCompacted(): void {
    const compacted = this.#history.compactRevision;
    if (compacted <= this.#trimmedTo) return;
    this.#trimmedTo = compacted;
    let last = -1;
    for (let i = this.#head; i < this.#ring.length; i++) {
      const span = this.#ring[i]!.keyspace;
      if (span === undefined) continue;
      if (span.from >= compacted) break;
      last = i;
    }
    while (this.#head <= last) this.#dropFront();
  }

  /**
   * Attaches a watcher from index `from`: the ring's batches at or after it are delivered at
   * once, then every later one as it is recorded. Throws WatchCompacted when `from` is older
   * than the ring. Returns the detach function.
   */
  watch(from: number, filter: WatchFilter, listener: WatchListener): () => void {
    if (from < this.oldestIndex) throw new WatchCompacted(from, this.#oldest);
    const first = this.#firstAtOrAfter(from);
    const keyspace = this.#backlogEvents(first, filter);
    for (let i = first; i < this.#ring.length; i++) {
      const rec = this.#ring[i]!;
      const passed = filterBatch(filter, this.#batchOf(rec, rec.keyspace === undefined ? [] : keyspace.take(rec.keyspace)));
      if (passed !== undefined) listener.batch(passed);
    }
    const registries = registriesOf(filter);
    const prefix = keyspacePrefixOf(filter);
    let unwatchKeyspace = (): void => undefined;
    const w: Watcher = {
      from,
      filter,
      listener,
      detach: () => {
        this.#watchers.delete(w);
        for (const r of registries) this.#byRegistry.get(r)?.delete(w);
        this.#keyspaceTouched.delete(w);
        unwatchKeyspace();
      },
    };
    this.#watchers.add(w);
    for (const r of registries) {
      let set = this.#byRegistry.get(r);
      if (set === undefined) this.#byRegistry.set(r, (set = new Set()));
      set.add(w);
    }
    if (prefix !== undefined) unwatchKeyspace = this.#history.watch(prefix, () => this.#keyspaceTouched.add(w));
    return () => w.detach();
  }

  /** The keyspace events a watcher of `filter` wants of the ring's spans from slot `first` on: one read of the history. */
  #backlogEvents(first: number, filter: WatchFilter): InOrder {
    const prefix = keyspacePrefixOf(filter);
    let from: number | undefined;
    for (let i = first; i < this.#ring.length && from === undefined; i++) from = this.#ring[i]!.keyspace?.from;
    return new InOrder(prefix === undefined || from === undefined ? [] : this.#history.events(prefix, from));
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

/** Events in revision order, taken a span at a time. */
class InOrder {
  #next = 0;

  constructor(private readonly events: readonly WatchEvent[]) {}

  /** The events of the revisions of `span` (those before it, of no entry in the ring, are passed over). */
  take(span: KeyspaceSpan): readonly WatchEvent[] {
    const { events } = this;
    while (this.#next < events.length && events[this.#next]!.kv.modRevision < span.from) this.#next++;
    const start = this.#next;
    while (this.#next < events.length && events[this.#next]!.kv.modRevision <= span.to) this.#next++;
    return events.slice(start, this.#next);
  }
}
