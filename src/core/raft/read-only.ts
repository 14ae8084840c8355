import type { NodeId } from './types.js';

/** One ReadIndex request awaiting confirmation that the leader still leads. */
export interface PendingRead {
  readonly key: string;
  readonly context: Uint8Array;
  /** The commit index when the request arrived: the read is served once applied reaches it. */
  readonly index: number;
  /** Who asked: the leader itself, or a follower that forwarded the read. */
  readonly from: NodeId;
  readonly acks: Set<NodeId>;
}

/**
 * The ReadIndex queue of a leader (Raft dissertation §6.4). A request is confirmed when a
 * majority answers a heartbeat sent after it was queued; that also confirms every request
 * queued before it, so confirmations release a prefix of the queue.
 */
export class ReadOnlyQueue {
  private readonly queue: PendingRead[] = [];
  private readonly byKey = new Map<string, PendingRead>();

  /** Queues a read; returns false when a request with the same context is already pending. */
  add(context: Uint8Array, index: number, from: NodeId): boolean {
    const key = contextKey(context);
    if (this.byKey.has(key)) return false;
    const read: PendingRead = { key, context, index, from, acks: new Set() };
    this.queue.push(read);
    this.byKey.set(key, read);
    return true;
  }

  /** Records a heartbeat answer carrying `context`; returns the acks of that request, if known. */
  recvAck(from: NodeId, context: Uint8Array): Set<NodeId> | undefined {
    const read = this.byKey.get(contextKey(context));
    if (!read) return undefined;
    read.acks.add(from);
    return read.acks;
  }

  /** Removes and returns every request up to and including the one with `context`. */
  advance(context: Uint8Array): PendingRead[] {
    const key = contextKey(context);
    const at = this.queue.findIndex((r) => r.key === key);
    if (at < 0) return [];
    const released = this.queue.splice(0, at + 1);
    for (const r of released) this.byKey.delete(r.key);
    return released;
  }

  /** The context of the newest pending request, carried by the next heartbeat round. */
  lastContext(): Uint8Array | undefined {
    return this.queue.length === 0 ? undefined : this.queue[this.queue.length - 1]!.context;
  }

  /** Every pending request's context, oldest first: re-checked when the membership shrinks. */
  contexts(): Uint8Array[] {
    return this.queue.map((r) => r.context);
  }

  get size(): number {
    return this.queue.length;
  }

  clear(): void {
    this.queue.length = 0;
    this.byKey.clear();
  }
}

/** A map key for a context's bytes. */
export function contextKey(context: Uint8Array): string {
  let s = '';
  for (let i = 0; i < context.length; i++) s += String.fromCharCode(context[i]!);
  return s;
}
