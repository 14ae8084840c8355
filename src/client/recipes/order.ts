/**
 * The order of a recipe's queue, as etcd's concurrency package keeps it: every contender of a
 * name is one key under the name's prefix, and the keys' create revisions order them (the store
 * gives every write a larger revision than the last, so the order is the order of arrival).
 * The oldest key holds the lock or leads; each other waits for the key just ahead of it to be
 * deleted, and for nothing else, so one release wakes one waiter. Pure: no I/O.
 */

/** A key of the queue as read: its name, value and create revision. */
export interface QueuedKey {
  readonly key: string;
  readonly value: string;
  readonly createRevision: number;
}

/** Where a contender stands: its turn, the key to wait on, or its own key gone (its lease ended). */
export type Turn = { readonly kind: 'mine' } | { readonly kind: 'wait'; readonly predecessor: QueuedKey } | { readonly kind: 'gone' };

/**
 * The turn of `key` (created at `revision`) from the queue's keys created at or before that
 * revision, newest first (a range sorted by create revision, descending, with that maximum).
 */
export function turnOf(newestFirst: readonly QueuedKey[], key: string, revision: number): Turn {
  const [first, second] = newestFirst;
  if (first === undefined || first.key !== key || first.createRevision !== revision) return { kind: 'gone' };
  return second === undefined ? { kind: 'mine' } : { kind: 'wait', predecessor: second };
}

/** A queue's head (the leader of an election): its key, create revision and value. */
export interface Head {
  readonly key: string;
  readonly value: string;
  readonly createRevision: number;
}

/** One change of the queue's keys: a put (with the key's create revision) or a delete. */
export interface QueueEvent {
  readonly type: 'PUT' | 'DELETE';
  readonly key: string;
  readonly value: string;
  readonly createRevision: number;
}

/**
 * The head of a queue followed through its events: the key with the smallest create revision,
 * and its value. Invariant: `head` is that key of the keys put and not deleted since.
 */
export class HeadTracker {
  readonly #keys = new Map<string, Head>();
  #head: Head | undefined;

  constructor(keys: readonly QueuedKey[]) {
    for (const k of keys) this.#keys.set(k.key, k);
    this.#head = this.#oldest();
  }

  get head(): Head | undefined {
    return this.#head;
  }

  /** Applies the events of one revision; answers whether the head (its key, revision or value) changed. */
  apply(events: readonly QueueEvent[]): boolean {
    for (const e of events) {
      if (e.type === 'DELETE') this.#keys.delete(e.key);
      else this.#keys.set(e.key, { key: e.key, value: e.value, createRevision: e.createRevision });
    }
    const before = this.#head;
    this.#head = this.#oldest();
    return before?.key !== this.#head?.key || before?.createRevision !== this.#head?.createRevision || before?.value !== this.#head?.value;
  }

  #oldest(): Head | undefined {
    let oldest: Head | undefined;
    for (const k of this.#keys.values()) if (oldest === undefined || k.createRevision < oldest.createRevision) oldest = k;
    return oldest;
  }
}

/** Events grouped by the revision they happened at, in order (a watch response may carry several). */
export function byRevision<E extends { readonly modRevision: number }>(events: readonly E[]): E[][] {
  const groups: E[][] = [];
  for (const e of events) {
    const last = groups[groups.length - 1];
    if (last !== undefined && last[0]!.modRevision === e.modRevision) last.push(e);
    else groups.push([e]);
  }
  return groups;
}
