import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchFigure } from './figures.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'run.js');

/**
 * The operator's first minute, as the operator lives it: wall time of `fleet init --nodes 3`
 * from the command line to a healthy cluster (median of fresh clusters, each destroyed after),
 * and of a cold `fleet status --json` against one. The CLI runs as users run it: `bin/run.js`
 * over `dist/`, which is built first, with the config and data dirs in a temp dir.
 */
export async function benchCli(opts: { quick: boolean }): Promise<BenchFigure[]> {
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'inherit' });
  const home = mkdtempSync(join(tmpdir(), 'fleet-bench-cli-'));
  const env = { ...process.env, NO_COLOR: '1', FLEET_CONFIG_DIR: join(home, 'config'), XDG_DATA_HOME: join(home, 'data') };
  const created: string[] = [];
  try {
    const inits: number[] = [];
    let status: number[] = [];
    for (let i = 0; i < (opts.quick ? 3 : 5); i++) {
      const name = `bench-${i}`;
      const base = await freePorts(3);
      created.push(name);
      inits.push(await timed(['init', '--name', name, '--nodes', '3', '--base-port', String(base), '--json'], env));
      // Status is measured against the first cluster, while it runs.
      if (i === 0) status = await repeat(opts.quick ? 5 : 10, () => timed(['status', '--json', '--context', name], env));
      await timed(['destroy', '--name', name, '--yes'], env);
      created.pop();
    }
    return [figure('init_to_healthy', median(inits), 3_000), figure('status_cli', median(status), 300)];
  } finally {
    for (const name of created) await timed(['destroy', '--name', name, '--yes'], env).catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  }
}

function figure(name: string, ms: number, goal: number): BenchFigure {
  return { area: 'cli', name, unit: 'ms', fleet: Math.round(ms), etcd: null, goal: `< ${goal}`, met: ms < goal };
}

/** Wall time of one CLI run, spawn to exit; a failed run fails the bench with its stderr. */
function timed(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code === 0) resolve(ms);
      else reject(new Error(`fleet ${args.join(' ')} exited ${code}: ${stderr.trim()}`));
    });
  });
}

async function repeat(n: number, run: () => Promise<number>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await run());
  return out;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** `n` consecutive loopback ports that are free now. */
async function freePorts(n: number): Promise<number> {
  for (let tries = 0; tries < 100; tries++) {
    const base = await bindable(0);
    if (base === undefined || base + n - 1 > 65_535) continue;
    let ok = true;
    for (let p = base + 1; p < base + n && ok; p++) ok = (await bindable(p)) !== undefined;
    if (ok) return base;
  }
  throw new Error(`no ${n} consecutive free ports found`);
}

/** Binds and releases a loopback port; answers the port, or undefined when it is taken. */
function bindable(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(undefined));
    srv.listen(port, '127.0.0.1', () => {
      const bound = (srv.address() as { port: number }).port;
      srv.close(() => resolve(bound));
    });
  });
}
