/**
 * The two faults a drill makes inside a member rather than to its process or its links (issue
 * 39): its wall clock skewed, and its disk stalled. They act through the ports the simulator
 * already drives (the runtime's `wallNow`, storage's `StorageIo`), and only on a member started
 * with `--enable-drills`: without it the coordinator wires neither, and nothing is in the path.
 * Both end by themselves after their duration, so a drill that dies never leaves them behind.
 */
import type { StorageFs, StorageIo } from '../../storage/index.js';

/** A wall clock a drill can move: `wallNow()` is the system's plus the offset in force. */
export class ClockSkew {
  #offsetMs = 0;
  #timer: NodeJS.Timeout | undefined;

  /** `baseOffsetMs`: `--unsafe-clock-offset`, which no drill undoes. */
  constructor(private readonly baseOffsetMs = 0) {}

  wallNow(): number {
    return Date.now() + this.baseOffsetMs + this.#offsetMs;
  }

  get offsetMs(): number {
    return this.#offsetMs;
  }

  /** Runs the clock `offsetMs` ahead (behind when negative) for `ms`, replacing a skew in force. */
  skew(offsetMs: number, ms: number): void {
    this.clear();
    this.#offsetMs = offsetMs;
    // Unref'd: a pending end must not keep a stopping member alive.
    this.#timer = setTimeout(() => this.clear(), ms).unref();
  }

  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#offsetMs = 0;
  }
}

/**
 * A disk that can stop completing syncs for a while: `fsync` and `fdatasync` wait while a stall is
 * in force, as on a device whose queue has stopped draining (writes still reach the page cache).
 * Nothing acknowledged is lost: a stalled sync completes once the stall ends.
 */
export class DiskStall {
  #until = 0;
  #timer: NodeJS.Timeout | undefined;
  #waiting: (() => void)[] = [];

  get stalled(): boolean {
    return this.#timer !== undefined;
  }

  /** Holds every sync for `ms` (from now), replacing a stall in force. */
  stall(ms: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#until = Date.now() + ms;
    this.#timer = setTimeout(() => this.resume(), ms).unref();
  }

  /** Ends the stall: the held syncs go on. */
  resume(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#until = 0;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const go of waiting) go();
  }

  /** Until when the stall lasts (Unix ms), 0 when none. */
  get until(): number {
    return this.#until;
  }

  /** `io` with its syncs held while a stall is in force. */
  wrap(io: StorageIo): StorageIo {
    const gate = (): Promise<void> => (this.#timer === undefined ? Promise.resolve() : new Promise((resolve) => this.#waiting.push(resolve)));
    const fs: StorageFs = {
      ...io.fs,
      fsync: async (fd) => {
        await gate();
        return io.fs.fsync(fd);
      },
      fdatasync: async (fd) => {
        await gate();
        return io.fs.fdatasync(fd);
      },
    };
    return { ...io, fs };
  }
}
