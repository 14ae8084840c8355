/**
 * The memo of Lowe's improvement to Wing & Gong: the set of search configurations
 * (linearized-ops bitset, model state) already explored, so that no configuration is
 * expanded twice. Entries live in flat typed arrays (a chained hash table) rather than
 * objects: a search may visit millions of configurations.
 *
 * Bitsets are stored compactly as the word range [lo, hi): every word below `lo` is all ones
 * and every word from `hi` up is zero. Callers must compute `lo` and `hi` canonically (lo =
 * the word holding the lowest clear bit, hi = one past the word holding the highest set
 * bit, hi >= lo), so that equal sets always produce equal ranges. The table only grows.
 */
export class ConfigCache {
  private buckets = new Int32Array(1 << 8).fill(-1);
  // Per entry: hash, state, lo, word count, offset into `words`, next entry in the bucket.
  private meta = new Int32Array(6 * 256);
  private words = new Uint32Array(512);
  private wordsUsed = 0;
  private entries = 0;

  /** How many configurations are stored. */
  get size(): number {
    return this.entries;
  }

  /**
   * Stores the configuration unless it is already present. Returns true when it was new.
   * `hash` must be a function of (set, state) only.
   */
  addIfAbsent(hash: number, state: number, bits: Uint32Array, lo: number, hi: number): boolean {
    hash |= 0; // stored in an Int32Array: compare like with like
    const bucket = hash & (this.buckets.length - 1);
    for (let e = this.buckets[bucket]; e !== -1; e = this.meta[6 * e + 5]) {
      if (this.matches(e, hash, state, bits, lo, hi)) return false;
    }
    this.append(bucket, hash, state, bits, lo, hi);
    if (this.entries > this.buckets.length * 0.75) this.rehash();
    return true;
  }

  private matches(e: number, hash: number, state: number, bits: Uint32Array, lo: number, hi: number): boolean {
    const m = 6 * e;
    if (this.meta[m] !== hash || this.meta[m + 1] !== state || this.meta[m + 2] !== lo || this.meta[m + 3] !== hi - lo) return false;
    const offset = this.meta[m + 4];
    for (let i = 0; i < hi - lo; i++) if (this.words[offset + i] !== bits[lo + i]) return false;
    return true;
  }

  private append(bucket: number, hash: number, state: number, bits: Uint32Array, lo: number, hi: number): void {
    const m = 6 * this.entries;
    if (m + 6 > this.meta.length) this.meta = grow(this.meta, m + 6);
    if (this.wordsUsed + (hi - lo) > this.words.length) this.words = grow(this.words, this.wordsUsed + (hi - lo));
    this.words.set(bits.subarray(lo, hi), this.wordsUsed);
    this.meta[m] = hash;
    this.meta[m + 1] = state;
    this.meta[m + 2] = lo;
    this.meta[m + 3] = hi - lo;
    this.meta[m + 4] = this.wordsUsed;
    this.meta[m + 5] = this.buckets[bucket];
    this.buckets[bucket] = this.entries;
    this.wordsUsed += hi - lo;
    this.entries++;
  }

  private rehash(): void {
    const buckets = new Int32Array(this.buckets.length * 2).fill(-1);
    const mask = buckets.length - 1;
    for (let e = 0; e < this.entries; e++) {
      const bucket = this.meta[6 * e] & mask;
      this.meta[6 * e + 5] = buckets[bucket];
      buckets[bucket] = e;
    }
    this.buckets = buckets;
  }
}

function grow<T extends Int32Array | Uint32Array>(array: T, atLeast: number): T {
  const bigger = new (array.constructor as new (length: number) => T)(Math.max(atLeast, array.length * 2));
  bigger.set(array);
  return bigger;
}
