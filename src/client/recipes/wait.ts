/**
 * How the recipes wait and give up: one signal for the session's end, the caller's signal and a
 * timeout, and the one error each end is reported with.
 */
import { FleetClientError } from '../errors.js';
import type { Session } from './session.js';

/** The library's error for a wait that was given up: by the caller's signal, or its timeout. */
export function abortError(signal: AbortSignal, what: string): FleetClientError {
  const reason = signal.reason instanceof Error && signal.reason.name === 'TimeoutError' ? 'the timeout passed' : 'the caller aborted';
  return new FleetClientError('timeout', `${what}: ${reason}`, { code: 'ABORTED' });
}

/** One signal for the session's end, the caller's signal and a timeout (the last two may be absent). */
export function waitSignal(session: Session, signal: AbortSignal | undefined, timeoutMs: number | undefined): AbortSignal {
  if (timeoutMs !== undefined && (!Number.isFinite(timeoutMs) || timeoutMs < 0)) {
    throw new FleetClientError('invalid', `a wait's timeoutMs must be a number of ms, 0 or more (got ${timeoutMs})`, { code: 'INVALID_ARGUMENT' });
  }
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

/** `err`, or what the wait ended with if `signal` fired meanwhile (the cause, not how the call in flight failed). */
export function waitFailure(session: Session, signal: AbortSignal, what: string, err: unknown): unknown {
  if (signal.aborted || session.ended !== undefined || session.client.closed) {
    try {
      checkWait(session, signal, what);
    } catch (ended) {
      return ended;
    }
  }
  return err;
}
