/**
 * A mutex on a session (etcd's concurrency.Mutex, Curator's InterProcessMutex): one holder at a
 * time, fenced by the lease's token, which grows with every new holder. A waiter waits on the
 * change feed and writes nothing while it waits: the leader refuses a held lease without a log
 * entry. Not covered: a holder paused past the session TTL keeps believing it holds the lock;
 * pass the token to whatever you protect, and have it refuse tokens older than the newest seen.
 */
import { FleetClientError } from '../errors.js';
import type { Session } from './session.js';
import { checkWait, leaseChanged, pause, waitSignal } from './wait.js';

/** How long to wait for the lock, at most. */
export interface LockOptions {
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
}

/** The pause before trying again after the cluster could not answer (it was electing a leader). */
const RETRY_MS = 200;

export class Mutex {
  constructor(
    readonly session: Session,
    /** The lease the lock is kept in (a registry name: letters, digits and `-._:/@`). */
    readonly name: string,
  ) {}

  /**
   * Waits until this session holds the lock; answers its fencing token. Rejects with SESSION_ENDED
   * or CLIENT_CLOSED when the session ends (or its client closes) first, ABORTED when the
   * caller's signal fires or the timeout passes.
   */
  async lock(opts: LockOptions = {}): Promise<number> {
    const signal = waitSignal(this.session, opts.signal, opts.timeoutMs);
    const what = `locking ${this.name}`;
    for (;;) {
      checkWait(this.session, signal, what);
      try {
        const { lease } = await this.session.client.acquireLease(this.name, this.session.id, this.session.ttlMs);
        if (this.session.ended !== undefined) {
          // Granted as the session ended: give it back instead of leaving it to its TTL.
          await this.session.client.releaseLease(this.name, this.session.id, lease.token).catch(() => undefined);
          checkWait(this.session, signal, what);
        }
        this.session.keep(this.name, lease.token);
        return lease.token;
      } catch (err) {
        // Ended meanwhile (the session, its client, the caller): say so, not how the call in flight failed.
        if (signal.aborted) checkWait(this.session, signal, what);
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
