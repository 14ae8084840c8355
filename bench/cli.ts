import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killPid, onAbort, processesUnder, progress } from './cleanup.js';
import { EtcdCluster, ETCD_INSTALL_HINT, findEtcd } from './etcd/cluster.js';
import { atMost, compare, fleetOnly, ratioAtMost, type BenchFigure } from './figures.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'run.js');

/** The operator's environment for the fleet CLI: config and data dirs in a temp dir, no colour. */
interface CliEnv {
  readonly home: string;
  readonly env: NodeJS.ProcessEnv;
  /** Local clusters created and not yet destroyed (destroyed on the way out, even on errors). */
  readonly created: Set<string>;
  /** Where the time of each `fleet init` went, as it reports it with --json. */
  readonly initPhases: InitPhases[];
}

/** The phases `fleet init --json` reports (src/ops/local-cluster/init.ts). */
const INIT_PHASES = ['prepareMs', 'spawnMs', 'listeningMs', 'leaderMs', 'appliedMs'] as const;
type InitPhases = Record<(typeof INIT_PHASES)[number], number>;

/**
 * The operator's first minute, as the operator lives it, fleet beside etcd: wall time from the
 * command line to a healthy 3-member cluster (`fleet init --nodes 3` against starting 3 etcd
 * members and waiting until they agree on a leader), and of a cold status of every member
 * (`fleet status --json` against `etcdctl endpoint status --cluster -w json`), interleaved.
 * The CLI runs as users run it: `bin/run.js` over `dist/` (run.ts builds it first), with the
 * build's start-up artifacts. Each init's phases are reported too.
 */
export async function benchCli(opts: { quick: boolean }): Promise<BenchFigure[]> {
  buildStartupArtifacts();
  const etcd = findEtcd();
  if (etcd === undefined) console.log(`cli: ${ETCD_INSTALL_HINT}`);
  const home = mkdtempSync(join(tmpdir(), 'fleet-bench-cli-'));
  const cli: CliEnv = { home, env: { ...process.env, NO_COLOR: '1', FLEET_CONFIG_DIR: join(home, 'config'), XDG_DATA_HOME: join(home, 'data') }, created: new Set(), initPhases: [] };
  // On Ctrl-C there is no time for `fleet destroy`: the members `fleet init` started are found by their data dirs.
  const unregister = onAbort(() => {
    processesUnder(home).forEach((pid) => killPid(pid));
    rmSync(home, { recursive: true, force: true });
  });
  let etcdKept: EtcdCluster | undefined;
  try {
    const fleetInits: number[] = [];
    const etcdStarts: number[] = [];
    for (let i = 0; i < (opts.quick ? 3 : 5); i++) {
      fleetInits.push(await fleetInit(cli, `bench-${i}`));
      // The first cluster of each stays up for the status figures.
      if (i > 0) await fleetDestroy(cli, `bench-${i}`);
      if (etcd === undefined) continue;
      const cluster = await EtcdCluster.start(3);
      etcdStarts.push(cluster.startedInMs);
      if (i === 0) etcdKept = cluster;
      else await cluster.stop();
    }
    progress('cli: status of every member');
    const fleetStatus: number[] = [];
    const etcdStatus: number[] = [];
    // fleet status of the etcd cluster itself (issue 20): the same cluster etcdctl asks.
    const fleetOnEtcd: number[] = [];
    if (etcdKept !== undefined) await timed(process.execPath, [BIN, 'context', 'add', 'bench-etcd', '--etcd', '--endpoints', etcdKept.endpoints.join(',')], cli.env);
    // Node's own start-up, interleaved with each status: the floor a Node command cannot go below (issue 41).
    const bareNode: number[] = [];
    for (let i = 0; i < (opts.quick ? 5 : 10); i++) {
      bareNode.push(await timed(process.execPath, ['-e', '0'], cli.env));
      fleetStatus.push(await timed(process.execPath, [BIN, 'status', '--json', '--context', 'bench-0'], cli.env));
      if (etcd === undefined || etcdKept === undefined) continue;
      etcdStatus.push(await timed(etcd.etcdctl, ['--endpoints', etcdKept.endpoints.join(','), 'endpoint', 'status', '--cluster', '-w', 'json'], { ...process.env, ETCDCTL_API: '3' }));
      fleetOnEtcd.push(await timed(process.execPath, [BIN, 'status', '--json', '--context', 'bench-etcd'], cli.env));
    }
    const withEtcd = (xs: number[]): number[] | null => (etcd === undefined ? null : xs);
    return [
      compare('cli', 'init_to_healthy', 'ms', fleetInits, withEtcd(etcdStarts), atMost(3_000)),
      ...INIT_PHASES.map((p) => fleetOnly('cli', `init_phase_${p.replace(/Ms$/, '')}`, 'ms', cli.initPhases.map((x) => x[p]))),
      compare('cli', 'status_cli', 'ms', fleetStatus, withEtcd(etcdStatus), atMost(300)),
      fleetOnly('cli', 'node_e_0', 'ms', bareNode),
      // Each status minus the `node -e 0` run just before it: what fleet adds to Node's start-up (goal: within 40 ms).
      fleetOnly('cli', 'status_over_node_e_0', 'ms', fleetStatus.map((ms, i) => ms - bareNode[i]!), atMost(40)),
      // Node's own start-up alone is about 2.9× etcdctl's whole run (BENCHMARKS.md, "Node's own start-up is above the 2× line").
      ...(etcd === undefined ? [] : [compare('cli', 'status_cli_etcd', 'ms', fleetOnEtcd, etcdStatus, ratioAtMost(2))]),
    ];
  } finally {
    await etcdKept?.stop();
    for (const name of [...cli.created]) await fleetDestroy(cli, name).catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
    unregister();
  }
}

