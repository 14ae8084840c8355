/**
 * The dashboard's heartbeat: runs one poll every interval, never two at once, and bounds every
 * call of a poll with a deadline so a slow or dead member delays a frame by at most that much.
 */

/** Time and timers, injected so the view model is tested with a fake clock. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The process clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** A call's outcome: its value, or why there is none (its error, or the deadline). */
export type Settled<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/**
 * Settles with the call's value or error, or with a timeout once `ms` have passed, whichever is
 * first. A call that outlives its deadline is abandoned, not cancelled: the client's own call
 * deadline (set to the same value) ends it.
 */
export function withDeadline<T>(call: () => Promise<T>, ms: number, clock: Clock): Promise<Settled<T>> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (s: Settled<T>): void => {
      if (done) return;
      done = true;
      clock.clearTimeout(timer);
      resolve(s);
    };
    const timer = clock.setTimeout(() => finish({ ok: false, error: `no answer within ${ms} ms` }), ms);
    let started: Promise<T>;
    try {
      started = call();
    } catch (err) {
      started = Promise.reject(err);
    }
    started.then(
      (value) => finish({ ok: true, value }),
      (err: unknown) => finish({ ok: false, error: errorText(err) }),
    );
  });
}

/** The first line of an error's message. */
export function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0] ?? text;
}

/**
 * Runs `task` every `intervalMs`, measured from the start of one run to the start of the next;
 * a run that takes longer than the interval is followed at once by the next, never overlapped.
 * Invariant: at most one run is in flight, and none starts after `stop()`.
 */
export class Poller {
  readonly #task: () => Promise<void>;
  readonly #intervalMs: number;
  readonly #clock: Clock;
  #timer: unknown;
  #running: Promise<void> | undefined;
  #active = false;

  constructor(opts: { task: () => Promise<void>; intervalMs: number; clock: Clock }) {
    this.#task = opts.task;
    this.#intervalMs = opts.intervalMs;
    this.#clock = opts.clock;
  }

  /** Whether the poller is scheduling runs. */
  get active(): boolean {
    return this.#active;
  }

  /** Starts polling now (a no-op when active). */
  start(): void {
    if (this.#active) return;
    this.#active = true;
    this.#schedule(0);
  }

  /** Stops scheduling; a run in flight finishes, and its promise is returned. */
  stop(): Promise<void> {
    this.#active = false;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    return this.#running ?? Promise.resolve();
  }

  /** Runs once now unless a run is in flight (then waits for that one). */
  runNow(): Promise<void> {
    if (this.#running !== undefined) return this.#running;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    return this.#run();
  }

  #schedule(delayMs: number): void {
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      void this.#run();
    }, delayMs);
  }

  #run(): Promise<void> {
    const started = this.#clock.now();
    this.#running = this.#task()
      .catch(() => undefined)
      .finally(() => {
        this.#running = undefined;
        if (this.#active && this.#timer === undefined) this.#schedule(Math.max(0, this.#intervalMs - (this.#clock.now() - started)));
      });
    return this.#running;
  }
}
