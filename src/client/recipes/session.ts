/**
 * A session (etcd's concurrency.Session, Curator's connection state): one etcd lease, kept alive
 * on a LeaseKeepAlive stream, that every key a recipe writes for this process is tied to. Ending
 * the lease ends them all at once: `close()` revokes it; a process that dies leaves it to expire.
 *
 * Invariant: the session is live only while it may still hold its lease. It counts its TTL from
 * the moment it *sent* the last keep-alive the cluster confirmed (the leader can only have
 * started its own count later), and ends as 'expired' when that time passes without another
 * confirmation — so a process that was paused or cut off learns that it lost its keys no later
 * than the cluster decides it, never after.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { FleetClientError } from '../errors.js';
import type { FleetClient } from '../fleet-client.js';
import { etcdAccessOf, type EtcdAccess } from '../etcd/access.js';
import { pause } from '../../common/pause.js';
import { MAX_LEASE_TTL_SECONDS } from '../etcd/keyspace.js';
import { checkName } from './limits.js';

/** How a session is made. */
export interface SessionOptions {
  /** The lease's TTL in ms (default 10 s), rounded up to whole seconds: how long the others wait for a process that died. 2 s to 24 h. */
  readonly ttlMs?: number;
  /** The session's name (default `host-pid-random`): a Membership lists the session under it. */
  readonly id?: string;
}

/** Why a session ended: `close()` (or its client's), or its lease expired (no keep-alive confirmed within the TTL, or the cluster ended it). */
export interface SessionEnd {
  readonly reason: 'closed' | 'expired';
  readonly message?: string;
}

/** The shortest TTL: a keep-alive goes every third of it, and needs time to reach the leader. */
export const MIN_SESSION_TTL_MS = 2_000;

const REOPEN_MS = 200;

/** The events a session emits. */
export interface SessionEvents {
  /** The lease's time ran out before a keep-alive was confirmed: every key tied to it is gone, or about to be. */
  expired: (end: SessionEnd) => void;
}

export class Session {
  /** This process's name in the cluster's recipes. */
  readonly id: string;
  /** The lease's TTL, whole seconds in ms. */
  readonly ttlMs: number;
  /** Resolves once the session ends, never rejects. */
  readonly done: Promise<SessionEnd>;
  readonly #access: EtcdAccess;
  readonly #lease: Promise<string>;
  readonly #stop = new AbortController();
  readonly #expiredListeners = new Set<SessionEvents['expired']>();
  #resolve!: (end: SessionEnd) => void;
  #end: SessionEnd | undefined;
  #deadline = 0;
  #expiry: ReturnType<typeof setTimeout> | undefined;
  #keys = 0;
  readonly #onClientClosed = (): void => this.#finish({ reason: 'closed', message: 'the client was closed' });

