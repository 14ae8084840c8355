/**
 * `npm run sim`: runs the deterministic cluster simulator over a range of seeds and prints
 * one line per run, then `N passed, M failed`. A failed seed prints the command that replays
 * it exactly. Exit codes follow DESIGN.md: 0 all passed, 6 a safety or liveness violation
 * (or a crash of the core), 2 bad usage.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { UnsafeTestingOptions } from '../../src/core/raft/types.js';
import { parseFaults, type FaultKind } from './faults.js';
import { runBatch } from './pool.js';
import { replayCommand, summaryLine, type RunResult } from './run.js';

const USAGE = `usage: npm run sim -- --nodes 3|5 --seeds N [--seed-start S] --steps K
         [--faults all|none|drop,dup,delay,partition,crash,transfer,membership]
         [--unsafe commit-previous-term|vote-twice] [--workers W] [--verbose]
--unsafe breaks the core on every node (to prove the checkers can fail) and switches
to the hostile fault mix that exposes it; --verbose prints each run's event log.`;

/** The deliberately broken cores `--unsafe` selects, for proving the checkers can fail. */
const UNSAFE_MODES: Readonly<Record<string, UnsafeTestingOptions>> = {
  'commit-previous-term': { commitPreviousTermByCount: true },
  'vote-twice': { voteTwicePerTerm: true },
};

interface CliOptions {
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
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) throw new UsageError('');
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
