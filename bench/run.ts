import { writeFileSync } from 'node:fs';
import os from 'node:os';
import type { BenchFigure } from './figures.js';
import { benchCli } from './cli.js';
import { benchFailover } from './failover.js';
import { benchNode } from './node.js';
import { benchRaftCore } from './raft-core.js';

type Area = (opts: { quick: boolean }) => Promise<BenchFigure[]>;

/** The benchmark areas; each returns its figures. Areas land with the issues that own them. */
const AREAS: Record<string, Area> = {
  'raft-core': benchRaftCore,
  node: benchNode,
  cli: benchCli,
  failover: benchFailover,
};

function parseArgs(argv: string[]): { areas: string[]; quick: boolean; json: string | undefined } {
  const areas: string[] = [];
  let quick = false;
  let json: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') quick = true;
    else if (a === '--json') json = argv[++i];
    else if (a.startsWith('-')) throw new Error(`unknown option ${a} (use --quick, --json FILE)`);
    else if (!(a in AREAS)) throw new Error(`unknown area ${a}; areas: ${Object.keys(AREAS).join(', ')}`);
    else areas.push(a);
  }
  return { areas: areas.length > 0 ? areas : Object.keys(AREAS), quick, json };
}

async function main(): Promise<void> {
  const { areas, quick, json } = parseArgs(process.argv.slice(2));
  const figures: BenchFigure[] = [];
  for (const area of areas) {
    for (const f of await AREAS[area]!({ quick })) {
      figures.push(f);
      const etcd = f.etcd === null ? '-' : f.etcd.toLocaleString('en-US');
      const ratio = f.etcd ? (f.fleet / f.etcd).toFixed(2) : '-';
      console.log(`${f.area.padEnd(10)} ${f.name.padEnd(28)} ${f.fleet.toLocaleString('en-US').padStart(12)} ${f.unit.padEnd(10)} etcd ${etcd.padStart(8)} ratio ${ratio.padStart(5)}  goal ${f.goal} ${f.met === null ? '' : f.met ? 'met' : 'MISSED'}`);
    }
  }
  if (json) {
    const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memGiB: Math.round(os.totalmem() / 2 ** 30), platform: `${os.platform()}-${os.arch()}` };
    writeFileSync(json, JSON.stringify({ machine, versions: { node: process.version }, figures }, null, 2));
  }
}

main().catch((err: unknown) => {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
