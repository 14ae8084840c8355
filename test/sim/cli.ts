/**
 * `npm run sim`: runs the deterministic cluster simulator over a range of seeds and prints
 * one line per run, then `N passed, M failed`. A failed seed prints the command that replays
 * it exactly. Exit codes follow DESIGN.md: 0 all passed, 6 a safety or liveness violation
 * (or a crash of the code under test), 2 bad usage.
 *
 * The simulator runs production FleetNodes (src/core/node) on simulated time, network and
 * disks (real/); `--disk-faults` draws slow fsyncs, fsync EIO, unsynced data that survives
 * crashes and latent damage, and each run's line counts every fault class injected. Members'
 * storage is the production RaftStorage on a simulated file system (`--storage real`, the
 * default) or the in-memory model of it (`--storage model`). The hand-written Ready loop that
 * once drove the Raft core alone (`--host model`, test/sim/host.ts) was retired: one host, the
 * production one, checked by the same checkers.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { REAL_UNSAFE, type RealStorageKind, type RealUnsafe } from './real/cluster.js';
import { parseRealFaults, REAL_FAULT_KINDS, type RealFaultKind } from './real/plan.js';
import { runRealBatch } from './real/pool.js';
import { formatInjected, realSummaryLine, replayRealCommand, type RealRunResult } from './real/run.js';

const USAGE = `usage: npm run sim -- [--nodes 3|5] [--seeds N] [--seed-start S] [--steps K] [--faults all|none|LIST]
         [--disk-faults] [--storage real|model] [--app] [--etcd] [--unsafe MODE] [--workers W] [--verbose] [--host real]
Runs production FleetNodes on simulated time, network and disks, one run per seed.
  --nodes 3|5          members (default 3)
  --seeds N            runs, one per seed (default 10), from --seed-start S (default 1)
  --steps K            fault-phase steps of 100 ms of simulated time (default 200)
  --faults             all (default), none, or a list of ${REAL_FAULT_KINDS.join(',')}
  --disk-faults        slow fsyncs, fsync EIO, unsynced writes that survive crashes (torn tails),
                       latent damage and full disks (ENOSPC) (default off: a healthy disk)
  --storage            real (default): the production storage on a simulated file system;
                       model: a model of it in memory
  --app                every member also hosts a second state machine (test/sim/real/sim-app.ts)
                       in the same log, written every step (default off)
  --etcd               the etcd keyspace in the workload too: KV, Txn, leases and watches
                       (test/sim/real/etcd-clients.ts) with their checkers (default off)
  --unsafe MODE        breaks every member (to prove the checkers can fail) and switches to the
                       hostile fault mix that exposes it; one of
                       ${REAL_UNSAFE.join('|')}
  --workers W          worker threads (default 1)
  --verbose            prints each run's event log (one thread)
  --host real          accepted for old command lines: the real host is the only one
                       (the model host, test/sim/host.ts, was retired)`;

interface CliOptions {
  readonly diskFaults: boolean;
  /** --app: every member also hosts a second state machine in the same log. */
  readonly app: boolean;
  /** --etcd: the etcd keyspace in the workload too. */
  readonly etcd: boolean;
  /** The members' storage (real RaftStorage on a simulated file system, or its model). */
  readonly storage: RealStorageKind;
  readonly faults: ReadonlySet<RealFaultKind>;
  readonly nodes: number;
  readonly seeds: number;
  readonly seedStart: number;
  readonly steps: number;
  readonly unsafe: RealUnsafe | undefined;
  readonly workers: number;
  readonly verbose: boolean;
}

/** Bad usage: the message, then the usage text unless `brief` (a one-line answer says all). */
class UsageError extends Error {
  constructor(
    message: string,
    readonly brief = false,
  ) {
    super(message);
  }
}

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
      etcd: { type: 'boolean' },
      storage: { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) throw new UsageError('');
  if (values.host === 'model') throw new UsageError('--host model was retired: the real host (production FleetNodes) is the simulator; drop --host', true);
  if (values.host !== undefined && values.host !== 'real') throw new UsageError(`--host must be real (the only host), got '${values.host}'`);
  const nodes = integer('nodes', values.nodes, 3, 3);
  if (nodes !== 3 && nodes !== 5) throw new UsageError(`--nodes must be 3 or 5, got ${nodes}`);
  const unsafe = values.unsafe;
  if (unsafe !== undefined && !REAL_UNSAFE.includes(unsafe as RealUnsafe)) {
    throw new UsageError(`--unsafe must be one of ${REAL_UNSAFE.join(', ')}, got '${unsafe}'`);
  }
  const storage = values.storage ?? 'real';
  if (storage !== 'real' && storage !== 'model') throw new UsageError(`--storage must be real or model, got '${storage}'`);
  if (storage === 'model' && (unsafe === 'skip-checksum-verification' || unsafe === 'truncate-without-repair' || unsafe === 'ignore-hard-state-copy')) {
    throw new UsageError(`--unsafe ${unsafe} needs --storage real`);
  }
  let faults: ReadonlySet<RealFaultKind>;
  try {
    faults = parseRealFaults(values.faults ?? 'all');
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return {
    diskFaults: values['disk-faults'] === true,
    app: values.app === true,
    etcd: values.etcd === true,
    storage,
    faults,
    nodes,
    seeds: integer('seeds', values.seeds, 10, 1),
    seedStart: integer('seed-start', values['seed-start'], 1, 0),
    steps: integer('steps', values.steps, 200, 1),
    unsafe: unsafe as RealUnsafe | undefined,
    workers: integer('workers', values.workers, 1, 1),
    verbose: values.verbose === true,
  };
}

/** Runs a batch of seeds, printing a line per run and the fault classes injected in total. */
async function runCli(options: CliOptions): Promise<number> {
  let passed = 0;
  let failed = 0;
  const unsafe = options.unsafe;
  const totals = new Map<string, number>();
  const started = performance.now();
  await runRealBatch(
    {
      seedStart: options.seedStart,
      seeds: options.seeds,
      nodes: options.nodes,
      steps: options.steps,
      faults: options.faults,
      diskFaults: options.diskFaults,
      storage: options.storage,
      ...(unsafe ? { unsafe } : {}),
      ...(options.app ? { app: true } : {}),
      ...(options.etcd ? { etcd: true } : {}),
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

async function main(argv: readonly string[]): Promise<number> {
  let options: CliOptions;
  try {
    options = parseCli(argv);
  } catch (err) {
    const message = (err as Error).message;
    console.error(message === '' ? USAGE : err instanceof UsageError && err.brief ? message : `${message}\n${USAGE}`);
    return 2;
  }
  return runCli(options);
}

process.exitCode = await main(process.argv.slice(2));
