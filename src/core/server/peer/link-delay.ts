/**
 * The WAN drill's hook in the peer transport (`fleet drill wan`): what this member sends to a
 * peer waits a set delay, plus jitter, and a fraction of it may be dropped — one direction of
 * an emulated long link. Both ends delay their own sends, so a round trip costs both delays.
 *
 * Order is kept per peer (a later send never overtakes an earlier one, whatever the jitter):
 * the peer stream is ordered in production, and Raft's flow control assumes it.
 */

/** One direction of an emulated link. */
export interface LinkDelay {
  readonly delayMs: number;
  /** Each send waits delayMs plus up to jitterMs more, drawn uniformly. */
  readonly jitterMs: number;
  /** Fraction of messages dropped, 0 to 1. */
  readonly loss: number;
}

/** Clock, timers and randomness, injected so the rules are tested on simulated time. */
export interface LinkDelayRuntime {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(timer: unknown): void;
  random(): number;
}

const systemRuntime: LinkDelayRuntime = {
  now: () => performance.now(),
  // Unref'd: a delayed message must not keep a stopping member alive.
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (t) => clearTimeout(t as NodeJS.Timeout),
  random: Math.random,
};

interface PeerQueue {
  /** Sends in the order they were made, each with the time it may leave (never decreasing). */
  readonly items: { due: number; send: () => void }[];
  timer: unknown;
}

export class LinkDelays {
  private links = new Map<string, LinkDelay>();
  /** Per peer, the sends waiting: one timer per peer, for the head, keeps them in order. */
  private readonly queues = new Map<string, PeerQueue>();

  constructor(private readonly rt: LinkDelayRuntime = systemRuntime) {}

  /** Replaces the delays in force (sends already scheduled keep their time). */
  set(links: ReadonlyMap<string, LinkDelay>): void {
    this.links = new Map(links);
  }

  /** Ends every delay; sends already scheduled still leave, in order. */
  clear(): void {
    this.links.clear();
  }

  /** The peers whose traffic is delayed now. */
  peers(): string[] {
    return [...this.links.keys()];
  }

  /** Whether a message to `peer` is lost to the link's loss rate. */
  drops(peer: string): boolean {
    const link = this.links.get(peer);
    return link !== undefined && link.loss > 0 && this.rt.random() < link.loss;
  }

  /** Answers false when `send` may go now (the link is not delayed and nothing waits before it); else queues it and answers true. */
  schedule(peer: string, send: () => void): boolean {
    const link = this.links.get(peer);
    const queue = this.queues.get(peer);
    const waiting = queue !== undefined && queue.items.length > 0;
    if (link === undefined && !waiting) return false;
    const now = this.rt.now();
    const after = waiting ? queue.items[queue.items.length - 1]!.due : now;
    const due = link === undefined ? after : Math.max(after, now + link.delayMs + this.rt.random() * link.jitterMs);
    let q = queue;
    if (q === undefined) this.queues.set(peer, (q = { items: [], timer: undefined }));
    q.items.push({ due, send });
    if (q.items.length === 1) this.arm(q);
    return true;
  }

  /** Drops what is still queued (the member is stopping). */
  close(): void {
    for (const q of this.queues.values()) if (q.timer !== undefined) this.rt.clearTimeout(q.timer);
    this.queues.clear();
    this.links.clear();
  }

  private arm(q: PeerQueue): void {
    const head = q.items[0];
    if (head === undefined) return;
    q.timer = this.rt.setTimeout(() => this.flush(q), Math.max(0, head.due - this.rt.now()));
  }

  private flush(q: PeerQueue): void {
    q.timer = undefined;
    const now = this.rt.now();
    while (q.items.length > 0 && q.items[0]!.due <= now) q.items.shift()!.send();
    this.arm(q);
  }
}
