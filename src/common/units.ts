/** Units as operators read them on a dashboard: short, fixed-ish width. */

/** Bytes in binary units: `512B`, `12.3K`, `61M`, `1.2G`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'K', 'M', 'G', 'T'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 0 : 1;
  return `${value.toFixed(digits)}${units[unit]}`;
}

/** A rate with a sensible precision: `0`, `3.5`, `42`, `1.2k`. */
export function formatRate(perSec: number): string {
  if (perSec >= 10_000) return `${(perSec / 1_000).toFixed(0)}k`;
  if (perSec >= 1_000) return `${(perSec / 1_000).toFixed(1)}k`;
  if (perSec >= 10 || perSec === 0) return perSec.toFixed(0);
  return perSec.toFixed(1);
}

/** `1 batch`, `2 batches`: a count and its noun, with the noun's plural when the count is not 1. */
export function counted(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? one : many}`;
}
