/**
 * Shard leases on a membership: a fixed set of named shards spread over the group's live
 * members, each held by one member at a time under a Mutex `shards/NAME/SHARD` whose token fences
 * the holding. Every member computes the same owner for each shard by rendezvous hashing with
 * bounded loads over the live members (rendezvous.ts: no member owns more than ⌈shards/members⌉):
 * it takes the shards it owns, queueing as a Mutex waiter does, and hands back a shard it no
 * longer owns as soon as its new owner is listed live, so the load follows the membership. A
 * member that dies keeps its shards until its session's lease expires (its keys go with it);
 * then their owners among the living take them. Every member of the group must run ShardLeases
 * with the same shards (a member that does not would own shards nobody takes).
 *
 * Not covered: a holder paused past its TTL still believes it holds its shards (and a handover is
 * not instantaneous: the old holder stops, then the new one starts). Pass each shard's token to
 * what the shard's work touches, and have it refuse tokens older than the newest it has seen.
 */
import { FleetClientError } from '../errors.js';
import type { Membership, MembershipChange } from './membership.js';
import { Mutex } from './mutex.js';
import { pause } from '../../common/pause.js';
import { checkName } from './limits.js';
import { assignShards } from './rendezvous.js';

/** Why a member stopped holding a shard. */
export type ShardLossReason = 'handed-back' | 'session-ended' | 'stopped';

/** The shards and what to tell the program. */
export interface ShardLeasesOptions {
  /** The shards' names, the same on every member. */
  readonly shards: readonly string[];
  /** This member now holds `shard`, under fencing token `token`. */
  readonly onAcquired?: (shard: string, token: number) => void;
  /** This member no longer holds `shard` (the token it held it under): stop its work. */
  readonly onLost?: (shard: string, token: number, reason: ShardLossReason) => void;
  /** A failure the helper retries after (the cluster refused something unexpected); default: ignored. */
  readonly onError?: (err: unknown) => void;
}

/** The pause before waiting for a shard again after its wait failed. */
const RETRY_MS = 500;

const QUIET_CODES = new Set(['ABORTED', 'SESSION_ENDED', 'CLIENT_CLOSED']);

export class ShardLeases {
  readonly shards: readonly string[];
  readonly #opts: ShardLeasesOptions;
  readonly #held = new Map<string, Mutex>();
  readonly #waits = new Map<string, AbortController>();
  readonly #stop = new AbortController();
  #owners = new Map<string, string>();
  #running: Promise<void> | undefined;

  constructor(
    readonly membership: Membership,
    /** The set's name: its shards are Mutexes `shards/NAME/SHARD`. */
    readonly name: string,
    opts: ShardLeasesOptions,
  ) {
    checkName(`shard set ${name}`, name);
    for (const shard of opts.shards) checkName(`shard set ${name}`, shard);
    if (opts.shards.length === 0 || new Set(opts.shards).size !== opts.shards.length) {
      throw new FleetClientError('invalid', `shard set ${name}: give at least one shard, each name once (got ${opts.shards.length}, ${new Set(opts.shards).size} distinct)`, { code: 'INVALID_ARGUMENT' });
    }
    this.shards = [...opts.shards];
    this.#opts = opts;
  }

  /**
   * Starts taking and handing back shards as the membership changes; resolves once the first
   * assignment is computed (the shards this member owns are then being acquired). Rejects with
   * NOT_JOINED unless the membership's session has joined, SESSION_ENDED or CLIENT_CLOSED when
   * the session ended. Runs until `stop()` or the session's end.
   */
  async start(): Promise<void> {
    const session = this.membership.session;
    session.checkLive(`starting shard set ${this.name}`);
    if (!this.membership.joined) {
      throw new FleetClientError('invalid', `shard set ${this.name}: join the membership ${this.membership.group} first (await membership.join())`, { code: 'NOT_JOINED' });
    }
    if (this.#running !== undefined) return;
    // The session's end ends every holding at once: tell the program before anything else runs.
    session.signal.addEventListener('abort', () => void this.#dropAll(), { once: true });
    const changes = this.membership.watch(this.#stop.signal);
    const first = await changes.next();
    if (first.done === true) return;
    await this.#assign(first.value.members.map((m) => m.id));
    this.#running = this.#follow(changes);
  }

  /** The shards this member holds now, with their fencing tokens. */
  held(): ReadonlyMap<string, number> {
    return new Map([...this.#held].map(([shard, mutex]) => [shard, mutex.token ?? 0]));
  }

  /** Each shard's owner by the last membership seen (who should hold it; the holder may still be handing it over). */
  owners(): ReadonlyMap<string, string> {
    return new Map(this.#owners);
  }

  /** Stops: ends every wait and releases every shard held (their owners take them at once). */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#running;
    await this.#dropAll();
  }

  async #follow(changes: AsyncGenerator<MembershipChange>): Promise<void> {
    try {
      for await (const change of changes) await this.#assign(change.members.map((m) => m.id));
    } catch (err) {
      this.#opts.onError?.(err);
    } finally {
      await this.#dropAll();
    }
  }

  /** Recomputes the owners; waits for the shards this member owns, hands back those it no longer does. */
  async #assign(members: readonly string[]): Promise<void> {
    this.#owners = assignShards(this.shards, members);
    const me = this.membership.session.id;
    for (const shard of this.shards) {
      if (this.#owners.get(shard) === me) {
        if (!this.#held.has(shard) && !this.#waits.has(shard)) this.#wait(shard);
        continue;
      }
      this.#waits.get(shard)?.abort();
      const mutex = this.#held.get(shard);
      if (mutex === undefined) continue;
      const token = mutex.token ?? 0;
      this.#held.delete(shard);
      await mutex.unlock().catch((err: unknown) => this.#opts.onError?.(err));
      this.#opts.onLost?.(shard, token, 'handed-back');
    }
  }

  /** Queues (as a Mutex waiter) until this member holds `shard`, unless it stops owning it first. */
  #wait(shard: string): void {
    const giveUp = new AbortController();
    this.#waits.set(shard, giveUp);
    const session = this.membership.session;
    const mutex = new Mutex(session, this.#lease(shard));
    mutex.lock({ signal: AbortSignal.any([giveUp.signal, this.#stop.signal]) }).then(
      async (token) => {
        this.#waits.delete(shard);
        if (this.#owners.get(shard) !== session.id || this.#stop.signal.aborted) {
          await mutex.unlock();
          return;
        }
        this.#held.set(shard, mutex);
        this.#opts.onAcquired?.(shard, token);
      },
      async (err: unknown) => {
        this.#waits.delete(shard);
        if (err instanceof FleetClientError && err.code !== undefined && QUIET_CODES.has(err.code)) return;
        this.#opts.onError?.(err);
        await pause(RETRY_MS, AbortSignal.any([this.#stop.signal, session.signal]));
        if (this.#owners.get(shard) === session.id && !this.#stop.signal.aborted && session.ended === undefined && !this.#waits.has(shard)) this.#wait(shard);
      },
    );
  }

  /** Ends every wait; releases what is held (if the session still can) and tells the program. */
  async #dropAll(): Promise<void> {
    for (const w of this.#waits.values()) w.abort();
    const session = this.membership.session;
    for (const [shard, mutex] of [...this.#held]) {
      const token = mutex.token ?? 0;
      this.#held.delete(shard);
      const live = session.ended === undefined && !session.client.closed;
      if (live) await mutex.unlock().catch(() => undefined);
      this.#opts.onLost?.(shard, token, live ? 'stopped' : 'session-ended');
    }
  }

  #lease(shard: string): string {
    return `shards/${this.name}/${shard}`;
  }
}
