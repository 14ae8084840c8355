import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MEMBER_ENV, MEMBER_NODE_OPTIONS } from '../src/cli/node-start.js';
import { FleetClient } from '../src/client/index.js';
import { killPid, onAbort } from './cleanup.js';

const RUN_BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url));

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

/** Node flags for member processes: those fleet init uses, plus FLEET_BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=.prof" to profile them). */
function memberNodeArgs(): string[] {
  return [...MEMBER_NODE_OPTIONS, ...(process.env.FLEET_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)];
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

/**
 * A local fleet cluster of real member processes over the compiled CLI, for benchmarks.
 * Invariant: every process in `procs` was spawned by this object, and an aborted run kills it.
 */
export class BenchCluster {
  readonly root = mkdtempSync(join(tmpdir(), 'fleet-bench-'));
  readonly procs = new Map<string, ChildProcess>();
  ports: number[] = [];
  #extra: string[] = [];
  readonly #unregister = onAbort(() => {
    for (const p of this.procs.values()) killPid(p.pid);
    rmSync(this.root, { recursive: true, force: true });
  });

  static async start(size = 3, extra: string[] = []): Promise<BenchCluster> {
    const c = new BenchCluster();
    c.#extra = extra;
    c.ports = await Promise.all(Array.from({ length: size }, () => freePort()));
    for (let i = 0; i < size; i++) c.#spawn(`n${i + 1}`);
    try {
      await c.waitForLeader();
    } catch (err) {
      await c.stop();
      throw err;
    }
    return c;
  }

  #spawn(id: string): void {
    const peers = this.ports.map((p, i) => `n${i + 1}=127.0.0.1:${p}`).join(',');
    const port = this.ports[Number(id.slice(1)) - 1]!;
    const child = spawn(process.execPath, [...memberNodeArgs(), RUN_BIN, 'node', 'start', '--id', id, '--data-dir', join(this.root, id), '--listen', `127.0.0.1:${port}`, '--peers', peers, ...this.#extra], { stdio: 'ignore', env: { ...process.env, ...MEMBER_ENV } });
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

  client(): FleetClient {
    return new FleetClient({ endpoints: this.endpoints, callTimeoutMs: 5_000, overallTimeoutMs: 30_000 });
  }

  async waitForLeader(timeoutMs = 90_000): Promise<string> {
    const c = new FleetClient({ endpoints: this.endpoints, callTimeoutMs: 500 });
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

  /** Stops every member: SIGKILL by default, SIGTERM (a clean exit, which writes CPU profiles) on request. */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await Promise.all([...this.procs.values()].map((p) => exitOf(p, signal)));
    rmSync(this.root, { recursive: true, force: true });
    this.#unregister();
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
