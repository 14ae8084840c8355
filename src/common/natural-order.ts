/**
 * Natural order for member and shard ids (n2 before n10), without Intl: a collator cost
 * `fleet status` 14 ms of start-up to sort three rows. Runs of digits compare by value, the rest
 * case-insensitively, then exactly, so the order is total.
 */
const CHUNK = /(\d+)|(\D+)/g;

export function naturalCompare(a: string, b: string): number {
  const x = a.match(CHUNK) ?? [];
  const y = b.match(CHUNK) ?? [];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const c = compareChunk(x[i]!, y[i]!);
    if (c !== 0) return c;
  }
  if (x.length !== y.length) return x.length - y.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareChunk(p: string, q: string): number {
  const pDigits = p.charCodeAt(0) >= 48 && p.charCodeAt(0) <= 57;
  const qDigits = q.charCodeAt(0) >= 48 && q.charCodeAt(0) <= 57;
  if (pDigits && qDigits) {
    const pv = p.replace(/^0+(?=\d)/, '');
    const qv = q.replace(/^0+(?=\d)/, '');
    if (pv.length !== qv.length) return pv.length - qv.length;
    if (pv !== qv) return pv < qv ? -1 : 1;
    return 0;
  }
  if (pDigits !== qDigits) return pDigits ? -1 : 1;
  const pl = p.toLowerCase();
  const ql = q.toLowerCase();
  return pl < ql ? -1 : pl > ql ? 1 : 0;
}
