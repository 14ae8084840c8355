/**
 * A map from strings to values kept in key order, as a list of sorted chunks (the layout of
 * Python's sortedcontainers). Insert and delete move at most one chunk of ~1,000 references;
 * a lookup is two binary searches; a page after a cursor costs a binary search plus the page.
 *
 * Why not a JS Map beside a sorted index: at a million keys, building a Map costs more than
 * the rest of a snapshot restore together (it is hashed and rehashed as it grows), while
 * chunks restore by appending. Keys order by UTF-16 code units (`<`), the same on every
 * replica and in every locale.
 *
 * `freeze()` hands out a read-only view of the map as it is, in time proportional to the
 * number of chunks: the map copies a chunk the first time it changes it after a freeze, and
 * never changes a chunk a view holds. A snapshot is written from such a view while the map
 * goes on taking writes.
 */

/** Chunks split above twice this size; small enough that a splice is a short memmove. */
const LOAD = 512;

/** Index of the first element of a sorted array that is ≥ `s` (or > `s` when `strict`). */
function bound(a: readonly string[], s: string, strict: boolean): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < s || (strict && a[mid] === s)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * An ordered map with string keys. Invariants: `keys[c]` and `vals[c]` have the same,
 * non-zero length; each `keys[c]` is sorted; chunks are in order and disjoint; `maxes[c]` is
 * the last key of chunk c; `size` is the total number of keys.
 */
export class SortedMap<V> {
  #keys: string[][] = [];
  #vals: V[][] = [];
  #maxes: string[] = [];
  #size = 0;
  /** Bumped by each `freeze()`: chunks made in an older epoch may be shared with a view. */
  #epoch = 0;
  /** The epoch each chunk was made in (parallel to `#keys`). */
  #made: number[] = [];

  /** Number of keys. */
  get size(): number {
    return this.#size;
  }

