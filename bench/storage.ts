/**
 * Storage benchmark: persists/s and entries/s with fsync for batches of 1, 16 and 64 entries of
 * 300 bytes — one caller at a time (latency-bound) and many at once (group commit) — and the
 * time to recover 100k entries.
 *
 *   node --import tsx bench/storage.ts
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Entry } from '../src/core/raft/types.js';
import { RaftStorage, type RaftStorageOptions } from '../src/core/storage/index.js';

const ENTRY_BYTES = 300;
const WARMUP_MS = 500;
const MEASURE_MS = 2000;
const RECOVERY_ENTRIES = 100_000;

interface Result {
  readonly persistsPerSec: number;
  readonly entriesPerSec: number;
  readonly fsyncsPerSec: number;
  readonly meanFsyncMs: number;
  readonly p99PersistMs: number;
}

/** Runs `callers` loops that each persist batches of `batch` entries back to back, for a fixed time. */
async function measure(batch: number, callers: number, options: RaftStorageOptions = {}): Promise<Result> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-bench-storage-'));
  const fsyncTimes: number[] = [];
  const { storage } = await RaftStorage.open(dir, { ...options, onFsync: (s) => fsyncTimes.push(s) });
  const data = new Uint8Array(ENTRY_BYTES).fill(42);
  let next = 1;
  let measuring = false;
  let persists = 0;
  const latencies: number[] = [];
  const loop = async (until: number) => {
    while (performance.now() < until) {
      const entries: Entry[] = [];
      for (let k = 0; k < batch; k++) entries.push({ index: next++, term: 1, type: 'normal', data });
      const started = performance.now();
      await storage.persist({ entries, hardState: { term: 1, vote: 'n1', commit: next - 1 } });
      if (measuring) {
        persists++;
        latencies.push(performance.now() - started);
      }
    }
  };
  await Promise.all(Array.from({ length: callers }, () => loop(performance.now() + WARMUP_MS)));
  measuring = true;
  fsyncTimes.length = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: callers }, () => loop(started + MEASURE_MS)));
  const seconds = (performance.now() - started) / 1000;
  await storage.close();
  fs.rmSync(dir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  return {
    persistsPerSec: persists / seconds,
    entriesPerSec: (persists * batch) / seconds,
    fsyncsPerSec: fsyncTimes.length / seconds,
    meanFsyncMs: (fsyncTimes.reduce((a, b) => a + b, 0) / Math.max(1, fsyncTimes.length)) * 1000,
    p99PersistMs: latencies[Math.floor(latencies.length * 0.99)] ?? 0,
  };
}

/** Writes `count` entries, closes, and times a full open (recovery) of the directory. */
async function measureRecovery(count: number): Promise<{ ms: number; entries: number; walMiB: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-bench-recovery-'));
  const { storage } = await RaftStorage.open(dir);
  const data = new Uint8Array(ENTRY_BYTES).fill(7);
  const pending: Promise<void>[] = [];
  for (let i = 1; i <= count; i += 64) {
    const entries: Entry[] = [];
    for (let k = i; k < Math.min(count + 1, i + 64); k++) entries.push({ index: k, term: 1, type: 'normal', data });
    pending.push(storage.persist({ entries, hardState: { term: 1, vote: 'n1', commit: i } }));
    if (pending.length >= 32) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  const walMiB = storage.stats().walBytes / (1 << 20);
  await storage.close();
  const started = performance.now();
  const opened = await RaftStorage.open(dir);
  const ms = performance.now() - started;
  await opened.storage.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return { ms, entries: opened.entries.length, walMiB };
}

function row(label: string, r: Result): string {
  const f = (n: number, w: number, d = 0) => n.toFixed(d).padStart(w);
  return `${label.padEnd(34)}${f(r.persistsPerSec, 11)}${f(r.entriesPerSec, 12)}${f(r.fsyncsPerSec, 10)}${f(r.meanFsyncMs, 10, 3)}${f(r.p99PersistMs, 10, 2)}`;
}

async function main(): Promise<void> {
  const load = os.loadavg()[0]?.toFixed(1);
  console.log(`storage bench: ${ENTRY_BYTES}-byte entries, fsync on every commit, ${os.cpus().length} CPUs, load ${load}, node ${process.version}`);
  console.log(`${'case'.padEnd(34)}${'persists/s'.padStart(11)}${'entries/s'.padStart(12)}${'fsyncs/s'.padStart(10)}${'fsync ms'.padStart(10)}${'p99 ms'.padStart(10)}`);
  for (const batch of [1, 16, 64]) {
    console.log(row(`batch ${batch}, 1 caller`, await measure(batch, 1)));
    console.log(row(`batch ${batch}, 64 callers (group commit)`, await measure(batch, 64)));
  }
  console.log(row('batch 1, 1 caller, no preallocation', await measure(1, 1, { preallocate: false })));
  const recovery = await measureRecovery(RECOVERY_ENTRIES);
  console.log(`recovery: ${recovery.entries} entries (${recovery.walMiB.toFixed(1)} MiB of WAL) in ${recovery.ms.toFixed(0)} ms`);
}

await main();
