/**
 * The disk's floor: 4 KiB write + fdatasync in a loop for 3 s, appending to a growing file or
 * overwriting a zero-filled one. Run several at once to see what concurrent members get:
 *
 *   for i in 1 2 3; do node --import tsx bench/fsync-probe.ts prealloc $i & done; wait
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [mode = 'append', id = '0'] = process.argv.slice(2);
const file = path.join(os.tmpdir(), `fleet-fsync-probe-${process.pid}-${id}`);
const fd = fs.openSync(file, 'w');
if (mode === 'prealloc') {
  const zeros = Buffer.alloc(1 << 20);
  for (let i = 0; i < 32; i++) fs.writeSync(fd, zeros, 0, zeros.length, i << 20);
  fs.fsyncSync(fd);
}
const block = Buffer.alloc(4096, 1);
const latencies: number[] = [];
const end = performance.now() + 3000;
for (let offset = 0; performance.now() < end; offset += block.length) {
  const t0 = performance.now();
  fs.writeSync(fd, block, 0, block.length, offset);
  await new Promise<void>((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())));
  latencies.push(performance.now() - t0);
}
fs.closeSync(fd);
fs.unlinkSync(file);
latencies.sort((a, b) => a - b);
const at = (q: number) => (latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN).toFixed(3);
console.log(`${mode} #${id}: ${latencies.length} syncs, p50 ${at(0.5)} ms, p99 ${at(0.99)} ms`);