  /** The value of `key`. */
  get(key: string): V | undefined {
    const c = bound(this.#maxes, key, false);
    if (c === this.#keys.length) return undefined;
    const chunk = this.#keys[c]!;
    const i = bound(chunk, key, false);
    return chunk[i] === key ? this.#vals[c]![i] : undefined;
  }

  /** Whether `key` is present. */
  has(key: string): boolean {
    const c = bound(this.#maxes, key, false);
    if (c === this.#keys.length) return false;
    const chunk = this.#keys[c]!;
    return chunk[bound(chunk, key, false)] === key;
  }

  /** Sets `key` to `value`; returns whether the key is new. */
  set(key: string, value: V): boolean {
    const n = this.#keys.length;
    if (n === 0) {
      this.#keys.push([key]);
      this.#vals.push([value]);
      this.#maxes.push(key);
      this.#made.push(this.#epoch);
      this.#size = 1;
      return true;
    }
    // Past the last key, it goes last in the last chunk.
    const c = Math.min(bound(this.#maxes, key, false), n - 1);
    const i = bound(this.#keys[c]!, key, false);
    const keys = this.#own(c);
    if (keys[i] === key) {
      this.#vals[c]![i] = value;
      return false;
    }
    keys.splice(i, 0, key);
    this.#vals[c]!.splice(i, 0, value);
    if (i === keys.length - 1) this.#maxes[c] = key;
    this.#size++;
    if (keys.length > 2 * LOAD) this.#split(c);
    return true;
  }

  /** Chunk `c` of the keys, made this map's own (copied, with its values, if a view may hold it). */
  #own(c: number): string[] {
    if (this.#made[c] !== this.#epoch) {
      this.#keys[c] = this.#keys[c]!.slice();
      this.#vals[c] = this.#vals[c]!.slice();
      this.#made[c] = this.#epoch;
    }
    return this.#keys[c]!;
  }

  #split(c: number): void {
    const keys = this.#own(c);
    const tailKeys = keys.splice(LOAD);
    const tailVals = this.#vals[c]!.splice(LOAD);
    this.#keys.splice(c + 1, 0, tailKeys);
    this.#vals.splice(c + 1, 0, tailVals);
    this.#made.splice(c + 1, 0, this.#epoch);
    this.#maxes.splice(c, 1, keys[keys.length - 1]!, tailKeys[tailKeys.length - 1]!);
  }

  /** Removes `key`; returns whether it was there. */
  delete(key: string): boolean {
    const c = bound(this.#maxes, key, false);
    if (c === this.#keys.length) return false;
    const i = bound(this.#keys[c]!, key, false);
    if (this.#keys[c]![i] !== key) return false;
    this.#size--;
    if (this.#keys[c]!.length === 1) {
      this.#keys.splice(c, 1);
      this.#vals.splice(c, 1);
      this.#maxes.splice(c, 1);
      this.#made.splice(c, 1);
      return true;
    }
    const keys = this.#own(c);
    keys.splice(i, 1);
    this.#vals[c]!.splice(i, 1);
    if (i === keys.length) this.#maxes[c] = keys[i - 1]!;
    return true;
  }

  /**
   * Appends a key greater than every key: builds a map from sorted input in linear time
   * (restoring a snapshot). Throws a RangeError when the order is broken.
   */
  push(key: string, value: V): void {
    const c = this.#keys.length - 1;
    const last = this.#keys[c];
    if (last !== undefined && !(this.#maxes[c]! < key)) {
      throw new RangeError(`SortedMap.push: ${JSON.stringify(key)} does not sort after ${JSON.stringify(this.#maxes[c])}`);
    }
    if (last === undefined || last.length >= LOAD) {
      this.#keys.push([key]);
      this.#vals.push([value]);
      this.#maxes.push(key);
      this.#made.push(this.#epoch);
    } else {
      this.#own(c).push(key);
      this.#vals[c]!.push(value);
      this.#maxes[c] = key;
    }
    this.#size++;
  }

  /**
   * Visits in key order the entries after `after` (from it, when `inclusive`; all of them when
   * `after` is undefined) until `visit` returns false. `visit` must not change the map.
   */
  forEachAfter(after: string | undefined, visit: (key: string, value: V) => boolean, inclusive = false): void {
    let c = after === undefined ? 0 : bound(this.#maxes, after, !inclusive);
    let i = after === undefined || c === this.#keys.length ? 0 : bound(this.#keys[c]!, after, !inclusive);
    for (; c < this.#keys.length; c++, i = 0) {
      const keys = this.#keys[c]!;
      const vals = this.#vals[c]!;
      for (; i < keys.length; i++) if (!visit(keys[i]!, vals[i]!)) return;
    }
  }

  /** Every value in key order. */
  values(): V[] {
    return this.#vals.flat();
  }

  /** Every key in order. */
  keys(): string[] {
    return this.#keys.flat();
  }

  /** A read-only view of the map as it is now, which later changes to the map do not reach. */
  freeze(): SortedMapView<V> {
    this.#epoch++;
    return new SortedMapView(this.#size, this.#keys.slice(), this.#vals.slice());
  }
}

/** What `SortedMap.freeze()` returns: the entries, chunk by chunk, in key order. */
export class SortedMapView<V> {
  readonly #keys: readonly (readonly string[])[];
  readonly #vals: readonly (readonly V[])[];

  constructor(
    readonly size: number,
    keys: readonly (readonly string[])[],
    vals: readonly (readonly V[])[],
  ) {
    this.#keys = keys;
    this.#vals = vals;
  }

  get chunkCount(): number {
    return this.#keys.length;
  }

  /** The keys of chunk `c`, in order. */
  chunkKeys(c: number): readonly string[] {
    return this.#keys[c]!;
  }

  /** The values of chunk `c`, in the order of its keys. */
  chunkValues(c: number): readonly V[] {
    return this.#vals[c]!;
  }

  /** Every entry in key order, read lazily: a view is immutable, so a reader may stop between entries for turns while its map changes. */
  *entries(): Generator<readonly [string, V], void, undefined> {
    for (let c = 0; c < this.#keys.length; c++) {
      const keys = this.#keys[c]!;
      const vals = this.#vals[c]!;
      for (let i = 0; i < keys.length; i++) yield [keys[i]!, vals[i]!];
    }
  }
}
