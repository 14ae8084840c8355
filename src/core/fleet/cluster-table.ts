/**
 * The clusters, stored for a million of them: one row per cluster in parallel columns (typed
 * arrays for the numbers, plain arrays for the name and the shard id), addressed by a slot.
 * A cluster then costs one heap object — its name — instead of a record, a boxed time and a
 * name, which is what makes a snapshot restore fast: the garbage collector has a third of
 * the objects to trace and copy.
 *
 * Slots are private to a replica: they are handed out in whatever order history dictates and
 * never appear in answers or snapshots, so replicas with different slots hold the same state.
 */
import { checkInvariant } from '../invariant.js';
import { SortedMap, type SortedMapView } from './sorted-map.js';
import type { ClusterView } from './types.js';

/** The shard id of clusters bound to no shard. */
export const UNBOUND = '';

/**
 * Every cluster and its binding. Invariants: `#byName` maps each live cluster's name to its
 * slot; `#byShard.get(s)` holds exactly the live clusters whose shard is `s` (and exists for
 * every registered shard and for UNBOUND); a slot is either live (its name is set) or on
 * the free list.
 */
export class ClusterTable {
  #names: (string | undefined)[] = [];
  #shards: string[] = [];
  #generation = new Float64Array(1024);
  #boundAtIndex = new Float64Array(1024);
  #lastSeen = new Float64Array(1024);
  #free: number[] = [];
  readonly #byName = new SortedMap<number>();
  readonly #byShard = new Map<string, SortedMap<number>>([[UNBOUND, new SortedMap()]]);
  /** Frozen views still being read: a block of slots is saved into each before its first change. */
  readonly #views = new Set<ClusterTableView>();

  /** Number of clusters. */
  get size(): number {
    return this.#byName.size;
  }

  /** The slot of a cluster. */
  slotOf(name: string): number | undefined {
    return this.#byName.get(name);
  }

  /** A live slot's cluster name. */
  name(slot: number): string {
    return this.#names[slot]!;
  }

  /** A live slot's shard (UNBOUND when unbound). */
  shard(slot: number): string {
    return this.#shards[slot]!;
  }

  /** A live slot's binding generation. */
  generation(slot: number): number {
    return this.#generation[slot]!;
  }

  /** A live slot's binding index. */
  boundAtIndex(slot: number): number {
    return this.#boundAtIndex[slot]!;
  }

  /** A live slot's last-seen time. */
  lastSeen(slot: number): number {
    return this.#lastSeen[slot]!;
  }

  /** Records that a cluster was seen at `time`. */
  touch(slot: number, time: number): void {
    this.#beforeChange(slot);
    this.#lastSeen[slot] = time;
  }

  /** A cluster's view: a fresh object, so answers never alias the table. */
  view(slot: number): ClusterView {
    const shard = this.#shards[slot]!;
    return {
      name: this.#names[slot]!,
      shard: shard === UNBOUND ? null : shard,
      generation: this.#generation[slot]!,
      boundAtIndex: this.#boundAtIndex[slot]!,
      lastSeen: this.#lastSeen[slot]!,
    };
  }

  /** Clusters bound to `shard` (UNBOUND counts the unbound ones). */
  boundCount(shard: string): number {
    return this.#byShard.get(shard)?.size ?? 0;
  }

  /** Opens the binding index of a newly registered shard. */
  addShard(id: string): void {
    this.#byShard.set(id, new SortedMap());
  }

  /** Closes the binding index of a removed shard. Callers unbind its clusters first. */
  deleteShard(id: string): void {
    if (this.boundCount(id) !== 0) throw new Error(`ClusterTable.deleteShard(${id}): clusters are still bound`);
    this.#byShard.delete(id);
  }

  #allocate(): number {
    const slot = this.#free.pop();
    if (slot !== undefined) return slot;
    const next = this.#names.length;
    if (next === this.#lastSeen.length) this.#grow(next * 2);
    return next;
  }

