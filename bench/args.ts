/** The command line of `npm run bench [-- AREA …] [--quick] [--json FILE]` (pure, for tests). */

export interface BenchArgs {
  readonly areas: string[];
  readonly quick: boolean;
  readonly json: string | undefined;
  readonly help: boolean;
}

export const USAGE = 'usage: npm run bench [-- AREA …] [--quick] [--json FILE]';

/** Parses the arguments against the known areas (named areas run in the order given; none named: all). */
export function parseBenchArgs(argv: readonly string[], known: readonly string[]): BenchArgs {
  const areas: string[] = [];
  let quick = false;
  let json: string | undefined;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') quick = true;
    else if (a === '--help' || a === '-h') help = true;
    else if (a === '--json' || a.startsWith('--json=')) {
      json = a === '--json' ? argv[++i] : a.slice('--json='.length);
      if (json === undefined || json === '' || json.startsWith('--')) throw new Error(`--json needs a file name (${USAGE})`);
    } else if (a.startsWith('-')) throw new Error(`unknown option ${a} (${USAGE})`);
    else if (!known.includes(a)) throw new Error(`unknown area ${a}; areas: ${known.join(', ')}`);
    else if (!areas.includes(a)) areas.push(a);
  }
  return { areas: areas.length > 0 ? areas : [...known], quick, json, help };
}
