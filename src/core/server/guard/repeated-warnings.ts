import { checkInvariant } from '../../invariant.js';

/**
 * Warnings that can repeat once per message or per connection (a peer that refuses this member,
 * a snapshot transfer that fails, malformed messages from one peer): the first is logged, then
 * at most one line per interval per key, carrying how many repeats were held back since the last
 * line. A member added at an address another member used logged "a peer refused this member"
 * 66 times in 6.5 s. At most one line per key per interval, and at most `maxKeys` keys
 * remembered (the oldest is forgotten: its next warning is logged as a first; checked in `take`).
 */
export class RepeatedWarnings {
  private readonly last = new Map<string, { at: number; held: number }>();

  constructor(
    private readonly intervalMs = 60_000,
    private readonly now: () => number = () => performance.now(),
    private readonly maxKeys = 1_024,
  ) {}

  /**
   * Whether the warning `key` is to be logged now: undefined to hold it back, or how many of its
   * repeats were held back since its last line (0 for the first).
   */
  take(key: string): { readonly held: number } | undefined {
    const now = this.now();
    const seen = this.last.get(key);
    if (seen !== undefined && now - seen.at < this.intervalMs) {
      seen.held++;
      return undefined;
    }
    const held = seen?.held ?? 0;
    this.last.delete(key);
    if (this.last.size >= this.maxKeys) this.last.delete(this.last.keys().next().value!);
    this.last.set(key, { at: now, held: 0 });
    checkInvariant(this.last.size <= this.maxKeys, 'repeated-warnings-bounded', () => `${this.last.size} keys remembered, at most ${this.maxKeys}`);
    return { held };
  }
}

/** The message of a warning that `held` repeats of went unlogged: says so, for whoever counts lines. */
export function withHeld(message: string, held: number, intervalMs: number): string {
  return held === 0 ? message : `${message} (and ${held.toLocaleString('en-US')} more times in the last ${Math.round(intervalMs / 1000)} s, not logged one by one)`;
}
