/**
 * `npm run sim`: runs the deterministic cluster simulator over a range of seeds and prints
 * one line per run, then `N passed, M failed`. A failed seed prints the command that replays
 * it exactly. Exit codes follow DESIGN.md: 0 all passed, 6 a safety or liveness violation
 * (or a crash of the core), 2 bad usage.
 *
 * `--host model` (the default) drives the Raft core through the simulator's own host
 * (host.ts); `--host real` runs real FleetNodes (src/core/node) on simulated time, network and
 * disks (real/), with `--disk-faults` drawing slow fsyncs, fsync EIO, unsynced data that
 * survives crashes and latent damage; each run's line then counts every fault class injected.
 * Its members' storage is the production RaftStorage on a simulated file system
 * (`--storage real`, the default) or the in-memory model of it (`--storage model`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { UnsafeTestingOptions } from '../../src/core/raft/types.js';
import { parseFaults, type FaultKind } from './faults.js';
import { runBatch } from './pool.js';
import { replayCommand, summaryLine, type RunResult } from './run.js';
import { REAL_UNSAFE, type RealStorageKind, type RealUnsafe } from './real/cluster.js';
import { parseRealFaults, REAL_FAULT_KINDS, type RealFaultKind } from './real/plan.js';
import { runRealBatch } from './real/pool.js';
import { formatInjected, realSummaryLine, replayRealCommand, type RealRunResult } from './real/run.js';

const USAGE = `usage: npm run sim -- [--host model|real] --nodes 3|5 --seeds N [--seed-start S] [--steps K]
         [--faults all|none|LIST] [--unsafe MODE] [--workers W] [--verbose]
       npm run sim -- --host real ... [--disk-faults] [--storage real|model] [--app]   (--disk-faults and --app imply --host real)
--host model (default): the Raft core in the simulator's own host; K steps of one tick (default 5000);
  --faults from drop,dup,delay,partition,crash,transfer,membership; --unsafe commit-previous-term|vote-twice.
--host real: real FleetNodes on simulated time, network and disks; K steps of 100 ms (default 200);
  --faults from ${REAL_FAULT_KINDS.join(',')};
  --disk-faults adds slow fsyncs, fsync EIO, unsynced writes that survive crashes (torn tails), latent damage and full disks (ENOSPC);
  --storage real (default): the production storage on a simulated file system; model: a model of it in memory;
  --app: every member also hosts a second state machine (test/sim/real/sim-app.ts) in the same log, written every step;
  --unsafe ${REAL_UNSAFE.join('|')}.
--unsafe breaks every node (to prove the checkers can fail) and switches to the hostile fault
mix that exposes it; --verbose prints each run's event log.`;

/** The deliberately broken cores `--unsafe` selects, for proving the checkers can fail. */
const UNSAFE_MODES: Readonly<Record<string, UnsafeTestingOptions>> = {
  'commit-previous-term': { commitPreviousTermByCount: true },
  'vote-twice': { voteTwicePerTerm: true },
};

interface CliOptions {
  readonly host: 'model' | 'real';
  readonly diskFaults: boolean;
  /** --app: every member also hosts a second state machine in the same log (real host only). */
  readonly app?: boolean;
  /** --host real: the members' storage (real RaftStorage on a simulated file system, or its model). */
  readonly storage?: RealStorageKind;
  readonly realFaults: ReadonlySet<RealFaultKind>;
  readonly nodes: number;
  readonly seeds: number;
  readonly seedStart: number;
  readonly steps: number;
  readonly faultSpec: string;
  readonly faults: ReadonlySet<FaultKind>;
  readonly unsafeName: string | undefined;
  readonly workers: number;
  readonly verbose: boolean;
}

class UsageError extends Error {}

function integer(name: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min) throw new UsageError(`--${name} must be an integer ≥ ${min}, got '${text}'`);
  return value;
}

