/**
 * A session: this process's identity towards the cluster's leases, and the keep-alive of every
 * lease taken through it (as etcd's concurrency.Session keeps one lease alive). Each lease is
 * renewed every third of its TTL; when a renewal is refused (the lease expired or went to another
 * holder) or the session is closed, `done` resolves with why and every recipe on the session
 * rejects from then on (closing the client ends its sessions too). What a session does not cover: a process paused longer than the TTL (a
 * GC pause, SIGSTOP) loses its leases without knowing until its next renewal; fence what you do
 * under a lease with its token.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { FleetClientError } from '../errors.js';
import type { FleetClient } from '../fleet-client.js';

/** The shortest TTL a session takes: a keep-alive every third of it must have time to reach the leader. */
export const MIN_SESSION_TTL_MS = 1_500;

/** How a session is made. */
export interface SessionOptions {
  /** Time to live of every lease taken through the session (default 10 s): how long the others wait after this process dies. */
  readonly ttlMs?: number;
  /** The holder name the cluster records (default `host-pid-random`, unique per session). */
  readonly id?: string;
}

/** Why a session ended. */
export interface SessionEnd {
  readonly reason: 'closed' | 'lost';
  /** For `lost`: the lease that could not be renewed, and what the cluster said. */
  readonly lease?: string;
  readonly message?: string;
}

/** A lease the session keeps alive. */
interface Held {
  readonly token: number;
}

/** A session on `client`; see the file comment. Invariant: once ended, it holds no timer and no lease. */
export class Session {
  readonly id: string;
  readonly ttlMs: number;
  /** Resolves once the session ends, never rejects. */
  readonly done: Promise<SessionEnd>;
  #end: SessionEnd | undefined;
  #resolve!: (end: SessionEnd) => void;
  readonly #held = new Map<string, Held>();
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #stop = new AbortController();
  readonly #onClientClosed = (): void => this.#finish({ reason: 'closed', message: 'the client was closed' });

  constructor(
    readonly client: FleetClient,
    opts: SessionOptions = {},
  ) {
    const ttlMs = opts.ttlMs ?? 10_000;
    if (!Number.isSafeInteger(ttlMs) || ttlMs < MIN_SESSION_TTL_MS) {
      throw new FleetClientError('invalid', `a session's TTL must be at least ${MIN_SESSION_TTL_MS} ms (got ${ttlMs}): it is renewed every third of it, and a renewal needs time to reach the leader`);
    }
    this.ttlMs = ttlMs;
    this.id = opts.id ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.done = new Promise((resolve) => (this.#resolve = resolve));
    this.#timer = setInterval(() => void this.#renewAll(), Math.floor(ttlMs / 3));
    // The keep-alive alone does not keep the process running: the host decides when it ends.
    this.#timer.unref();
    // A closed client can renew nothing: the session ends with it, and so does every wait on it.
    if (client.closed) this.#onClientClosed();
    else client.closeSignal.addEventListener('abort', this.#onClientClosed, { once: true });
  }

  /** Aborted once the session ends (closed, lost, or its client closed): every wait and watch of its recipes stops on it. */
  get signal(): AbortSignal {
    return this.#stop.signal;
  }

  /** Whether the session has ended (closed or lost). */
  get ended(): SessionEnd | undefined {
    return this.#end;
  }

  /** Throws the library's error if the session ended: recipes call it before each step. */
  checkLive(what: string): void {
    if (this.client.closed) {
      throw new FleetClientError('invalid', `${what}: the client of session ${this.id} was closed; connect again and make a new session`, { code: 'CLIENT_CLOSED' });
    }
    if (this.#end !== undefined) {
      throw new FleetClientError('invalid', `${what}: the session ${this.id} has ended (${this.#end.reason}${this.#end.lease ? `: lease ${this.#end.lease}` : ''}); make a new session`, { code: 'SESSION_ENDED' });
    }
  }

  /** Starts keeping `lease` alive (a recipe took it with `token`). */
  keep(lease: string, token: number): void {
    this.checkLive(`keeping lease ${lease}`);
    this.#held.set(lease, { token });
  }

  /** Releases `lease` if the session holds it; answers whether it did. */
  async release(lease: string): Promise<boolean> {
    const held = this.#held.get(lease);
    if (held === undefined) return false;
    this.#held.delete(lease);
    await this.client.releaseLease(lease, this.id, held.token).catch(() => undefined);
    return true;
  }

  /** The fencing token of `lease` while the session holds it. */
  tokenOf(lease: string): number | undefined {
    return this.#held.get(lease)?.token;
  }

  /** Ends the session: releases every lease it holds (others get them at once, not after the TTL). */
  async close(): Promise<void> {
    if (this.#end !== undefined) return;
    const leases = [...this.#held.keys()];
    await Promise.all(leases.map((l) => this.release(l)));
    this.#finish({ reason: 'closed' });
  }

  async #renewAll(): Promise<void> {
    for (const [lease, held] of [...this.#held]) {
      try {
        await this.client.renewLease(lease, this.id, held.token, this.ttlMs);
      } catch (err) {
        // Released (or taken again, a new token) while this renewal was in flight: a leader change
        // can hold a renewal back until after the release, which the cluster then rightly refuses.
        if (this.#held.get(lease) !== held) continue;
        // Refused: the lease is gone (expired, or another holds it). Unavailable: retried at the next tick, within the TTL.
        if (err instanceof FleetClientError && (err.kind === 'precondition' || err.kind === 'not-found')) {
          this.#held.delete(lease);
          this.#finish({ reason: 'lost', lease, message: err.message });
          return;
        }
      }
    }
  }

  #finish(end: SessionEnd): void {
    if (this.#end !== undefined) return;
    this.#end = end;
    clearInterval(this.#timer);
    this.#held.clear();
    this.client.closeSignal.removeEventListener('abort', this.#onClientClosed);
    this.#stop.abort();
    this.#resolve(end);
  }
}
