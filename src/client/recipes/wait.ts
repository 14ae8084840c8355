/**
 * Waiting for a lease to change, by following the change feed (never by polling): from the
 * index the refusal was answered at, so a release or an expiry right after it is not missed.
 */
import { FleetClientError } from '../errors.js';
import type { FleetClient } from '../fleet-client.js';
import type { Session } from './session.js';

/** Resolves when `lease` changes after `afterIndex`, or when `signal` fires (the caller tells which, and why). */
export async function leaseChanged(client: FleetClient, lease: string, afterIndex: number, signal: AbortSignal): Promise<void> {
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const batch of client.watch({ registry: 'leases', prefix: lease, fromIndex: afterIndex + 1, signal: stop.signal })) {
      if (batch.events.some((e) => e.key === lease)) return;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    stop.abort();
  }
}

/** The library's error for a wait that was given up: by the caller's signal, or its timeout. */
export function abortError(signal: AbortSignal, what: string): FleetClientError {
  const reason = signal.reason instanceof Error && signal.reason.name === 'TimeoutError' ? 'the timeout passed' : 'the caller aborted';
  return new FleetClientError('timeout', `${what}: ${reason}`, { code: 'ABORTED' });
}

/** One signal for the session's end, the caller's signal and a timeout (the last two may be absent). */
export function waitSignal(session: Session, signal: AbortSignal | undefined, timeoutMs: number | undefined): AbortSignal {
  const signals = [session.signal, signal, timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs)].filter((s): s is AbortSignal => s !== undefined);
  return AbortSignal.any(signals);
}

/**
 * Throws what a recipe's wait ends with once `signal` fired: the session's end (SESSION_ENDED,
 * CLIENT_CLOSED) before the caller's abort or timeout (ABORTED). Returns while the wait goes on.
 */
export function checkWait(session: Session, signal: AbortSignal, what: string): void {
  session.checkLive(what);
  if (signal.aborted) throw abortError(signal, what);
}

/** Resolves after `ms`, or at once when `signal` fires. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
