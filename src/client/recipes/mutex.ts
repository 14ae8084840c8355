/**
 * A mutex on a session (etcd's concurrency.Mutex, Curator's InterProcessMutex): one holder at a
 * time, fenced by the lease's token, which grows with every new holder. A waiter waits on the
 * change feed and writes nothing while it waits: the leader refuses a held lease without a log
 * entry. Not covered: a holder paused past the session TTL keeps believing it holds the lock;
 * pass the token to whatever you protect, and have it refuse tokens older than the newest seen.
 */
import { FleetClientError } from '../errors.js';
import type { Session } from './session.js';
import { abortError, leaseChanged, waitSignal } from './wait.js';

/** How long to wait for the lock, at most. */
export interface LockOptions {
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
}

/** The pause before trying again after the cluster could not answer (it was electing a leader). */
const RETRY_MS = 200;

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}

export class Mutex {
  constructor(
    readonly session: Session,
    /** The lease the lock is kept in (a registry name: letters, digits and `-._:/@`). */
    readonly name: string,
  ) {}

  /** Waits until this session holds the lock; answers its fencing token. */
  async lock(opts: LockOptions = {}): Promise<number> {
    const signal = waitSignal(opts.signal, opts.timeoutMs);
    for (;;) {
      this.session.checkLive(`locking ${this.name}`);
      if (signal.aborted) throw abortError(signal, `locking ${this.name}`);
      try {
        const { lease } = await this.session.client.acquireLease(this.name, this.session.id, this.session.ttlMs);
        this.session.keep(this.name, lease.token);
        return lease.token;
      } catch (err) {
        if (!(err instanceof FleetClientError)) throw err;
        if (err.kind === 'precondition') await leaseChanged(this.session.client, this.name, err.index ?? 0, signal);
        // No leader for the moment (an election): the client already retried its call; try again shortly.
        else if (err.retryable) await pause(RETRY_MS, signal);
        else throw err;
      }
    }
  }

  /** Releases the lock (a no-op when this session does not hold it). */
  async unlock(): Promise<void> {
    await this.session.release(this.name);
  }

  /** The fencing token while this session holds the lock. */
  get token(): number | undefined {
    return this.session.tokenOf(this.name);
  }
}
