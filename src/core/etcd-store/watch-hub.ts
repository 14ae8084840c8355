/**
 * A member's one index of everything watching its keyspace: etcd Watch's watchers, Election
 * Observe's and Lock's waiters, and `fleet watch`'s KV part. It is told once per applied change
 * and calls only the watchers whose keys the newest revision wrote, so a write costs the
 * watchers it matches, not every stream of the member: single keys by their name, prefixes by
 * their length and name, other ranges (few: etcd's "from key" watches) checked one by one, each
 * distinct range once however many watch it. When the store cannot say which keys were written
 * (a snapshot installed, several revisions applied at once) every watcher is called.
 *
 * Before it, each Watch stream and each Observe listener subscribed to every applied write and
 * looked at its own watchers: 2,000 Observe streams on one name moved etcd Put p50 from 8 ms to
 * 1,859 ms (issue 56), and `fleet watch` read the history for every watcher at every entry.
 */
import { keyName } from './mvcc.js';

/** What the hub reads of the store: its revision, and the keys its newest revision wrote. */
export interface RevisionKeys {
  readonly revision: number;
  newestRevisionKeys(): { readonly revision: number; readonly keys: readonly string[] } | undefined;
}

/**
 * Called with the first revision the watcher may not have heard of: every revision below it
 * wrote none of its keys since it was last called (or since it was added).
 */
export type KeyspaceListener = (from: number) => void;

/** One registration: the same function registered twice is called twice. */
interface Registration {
  readonly listener: KeyspaceListener;
}

/** Registrations of one range that is neither a single key nor a prefix. */
interface RangeInterest {
  readonly from: string;
  /** Undefined: to the end of the keyspace. */
  readonly to: string | undefined;
  readonly registered: Set<Registration>;
}

/** The prefix `key`..`rangeEnd` covers, when it is one (rangeEnd is the prefix with its last byte below 0xff bumped). */
function prefixOf(key: Uint8Array, rangeEnd: Uint8Array): string | undefined {
  // etcd's every key: from "\0" to the end.
  if (key.length === 1 && key[0] === 0 && rangeEnd.length === 1 && rangeEnd[0] === 0) return '';
  if (rangeEnd.length === 0 || rangeEnd.length > key.length) return undefined;
  const last = rangeEnd.length - 1;
  for (let i = 0; i < last; i++) if (rangeEnd[i] !== key[i]) return undefined;
  if (rangeEnd[last] !== key[last]! + 1) return undefined;
  // Bytes past the bumped one must all be 0xff (the ones prefixEnd drops).
  for (let i = rangeEnd.length; i < key.length; i++) if (key[i] !== 0xff) return undefined;
  return keyName(key);
}

/** Adds `r` to the set under `name` in `map`, creating it. */
function addTo<K>(map: Map<K, Set<Registration>>, name: K, r: Registration): Set<Registration> {
  let set = map.get(name);
  if (set === undefined) map.set(name, (set = new Set()));
  set.add(r);
  return set;
}

export class KeyspaceWatchHub {
  readonly #keys = new Map<string, Set<Registration>>();
  /** Prefix registrations by the prefix's length, then by the prefix. */
  readonly #prefixes = new Map<number, Map<string, Set<Registration>>>();
  readonly #ranges = new Map<string, RangeInterest>();
  #size = 0;
  /** The revision the watchers were last told of: the hub is told of every change, watched or not. */
  #synced: number;

  constructor(
    private readonly store: () => RevisionKeys,
    /**
     * Told when a watcher threw. The hub is called from the member's apply: one broken watcher
     * must neither stop the apply nor keep the change from the watchers after it.
     */
    private readonly watcherFailed: (err: unknown) => void = () => undefined,
  ) {
    this.#synced = store().revision;
  }

  /** Registrations open. */
  get size(): number {
    return this.#size;
  }

  /**
   * Calls `listener` after each applied change to the keys of `key`..`rangeEnd` (etcd's range:
   * rangeEnd empty for the key alone, "\0" for every key from `key` on); returns its removal.
   */
  watch(key: Uint8Array, rangeEnd: Uint8Array, listener: KeyspaceListener): () => void {
    const r: Registration = { listener };
    this.#size++;
    const remove = this.#index(key, rangeEnd, r);
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      this.#size--;
      remove();
    };
  }

  /** Files `r` under its range; returns its removal from there. */
  #index(key: Uint8Array, rangeEnd: Uint8Array, r: Registration): () => void {
    if (rangeEnd.length === 0) return this.#filed(this.#keys, keyName(key), r);
    const prefix = prefixOf(key, rangeEnd);
    if (prefix !== undefined) {
      let byName = this.#prefixes.get(prefix.length);
      if (byName === undefined) this.#prefixes.set(prefix.length, (byName = new Map()));
      const inner = this.#filed(byName, prefix, r);
      return () => {
        inner();
        if (byName.size === 0 && this.#prefixes.get(prefix.length) === byName) this.#prefixes.delete(prefix.length);
      };
    }
    const from = keyName(key);
    const to = rangeEnd.length === 1 && rangeEnd[0] === 0 ? undefined : keyName(rangeEnd);
    const id = `${from}\u0000${to ?? ''}`;
    let interest = this.#ranges.get(id);
    if (interest === undefined) this.#ranges.set(id, (interest = { from, to, registered: new Set() }));
    interest.registered.add(r);
    return () => {
      interest.registered.delete(r);
      if (interest.registered.size === 0 && this.#ranges.get(id) === interest) this.#ranges.delete(id);
    };
  }

  #filed<K>(map: Map<K, Set<Registration>>, name: K, r: Registration): () => void {
    const set = addTo(map, name, r);
    return () => {
      set.delete(r);
      if (set.size === 0 && map.get(name) === set) map.delete(name);
    };
  }

  /** The store changed (a write applied, or its state replaced): calls the watchers it may concern. */
  applied(): void {
    const now = this.store().revision;
    if (now === this.#synced) return;
    const from = Math.min(this.#synced, now) + 1;
    const newest = this.#size === 0 ? undefined : this.store().newestRevisionKeys();
    const onlyNewest = newest !== undefined && newest.revision === now && this.#synced === now - 1;
    this.#synced = now;
    if (this.#size === 0) return;
    const called = onlyNewest ? this.#touchedBy(newest.keys) : this.#all();
    // Collected first: a listener may remove itself, or add another, while called.
    for (const r of called) {
      try {
        r.listener(onlyNewest ? now : from);
      } catch (err) {
        this.watcherFailed(err);
      }
    }
  }

  /** The registrations whose range holds one of `keys` (as the store names them), each once. */
  #touchedBy(keys: readonly string[]): Set<Registration> {
    const out = new Set<Registration>();
    const add = (set: Set<Registration> | undefined): void => set?.forEach((r) => out.add(r));
    for (const k of keys) {
      add(this.#keys.get(k));
      for (const [length, byName] of this.#prefixes) if (length <= k.length) add(byName.get(k.slice(0, length)));
      for (const range of this.#ranges.values()) if (k >= range.from && (range.to === undefined || k < range.to)) add(range.registered);
    }
    return out;
  }

  #all(): Set<Registration> {
    const out = new Set<Registration>();
    for (const set of this.#keys.values()) set.forEach((r) => out.add(r));
    for (const byName of this.#prefixes.values()) for (const set of byName.values()) set.forEach((r) => out.add(r));
    for (const range of this.#ranges.values()) range.registered.forEach((r) => out.add(r));
    return out;
  }
}
