import { committedIndex } from './quorum.js';
import type { NodeId } from './types.js';

/** One ReadIndex request awaiting confirmation that the leader still leads. */
export interface PendingRead {
  /** The requester's tag, handed back with the read index; the leader never matches on it. */
  readonly context: Uint8Array;
  /** The commit index when the request arrived: the read is served once applied reaches it. */
  readonly index: number;
  /** Who asked: the leader itself, or a follower that forwarded the read. */
  readonly from: NodeId;
  /** The first heartbeat round sent after the request arrived: only an answer to it or a later round confirms it. */
  readonly round: number;
}

/**
 * The ReadIndex queue of a leader (Raft dissertation §6.4). A request is confirmed when a
 * majority answers a heartbeat sent after it was queued. Heartbeats are numbered by the
 * leader's own rounds rather than tagged with requests' contexts: contexts come from every
 * member and may repeat, and an answer to an earlier heartbeat must never confirm a later
 * request. A round confirms every request queued before it, so confirmations release a prefix.
 */
export class ReadOnlyQueue {
  private readonly queue: PendingRead[] = [];
  /** The last round sent; rounds start at 1 with each leadership. */
  private lastRound = 0;
  /** The newest round each member answered. */
  private readonly answered = new Map<NodeId, number>();

  /** `unsafeStaleConfirmation`: the deliberately broken queue of UnsafeTestingOptions.releaseReadsOnStaleConfirmation. */
  constructor(private readonly unsafeStaleConfirmation = false) {}

  /** Queues a read; the next round sent covers it. */
  add(context: Uint8Array, index: number, from: NodeId): void {
    this.queue.push({ context, index, from, round: this.lastRound + 1 });
  }

  /** Starts a round when reads wait, returning its number for the heartbeats to carry. */
  nextRound(): number | undefined {
    return this.queue.length === 0 ? undefined : ++this.lastRound;
  }

  /** Records that `from` answered `round` (an answer from the future is forged or garbled: ignored). */
  recvAck(from: NodeId, round: number): void {
    if (round <= this.lastRound && round > (this.answered.get(from) ?? 0)) this.answered.set(from, round);
  }

  /** Removes and returns the reads a majority of `voters` has confirmed; `self` answers every round it sends. */
  release(voters: readonly NodeId[], self: NodeId): PendingRead[] {
    const confirmed = committedIndex(voters, (id) => (id === self ? this.lastRound : (this.answered.get(id) ?? 0)));
    // The broken queue lets any round a quorum once answered confirm every later read.
    const covered = (read: PendingRead): boolean => (this.unsafeStaleConfirmation ? confirmed > 0 : read.round <= confirmed);
    let n = 0;
    while (n < this.queue.length && covered(this.queue[n]!)) n++;
    return this.queue.splice(0, n);
  }

  get size(): number {
    return this.queue.length;
  }

  clear(): void {
    this.queue.length = 0;
    this.answered.clear();
    this.lastRound = 0;
  }
}

/**
 * A round's tag on the wire: the leader's term and the round number. A leader leads a term at
 * most once, so the tag is unique cluster-wide.
 */
export function encodeRound(term: number, round: number): Uint8Array {
  const tag = new Uint8Array(16);
  const view = new DataView(tag.buffer);
  view.setFloat64(0, term);
  view.setFloat64(8, round);
  return tag;
}

/** The round a heartbeat answer carries, if it is one of `term`'s. */
export function decodeRound(tag: Uint8Array, term: number): number | undefined {
  if (tag.length !== 16) return undefined;
  const view = new DataView(tag.buffer, tag.byteOffset, 16);
  return view.getFloat64(0) === term ? view.getFloat64(8) : undefined;
}
