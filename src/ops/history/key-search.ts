import { ConfigCache } from './config-cache.js';

/** Operation kinds in a `CompiledKey`. */
export const READ = 0;
/** See `READ`. */
export const WRITE = 1;
/** See `READ`. */
export const CAS = 2;

/**
 * One register's operations, ready for the search. Invariants: ids are positions in `start`
 * order (the entry list and the bitset bounds rely on it), and `start[i] <= end[i]`. Values
 * are interned ids (0 = null, the initial value). `a` is what a read observed, what a write
 * writes, or what a cas expects; `b` is what a cas writes. An op must be linearized within
 * [start, end]; an `optional` one (unknown outcome) may instead never be, and its `end` is
 * +Infinity.
 */
export interface CompiledKey {
  readonly count: number;
  readonly kind: Uint8Array;
  readonly a: Int32Array;
  readonly b: Int32Array;
  readonly optional: Uint8Array;
  readonly start: Float64Array;
  readonly end: Float64Array;
}

/** Why the search stopped. For `stuck`, `op` could not be placed after the longest linearizable prefix found (`depth` ops, leaving the register at `state`; `lastWriter` is the prefix's last write or cas, or -1). */
export type SearchOutcome =
  | { readonly kind: 'linearizable'; readonly states: number }
  | { readonly kind: 'stuck'; readonly states: number; readonly op: number; readonly depth: number; readonly state: number; readonly lastWriter: number }
  | { readonly kind: 'budget'; readonly states: number };

const NIL = -1;

/**
 * The time-ordered list of call and return entries that Wing & Gong's search walks. Entry
 * 2i is op i's call and 2i+1 its return; `head` is a sentinel. Lifting removes an op's two
 * entries, and unlifting in the reverse (LIFO) order restores them exactly (dancing links).
 */
class EntryList {
  readonly head: number;
  private readonly next: Int32Array;
  private readonly prev: Int32Array;

  constructor(ops: CompiledKey) {
    const n = ops.count;
    this.head = 2 * n;
    this.next = new Int32Array(2 * n + 1);
    this.prev = new Int32Array(2 * n + 1);
    // Calls are already in time order (ids follow `start`): merge them with the sorted returns.
    const returns = Array.from({ length: n }, (_, i) => i).sort((x, y) => ops.end[x] - ops.end[y] || x - y);
    let last = this.head;
    for (let call = 0, r = 0; call < n || r < n; ) {
      // A call sorts before a return at the same instant: the two are then concurrent, the lenient reading.
      const takeCall = call < n && ops.start[call] <= ops.end[returns[r] as number];
      const e = takeCall ? 2 * call++ : 2 * (returns[r++] as number) + 1;
      this.next[last] = e;
      this.prev[e] = last;
      last = e;
    }
    this.next[last] = NIL;
  }

  first(): number {
    return this.next[this.head];
  }

  after(entry: number): number {
    return this.next[entry];
  }

  lift(call: number): void {
    this.unlink(call);
    this.unlink(call + 1);
  }

  unlift(call: number): void {
    this.relink(call + 1);
    this.relink(call);
  }

  private unlink(e: number): void {
    const n = this.next[e];
    this.next[this.prev[e]] = n;
    if (n !== NIL) this.prev[n] = this.prev[e];
  }

  private relink(e: number): void {
    const n = this.next[e];
    this.next[this.prev[e]] = e;
    if (n !== NIL) this.prev[n] = e;
  }
}

/** The register model: the state after `op`, or -1 when `op` cannot happen in `state`. */
function step(ops: CompiledKey, op: number, state: number): number {
  const kind = ops.kind[op];
  if (kind === WRITE) return ops.a[op];
  if (state !== ops.a[op]) return -1;
  return kind === READ ? state : ops.b[op];
}

/** A fixed, well-mixed 32-bit value per integer (murmur3's finalizer); Zobrist keys for the set hash. */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) | 0;
}

/**
 * Decides whether one register's operations are linearizable: Wing & Gong's search with
 * Lowe's memo of visited configurations, undone through an explicit stack so that long
 * histories cannot overflow the call stack. Gives up with `budget` once more than
 * `maxStates` configurations have been stored, so it always terminates promptly.
 */
export function searchKey(ops: CompiledKey, maxStates: number): SearchOutcome {
  return new Search(ops).run(maxStates);
}

