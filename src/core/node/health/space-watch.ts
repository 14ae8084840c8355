/**
 * A member whose disk is full. The storage holds log writes the file system refuses for want of
 * space (unacknowledged, in order); this tracks that state and retries the held writes on a
 * growing back-off, through the runtime's timers, until they go through. The member decides what
 * being out of space means for it (see out-of-space.ts); this only says when it starts and ends.
 */
import { checkInvariant } from '../../invariant.js';
import type { NodeRuntime, Timer } from '../runtime.js';

/** First retry after the disk refused a write; each refusal after doubles it, up to the maximum. */
const FIRST_RETRY_MS = 100;
/** A retry is one refused write when the disk is still full: cheap, so space found is used within this. */
const MAX_RETRY_MS = 2_000;

/** What the member does as the state changes. */
export interface SpaceEvents {
  /** The disk refused a write; writes are held from now on. */
  full(err: Error): void;
  /** A retry was refused again. */
  stillFull(): void;
  /** The held writes went through after `outOfSpaceMs`: the member writes again. */
  freed(outOfSpaceMs: number): void;
}

/** At most one retry is armed or running at a time, and none once stopped or with space (checked in `arm`). */
export class SpaceWatch {
  /** Monotonic time the disk first refused a write, while it does; undefined with space. */
  private since: number | undefined;
  private delayMs = FIRST_RETRY_MS;
  private timer: Timer | undefined;
  private stopped = false;

  constructor(
    private readonly rt: NodeRuntime,
    private readonly retryWrites: () => Promise<boolean>,
    private readonly events: SpaceEvents,
  ) {}

  /** Whether the member's log writes are held for want of space. */
  get outOfSpace(): boolean {
    return this.since !== undefined;
  }

  /** Monotonic time the disk started refusing writes; undefined while it does not. */
  get outOfSpaceSince(): number | undefined {
    return this.since;
  }

  /** The storage reported a refused write (again, after a retry, it is not news). */
  refused(err: Error): void {
    if (this.since !== undefined || this.stopped) return;
    this.since = this.rt.monoNow();
    this.delayMs = FIRST_RETRY_MS;
    this.events.full(err);
    this.arm();
  }

  /** Disarms the retry; the member is stopping. */
  stop(): void {
    this.stopped = true;
    this.timer?.clear();
    this.timer = undefined;
  }

  private arm(): void {
    checkInvariant(this.timer === undefined && !this.stopped && this.since !== undefined, 'space-watch-one-retry', () => `arming a retry with ${this.timer === undefined ? 'none' : 'one'} armed, ${this.stopped ? 'stopped' : 'running'}, ${this.since === undefined ? 'with space' : 'out of space'}`);
    this.timer = this.rt.setTimeout(() => void this.retry(), this.delayMs);
  }

  private async retry(): Promise<void> {
    this.timer = undefined;
    const written = await this.retryWrites();
    if (this.stopped || this.since === undefined) return;
    if (written) {
      const ms = this.rt.monoNow() - this.since;
      this.since = undefined;
      this.events.freed(ms);
      return;
    }
    this.delayMs = Math.min(MAX_RETRY_MS, this.delayMs * 2);
    this.events.stillFull();
    this.arm();
  }
}
