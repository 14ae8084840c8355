/**
 * What a member's large-file work costs the WAL commits beside it: a 4 KiB write + fdatasync
 * loop (the WAL's shape) runs while a 64 MiB file is deleted or written in each of the ways
 * below, and the probe prints the loop's worst and 99th-percentile fdatasync and the longest
 * event-loop block. The figures in file-reaper.ts, fs-util.ts and preallocator.ts come from it:
 *
 *   node --import tsx bench/disk-stall-probe.ts
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FileReaper } from '../src/core/storage/file-reaper.js';
import { SnapshotFileWriter } from '../src/core/storage/snapshot-file.js';
import { silentLogger } from '../src/core/storage/logger.js';

const MIB = 1 << 20;
const BIG = 64 * MIB;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-disk-stall-'));
const wal = fs.openSync(path.join(dir, 'wal'), 'w');
fs.writeSync(wal, Buffer.alloc(MIB));
fs.fsyncSync(wal);

/** Writes a 64 MiB file and makes it durable, outside any measurement. */
function bigFile(name: string): string {
  const file = path.join(dir, name);
  const fd = fs.openSync(file, 'w');
  for (let i = 0; i < BIG / MIB; i++) fs.writeSync(fd, Buffer.alloc(MIB, 1));
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  return file;
}

/** The WAL's commit loop for `ms`, with an event-loop lateness probe beside it. */
async function commitLoop(ms: number, work: () => Promise<unknown> | void): Promise<string> {
  const page = Buffer.alloc(4096, 2);
  const lat: number[] = [];
  let block = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    block = Math.max(block, now - last);
    last = now;
  }, 1);
  const end = performance.now() + ms;
  const done = Promise.resolve(work());
  for (let off = 0; performance.now() < end; off = (off + 4096) % MIB) {
    fs.writeSync(wal, page, 0, page.length, off);
    const t = performance.now();
    await new Promise<void>((resolve, reject) => fs.fdatasync(wal, (err) => (err ? reject(err) : resolve())));
    lat.push(performance.now() - t);
  }
  await done;
  clearInterval(timer);
  lat.sort((a, b) => a - b);
  const p99 = lat[Math.floor(lat.length * 0.99)] ?? 0;
  return `commits ${lat.length}, fdatasync p99 ${p99.toFixed(1)} ms, max ${(lat.at(-1) ?? 0).toFixed(1)} ms; longest event-loop block ${block.toFixed(1)} ms`;
}

async function writeOnce(file: string): Promise<void> {
  const fh = await fsp.open(file, 'w');
  for (let at = 0; at < BIG; at += MIB) await fh.write(Buffer.alloc(MIB), 0, MIB, at);
  await fh.datasync();
  await fh.close();
}

const zeros = Buffer.alloc(BIG);
async function writeSliced(file: string): Promise<void> {
  const writer = SnapshotFileWriter.create(file, { index: 1, term: 1, conf: { voters: ['n1'], learners: [] } });
  await writer.writeAll(zeros);
  await writer.commit(zeros.length);
}

const reaper = new FileReaper(silentLogger);
const cases: [string, () => Promise<string>][] = [
  ['nothing beside it', () => commitLoop(1000, () => undefined)],
  ['unlinkSync of 64 MiB', () => { const f = bigFile('a'); return commitLoop(1000, () => fs.unlinkSync(f)); }],
  ['unlink of 64 MiB on the pool', () => { const f = bigFile('b'); return commitLoop(1000, () => fsp.unlink(f)); }],
  ['FileReaper.retire of 64 MiB', () => { const f = bigFile('c'); return commitLoop(1000, async () => { reaper.discard((await reaper.retire(f))!, { truncate: true }); await reaper.idle(); }); }],
  ['64 MiB written, one fdatasync', () => commitLoop(1000, () => writeOnce(path.join(dir, 'd'))) ],
  ['64 MiB written as a snapshot is (synced every 4 MiB)', () => commitLoop(1000, () => writeSliced(path.join(dir, 'e')))],
];
try {
  for (let round = 1; round <= Number(process.env.ROUNDS ?? 2); round++) {
    for (const [name, run] of cases) console.log(`${name.padEnd(50)} ${await run()}`);
  }
} finally {
  fs.closeSync(wal);
  fs.rmSync(dir, { recursive: true, force: true });
}
