/** `fleet watch` output: one line per change, for people or (with --json) one JSON document per line. */
import type { WatchEvent } from '../client/types.js';
import { printable } from '../common/printable.js';
import type { Palette } from './colors.js';

/** A value or view as it prints: JSON, `-` for none. */
function shown(value: unknown): string {
  // JSON escapes control characters in strings; printable() catches U+2028/9, which it leaves.
  return value === null ? '-' : printable(JSON.stringify(value));
}

/** One change for people: `index type key old → new`. */
export function watchLine(e: WatchEvent, p: Palette): string {
  const key = printable(e.ns === '' ? e.key : `${e.ns}:${e.key}`);
  const type = e.type === 'delete' || e.new === null ? p.warn(e.type) : p.ok(e.type);
  return `${p.dim(String(e.index))} ${type} ${p.bold(key)} ${shown(e.old)} ${p.dim('→')} ${shown(e.new)}`;
}

/** One change as a JSON document on one line. */
export function watchJsonLine(e: WatchEvent): string {
  return JSON.stringify({ index: e.index, registry: e.registry, type: e.type, ns: e.ns, key: e.key, old: e.old, new: e.new });
}