/**
 * What `npm run build` adds to tsc: the precompiled protocol, the oclif manifest and the
 * bundles. Without them every command and member starts slower than an installed fleet does.
 */
function buildStartupArtifacts(): void {
  execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'postbuild.ts')], { cwd: ROOT, stdio: 'inherit' });
}

/**
 * `fleet init` on free ports; the wall time of the attempt that worked. A second attempt on
 * fresh ports, after a failed one is cleaned up: once in a full suite another process took a
 * port between our probe and a member's bind, and that should not cost the whole run.
 */
async function fleetInit(cli: CliEnv, name: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const base = await freePorts(3);
    cli.created.add(name);
    const out: string[] = [];
    try {
      const ms = await timed(process.execPath, [BIN, 'init', '--name', name, '--nodes', '3', '--base-port', String(base), '--json'], cli.env, out);
      cli.initPhases.push((JSON.parse(out.join('')) as { phases: InitPhases }).phases);
      return ms;
    } catch (err) {
      if (attempt >= 2) throw err;
      process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}; trying again on fresh ports\n`);
      await fleetDestroy(cli, name).catch(() => undefined);
    }
  }
}

async function fleetDestroy(cli: CliEnv, name: string): Promise<void> {
  await timed(process.execPath, [BIN, 'destroy', '--name', name, '--yes'], cli.env);
  cli.created.delete(name);
}

/** Wall time of one command, spawn to exit; a failed run fails the bench with its stderr. Its stdout goes to `stdout`, when given. */
export function timed(command: string, args: string[], env: NodeJS.ProcessEnv, stdout?: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(command, args, { env, stdio: ['ignore', stdout === undefined ? 'ignore' : 'pipe', 'pipe'] });
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => stdout?.push(d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code === 0) resolve(ms);
      // With --json a command reports its error on stdout: quote both.
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${[stderr.trim(), stdout?.join('').trim()].filter(Boolean).join(' | ')}`));
    });
  });
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
