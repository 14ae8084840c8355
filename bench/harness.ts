import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MEMBER_ENV, MEMBER_NODE_OPTIONS } from '../src/common/member-process.js';
import { FleetClient, type TlsFiles } from '../src/client/index.js';
import { createAuthority, createMemberCert, createOperatorCert, type CertFiles } from '../src/ops/local-cluster/certs.js';
import { killPid, onAbort } from './cleanup.js';

const RUN_BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url));

/** The CLI members run from: this tree's, or FLEET_BENCH_RUN_BIN (another build, for A/B runs over two checkouts). */
function runBin(): string {
  return process.env.FLEET_BENCH_RUN_BIN || RUN_BIN;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Node flags for member processes: those fleet init uses (or FLEET_BENCH_MEMBER_OPTIONS, a JSON
 * array: another build's, for A/B runs), plus FLEET_BENCH_NODE_ARGS (e.g. "--cpu-prof
 * --cpu-prof-dir=.prof" to profile them).
 */
function memberNodeArgs(): string[] {
  const base = process.env.FLEET_BENCH_MEMBER_OPTIONS ? (JSON.parse(process.env.FLEET_BENCH_MEMBER_OPTIONS) as string[]) : MEMBER_NODE_OPTIONS;
  return [...base, ...(process.env.FLEET_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)];
}

/** Whether members run profiled (FLEET_BENCH_NODE_ARGS): a profiled member writes its profile only on a clean exit. */
export function membersProfiled(): boolean {
  return /--((cpu|heap)-)?prof\b/.test(process.env.FLEET_BENCH_NODE_ARGS ?? '');
}

/** More `node start` flags for every member, from FLEET_BENCH_MEMBER_ARGS (e.g. "--snapshot-every 2500", for A/B runs of a setting). */
function benchMemberArgs(): string[] {
  return (process.env.FLEET_BENCH_MEMBER_ARGS ?? '').split(' ').filter(Boolean);
}

/**
 * Sets the environment the next BenchCluster starts its members with, from a variant: extra node
 * flags for the members, NAME=VALUE words for their environment and, in a word '@PATH', another tree's bin/run.js for them to run, with
 * that tree's MEMBER_NODE_OPTIONS and MEMBER_ENV (A/B runs over two checkouts, each built).
 */
export async function useMemberVariant(variant: string, extraArgs: readonly string[] = []): Promise<void> {
  const words = variant.split(' ').filter(Boolean);
  const env = words.filter((w) => /^[A-Z_]+=/.test(w));
  process.env.FLEET_BENCH_MEMBER_ENV = JSON.stringify(Object.fromEntries(env.map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)])));
  const bin = words.find((w) => w.startsWith('@'))?.slice(1);
  const tree = bin === undefined ? undefined : ((await import(join(dirname(bin), '..', 'dist', 'common', 'member-process.js'))) as { MEMBER_NODE_OPTIONS: string[]; MEMBER_ENV: Record<string, string> });
  process.env.FLEET_BENCH_RUN_BIN = bin ?? '';
  process.env.FLEET_BENCH_MEMBER_OPTIONS = tree === undefined ? '' : JSON.stringify(tree.MEMBER_NODE_OPTIONS);
  process.env.FLEET_BENCH_MEMBER_BASE_ENV = tree === undefined ? '' : JSON.stringify(tree.MEMBER_ENV);
  process.env.FLEET_BENCH_NODE_ARGS = [...extraArgs, ...words.filter((w) => !w.startsWith('@') && !env.includes(w))].join(' ');
}

/** The environment members run with: MEMBER_ENV (or another tree's, see useMemberVariant) and the variant's words. */
function memberEnv(): Record<string, string> {
  const base = process.env.FLEET_BENCH_MEMBER_BASE_ENV ? (JSON.parse(process.env.FLEET_BENCH_MEMBER_BASE_ENV) as Record<string, string>) : MEMBER_ENV;
  const variant = process.env.FLEET_BENCH_MEMBER_ENV ? (JSON.parse(process.env.FLEET_BENCH_MEMBER_ENV) as Record<string, string>) : {};
  return { ...base, ...variant };
}

/** CPU time a process has used so far (user + system, ms), from /proc; 0 when it is gone. */
export function cpuMsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

/** Resident set size of a process (bytes), from /proc; 0 when it is gone. */
export function rssOf(pid: number): number {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    return kb * 1024;
  } catch {
    return 0;
  }
}

