/**
 * One side of the registry-on-keyspace probe in one process (run.ts starts one per side and
 * phase, so that each RSS is the side's alone). Prints one line, `FIGURES {json}`.
 *
 *   node --expose-gc --import tsx bench/registry-on-keyspace/probe.ts build   SIDE IMAGE N SHARDS MOVES LOOKUPS
 *   node --expose-gc --import tsx bench/registry-on-keyspace/probe.ts restore SIDE IMAGE N SHARDS MOVES LOOKUPS
 *
 * build: loads the workload, measures memory, the lookups, then writes the image to IMAGE.
 * restore: reads IMAGE, restores it (the restart), measures memory and the lookups again.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { KeyspaceSide, RegistrySide, type Side } from './sides.js';
import { clusterName, finalShard, lookupSample, workload, type WorkloadSize } from './workload.js';

const MiB = 1024 * 1024;

/** Heap and RSS after a full GC and a moment for V8 to hand freed pages back. */
async function memory(): Promise<{ heapMiB: number; rssMiB: number }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with node --expose-gc');
  gc();
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  gc();
  const m = process.memoryUsage();
  return { heapMiB: m.heapUsed / MiB, rssMiB: m.rss / MiB };
}

/** The lookup a client makes to find a cluster's shard, `count` times at random; checks every answer. */
function lookups(side: Side, size: WorkloadSize, count: number): { p50Us: number; p99Us: number } {
  const sample = lookupSample(size.clusters, count);
  const names = sample.map(clusterName);
  const times = new Float64Array(count);
  for (let round = 0; round < 2; round++) {
    // The first round warms the code up; the second is the one recorded.
    for (let i = 0; i < count; i++) {
      const t0 = process.hrtime.bigint();
      const view = side.getCluster(names[i]!);
      times[i] = Number(process.hrtime.bigint() - t0) / 1000;
      if (view?.shard !== finalShard(size, sample[i]!)) throw new Error(`${side.name}: ${names[i]} answered ${JSON.stringify(view)}, bound to ${finalShard(size, sample[i]!)}`);
    }
  }
  times.sort();
  return { p50Us: times[Math.floor(count * 0.5)]!, p99Us: times[Math.floor(count * 0.99)]! };
}

async function build(side: Side, size: WorkloadSize, imagePath: string, count: number): Promise<Record<string, number | null>> {
  const base = await memory();
  const load = side.load(workload(size));
  const loaded = await memory();
  const settleMs = side.settle();
  const settled = settleMs === null ? loaded : await memory();
  const read = lookups(side, size, count);
  const t0 = performance.now();
  const image = side.image();
  const imageMs = performance.now() - t0;
  writeFileSync(imagePath, image);
  return {
    entries: load.entries,
    applyMs: load.applyMs,
    proposeMs: load.proposeMs,
    baseRssMiB: base.rssMiB,
    loadedRssMiB: loaded.rssMiB,
    loadedHeapMiB: loaded.heapMiB - base.heapMiB,
    settleMs,
    rssMiB: settled.rssMiB,
    heapMiB: settled.heapMiB - base.heapMiB,
    imageMs,
    imageBytes: image.byteLength,
    lookupP50Us: read.p50Us,
    lookupP99Us: read.p99Us,
  };
}

/** Reads the image and restores it, answering the restore's ms: the image goes with this call, as a member lets go of it once restored. */
function restoreFrom(side: Side, imagePath: string): number {
  const image = new Uint8Array(readFileSync(imagePath));
  const t0 = performance.now();
  side.restore(image);
  return performance.now() - t0;
}

async function restore(side: Side, size: WorkloadSize, imagePath: string, count: number): Promise<Record<string, number>> {
  const base = await memory();
  const restoreMs = restoreFrom(side, imagePath);
  const after = await memory();
  const read = lookups(side, size, count);
  return { restoreMs, baseRssMiB: base.rssMiB, rssMiB: after.rssMiB, heapMiB: after.heapMiB - base.heapMiB, lookupP50Us: read.p50Us, lookupP99Us: read.p99Us };
}

async function main(): Promise<void> {
  const [phase, sideName, imagePath, n, shards, moves, count] = process.argv.slice(2);
  if ((phase !== 'build' && phase !== 'restore') || (sideName !== 'registry' && sideName !== 'keyspace') || imagePath === undefined) {
    throw new Error('usage: probe.ts build|restore registry|keyspace IMAGE CLUSTERS SHARDS MOVES LOOKUPS');
  }
  const size: WorkloadSize = { clusters: Number(n), shards: Number(shards), moves: Number(moves) };
  const side: Side = sideName === 'registry' ? new RegistrySide() : new KeyspaceSide();
  const figures = phase === 'build' ? await build(side, size, imagePath, Number(count)) : await restore(side, size, imagePath, Number(count));
  console.log(`FIGURES ${JSON.stringify(figures)}`);
}

main().catch((err: unknown) => {
  console.error(`probe: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
