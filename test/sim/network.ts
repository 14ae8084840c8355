/**
 * A seeded packet simulator on the simulated clock (after TigerBeetle's
 * testing/packet_simulator.zig): every message gets its own random delay, so messages
 * overtake one another; messages may be lost or delivered twice; links can be cut in one
 * direction or both. Every message is copied when sent, so no object is shared between
 * nodes — a node that mutates what it received cannot corrupt the sender.
 */
import type { Entry, Message, Snapshot } from '../../src/core/raft/types.js';
import { MinHeap, type Scheduled } from './min-heap.js';
import type { Prng } from './prng.js';

/**
 * The unit a clogged link's extra hold is counted in (3 to 15 of them, in the caller's time
 * units): once the retired model host's tick, kept as it was so that seeds replay unchanged.
 */
export const CLOG_UNITS = 1000;

/** What the network needs to know about a message: who sends it and to whom. */
export interface Addressed {
  readonly from: string;
  readonly to: string;
}

/** The per-message fault rates of a link; all links share them. */
export interface LinkRates {
  readonly drop: number;
  readonly dup: number;
  readonly delayMin: number;
  readonly delayMax: number;
  readonly clog: number;
}

/** A message in flight. */
export interface Packet<M> extends Scheduled {
  readonly msg: M;
}

/** Counters for the run summary. Invariant: sent + duplicated = delivered + dropped + cut + inFlight. */
export interface NetworkStats {
  sent: number;
  duplicated: number;
  dropped: number;
  cut: number;
  delivered: number;
}

/** The simulated network. Time is in the caller's units (real/plan.ts: NET_UNIT_US); the caller owns the clock. */
export class Network<M extends Addressed> {
  private readonly queue = new MinHeap<Packet<M>>();
  private readonly blocked = new Set<string>();
  private seq = 0;
  private rates: LinkRates;
  readonly stats: NetworkStats = { sent: 0, duplicated: 0, dropped: 0, cut: 0, delivered: 0 };

  constructor(
    private readonly prng: Prng,
    rates: LinkRates,
    private readonly clone: (msg: M) => M,
  ) {
    this.rates = rates;
  }

  /** Changes the fault rates from now on (the liveness phase stops losing messages). */
  setRates(rates: LinkRates): void {
    this.rates = rates;
  }

  /** Sends a copy of `msg` (and maybe a second copy); either may be lost or delayed. */
  send(msg: M, now: number): void {
    this.stats.sent++;
    this.enqueue(msg, now);
    if (this.prng.chance(this.rates.dup)) {
      this.stats.duplicated++;
      this.enqueue(msg, now);
    }
  }

  private enqueue(msg: M, now: number): void {
    if (this.prng.chance(this.rates.drop)) {
      this.stats.dropped++;
      return;
    }
    if (this.isCut(msg.from, msg.to)) {
      this.stats.cut++;
      return;
    }
    const { delayMin, delayMax } = this.rates;
    let delay = delayMin + this.prng.int(delayMax - delayMin + 1);
    if (this.prng.chance(this.rates.clog)) delay += this.prng.between(3, 15) * CLOG_UNITS;
    this.queue.push({ at: now + delay, seq: this.seq++, msg: this.clone(msg) });
  }

  /** True when messages from `from` to `to` are currently lost. */
  isCut(from: string, to: string): boolean {
    return this.blocked.size > 0 && this.blocked.has(`${from}>${to}`);
  }

  /** Cuts the link from `from` to `to` only (an asymmetric partition). */
  cutOneWay(from: readonly string[], to: readonly string[]): void {
    for (const a of from) for (const b of to) if (a !== b) this.blocked.add(`${a}>${b}`);
  }

  /** Cuts every link between the two sides, both ways. */
  partition(sideA: readonly string[], sideB: readonly string[]): void {
    this.cutOneWay(sideA, sideB);
    this.cutOneWay(sideB, sideA);
  }

  /** Cuts `node` off from all `others`, both ways. */
  isolate(node: string, others: readonly string[]): void {
    this.partition([node], others);
  }

  /** Restores every link. Messages already lost stay lost. */
  healAll(): void {
    this.blocked.clear();
  }

  /** True when some link is cut. */
  get partitioned(): boolean {
    return this.blocked.size > 0;
  }

  /** When the next message is due, if any. */
  nextAt(): number | undefined {
    return this.queue.peek()?.at;
  }

  /** Messages in flight. */
  get inFlight(): number {
    return this.queue.size;
  }

  /**
   * Takes the next message due at or before `until`, or undefined when none is. A message
   * whose link was cut while it was in flight is lost on the way and skipped.
   */
  popDue(until: number): Packet<M> | undefined {
    for (;;) {
      const head = this.queue.peek();
      if (head === undefined || head.at > until) return undefined;
      this.queue.pop();
      if (this.isCut(head.msg.from, head.msg.to)) {
        this.stats.cut++;
        continue;
      }
      this.stats.delivered++;
      return head;
    }
  }
}

function cloneEntry(e: Entry): Entry {
  return { term: e.term, index: e.index, type: e.type, data: e.data.slice() };
}

function cloneSnapshot(s: Snapshot): Snapshot {
  const meta = { index: s.meta.index, term: s.meta.term, conf: { voters: [...s.meta.conf.voters], learners: [...s.meta.conf.learners] } };
  return s.data === undefined ? { meta } : { meta, data: s.data.slice() };
}

/** A deep copy of a Raft message: nothing in the copy is shared with the original. */
export function cloneMessage(m: Message): Message {
  const copy: { -readonly [K in keyof Message]: Message[K] } = { ...m, entries: m.entries.map(cloneEntry) };
  if (m.snapshot !== undefined) copy.snapshot = cloneSnapshot(m.snapshot);
  if (m.context !== undefined) copy.context = m.context.slice();
  return copy;
}