/** The mutable state of one search. Invariant: `bits`, `hash`, `state` and `list` always describe the ops on the stack, in stack order. */
class Search {
  private readonly list: EntryList;
  private readonly cache = new ConfigCache();
  private readonly bits: Uint32Array;
  private readonly zobrist: Int32Array;
  // One frame per linearized op: its call entry and the fields it overwrote.
  private readonly stackEntry: Int32Array;
  private readonly stackState: Int32Array;
  private readonly stackMaxSet: Int32Array;
  private readonly stackWriter: Int32Array;
  private depth = 0;
  private state = 0;
  private hash = 0;
  private maxSet = -1;
  private lastWriter = -1;
  private stuck = { op: -1, depth: -1, state: 0, lastWriter: -1 };

  constructor(private readonly ops: CompiledKey) {
    const n = ops.count;
    this.list = new EntryList(ops);
    this.bits = new Uint32Array((n + 31) >>> 5);
    this.zobrist = Int32Array.from({ length: n }, (_, i) => mix32(i + 1));
    this.stackEntry = new Int32Array(n);
    this.stackState = new Int32Array(n);
    this.stackMaxSet = new Int32Array(n);
    this.stackWriter = new Int32Array(n);
  }

  run(maxStates: number): SearchOutcome {
    let entry = this.list.first();
    while (entry !== NIL) {
      if ((entry & 1) === 0) {
        if (!this.maybeLift(entry)) {
          entry = this.list.after(entry);
          continue;
        }
        if (this.cache.size > maxStates) return { kind: 'budget', states: this.cache.size };
        entry = this.list.first();
        continue;
      }
      // A return: every op before it in the list that is still unplaced failed to linearize here.
      const op = entry >> 1;
      // Returns of optional ops sort last, so reaching one means every required op is placed.
      if (this.ops.optional[op] === 1) break;
      this.noteStuck(op);
      if (this.depth === 0) return { kind: 'stuck', states: this.cache.size, ...this.stuck };
      entry = this.list.after(this.backtrack());
    }
    return { kind: 'linearizable', states: this.cache.size };
  }

  /** Linearizes the op of `call` next, unless the model forbids it or the resulting configuration was already explored. */
  private maybeLift(call: number): boolean {
    const op = call >> 1;
    const next = step(this.ops, op, this.state);
    if (next < 0) return false;
    const word = op >>> 5;
    const bit = 1 << (op & 31);
    this.bits[word] |= bit;
    const hash = this.hash ^ this.zobrist[op];
    const maxSet = Math.max(this.maxSet, op);
    const lo = this.lowestClearWord((this.list.first() >> 1) >>> 5);
    const hi = Math.max(lo, (maxSet >>> 5) + 1);
    if (!this.cache.addIfAbsent(hash ^ mix32(next ^ 0x5bd1e995), next, this.bits, lo, hi)) {
      this.bits[word] &= ~bit;
      return false;
    }
    const d = this.depth++;
    this.stackEntry[d] = call;
    this.stackState[d] = this.state;
    this.stackMaxSet[d] = this.maxSet;
    this.stackWriter[d] = this.lastWriter;
    this.state = next;
    this.hash = hash;
    this.maxSet = maxSet;
    if (this.ops.kind[op] !== READ) this.lastWriter = op;
    this.list.lift(call);
    return true;
  }

  /** Undoes the most recent linearization and returns its call entry, from which the scan resumes. */
  private backtrack(): number {
    const d = --this.depth;
    const call = this.stackEntry[d];
    const op = call >> 1;
    this.bits[op >>> 5] &= ~(1 << (op & 31));
    this.hash ^= this.zobrist[op];
    this.state = this.stackState[d];
    this.maxSet = this.stackMaxSet[d];
    this.lastWriter = this.stackWriter[d];
    this.list.unlift(call);
    return call;
  }

  /** Keeps the failure seen after the longest prefix (the latest-ending op on ties): the best place to show a human. */
  private noteStuck(op: number): void {
    const best = this.stuck;
    if (this.depth < best.depth || (this.depth === best.depth && this.ops.end[op] <= this.ops.end[best.op])) return;
    this.stuck = { op, depth: this.depth, state: this.state, lastWriter: this.lastWriter };
  }

  /** The canonical `lo` of the bitset: the first word that is not all ones, searching from `from` (below which all words are full). */
  private lowestClearWord(from: number): number {
    let w = from;
    while (w < this.bits.length && this.bits[w] === 0xffffffff) w++;
    return w;
  }
}
