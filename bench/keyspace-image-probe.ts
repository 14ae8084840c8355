/**
 * The etcd keyspace's image: one JSON.stringify in one turn (`EtcdReplica.snapshot()`, what a
 * member wrote before) against the image in steps (`EtcdReplica.beginImage()`), on the keyspace
 * `etcdctl check perf` leaves (60,000 keys of 512 bytes). Prints the longest turn each holds, the
 * whole time, and the restore; then the same for the binary image (data format 6) in steps.
 * Run: node --import tsx bench/keyspace-image-probe.ts [keys]
 */
import { MvccStore } from '../src/core/etcd-store/mvcc.js';
import { EtcdReplica } from '../src/core/etcd-store/replica.js';

const keys = Number(process.argv[2] ?? 60_000);
const replica = new EtcdReplica();
const store = (replica as unknown as { current: MvccStore }).current;
const value = new Uint8Array(512).fill(0x61);
for (let i = 0; i < keys; i++) store.put({ key: Buffer.from(`/perf/${i}`), value });

for (let round = 0; round < 3; round++) {
  let t = performance.now();
  const whole = replica.snapshot();
  const oneTurnMs = performance.now() - t;

  t = performance.now();
  const job = replica.beginImage()!;
  let longestMs = 0;
  const steps = job.steps(() => undefined);
  for (;;) {
    const s = performance.now();
    const done = steps.next().done === true;
    longestMs = Math.max(longestMs, performance.now() - s);
    if (done) break;
  }
  const steppedMs = performance.now() - t;

  t = performance.now();
  new EtcdReplica().restore(whole);
  const restoreMs = performance.now() - t;
  console.log(`${keys} keys, ${(whole.length / 1e6).toFixed(1)} MB: one turn ${oneTurnMs.toFixed(0)} ms; in steps ${steppedMs.toFixed(0)} ms in all, longest step ${longestMs.toFixed(1)} ms; restore ${restoreMs.toFixed(0)} ms`);
  binaryRound();
}

/** The binary image: written in steps into one buffer, then restored. */
function binaryRound(): void {
  let t = performance.now();
  const job = replica.beginImage(undefined, true)!;
  const chunks: { bytes: Buffer; offset: number }[] = [];
  let longestMs = 0;
  const steps = job.steps((bytes, offset) => void chunks.push({ bytes: Buffer.from(bytes), offset }));
  for (;;) {
    const s = performance.now();
    const done = steps.next().done === true;
    longestMs = Math.max(longestMs, performance.now() - s);
    if (done) break;
  }
  const image = Buffer.alloc(job.length);
  for (const c of chunks) image.set(c.bytes, c.offset);
  const steppedMs = performance.now() - t;
  t = performance.now();
  new EtcdReplica().restore(image);
  const restoreMs = performance.now() - t;
  console.log(`  binary, ${(image.length / 1e6).toFixed(1)} MB: in steps ${steppedMs.toFixed(0)} ms in all, longest step ${longestMs.toFixed(1)} ms; restore ${restoreMs.toFixed(0)} ms`);
}