  constructor(
    readonly client: FleetClient,
    opts: SessionOptions = {},
  ) {
    const ttlMs = opts.ttlMs ?? 10_000;
    if (!Number.isFinite(ttlMs) || ttlMs < MIN_SESSION_TTL_MS || ttlMs > MAX_LEASE_TTL_SECONDS * 1_000) {
      throw new FleetClientError('invalid', `a session's TTL must be from ${MIN_SESSION_TTL_MS} ms to 24 h (got ${ttlMs}): it is kept alive every third of it, and a keep-alive needs time to reach the leader`, { code: 'INVALID_ARGUMENT' });
    }
    this.ttlMs = Math.ceil(ttlMs / 1_000) * 1_000;
    this.id = opts.id ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    checkName('a session id', this.id);
    if (this.id.includes('/')) throw new FleetClientError('invalid', `a session id must not contain '/' (got ${this.id}): it is the last part of a key`, { code: 'INVALID_ARGUMENT' });
    this.done = new Promise((resolve) => (this.#resolve = resolve));
    this.#access = etcdAccessOf(client);
    this.#lease = this.#grant();
    // A rejection is the session's end, which `done` reports: nothing waits on the promise itself but recipes.
    this.#lease.catch(() => undefined);
    if (client.closed) this.#onClientClosed();
    else client.closeSignal.addEventListener('abort', this.#onClientClosed, { once: true });
  }

  /** The lease's id (decimal), once granted: tie a key to it with `keyspace.put(k, v, { lease })`. Rejects like a recipe when the session ended first. */
  async lease(): Promise<string> {
    this.checkLive('the session lease');
    const id = await this.#lease;
    this.checkLive('the session lease');
    return id;
  }

  /** Aborted once the session ends (closed, expired, or its client closed): every wait and watch of its recipes stops on it. */
  get signal(): AbortSignal {
    return this.#stop.signal;
  }

  /** How the session ended, or undefined while it lives. */
  get ended(): SessionEnd | undefined {
    return this.#end;
  }

  /** Whether the lease's time ran out (locally, or the cluster said so): the keys tied to it are gone or going. */
  get expired(): boolean {
    return this.#end?.reason === 'expired';
  }

  /** Calls `listener` when the session expires (once at most; not after `close()`). */
  on(event: 'expired', listener: SessionEvents['expired']): this {
    if (event === 'expired') this.#expiredListeners.add(listener);
    return this;
  }

  off(event: 'expired', listener: SessionEvents['expired']): this {
    if (event === 'expired') this.#expiredListeners.delete(listener);
    return this;
  }

  /** Throws CLIENT_CLOSED or SESSION_ENDED (neither retryable) once the session cannot be used: recipes call it before each step. */
  checkLive(what: string): void {
    if (this.client.closed) {
      throw new FleetClientError('invalid', `${what}: the client of session ${this.id} was closed; connect again and make a new session`, { code: 'CLIENT_CLOSED' });
    }
    if (this.#end !== undefined) {
      throw new FleetClientError('invalid', `${what}: the session ${this.id} has ended (${this.#end.reason}${this.#end.message === undefined ? '' : `: ${this.#end.message}`}); make a new session`, { code: 'SESSION_ENDED' });
    }
  }

  /** A key under `prefix` that no other session or recipe object uses: the lease in hex, then a counter. */
  async newKey(prefix: string): Promise<string> {
    const lease = await this.lease();
    return `${prefix}${BigInt(lease).toString(16)}_${++this.#keys}`;
  }

  /** Ends the session and revokes its lease: every key tied to it is deleted at once, and the others see it. */
  async close(): Promise<void> {
    if (this.#end !== undefined) return;
    this.#finish({ reason: 'closed' });
    await this.#revoke();
  }

  async #grant(): Promise<string> {
    // The lease in hand is the one the last attempt was granted: its time started after that
    // attempt was sent, not the first (a grant retried through an election took 5.7 s, and a 6 s
    // session then expired as it was made).
    let sentAt = performance.now();
    try {
      const granted = await this.#access.run('granting a session lease', (ep) => {
        sentAt = performance.now();
        return this.#access.etcd.leaseGrant(ep, this.ttlMs / 1_000);
      }, this.#stop.signal);
      this.#confirmed(sentAt, granted.ttlSeconds);
      // Closed meanwhile: close() revokes it once this resolves.
      if (this.#end === undefined) void this.#keepAlive(granted.id);
      return granted.id;
    } catch (err) {
      this.#finish({ reason: 'expired', message: `no lease could be granted: ${err instanceof Error ? err.message : String(err)}` });
      throw err;
    }
  }

  /** Keeps the lease alive on one member's stream after another, until the session ends. */
  async #keepAlive(id: string): Promise<void> {
    let turn = 0;
    while (this.#end === undefined) {
      // Straight to the leader (a follower relays every keep-alive to it): after a failure, ask who
      // leads now, since the recipes make no fleet call that would tell the client.
      const leader = await this.client.findLeader().catch(() => undefined);
      const endpoints = this.#access.order();
      const ep = leader?.endpoint ?? endpoints[turn++ % endpoints.length]!;
      try {
        await this.#keepAliveOn(ep, id);
      } catch {
        // The member went away, stopped answering or refused the stream: the next one, shortly. The deadline still runs.
      }
      await pause(REOPEN_MS, this.#stop.signal);
    }
  }

  /** One LeaseKeepAlive stream: a keep-alive every third of the TTL, each answer confirming the one sent longest ago. */
  async #keepAliveOn(endpoint: string, id: string): Promise<void> {
    const stream = await this.#access.etcd.keepAliveStream(endpoint);
    const sent: number[] = [];
    const every = Math.floor(this.ttlMs / 3);
    let timer: ReturnType<typeof setInterval> | undefined;
    const stop = (): void => void stream.cancel();
    this.#stop.signal.addEventListener('abort', stop, { once: true });
    try {
      await new Promise<void>((resolve, reject) => {
        // A member that stops answering without ending the stream (a leader that stepped down, a
        // relay cut off) is left for the next one while the lease still has time.
        let last = 0;
        const tick = (): void => {
          const now = performance.now();
          if (sent.length > 0 && now - sent[0]! > every) return reject(new Error(`no keep-alive answer from ${endpoint}`));
          if (now - last < every) return;
          last = now;
          sent.push(now);
          stream.write({ ID: id });
        };
        timer = setInterval(tick, Math.min(250, every));
        timer.unref();
        stream.on('data', (r: { TTL: string }) => {
          const at = sent.shift() ?? performance.now();
          const ttl = Number(r.TTL);
          if (ttl > 0) return this.#confirmed(at, ttl);
          this.#expire(`the cluster no longer has lease ${id}`);
          resolve();
        });
        stream.on('error', reject);
        stream.on('end', resolve);
        tick();
      });
    } finally {
      clearInterval(timer);
      this.#stop.signal.removeEventListener('abort', stop);
      stream.cancel();
    }
  }

  /** A keep-alive sent at `sentAt` was confirmed with `ttlSeconds` left: the lease lives at least that long after it. */
  #confirmed(sentAt: number, ttlSeconds: number): void {
    if (this.#end !== undefined) return;
    const deadline = sentAt + ttlSeconds * 1_000;
    if (deadline <= this.#deadline) return;
    this.#deadline = deadline;
    clearTimeout(this.#expiry);
    this.#expiry = setTimeout(() => this.#onDeadline(), Math.max(0, deadline - performance.now()));
    // The deadline alone does not keep the process running: the host decides when it ends.
    this.#expiry.unref();
  }

  /**
   * The deadline's timer fired. A process that was held (busy, or stopped) runs overdue timers
   * before it reads its sockets, so answers that came meanwhile are read first (setImmediate runs
   * after the poll phase): an answer to a keep-alive sent in time extends the deadline, whenever
   * it is read.
   */
  #onDeadline(): void {
    setImmediate(() => {
      if (performance.now() >= this.#deadline) this.#expire(`no keep-alive was confirmed within the TTL (${this.ttlMs} ms)`);
    });
  }

  #expire(message: string): void {
    if (this.#end !== undefined) return;
    const end: SessionEnd = { reason: 'expired', message };
    this.#finish(end);
    // The cluster may not have ended the lease yet: end it now, so the keys go at once.
    void this.#revoke();
    for (const listener of [...this.#expiredListeners]) listener(end);
  }

  async #revoke(): Promise<void> {
    if (this.client.closed) return; // nothing can be sent: the lease expires after its TTL
    const id = await this.#lease.catch(() => undefined);
    if (id === undefined) return;
    await this.client.keyspace.revokeLease(id).catch(() => undefined);
  }

  #finish(end: SessionEnd): void {
    if (this.#end !== undefined) return;
    this.#end = end;
    clearTimeout(this.#expiry);
    this.client.closeSignal.removeEventListener('abort', this.#onClientClosed);
    this.#stop.abort();
    this.#resolve(end);
  }
}
