/**
 * One Watch stream's watchers, indexed so that a write visits only the watchers of the keys it
 * wrote: single-key watchers by their key, range watchers in a list (each checked against the
 * write's keys). Before it, every write visited every watcher of every stream, and with 10,000
 * single-key watchers open a follower fell seconds behind (BENCHMARKS.md, "etcd-api").
 */
import { keyName } from '../../etcd-store/mvcc.js';

/** What the index needs of a watcher. */
export interface IndexedWatcher {
  readonly id: number;
  readonly key: Uint8Array;
  /** Empty for a single key. */
  readonly rangeEnd: Uint8Array;
}

interface RangeOf<W> {
  readonly watcher: W;
  readonly from: string;
  /** Undefined: to the end of the keyspace (range_end "\0"). */
  readonly to: string | undefined;
}

export class WatcherSet<W extends IndexedWatcher> {
  readonly #byId = new Map<number, W>();
  readonly #byKey = new Map<string, Set<W>>();
  readonly #ranges = new Map<number, RangeOf<W>>();

  get size(): number {
    return this.#byId.size;
  }

  has(id: number): boolean {
    return this.#byId.has(id);
  }

  values(): IterableIterator<W> {
    return this.#byId.values();
  }

  add(w: W): void {
    this.#byId.set(w.id, w);
    if (w.rangeEnd.length === 0) {
      const key = keyName(w.key);
      let set = this.#byKey.get(key);
      if (set === undefined) this.#byKey.set(key, (set = new Set()));
      set.add(w);
    } else {
      const all = w.rangeEnd.length === 1 && w.rangeEnd[0] === 0;
      this.#ranges.set(w.id, { watcher: w, from: keyName(w.key), to: all ? undefined : keyName(w.rangeEnd) });
    }
  }

  delete(id: number): boolean {
    const w = this.#byId.get(id);
    if (w === undefined) return false;
    this.#byId.delete(id);
    if (w.rangeEnd.length > 0) {
      this.#ranges.delete(id);
    } else {
      const key = keyName(w.key);
      const set = this.#byKey.get(key);
      set?.delete(w);
      if (set?.size === 0) this.#byKey.delete(key);
    }
    return true;
  }

  clear(): void {
    this.#byId.clear();
    this.#byKey.clear();
    this.#ranges.clear();
  }

  /** The watchers whose key or range holds one of `keys` (sorted, as MvccStore names them), each once. */
  touchedBy(keys: readonly string[]): W[] {
    const out = new Set<W>();
    for (const k of keys) for (const w of this.#byKey.get(k) ?? []) out.add(w);
    if (this.#ranges.size > 0 && keys.length > 0) {
      for (const r of this.#ranges.values()) {
        if (keys.some((k) => k >= r.from && (r.to === undefined || k < r.to))) out.add(r.watcher);
      }
    }
    return [...out];
  }
}