  #grow(capacity: number): void {
    const grow = (a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(capacity);
      b.set(a);
      return b;
    };
    this.#generation = grow(this.#generation);
    this.#boundAtIndex = grow(this.#boundAtIndex);
    this.#lastSeen = grow(this.#lastSeen);
  }

  #write(slot: number, name: string, shard: string, generation: number, boundAtIndex: number, lastSeen: number): void {
    // A slot a view still reads is only rewritten after delete(), which saved it; saving here too keeps that a detail of delete().
    this.#beforeChange(slot);
    this.#names[slot] = name;
    this.#shards[slot] = shard;
    this.#generation[slot] = generation;
    this.#boundAtIndex[slot] = boundAtIndex;
    this.#lastSeen[slot] = lastSeen;
  }

  /** Records a new cluster, bound at generation 1 to `shard` (which must have an index). */
  add(name: string, shard: string, index: number, time: number): number {
    const slot = this.#allocate();
    this.#write(slot, name, shard, 1, index, time);
    this.#byName.set(name, slot);
    this.#byShard.get(shard)!.set(name, slot);
    return slot;
  }

  /** Moves a cluster to `shard` (or UNBOUND) at `index`, bumping its generation. */
  bind(slot: number, shard: string, index: number): void {
    const name = this.#names[slot]!;
    this.#byShard.get(this.#shards[slot]!)!.delete(name);
    this.#byShard.get(shard)!.set(name, slot);
    this.#beforeChange(slot);
    this.#shards[slot] = shard;
    this.#generation[slot] = this.#generation[slot]! + 1;
    this.#boundAtIndex[slot] = index;
  }

  /** Forgets a cluster. */
  delete(slot: number): void {
    const name = this.#names[slot]!;
    this.#byShard.get(this.#shards[slot]!)!.delete(name);
    this.#byName.delete(name);
    this.#beforeChange(slot);
    this.#names[slot] = undefined;
    this.#shards[slot] = UNBOUND;
    this.#free.push(slot);
  }

  /**
   * Visits in name order the clusters after `after` — all of them, or those bound to `shard`
   * (UNBOUND: the unbound ones) — until `visit` returns false. `visit` must not change the table.
   */
  forEachAfter(shard: string | undefined, after: string | undefined, visit: (name: string, slot: number) => boolean): void {
    const index = shard === undefined ? this.#byName : this.#byShard.get(shard);
    index?.forEachAfter(after, visit);
  }

  /** The slots of the clusters bound to `shard`, in name order. */
  slotsOf(shard: string): number[] {
    return this.#byShard.get(shard)?.values() ?? [];
  }

  /**
   * The table as it is now, for a snapshot written while the table goes on changing: the name
   * index frozen copy-on-write; the columns read in place, except for blocks of slots the table
   * changes meanwhile, which it saves into the view first. Call `release()` when done reading.
   */
  freeze(): ClusterTableView {
    const view = new ClusterTableView(this.#byName.freeze(), this, this.#names.length, (v) => this.#views.delete(v));
    this.#views.add(view);
    return view;
  }

  #beforeChange(slot: number): void {
    if (this.#views.size === 0) return;
    const block = Math.floor(slot / BLOCK_SLOTS);
    for (const view of this.#views) {
      if (slot >= view.slots || view.hasSaved(block)) continue;
      const start = block * BLOCK_SLOTS;
      const end = Math.min(start + BLOCK_SLOTS, view.slots);
      view.save(block, {
        shards: this.#shards.slice(start, end),
        generation: this.#generation.slice(start, end),
        boundAtIndex: this.#boundAtIndex.slice(start, end),
        lastSeen: this.#lastSeen.slice(start, end),
      });
    }
  }

  /** Sizes the columns for `n` clusters before a restore appends them. */
  reserve(n: number): void {
    if (n > this.#lastSeen.length) this.#grow(n);
  }

  /**
   * Appends a cluster whose name sorts after every other (restoring a snapshot, where clusters
   * come in name order): no search, no splice. Throws a RangeError when the order is broken.
   */
  push(name: string, shard: string, generation: number, boundAtIndex: number, lastSeen: number): void {
    const index = this.#byShard.get(shard);
    if (index === undefined) throw new RangeError(`cluster ${JSON.stringify(name)} is bound to unknown shard ${JSON.stringify(shard)}`);
    const slot = this.#allocate();
    this.#byName.push(name, slot);
    index.push(name, slot);
    this.#write(slot, name, shard, generation, boundAtIndex, lastSeen);
  }
}

/** Slots per block that a frozen view saves when the table is about to change one of them. */
const BLOCK_SLOTS = 4096;

/** A block of columns as a view saw it. */
interface SavedBlock {
  readonly shards: readonly string[];
  readonly generation: Float64Array;
  readonly boundAtIndex: Float64Array;
  readonly lastSeen: Float64Array;
}

/**
 * What `ClusterTable.freeze()` returns: every cluster as it was, by name (the name index maps
 * names to slots). A slot below `slots` reads from its saved block when there is one, else from
 * the table, which saves the block before changing any of its slots: once, while the view is
 * held, and only a block the view can read (checked in `save`).
 */
export class ClusterTableView {
  readonly #saved = new Map<number, SavedBlock>();
  #released = false;

  constructor(
    readonly byName: SortedMapView<number>,
    private readonly table: ClusterTable,
    /** Slots in use at the freeze. */
    readonly slots: number,
    private readonly onRelease: (view: ClusterTableView) => void,
  ) {}

  get size(): number {
    return this.byName.size;
  }

  shard(slot: number): string {
    return this.#savedBlockOf(slot)?.shards[slot % BLOCK_SLOTS] ?? this.table.shard(slot);
  }

  generation(slot: number): number {
    return this.#savedBlockOf(slot)?.generation[slot % BLOCK_SLOTS] ?? this.table.generation(slot);
  }

  boundAtIndex(slot: number): number {
    return this.#savedBlockOf(slot)?.boundAtIndex[slot % BLOCK_SLOTS] ?? this.table.boundAtIndex(slot);
  }

  lastSeen(slot: number): number {
    return this.#savedBlockOf(slot)?.lastSeen[slot % BLOCK_SLOTS] ?? this.table.lastSeen(slot);
  }

  #savedBlockOf(slot: number): SavedBlock | undefined {
    return this.#saved.get(Math.floor(slot / BLOCK_SLOTS));
  }

  hasSaved(block: number): boolean {
    return this.#saved.has(block);
  }

  save(block: number, columns: SavedBlock): void {
    // A second save would replace the block as of the freeze with a later one.
    checkInvariant(!this.#released && !this.#saved.has(block) && block * BLOCK_SLOTS < this.slots, 'cluster-view-block-saved-once', () => `block ${block} saved ${this.#saved.has(block) ? 'again' : 'first'} into a view of ${this.slots} slots${this.#released ? ' already released' : ''}`);
    this.#saved.set(block, columns);
  }

  /** Done reading: the table stops saving blocks for this view. */
  release(): void {
    this.#released = true;
    this.onRelease(this);
    this.#saved.clear();
  }
}
