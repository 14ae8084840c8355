/**
 * The binding digest: an order-independent hash of a set of `cluster → shard` bindings. It is
 * a sum of per-binding hashes (four 32-bit lanes, mod 2^32), so it is computed while paging,
 * without holding or sorting the bindings, and it can be adjusted arithmetically: removing the
 * effect of moves a plan has already made gives back the digest the plan was computed from.
 * It detects drift; it is not a cryptographic commitment.
 */

const SEEDS = [0x9e3779b1, 0x85ebca77, 0xc2b2ae3d, 0x27d4eb2f] as const;
const PREFIX = 'm4';

/** murmur3's finaliser: spreads every input bit over the whole word. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function laneHash(seed: number, cluster: string, shard: string): number {
  let h = seed;
  for (let i = 0; i < cluster.length; i++) h = Math.imul(h ^ cluster.charCodeAt(i), 0x01000193);
  // A separator no name can contain keeps ("ab","c") and ("a","bc") apart.
  h = Math.imul(h ^ 0xffff, 0x01000193);
  for (let i = 0; i < shard.length; i++) h = Math.imul(h ^ shard.charCodeAt(i), 0x01000193);
  return mix(h);
}

/** An accumulating binding digest. Adding then removing a binding leaves it unchanged. */
export class BindingDigest {
  readonly #lanes = new Uint32Array(4);
  #count = 0;

  /** Counts the binding `cluster → shard` in. */
  add(cluster: string, shard: string): void {
    for (let l = 0; l < 4; l++) this.#lanes[l] = this.#lanes[l]! + laneHash(SEEDS[l]!, cluster, shard);
    this.#count++;
  }

  /** Takes the binding `cluster → shard` out (it must have been added, or be part of a parsed digest). */
  remove(cluster: string, shard: string): void {
    for (let l = 0; l < 4; l++) this.#lanes[l] = this.#lanes[l]! - laneHash(SEEDS[l]!, cluster, shard);
    this.#count--;
  }

  /** How many bindings it covers. */
  get count(): number {
    return this.#count;
  }

  /** The text form recorded in plan files: `m4:<count>:<32 hex digits>`. */
  toString(): string {
    return `${PREFIX}:${this.#count}:${[...this.#lanes].map((v) => v.toString(16).padStart(8, '0')).join('')}`;
  }

  /** Reads the text form back; undefined when it is not one. */
  static parse(text: string): BindingDigest | undefined {
    const m = /^m4:(\d+):([0-9a-f]{32})$/.exec(text);
    if (m === null) return undefined;
    const d = new BindingDigest();
    d.#count = Number(m[1]);
    for (let l = 0; l < 4; l++) d.#lanes[l] = parseInt(m[2]!.slice(l * 8, l * 8 + 8), 16);
    return d;
  }
}

/** The digest of the bindings as they would be after `moves` (each applied where its `from` is covered). */
export function digestAfterMoves(digest: string, covered: ReadonlySet<string>, moves: readonly { cluster: string; from: string; to: string }[]): string {
  const d = BindingDigest.parse(digest);
  if (d === undefined) throw new Error(`not a binding digest: ${JSON.stringify(digest)}`);
  for (const m of moves) {
    if (covered.has(m.from)) d.remove(m.cluster, m.from);
    if (covered.has(m.to)) d.add(m.cluster, m.to);
  }
  return d.toString();
}
