/**
 * A NodeRuntime for unit tests of node modules: the clock moves only when the test says so,
 * timers fire as it passes them, and `setImmediate` callbacks wait until the test runs them.
 * Nothing here reads a real clock, so the tests are deterministic and need no sleeps.
 */
import type { NodeRuntime, Timer } from '../../../src/core/node/runtime.js';

export interface FakeRuntime {
  readonly rt: NodeRuntime;
  /** Sets the wall clock to `ms` (it may jump either way; the monotonic clock does not move). */
  setWall(ms: number): void;
  /** Moves both clocks on by `ms`, firing every timer due meanwhile, in order of due time. */
  advance(ms: number): void;
  /** Moves both clocks on by `ms` without firing any timer: one turn of the event loop that ran that long. */
  hold(ms: number): void;
  /** Runs queued `setImmediate` callbacks and lets the promises they start settle, until none are left. */
  flush(): Promise<void>;
  /** Timers armed and not yet fired or cleared. */
  armed(): number;
  /** `setImmediate` callbacks queued and not yet run. */
  immediates(): number;
}

export function fakeRuntime(random = 0.5): FakeRuntime {
  let mono = 0;
  let wall = 1_000_000;
  let nextId = 1;
  const timers = new Map<number, { fn: () => void; at: number; every?: number }>();
  let immediates: (() => void)[] = [];
  const arm = (fn: () => void, ms: number, every?: number): Timer => {
    const id = nextId++;
    timers.set(id, { fn, at: mono + ms, ...(every !== undefined ? { every } : {}) });
    return { clear: () => void timers.delete(id) };
  };
  const rt: NodeRuntime = {
    wallNow: () => wall,
    monoNow: () => mono,
    setTimeout: (fn, ms) => arm(fn, ms),
    setInterval: (fn, ms) => arm(fn, ms, ms),
    setImmediate: (fn) => void immediates.push(fn),
    randomInt: (n) => Math.floor(random * n),
    random: () => random,
    rssBytes: () => 0,
  };
  const advance = (ms: number): void => {
    const end = mono + ms;
    for (;;) {
      const due = [...timers].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      const [id, t] = due;
      const step = t.at - mono;
      mono += step;
      wall += step;
      if (t.every !== undefined) t.at += t.every;
      else timers.delete(id);
      t.fn();
    }
    wall += end - mono;
    mono = end;
  };
  const flush = async (): Promise<void> => {
    for (let round = 0; round < 1_000; round++) {
      // Microtasks first: a promise chain may queue the next immediate.
      for (let i = 0; i < 20; i++) await Promise.resolve();
      if (immediates.length === 0) return;
      const run = immediates;
      immediates = [];
      for (const fn of run) fn();
    }
    throw new Error('fake runtime: immediates still queued after 1000 rounds');
  };
  const hold = (ms: number): void => {
    mono += ms;
    wall += ms;
  };
  return { rt, setWall: (ms) => void (wall = ms), advance, hold, flush, armed: () => timers.size, immediates: () => immediates.length };
}

/** A promise the test settles by hand. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(err: Error): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A logger that keeps what it was told, by level. */
export function recordingLogger(): { lines: { level: string; obj: object; msg: string }[]; info(obj: object, msg: string): void; warn(obj: object, msg: string): void; error(obj: object, msg: string): void; debug(obj: object, msg: string): void } {
  const lines: { level: string; obj: object; msg: string }[] = [];
  const at = (level: string) => (obj: object, msg: string) => void lines.push({ level, obj, msg });
  return { lines, info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') };
}
