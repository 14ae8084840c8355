/**
 * Waiting for a lease to change, by following the change feed (never by polling): from the
 * index the refusal was answered at, so a release or an expiry right after it is not missed.
 */
import { FleetClientError } from '../errors.js';
import type { FleetClient } from '../fleet-client.js';

/** Resolves when `lease` changes after `afterIndex`; rejects when `signal` fires. */
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
  if (signal.aborted) throw abortError(signal, `waiting for lease ${lease}`);
}

/** The library's error for a wait that was given up: by the caller's signal, or its timeout. */
export function abortError(signal: AbortSignal, what: string): FleetClientError {
  const reason = signal.reason instanceof Error && signal.reason.name === 'TimeoutError' ? 'the timeout passed' : 'the caller aborted';
  return new FleetClientError('timeout', `${what}: ${reason}`, { code: 'ABORTED' });
}

/** One signal for the caller's and a timeout, either of which may be absent. */
export function waitSignal(signal: AbortSignal | undefined, timeoutMs: number | undefined): AbortSignal {
  const signals = [signal, timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs)].filter((s): s is AbortSignal => s !== undefined);
  return signals.length === 0 ? new AbortController().signal : AbortSignal.any(signals);
}
