/**
 * A stable text form of a register value, so that values compare by content: two values are
 * equal for the checker iff their canonical forms are equal. Object keys are sorted, undefined
 * reads as null (as it would after a JSON round trip), and bigints keep their own spelling so
 * that `1n` and `1` stay distinct.
 */
export function canonicalValue(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  switch (typeof value) {
    case 'bigint':
      return `${value}n`;
    case 'object':
      return Array.isArray(value) ? canonicalArray(value) : canonicalObject(value as Record<string, unknown>);
    default:
      return JSON.stringify(value) ?? 'null';
  }
}

function canonicalArray(items: readonly unknown[]): string {
  return `[${items.map(canonicalValue).join(',')}]`;
}

function canonicalObject(record: Record<string, unknown>): string {
  const keys = Object.keys(record).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalValue(record[k])}`).join(',')}}`;
}

/**
 * Numbers the distinct values of one register so that the search compares small integers.
 * Invariant: null (the initial value) is always id 0, and values share an id iff their
 * canonical forms are equal.
 */
export class ValueInterner {
  // Strings, finite numbers and booleans skip canonicalization: a Map already tells 1 from
  // "1", and their canonical forms cannot collide with those of objects, arrays or bigints.
  private readonly primitiveIds = new Map<string | number | boolean, number>();
  private readonly textIds = new Map<string, number>([['null', 0]]);
  private readonly samples: unknown[] = [null];

  /** The id of `value`, allocating one on first sight. */
  intern(value: unknown): number {
    if (typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) {
      return this.lookup(this.primitiveIds, value, value);
    }
    return this.lookup(this.textIds, canonicalValue(value), value);
  }

  /** The canonical text of an id, for messages. */
  text(id: number): string {
    return canonicalValue(this.samples[id]);
  }

  private lookup<K>(ids: Map<K, number>, key: K, value: unknown): number {
    let id = ids.get(key);
    if (id === undefined) {
      id = this.samples.length;
      ids.set(key, id);
      this.samples.push(value);
    }
    return id;
  }
}
