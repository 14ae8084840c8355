/**
 * A leader election on a session (etcd's concurrency.Election, Curator's LeaderLatch): at most
 * one leader at a time, who holds the election's lease; its fencing token grows with every new
 * leader, and its value (what it proclaims: an address, say) is kept in the KV beside it. A
 * candidate waits on the change feed and writes nothing while it waits.
 */
import type { FleetClient } from '../fleet-client.js';
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
    this.#lock = new Mutex(session, `election/${name}`);
  }

  /** Waits until this session leads; proclaims `value`; answers the fencing token. */
  async campaign(value: string, opts: LockOptions = {}): Promise<number> {
    const token = await this.#lock.lock(opts);
    await this.session.client.kvPut(this.name, JSON.stringify({ holder: this.session.id, token, value }), { ns: ELECTION_NS });
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
   * Each leader in turn, as the leadership changes, until `signal` fires or the session ends
   * (closed, lost, or its client closed): then the iteration ends. Rejects with SESSION_ENDED or
   * CLIENT_CLOSED when called on a session that already ended.
   */
  async *observe(signal?: AbortSignal): AsyncGenerator<Leader | undefined> {
    this.session.checkLive(`observing election ${this.name}`);
    const client = this.session.client;
    const stop = signal === undefined ? this.session.signal : AbortSignal.any([signal, this.session.signal]);
    let last = await leaderOf(client, this.name);
    yield last;
    for await (const batch of client.watch({ registry: 'leases', prefix: `election/${this.name}`, signal: stop })) {
      if (!batch.events.some((e) => e.key === `election/${this.name}`)) continue;
      const now = await leaderOf(client, this.name);
      if (now?.token !== last?.token) yield (last = now);
    }
  }
}

async function leaderOf(client: FleetClient, name: string): Promise<Leader | undefined> {
  const lease = (await client.listLeases()).find((l) => l.name === `election/${name}`);
  if (lease === undefined || lease.expired) return undefined;
  const entry = await client.kvGet(name, { ns: ELECTION_NS });
  const proclaimed = entry === undefined ? undefined : (JSON.parse(entry.value) as { token?: number; value?: string });
  return { holder: lease.holder, token: lease.token, value: proclaimed?.token === lease.token ? proclaimed.value : undefined };
}
