/**
 * A leader election on a session (etcd's concurrency.Election, Curator's LeaderLatch): at most
 * one leader at a time, who holds the election's lease; its fencing token grows with every new
 * leader, and its value (what it proclaims: an address, say) is kept in the KV beside it. A
 * candidate waits on the change feed and writes nothing while it waits.
 */
import { FleetClientError } from '../errors.js';
import type { FleetClient } from '../fleet-client.js';
import type { WatchEvent } from '../types.js';
import type { Session } from './session.js';
import { Mutex, type LockOptions } from './mutex.js';

/** Where elections keep their leaders' values. */
export const ELECTION_NS = 'recipes.elections';

/** A leader: who, since which token, and what it proclaimed. */
export interface Leader {
  readonly holder: string;
  readonly token: number;
  readonly value: string | undefined;
}

export class Election {
  readonly #lock: Mutex;

  constructor(
    readonly session: Session,
    readonly name: string,
  ) {
    this.#lock = new Mutex(session, keyOf(name));
  }

  /** Waits until this session leads; proclaims `value`; answers the fencing token. */
  async campaign(value: string, opts: LockOptions = {}): Promise<number> {
    const token = await this.#lock.lock(opts);
    await this.session.client.kvPut(keyOf(this.name), JSON.stringify({ holder: this.session.id, token, value }), { ns: ELECTION_NS });
    return token;
  }

  /** Steps down (a no-op when not leading): the next candidate leads at once. */
  async resign(): Promise<void> {
    await this.#lock.unlock();
  }

  /** The current leader, or undefined when none leads. */
  async leader(): Promise<Leader | undefined> {
    return leaderOf(this.session.client, this.name);
  }

  /**
   * The current leader, then each change of leadership in the order it happened: every leader
   * once it proclaimed (with its value), and undefined when a leader's lease ended and none has
   * proclaimed since. It follows the election's lease and its proclamation on one watch, in log
   * order, so a leader that led only briefly is not skipped. Ends when `signal` fires or the
   * session ends (closed, lost, or its client closed); rejects with SESSION_ENDED or
   * CLIENT_CLOSED when called on a session that already ended.
   */
  async *observe(signal?: AbortSignal): AsyncGenerator<Leader | undefined> {
    this.session.checkLive(`observing election ${this.name}`);
    const client = this.session.client;
    const stop = signal === undefined ? this.session.signal : AbortSignal.any([signal, this.session.signal]);
    const key = keyOf(this.name);
    const first = await readLeader(client, this.name);
    let shown = first.leader;
    yield shown;
    let follower = new LeadershipFollower(shown);
    // From just after the lease was read: a proclamation read later is seen again, and shows nothing new.
    let fromIndex = first.readAt + 1;
    while (!stop.aborted) {
      try {
        for await (const batch of client.watch({ registries: ['leases', 'kv'], ns: ELECTION_NS, prefix: key, fromIndex, signal: stop })) {
          fromIndex = batch.index + 1;
          for (const e of batch.events) {
            const change = e.key === key ? follower.apply(e) : NO_CHANGE;
            if (change !== NO_CHANGE) yield (shown = change);
          }
        }
        return;
      } catch (err) {
        // The feed no longer holds the next change (this observer fell far behind): start again from the state now.
        if (!(err instanceof FleetClientError && err.details.oldestIndex !== undefined)) throw err;
        const now = await readLeader(client, this.name);
        if (now.leader?.token !== shown?.token || now.leader?.value !== shown?.value) yield (shown = now.leader);
        follower = new LeadershipFollower(now.leader);
        fromIndex = now.readAt + 1;
      }
    }
  }
}

export const NO_CHANGE = Symbol('no change');

/**
 * What the election's events, in log order, say about its leader. A grant only notes the new
 * holder: it becomes the leader shown when its proclamation (written after the grant) arrives.
 * The end of the lease (a release, or the leader's expiry) shows "no leader".
 */
export class LeadershipFollower {
  /** The election's lease as of the last event: live, with this holder and token, or none. */
  #held: { readonly holder: string; readonly token: number } | undefined;
  #shown: Leader | undefined;

  constructor(shown: Leader | undefined) {
    this.#shown = shown;
    this.#held = shown;
  }

  apply(e: WatchEvent): Leader | undefined | typeof NO_CHANGE {
    if (e.registry === 'leases') {
      const lease = e.new as { holder?: string; token?: number; expired?: boolean } | null;
      if (lease === null || lease.expired === true || typeof lease.token !== 'number') {
        this.#held = undefined;
        return this.#show(undefined);
      }
      if (lease.token !== this.#held?.token) this.#held = { holder: lease.holder ?? '', token: lease.token };
      return NO_CHANGE;
    }
    const proclaimed = parseProclamation(e.new);
    // A proclamation of a lease that has since ended (a late write of a deposed leader) shows nothing.
    if (proclaimed === undefined || this.#held === undefined || proclaimed.token !== this.#held.token) return NO_CHANGE;
    return this.#show({ holder: this.#held.holder, token: proclaimed.token, value: proclaimed.value });
  }

  #show(next: Leader | undefined): Leader | undefined | typeof NO_CHANGE {
    if (next?.token === this.#shown?.token && next?.value === this.#shown?.value) return NO_CHANGE;
    this.#shown = next;
    return next;
  }
}

/** The election's lease, and the key of its proclamation in ELECTION_NS: one name, so one watch follows both. */
function keyOf(name: string): string {
  return `election/${name}`;
}

function parseProclamation(value: unknown): { token: number; value: string | undefined } | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const p = JSON.parse(value) as { token?: unknown; value?: unknown };
    return typeof p.token === 'number' ? { token: p.token, value: typeof p.value === 'string' ? p.value : undefined } : undefined;
  } catch {
    return undefined;
  }
}

async function leaderOf(client: FleetClient, name: string): Promise<Leader | undefined> {
  return (await readLeader(client, name)).leader;
}

/** The leader as of the lease read at index `readAt` (its proclamation is read after it). */
async function readLeader(client: FleetClient, name: string): Promise<{ leader: Leader | undefined; readAt: number }> {
  let readAt = 0;
  const leases = await client.listLeases({ onServed: (served) => (readAt = served.appliedIndex) });
  const lease = leases.find((l) => l.name === keyOf(name));
  if (lease === undefined || lease.expired) return { leader: undefined, readAt };
  const entry = await client.kvGet(keyOf(name), { ns: ELECTION_NS });
  const proclaimed = entry === undefined ? undefined : parseProclamation(entry.value);
  return { leader: { holder: lease.holder, token: lease.token, value: proclaimed?.token === lease.token ? proclaimed.value : undefined }, readAt };
}
