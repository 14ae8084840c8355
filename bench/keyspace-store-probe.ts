// Ad-hoc (not part of `npm run bench`): the etcd keyspace store (MvccStore) alone, no member
// around it: the heap it holds per key after N puts of new keys with 256-byte values (each key
// one version, measured after gc), then µs per put of a new key, per overwrite (1,000 keys
// written over and over) and per prefix range of at most 10 keys.
// Usage: node --expose-gc --import tsx bench/keyspace-store-probe.ts [N]
import { MvccStore } from '../src/core/etcd-store/mvcc.js';

const n = Number(process.argv[2] ?? 100_000);
const b = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');
const value = b('x'.repeat(256));
const keys = Array.from({ length: n }, (_, i) => b(`fill/${i}`));
const perOp = (count: number, op: (i: number) => void): string => {
  const t0 = performance.now();
  for (let i = 0; i < count; i++) op(i);
  return (((performance.now() - t0) * 1000) / count).toFixed(2);
};

gc();
const base = process.memoryUsage().heapUsed;
const store = new MvccStore(1);
const fresh = perOp(n, (i) => store.put({ key: keys[i]!, value }));
gc();
const heap = (process.memoryUsage().heapUsed - base) / n;
const over = perOp(n, (i) => store.put({ key: keys[i % 1000]!, value }));
const range = perOp(2_000, (i) => store.range({ key: b(`fill/${i * 37}`), rangeEnd: b(`fill/${i * 37}~`), limit: 10 }));
console.log(`MvccStore, ${n} keys: heap ${heap.toFixed(0)} B/key; put of a new key ${fresh} µs, overwrite ${over} µs, prefix range ${range} µs`);
