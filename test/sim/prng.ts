/**
 * The simulator's only source of randomness: sfc32 (Chris Doty-Humphrey's Small Fast
 * Counting generator), seeded through splitmix32. One seed decides a whole run; components
 * take their own stream with `fork()` so that, for instance, adding a client does not shift
 * the network's choices.
 */

/** Seeds above 2^32 are allowed on the command line; both halves feed the generator. */
const TWO_32 = 0x1_0000_0000;

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * A seeded pseudo-random generator. Invariant: the sequence of values is a pure function of
 * the seed and of the sequence of calls, so a run replays exactly from its seed.
 */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be a non-negative safe integer, got ${seed}`);
    const state = { s: (seed % TWO_32) ^ Math.imul(Math.floor(seed / TWO_32), 0x27d4eb2d) };
    this.a = splitmix32(state);
    this.b = splitmix32(state);
    this.c = splitmix32(state);
    this.d = splitmix32(state) | 1;
    // sfc32's authors discard the first outputs so that nearby seeds diverge.
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  /** The next 32 random bits as an unsigned integer. */
  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A float in [0, 1). */
  float(): number {
    return this.nextU32() / TWO_32;
  }

  /** An integer in [0, n). `n` must be a positive integer ≤ 2^32. */
  int(n: number): number {
    if (!(n > 0 && n <= TWO_32 && Number.isInteger(n))) throw new RangeError(`int(n) needs 0 < n ≤ 2^32, got ${n}`);
    return Math.floor(this.float() * n);
  }

  /** An integer in [lo, hi], both inclusive. */
  between(lo: number, hi: number): number {
    if (hi < lo) throw new RangeError(`between(${lo}, ${hi}): empty range`);
    return lo + this.int(hi - lo + 1);
  }

  /** True with probability `p` (p ≤ 0 never, p ≥ 1 always, and neither consumes randomness). */
  chance(p: number): boolean {
    if (p <= 0) return false;
    if (p >= 1) return true;
    return this.float() < p;
  }

  /** A value spread evenly on a log scale between lo and hi (lo > 0): rare and frequent both get drawn. */
  logUniform(lo: number, hi: number): number {
    return lo * Math.pow(hi / lo, this.float());
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick() from an empty array');
    return items[this.int(items.length)] as T;
  }

  /** Shuffles `items` in place (Fisher–Yates). */
  shuffle<T>(items: T[]): void {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j] as T, items[i] as T];
    }
  }

  /** A new generator whose stream is decided by this one's next output. */
  fork(): Prng {
    return new Prng(this.nextU32());
  }

  /** A `(n) => int in [0, n)` function, the shape the Raft core takes as `Config.random`. */
  intSource(): (n: number) => number {
    return (n) => this.int(n);
  }
}
