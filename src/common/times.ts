/** Moments as operators read them in a message: the local clock time and how far off it is. */

/** `14:03:07 (in 28 s)`, `14:02:39 (12 s ago)`: a moment in epoch milliseconds, at local time. */
export function humanTime(atMs: number, nowMs: number = Date.now()): string {
  const d = new Date(atMs);
  const clock = [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
  const offset = atMs - nowMs;
  if (Math.abs(offset) < 1_000) return `${clock} (now)`;
  return offset > 0 ? `${clock} (in ${humanSpan(offset)})` : `${clock} (${humanSpan(-offset)} ago)`;
}

/** A span in whole units: `28 s`, `4 min`, `2 h 05 min`, `3 d 4 h`. */
export function humanSpan(ms: number): string {
  const s = Math.round(ms / 1_000);
  if (s < 120) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${String(m % 60).padStart(2, '0')} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}
