/**
 * Hashing for the simulator: a 32-bit FNV-1a for entry payloads and snapshot images, and a
 * running trace digest that folds in every observable event of a run, so that "same seed,
 * same run" can be asserted with one comparison.
 */

/** FNV-1a over bytes, seeded so that different kinds of record hash apart. */
export function hashBytes(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i] as number;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const encoder = new TextEncoder();

/** FNV-1a over a string's UTF-8 bytes. */
export function hashString(text: string, seed = 0x811c9dc5): number {
  return hashBytes(encoder.encode(text), seed);
}

/** A running digest of a run's events. Invariant: equal event sequences give equal digests. */
export class TraceDigest {
  private h1 = 0x9e3779b9;
  private h2 = 0x85ebca6b;
  private count = 0;

  /** Folds in a list of integers (ids and strings should be hashed first). */
  add(...values: readonly number[]): void {
    for (const v of values) {
      const x = v | 0;
      this.h1 = Math.imul(this.h1 ^ x, 0x01000193) >>> 0;
      this.h2 = Math.imul((this.h2 + x) ^ (this.h2 >>> 15), 0x2c1b3c6d) >>> 0;
    }
    this.count++;
  }

  /** The digest so far, as 16 hex digits plus the number of events folded in. */
  value(): string {
    return `${this.h1.toString(16).padStart(8, '0')}${this.h2.toString(16).padStart(8, '0')}/${this.count}`;
  }
}