/** A process's memory from /proc/PID/smaps_rollup (bytes); every field 0 when it is gone. */
export interface ProcMemory {
  /** Resident set size: every page mapped and in memory, shared ones counted in full. */
  readonly rss: number;
  /** Proportional set size: each resident page divided by the number of processes mapping it. */
  readonly pss: number;
  /** Of the PSS, anonymous memory (heaps, stacks) and file-backed pages (the node executable, libraries). */
  readonly pssAnon: number;
  readonly pssFile: number;
  /** Pages only this process maps, dirty: what it alone adds to the machine (nearly all anonymous). */
  readonly privateDirty: number;
}

/**
 * The memory of `pid` from smaps_rollup. PSS divides a page shared by N processes by N, so it
 * depends on every process that maps it — including node processes that are not members (the
 * load generator, other jobs on the machine): the node executable's pages weigh less in each
 * member's PSS the more node processes run. The anonymous part does not depend on them.
 */
export function memoryOf(pid: number): ProcMemory {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
    return { rss: kb('Rss'), pss: kb('Pss'), pssAnon: kb('Pss_Anon'), pssFile: kb('Pss_File'), privateDirty: kb('Private_Dirty') };
  } catch {
    return { rss: 0, pss: 0, pssAnon: 0, pssFile: 0, privateDirty: 0 };
  }
}

/**
 * How members authenticate each other (as in test/e2e/cluster.ts): not at all (the default:
 * members trust the id a stream claims), with a peer secret (as `fleet init` starts them), or
 * with mutual TLS from a CA made for the cluster (clients then present the operator's
 * certificate, so every connection is TLS).
 */
export type PeerAuth = 'none' | 'secret' | 'mtls';

export interface BenchClusterOptions {
  readonly peerAuth?: PeerAuth;
  /** Clients must present this bearer token (members get it with --token-file); default: none, or FLEET_BENCH_TOKEN. */
  readonly token?: string;
}

/**
 * A local fleet cluster of real member processes over the compiled CLI, for benchmarks.
 * Invariant: every process in `procs` was spawned by this object, and an aborted run kills it.
 */
