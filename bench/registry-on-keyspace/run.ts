/**
 * Issue 56: the registry's records on the keyspace, decided by measurement. Builds today's
 * registry and the keyspace prototype (keyspace-registry.ts) from the same workload, each in a
 * process of its own, then restores each from its image in a fresh process, one at a time; prints
 * the figures side by side with their ratio and whether each is within the issue's 1.3×.
 *
 *   node --import tsx bench/registry-on-keyspace/run.ts [--clusters 1000000] [--shards 1000] [--lookups 10000] [--json FILE]
 *
 * The decision and its figures: docs/architecture.md, "The registry's records: on the keyspace or
 * apart"; the raw figures: BENCHMARKS.md.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The issue's rule: adopt only if the keyspace is within this factor of today on each decisive figure. */
export const WITHIN = 1.3;

const PROBE = fileURLToPath(new URL('./probe.ts', import.meta.url));

type Figures = Record<string, number | null>;

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** Runs one side's phase in a child of its own and answers its figures. */
function probe(phase: 'build' | 'restore', side: 'registry' | 'keyspace', image: string, args: readonly number[]): Figures {
  const started = performance.now();
  const r = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=16384', '--import', 'tsx', PROBE, phase, side, image, ...args.map(String)], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('FIGURES '));
  if (r.status !== 0 || line === undefined) throw new Error(`${side} ${phase} failed (${r.status}): ${r.stderr}`);
  console.log(`${side} ${phase}: ${((performance.now() - started) / 1000).toFixed(1)} s, load ${loadavg()[0]!.toFixed(1)}`);
  return JSON.parse(line.slice('FIGURES '.length)) as Figures;
}

/** One row: a figure of each side, lower is better; `decides`: one of the issue's figures. */
interface Row {
  readonly figure: string;
  readonly unit: string;
  readonly registry: number;
  readonly keyspace: number;
  readonly decides: boolean;
}

function rows(b: { registry: Figures; keyspace: Figures }, r: { registry: Figures; keyspace: Figures }): Row[] {
  const both = (figure: string, unit: string, decides: boolean, of: (f: { build: Figures; restore: Figures }) => number): Row => ({
    figure,
    unit,
    decides,
    registry: of({ build: b.registry, restore: r.registry }),
    keyspace: of({ build: b.keyspace, restore: r.keyspace }),
  });
  const n = (x: number | null | undefined): number => x ?? 0;
  return [
    both('RSS after the load (compacted)', 'MiB', true, (f) => n(f.build.rssMiB)),
    both('RSS after the restart', 'MiB', true, (f) => n(f.restore.rssMiB)),
    both('image: begin + every step', 'ms', true, (f) => n(f.build.imageMs)),
    both('restart: restore from the image', 'ms', true, (f) => n(f.restore.restoreMs)),
    both('contact p50: a cluster\'s lookup', 'µs', true, (f) => n(f.build.lookupP50Us)),
    both('contact p50 after the restart', 'µs', true, (f) => n(f.restore.lookupP50Us)),
    both('image size', 'MiB', false, (f) => n(f.build.imageBytes) / 1024 / 1024),
    both('heap after the load (compacted)', 'MiB', false, (f) => n(f.build.heapMiB)),
    both('RSS after the load, before compaction', 'MiB', false, (f) => n(f.build.loadedRssMiB)),
    both('contact p99', 'µs', false, (f) => n(f.build.lookupP99Us)),
    both('apply, per entry (every replica)', 'µs', false, (f) => (n(f.build.applyMs) * 1000) / n(f.build.entries)),
    both('propose, per entry (decide + encode)', 'µs', false, (f) => (n(f.build.proposeMs) * 1000) / n(f.build.entries)),
  ];
}

function show(x: number): string {
  return x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(x >= 10 ? 1 : 2);
}

function main(): void {
  const clusters = flag('clusters', 1_000_000);
  const shards = flag('shards', 1_000);
  const args = [clusters, shards, flag('moves', Math.floor(clusters / 100)), flag('lookups', 10_000)];
  const dir = mkdtempSync(join(tmpdir(), 'fleet-registry-on-keyspace-'));
  try {
    const image = (side: string): string => join(dir, `${side}.image`);
    // One at a time: each RSS is its own process's, and the two cores are not shared between sides.
    const built = { registry: probe('build', 'registry', image('registry'), args), keyspace: probe('build', 'keyspace', image('keyspace'), args) };
    const restored = { registry: probe('restore', 'registry', image('registry'), args), keyspace: probe('restore', 'keyspace', image('keyspace'), args) };
    const table = rows(built, restored);
    console.log(`${clusters.toLocaleString('en-US')} clusters over ${shards.toLocaleString('en-US')} shards; ${built.registry.entries} entries on each side`);
    console.log(`${'figure'.padEnd(40)} ${'registry'.padStart(10)} ${'keyspace'.padStart(10)} ${'ratio'.padStart(7)}`);
    for (const row of table) {
      const ratio = row.keyspace / row.registry;
      const verdict = row.decides ? (ratio <= WITHIN ? 'within' : 'MISSES') : '';
      console.log(`${`${row.figure} (${row.unit})`.padEnd(40)} ${show(row.registry).padStart(10)} ${show(row.keyspace).padStart(10)} ${`${ratio.toFixed(2)}×`.padStart(7)} ${verdict}`);
    }
    const adopt = table.every((row) => !row.decides || row.keyspace / row.registry <= WITHIN);
    console.log(`decision: ${adopt ? 'adopt (every figure within' : 'keep the registry apart (a figure beyond'} ${WITHIN}×)`);
    const json = process.argv.indexOf('--json');
    if (json >= 0) writeFileSync(process.argv[json + 1]!, JSON.stringify({ clusters, shards, built, restored, adopt }, null, 2));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