function parseCli(argv: readonly string[]): CliOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      nodes: { type: 'string' },
      seeds: { type: 'string' },
      'seed-start': { type: 'string' },
      steps: { type: 'string' },
      faults: { type: 'string' },
      unsafe: { type: 'string' },
      workers: { type: 'string' },
      verbose: { type: 'boolean' },
      host: { type: 'string' },
      'disk-faults': { type: 'boolean' },
      app: { type: 'boolean' },
      storage: { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) throw new UsageError('');
  // Disk faults exist only under real nodes: asking for them asks for the real host.
  const host = values.host ?? (values['disk-faults'] || values.app ? 'real' : 'model');
  if (host !== 'model' && host !== 'real') throw new UsageError(`--host must be model or real, got '${host}'`);
  if (host === 'real') return parseRealCli(values);
  if (values.storage !== undefined) throw new UsageError('--storage needs --host real');
  if (values.app === true) throw new UsageError('--app needs --host real');
  const nodes = integer('nodes', values.nodes, 3, 3);
  if (nodes !== 3 && nodes !== 5) throw new UsageError(`--nodes must be 3 or 5, got ${nodes}`);
  const unsafeName = values.unsafe;
  if (unsafeName !== undefined && UNSAFE_MODES[unsafeName] === undefined) {
    throw new UsageError(`--unsafe must be one of ${Object.keys(UNSAFE_MODES).join(', ')}, got '${unsafeName}'`);
  }
  const faultSpec = values.faults ?? 'all';
  let faults: ReadonlySet<FaultKind>;
  try {
    faults = parseFaults(faultSpec);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return {
    host,
    diskFaults: false,
    realFaults: new Set(),
    nodes,
    seeds: integer('seeds', values.seeds, 10, 1),
    seedStart: integer('seed-start', values['seed-start'], 1, 0),
    steps: integer('steps', values.steps, 5000, 1),
    faultSpec,
    faults,
    unsafeName,
    workers: integer('workers', values.workers, 1, 1),
    verbose: values.verbose ?? false,
  };
}

type Values = ReturnType<typeof parseArgs<{ options: Record<string, { type: 'string' | 'boolean' }> }>>['values'];

