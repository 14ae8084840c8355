// Ad-hoc (not part of `npm run bench`): what one etcd write costs as a log entry, JSON (data
// format 2) against binary (format 3, src/core/etcd-store/request-codec.ts): bytes, and µs to
// encode (the leader, once) and decode (every member), for a Put of VALUE bytes.
// Usage: node --import tsx bench/etcd-entry-probe.ts [VALUE] [ENTRIES] [REPS]
import type { EtcdRequest } from '../src/core/etcd-store/replica.js';
import { decodeEtcdLogEntry, encodeEtcdLogEntry } from '../src/core/etcd-store/request-codec.js';

const valueBytes = Number(process.argv[2] ?? 512);
const entries = Number(process.argv[3] ?? 100_000);
const reps = Number(process.argv[4] ?? 5);
const req: EtcdRequest = {
  at: 1_790_000_000_000.25,
  op: { type: 'txn', txn: { success: [{ put: { key: Buffer.from('/registry/pods/default/web-7d4b9c-x2x9q'), value: new Uint8Array(valueBytes).fill(97), prevKv: false } }] } },
};

const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const binary of [false, true]) {
  const enc: number[] = [];
  const dec: number[] = [];
  let entry = encodeEtcdLogEntry(req, binary);
  for (let r = 0; r < reps; r++) {
    let t = performance.now();
    for (let i = 0; i < entries; i++) entry = encodeEtcdLogEntry(req, binary);
    enc.push(((performance.now() - t) * 1000) / entries);
    t = performance.now();
    for (let i = 0; i < entries; i++) decodeEtcdLogEntry(entry);
    dec.push(((performance.now() - t) * 1000) / entries);
  }
  console.log(`${binary ? 'binary' : 'json  '}  ${entry.length} bytes  encode ${median(enc).toFixed(2)} µs  decode ${median(dec).toFixed(2)} µs  (${valueBytes}-byte Put, median of ${reps} × ${entries})`);
}
