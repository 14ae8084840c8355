/**
 * `npm run bench [-- AREA …] [--quick] [--json FILE]`: fleet side by side with etcd on the
 * same machine, with the same load generator. Prints `fleet | etcd | ratio` per figure with
 * medians and spread, the goal and met/MISSED; `--json` writes the figures for comparison
 * over time. Benchmarks never run inside the test suite.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseBenchArgs, USAGE } from './args.js';
import { benchAuth } from './auth.js';
import { abortAll, installAbortHandlers } from './cleanup.js';
import { benchCli } from './cli.js';
import { benchEmbed } from './embed.js';
import { benchEtcdApi } from './etcd-api.js';
import { ETCD_INSTALL_HINT, findEtcd } from './etcd/cluster.js';
import { benchFailover } from './failover.js';
import { benchLibrary } from './library.js';
import { benchStalls } from './stalls.js';
import { figureLine, headerLine, normalize, type BenchFigure } from './figures.js';
import { benchNode } from './node.js';
import { benchRaftCore } from './raft-core.js';
import { benchRebind } from './rebind.js';
import { benchScale } from './scale.js';
import { benchTop } from './top.js';
import { staleness } from '../scripts/build-if-stale.mjs';

/** `suite`: the run takes several areas (an area may then shorten a soak to keep the suite's budget). */
type Area = (opts: { quick: boolean; suite: boolean }) => Promise<BenchFigure[]>;

/** The benchmark areas, in the order a full run takes them. */
const AREAS: Record<string, Area> = {
  'raft-core': benchRaftCore,
  node: benchNode,
  auth: benchAuth,
  failover: benchFailover,
  cli: benchCli,
  rebind: benchRebind,
  top: benchTop,
  scale: benchScale,
  embed: benchEmbed,
  'etcd-api': benchEtcdApi,
  library: benchLibrary,
  stalls: benchStalls,
};

/** Areas that run fleet's compiled CLI (`bin/run.js` over `dist/`): members, `fleet init`, `fleet status`. */
const NEEDS_BUILD = new Set(['node', 'auth', 'failover', 'cli', 'scale', 'rebind', 'top', 'embed', 'etcd-api', 'library', 'stalls']);

const ROOT = new URL('..', import.meta.url).pathname;
/**
 * `npm run build`: dist/ from the sources plus its start-up artifacts (precompiled protocol,
 * oclif manifest), so that members and the CLI run the code under test as an install would.
 */
function build(): void {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
}

function fleetVersion(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

function gitCommit(): string | null {
  const r = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function machine(): Record<string, unknown> {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()}-${os.arch()}`,
    kernel: os.release(),
    // The machine is often shared: the load says how much to trust absolute figures.
    loadavg: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2), Object.keys(AREAS));
  if (args.help) {
    console.log(`${USAGE}\nareas: ${Object.keys(AREAS).join(', ')}`);
    return;
  }
  installAbortHandlers();
  const etcd = findEtcd();
  const loadBefore = os.loadavg()[0]!.toFixed(2);
  console.log(`bench: ${args.quick ? 'quick' : 'full'} run of ${args.areas.join(', ')}; node ${process.version}, fleet ${fleetVersion()}, etcd ${etcd?.version ?? 'not installed'}; ${os.cpus().length} CPUs, load ${loadBefore}`);
  if (etcd === undefined) console.log(`bench: ${ETCD_INSTALL_HINT}`);
  const started = performance.now();
  if (args.areas.some((a) => NEEDS_BUILD.has(a))) {
    // The same rule as npm pack's prepare (scripts/build-if-stale.mjs): one notion of a current build.
    const stale = staleness(ROOT);
    if (stale === undefined) {
      console.log('bench: dist/ is newer than its sources; not rebuilding');
    } else {
      console.log(`bench: building dist/ (fleet members and the CLI run from it): ${stale}`);
      build();
    }
  }
  const figures: BenchFigure[] = [];
  console.log(headerLine());
  for (const area of args.areas) {
    const t0 = performance.now();
    for (const f of await AREAS[area]!({ quick: args.quick, suite: args.areas.length > 1 })) {
      figures.push(f);
      console.log(figureLine(f));
    }
    console.log(`${area}: ${((performance.now() - t0) / 1000).toFixed(0)} s, load ${os.loadavg()[0]!.toFixed(2)}`);
  }
  const missed = figures.filter((f) => f.met === false).map((f) => f.name);
  console.log(`bench: ${((performance.now() - started) / 1000).toFixed(0)} s; ${missed.length === 0 ? 'every goal judged was met' : `MISSED: ${missed.join(', ')}`}`);
  if (args.json !== undefined) {
    const versions = { node: process.version, fleet: fleetVersion(), commit: gitCommit(), etcd: etcd?.version ?? null };
    const doc = { machine: machine(), versions, quick: args.quick, areas: args.areas, figures: figures.map(normalize) };
    writeFileSync(args.json, `${JSON.stringify(doc, null, 2)}\n`);
    console.log(`bench: figures written to ${args.json}`);
  }
}

main().catch((err: unknown) => {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  abortAll();
  process.exit(1);
});
