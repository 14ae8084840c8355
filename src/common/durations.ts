/** Parses an operator's duration (`250ms`, `1s`, `1.5s`, `2m`, `1h`, `7d`, or plain milliseconds) into milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new Error(`invalid duration ${JSON.stringify(text)}: use e.g. 250ms, 1s, 2m`);
  const n = Number(m[1]);
  const unit = m[2] ?? 'ms';
  const factor = unit === 'ms' ? 1 : unit === 's' ? 1_000 : unit === 'm' ? 60_000 : unit === 'h' ? 3_600_000 : 86_400_000;
  return Math.round(n * factor);
}

/** A duration that must be above zero (a deadline, an interval); throws naming `what` when given. */
export function parsePositiveDuration(text: string, what?: string): number {
  const ms = parseDuration(text);
  if (ms <= 0) throw new Error(`${what ? `${what} ` : ''}must be more than 0, got ${JSON.stringify(text)}`);
  return ms;
}

/** The shortest lease a client may ask for: a lease is timed by the leader's ticks, and one under a second would expire before the answer reads. */
export const MIN_LEASE_TTL_MS = 1_000;
/** The longest: the registry's limit (LIMITS.maxLeaseTtlMs, 24 h), checked here so that the refusal is a usage error. */
export const MAX_LEASE_TTL_MS = 24 * 60 * 60 * 1_000;

/**
 * A lease's time to live as an operator writes it: a bare number is seconds, as etcdctl's
 * `lease grant 30` (`--ttl 30` meant 30 ms, and the lease expired before the command returned);
 * with a unit, as any duration. Between 1 s and 24 h.
 */
export function parseLeaseTtl(text: string): number {
  const ms = /^\s*\d+(?:\.\d+)?\s*$/.test(text) ? parseDuration(`${text.trim()}s`) : parseDuration(text);
  if (ms < MIN_LEASE_TTL_MS) throw new Error(`must be at least 1s (a bare number is seconds), got ${JSON.stringify(text)}`);
  if (ms > MAX_LEASE_TTL_MS) throw new Error(`must be at most 24h, got ${JSON.stringify(text)}`);
  return ms;
}

/**
 * The longest wait a Node timer can hold (2^31 - 1 ms, about 24.8 days): a longer one fires after
 * 1 ms instead, so a deadline past it would expire at once.
 */
export const MAX_TIMER_MS = 2_147_483_647;

/** A duration a timer waits for (a deadline, a grace period): at most MAX_TIMER_MS, and above zero unless `zeroOk`. */
export function parseTimerDuration(text: string, opts: { zeroOk?: boolean } = {}): number {
  const ms = opts.zeroOk ? parseDuration(text) : parsePositiveDuration(text);
  if (ms > MAX_TIMER_MS) throw new Error(`must be at most 24d (the longest a timer can wait), got ${JSON.stringify(text)}`);
  return ms;
}

/** Formats milliseconds the way operators read them: `850ms`, `1.2s`, `3m05s`. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(ms < 10_000 ? 1 : 0)}s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.floor((ms % 60_000) / 1_000);
  if (m < 60) return `${m}m${String(s).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
