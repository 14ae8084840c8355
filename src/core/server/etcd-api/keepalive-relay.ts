/**
 * A follower's keep-alives to the leader, many clients' on one stream. An etcd client keeps its
 * leases alive through any member; a follower relays the renewals to the leader's LeaseKeepAlive.
 * Relayed one stream per client stream, on the connection its forwarded writes use (at most 1,000
 * streams at once), 1,100 held keep-alive streams left every forwarded write waiting for its
 * deadline (issue 56). Here every client stream presenting the same credentials shares one relay
 * stream per leader, on a connection of its own (the channel factory's business): the leader
 * answers a stream's keep-alives in the order they came, so each answer goes to the oldest request
 * still waiting. Every request sent is settled exactly once, by its answer or, when the relay
 * fails or is closed, by the failure: a waiter joins only a relay still open (checked in `send`).
 */
import type { ClientDuplexStream } from '@grpc/grpc-js';
import { checkInvariant } from '../../invariant.js';

/** One client request waiting for the leader's answer. */
export interface RelayWaiter {
  answer(res: unknown): void;
  fail(err: unknown): void;
}

type KeepAliveStream = ClientDuplexStream<{ ID: string }, unknown>;

interface Relay {
  readonly stream: KeepAliveStream;
  readonly waiting: RelayWaiter[];
}

export class KeepAliveRelays {
  readonly #relays = new Map<string, Relay>();

  /**
   * Sends `req` on the relay `key` names (the leader's address and the caller's credentials);
   * `open` makes it when there is none: a LeaseKeepAlive stream to the leader with those credentials.
   */
  send(key: string, open: () => KeepAliveStream, req: { ID: string }, waiter: RelayWaiter): void {
    let relay = this.#relays.get(key);
    if (relay === undefined) relay = this.#start(key, open);
    // An ended relay fails no one again: a waiter left on it would never be settled.
    checkInvariant(this.#relays.get(key) === relay, 'keepalive-settled-once', () => `a keep-alive for lease ${req.ID} joined a relay that has ended (${relay.waiting.length} waiting)`);
    relay.waiting.push(waiter);
    relay.stream.write(req);
  }

  /** Relays open now (one per leader and credentials). */
  get size(): number {
    return this.#relays.size;
  }

  close(): void {
    for (const [key, relay] of this.#relays) this.#end(key, relay, new Error('the member is shutting down'));
  }

  #start(key: string, open: () => KeepAliveStream): Relay {
    const relay: Relay = { stream: open(), waiting: [] };
    this.#relays.set(key, relay);
    relay.stream.on('data', (res: unknown) => relay.waiting.shift()?.answer(res));
    relay.stream.on('error', (err: unknown) => this.#end(key, relay, err));
    relay.stream.on('end', () => this.#end(key, relay, new Error('the leader ended the keep-alive stream')));
    return relay;
  }

  /** The relay is over: its waiters fail, and the next keep-alive opens a new one (to the leader then). */
  #end(key: string, relay: Relay, err: unknown): void {
    if (this.#relays.get(key) === relay) this.#relays.delete(key);
    relay.stream.cancel();
    for (const w of relay.waiting.splice(0)) w.fail(err);
  }
}
