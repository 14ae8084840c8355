/** Parsers of operator input shared by the registry commands; errors are usage errors (exit 2). */
import { UsageError } from '../common/errors.js';

/** `key=value` → [key, value]; both non-empty. */
export function parsePair(text: string, what: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0 || eq === text.length - 1) throw new UsageError(`invalid ${what} ${JSON.stringify(text)}: expected KEY=VALUE`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}

/** Repeated `key=value` flags → a record; a key given twice is an error. */
export function parsePairs(items: readonly string[] | undefined, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items ?? []) {
    const [k, v] = parsePair(item, what);
    if (k in out) throw new UsageError(`${what} ${k} is given twice`);
    out[k] = v;
  }
  return out;
}

/** Repeated `name=N` flags → a record of non-negative integers. */
export function parseCounts(items: readonly string[] | undefined, what: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(parsePairs(items, what))) {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`invalid ${what} ${k}=${v}: expected a whole number ≥ 0`);
    out[k] = n;
  }
  return out;
}