export class BenchCluster {
  readonly root = mkdtempSync(join(tmpdir(), 'fleet-bench-'));
  readonly procs = new Map<string, ChildProcess>();
  ports: number[] = [];
  #extra: string[] = [];
  #token: string | undefined;
  /** Arguments of one member only (its certificate), after `#extra`. */
  #memberArgs: (id: string) => string[] = () => [];
  #tls: TlsFiles | undefined;
  readonly #unregister = onAbort(() => {
    for (const p of this.procs.values()) killPid(p.pid);
    rmSync(this.root, { recursive: true, force: true });
  });

  static async start(size = 3, extra: string[] = [], opts: BenchClusterOptions = {}): Promise<BenchCluster> {
    const c = new BenchCluster();
    c.#extra = extra;
    c.ports = await Promise.all(Array.from({ length: size }, () => freePort()));
    try {
      await c.#credentials(size, opts.peerAuth ?? 'none');
      const token = opts.token ?? process.env.FLEET_BENCH_TOKEN;
      if (token !== undefined && token !== '') c.#useToken(token);
      // Founding members start on empty data dirs: a missing one means data lost (--initial-cluster-state).
      for (let i = 0; i < size; i++) mkdirSync(join(c.root, `n${i + 1}`));
      for (let i = 0; i < size; i++) c.#spawn(`n${i + 1}`);
      await c.waitForLeader();
    } catch (err) {
      await c.stop();
      throw err;
    }
    return c;
  }

  /** Writes the peer secret or the certificates under the cluster's root (removed with it). */
  async #credentials(size: number, peerAuth: PeerAuth): Promise<void> {
    if (peerAuth === 'secret') {
      const file = join(this.root, 'peer.secret');
      writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
      this.#memberArgs = () => ['--peer-secret-file', file];
    } else if (peerAuth === 'mtls') {
      const dir = join(this.root, 'certs');
      mkdirSync(dir);
      const ca = await createAuthority(dir, 'fleet');
      const members = new Map<string, CertFiles>();
      for (let i = 1; i <= size; i++) members.set(`n${i}`, await createMemberCert(ca, dir, `n${i}`, '127.0.0.1'));
      const operator = await createOperatorCert(ca, dir);
      this.#memberArgs = (id) => ['--tls-cert', members.get(id)!.cert, '--tls-key', members.get(id)!.key, '--tls-ca', ca.files.cert];
      this.#tls = { cacert: ca.files.cert, cert: operator.cert, key: operator.key };
    }
  }

  /** Members require `token` from clients (the pre-decode check then reads it on every call). */
  #useToken(token: string): void {
    const file = join(this.root, 'client.token');
    writeFileSync(file, `${token}\n`, { mode: 0o600 });
    const before = this.#memberArgs;
    this.#memberArgs = (id) => [...before(id), '--token-file', file];
    this.#token = token;
  }

  #spawn(id: string): void {
    const peers = this.ports.map((p, i) => `n${i + 1}=127.0.0.1:${p}`).join(',');
    const port = this.ports[Number(id.slice(1)) - 1]!;
    // FLEET_BENCH_LOG_DIR: each member's output appended to DIR/<id>.log, for reading a run's time line afterwards.
    const logDir = process.env.FLEET_BENCH_LOG_DIR;
    const log = logDir ? openSync(join(logDir, `${id}.log`), 'a') : 'ignore';
    const child = spawn(process.execPath, [...memberNodeArgs(), runBin(), 'node', 'start', '--id', id, '--data-dir', join(this.root, id), '--listen', `127.0.0.1:${port}`, '--peers', peers, ...this.#extra, ...this.#memberArgs(id), ...benchMemberArgs()], { stdio: ['ignore', log, log], env: { ...process.env, ...memberEnv() } });
    if (log !== 'ignore') closeSync(log);
    this.procs.set(id, child);
  }

  /** The endpoint of a member by id. */
  endpointOf(id: string): string {
    return `127.0.0.1:${this.ports[Number(id.slice(1)) - 1]!}`;
  }

  /** SIGKILLs one member; resolves once its process is gone. */
  async kill(id: string): Promise<void> {
    const p = this.procs.get(id);
    if (p !== undefined) await exitOf(p, 'SIGKILL');
  }

  /** Starts a killed member again on its data dir. */
  restart(id: string): void {
    const p = this.procs.get(id);
    if (p !== undefined && p.exitCode === null && p.signalCode === null) throw new Error(`member ${id} is still running`);
    this.#spawn(id);
  }

  get endpoints(): string[] {
    return this.ports.map((p) => `127.0.0.1:${p}`);
  }

  /** What clients present and check members with (mutual TLS); undefined: plaintext. */
  get tls(): TlsFiles | undefined {
    return this.#tls;
  }

  client(): FleetClient {
    return new FleetClient({ endpoints: this.endpoints, callTimeoutMs: 5_000, overallTimeoutMs: 30_000, tls: this.tls, ...(this.#token === undefined ? {} : { token: this.#token }) });
  }

  async waitForLeader(timeoutMs = 90_000): Promise<string> {
    const c = new FleetClient({ endpoints: this.endpoints, callTimeoutMs: 500, tls: this.tls, ...(this.#token === undefined ? {} : { token: this.#token }) });
    try {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const all = await c.statusAll();
        const leaders = new Set(all.map((s) => (s.ok ? s.status.leaderId : '?')));
        const [leader] = [...leaders];
        if (leaders.size === 1 && leader && leader !== '?') return leader;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('no leader within the deadline');
    } finally {
      c.close();
    }
  }

  /** The pid of a running member. */
  pid(id: string): number | undefined {
    return this.procs.get(id)?.pid;
  }

  /** Resident set size of each member, from /proc (bytes). */
  rss(): Map<string, number> {
    return new Map([...this.procs].map(([id, p]) => [id, rssOf(p.pid!)]));
  }

  /** The memory of each member, from /proc/PID/smaps_rollup. */
  memory(): Map<string, ProcMemory> {
    return new Map([...this.procs].map(([id, p]) => [id, memoryOf(p.pid!)]));
  }

  /** Stops every member: SIGKILL by default, SIGTERM (a clean exit, which writes CPU profiles) on request. */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await Promise.all([...this.procs.values()].map((p) => exitOf(p, signal)));
    this.#keepDrillOutput();
    rmSync(this.root, { recursive: true, force: true });
    this.#unregister();
  }

  /** With FLEET_BENCH_LOG_DIR: the output of members a drill started again (<data-dir>/logs/<id>.out) goes there too, as <id>.restarts.log. */
  #keepDrillOutput(): void {
    const logDir = process.env.FLEET_BENCH_LOG_DIR;
    if (!logDir) return;
    for (const id of this.procs.keys()) {
      const out = join(this.root, id, 'logs', `${id}.out`);
      if (existsSync(out)) appendFileSync(join(logDir, `${id}.restarts.log`), readFileSync(out));
    }
  }
}

/** Signals a child and resolves once it has exited (at once if it already had). */
function exitOf(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    killPid(child.pid, signal);
  });
}

export { quantile } from './figures.js';
