// Ad-hoc (not part of `npm run bench`): the heap an etcd keyspace store (MvccStore) holds per key,
// after N puts of new keys with 256-byte values (each key one version), measured after gc.
// Usage: node --expose-gc --import tsx bench/keyspace-heap-probe.ts [N]
import { MvccStore } from '../src/core/etcd-store/mvcc.js';

const n = Number(process.argv[2] ?? 100_000);
const b = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');
gc();
const base = process.memoryUsage().heapUsed;
const store = new MvccStore(1);
const value = b('x'.repeat(256));
for (let i = 0; i < n; i++) store.put({ key: b(`fill/${i}`), value });
gc();
const heap = process.memoryUsage().heapUsed - base;
console.log(`keyspace heap: ${(heap / n).toFixed(0)} B/key, ${store.keyCount} keys`);