function parseRealCli(values: Values): CliOptions {
  const text = (name: string): string | undefined => values[name] as string | undefined;
  const nodes = integer('nodes', text('nodes'), 3, 3);
  if (nodes !== 3 && nodes !== 5) throw new UsageError(`--nodes must be 3 or 5, got ${nodes}`);
  const unsafeName = text('unsafe');
  if (unsafeName !== undefined && !REAL_UNSAFE.includes(unsafeName as RealUnsafe)) {
    throw new UsageError(`--unsafe with --host real must be one of ${REAL_UNSAFE.join(', ')}, got '${unsafeName}'`);
  }
  const storage = text('storage') ?? 'real';
  if (storage !== 'real' && storage !== 'model') throw new UsageError(`--storage must be real or model, got '${storage}'`);
  if (storage === 'model' && (unsafeName === 'skip-checksum-verification' || unsafeName === 'truncate-without-repair')) {
    throw new UsageError(`--unsafe ${unsafeName} needs --storage real`);
  }
  const faultSpec = text('faults') ?? 'all';
  let realFaults: ReadonlySet<RealFaultKind>;
  try {
    realFaults = parseRealFaults(faultSpec);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return {
    host: 'real',
    diskFaults: values['disk-faults'] === true,
    app: values.app === true,
    storage,
    realFaults,
    nodes,
    seeds: integer('seeds', text('seeds'), 10, 1),
    seedStart: integer('seed-start', text('seed-start'), 1, 0),
    steps: integer('steps', text('steps'), 200, 1),
    faultSpec,
    faults: new Set(),
    unsafeName,
    workers: integer('workers', text('workers'), 1, 1),
    verbose: values.verbose === true,
  };
}

/** Runs a batch of real-node seeds, printing a line per run and the fault classes injected in total. */
async function mainReal(options: CliOptions): Promise<number> {
  let passed = 0;
  let failed = 0;
  const unsafe = options.unsafeName as RealUnsafe | undefined;
  const totals = new Map<string, number>();
  const started = performance.now();
  await runRealBatch(
    {
      seedStart: options.seedStart,
      seeds: options.seeds,
      nodes: options.nodes,
      steps: options.steps,
      faults: options.realFaults,
      diskFaults: options.diskFaults,
      ...(options.storage ? { storage: options.storage } : {}),
      ...(unsafe ? { unsafe } : {}),
      ...(options.app ? { app: true } : {}),
      workers: options.workers,
      ...(options.verbose ? { log: (line: string) => console.log(`  ${line}`) } : {}),
    },
    (r) => {
      console.log(realSummaryLine(r));
      for (const pair of formatInjected(r.injected).split(' ')) {
        const [name, count] = pair.split('=');
        if (name) totals.set(name, (totals.get(name) ?? 0) + Number(count));
      }
      if (r.failure) failed++;
      else passed++;
      reportRealFailure(r, unsafe);
    },
  );
  const seconds = (performance.now() - started) / 1000;
  console.log(`injected in total: ${[...totals].map(([k, n]) => `${k}=${n}`).join(' ') || 'nothing'}`);
  console.log(`${options.seeds} seeds in ${seconds.toFixed(1)} s (${(options.seeds / seconds).toFixed(2)} seeds/s)`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed > 0 ? 6 : 0;
}

function reportRealFailure(r: RealRunResult, unsafe: RealUnsafe | undefined): void {
  const failure = r.failure;
  if (failure === undefined) return;
  console.log(`  ${failure.message.split('\n').join('\n  ')}`);
  console.log(`  at ${failure.atMs} ms of simulated time; trace digest ${r.digest}`);
  for (const e of failure.counterexample ?? []) console.log(`    ${JSON.stringify(e)}`);
  console.log(`  replay: ${replayRealCommand(r, unsafe)}`);
  mkdirSync('.sim-failures', { recursive: true });
  writeFileSync(`.sim-failures/real-seed-${r.seed}-n${r.nodes}.json`, JSON.stringify({ replay: replayRealCommand(r, unsafe), ...r }, null, 2) + '\n');
}

function reportFailure(r: RunResult, unsafeName: string | undefined): void {
  const failure = r.failure;
  if (failure === undefined) return;
  console.log(`  ${failure.message.split('\n').join('\n  ')}`);
  console.log(`  at tick ${failure.atTick}; trace digest ${r.digest}`);
  for (const e of failure.counterexample ?? []) console.log(`    ${JSON.stringify(e)}`);
  console.log(`  replay: ${replayCommand(r, unsafeName)}`);
  // Kept for later study; the directory is git-ignored.
  mkdirSync('.sim-failures', { recursive: true });
  writeFileSync(`.sim-failures/seed-${r.seed}-n${r.nodes}.json`, JSON.stringify({ replay: replayCommand(r, unsafeName), ...r }, null, 2) + '\n');
}

async function main(argv: readonly string[]): Promise<number> {
  let options: CliOptions;
  try {
    options = parseCli(argv);
  } catch (err) {
    const message = (err as Error).message;
    console.error(message === '' ? USAGE : `${message}\n${USAGE}`);
    return 2;
  }
  if (options.host === 'real') return mainReal(options);
  let passed = 0;
  let failed = 0;
  const unsafe = options.unsafeName === undefined ? undefined : UNSAFE_MODES[options.unsafeName];
  await runBatch(
    {
      seedStart: options.seedStart,
      seeds: options.seeds,
      nodes: options.nodes,
      steps: options.steps,
      faults: options.faults,
      ...(unsafe ? { unsafe } : {}),
      ...(options.app ? { app: true } : {}),
      workers: options.workers,
      ...(options.verbose ? { log: (line: string) => console.log(`  ${line}`) } : {}),
    },
    (r) => {
      console.log(summaryLine(r));
      if (r.failure) failed++;
      else passed++;
      reportFailure(r, options.unsafeName);
    },
  );
  console.log(`${passed} passed, ${failed} failed`);
  return failed > 0 ? 6 : 0;
}

process.exitCode = await main(process.argv.slice(2));
