/**
 * A binary min-heap ordered by (time, seq). `seq` is unique and increasing, so items due at
 * the same time come out in the order they went in: the simulation never depends on the
 * heap's internal layout.
 */

/** Something scheduled at a simulated time; `seq` breaks ties in insertion order. */
export interface Scheduled {
  readonly at: number;
  readonly seq: number;
}

function before(x: Scheduled, y: Scheduled): boolean {
  return x.at < y.at || (x.at === y.at && x.seq < y.seq);
}

/** A priority queue of scheduled items. Invariant: every parent is due no later than its children. */
export class MinHeap<T extends Scheduled> {
  private readonly items: T[] = [];

  /** How many items are queued. */
  get size(): number {
    return this.items.length;
  }

  /** The earliest item, without removing it. */
  peek(): T | undefined {
    return this.items[0];
  }

  /** Queues an item. */
  push(item: T): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(items[i] as T, items[parent] as T)) break;
      [items[i], items[parent]] = [items[parent] as T, items[i] as T];
      i = parent;
    }
  }

  /** Removes and returns the earliest item. */
  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  private siftDown(start: number): void {
    const items = this.items;
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < items.length && before(items[left] as T, items[least] as T)) least = left;
      if (right < items.length && before(items[right] as T, items[least] as T)) least = right;
      if (least === i) return;
      [items[i], items[least]] = [items[least] as T, items[i] as T];
      i = least;
    }
  }
}
