import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FleetClient } from '../src/client/index.js';

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

/** Extra Node flags for member processes, e.g. FLEET_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=.prof" to profile them. */
function memberNodeArgs(): string[] {
  return (process.env.FLEET_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
}

/** A local fleet cluster of real member processes over the compiled CLI, for benchmarks. */
export class BenchCluster {
  readonly root = mkdtempSync(join(tmpdir(), 'fleet-bench-'));
  readonly procs = new Map<string, ChildProcess>();
  ports: number[] = [];

  static async start(size = 3, extra: string[] = []): Promise<BenchCluster> {
    const c = new BenchCluster();
    c.ports = await Promise.all(Array.from({ length: size }, () => freePort()));
    const peers = c.ports.map((p, i) => `n${i + 1}=127.0.0.1:${p}`).join(',');
    c.ports.forEach((port, i) => {
      const id = `n${i + 1}`;
      const child = spawn(process.execPath, [...memberNodeArgs(), RUN_BIN, 'node', 'start', '--id', id, '--data-dir', join(c.root, id), '--listen', `127.0.0.1:${port}`, '--peers', peers, ...extra], { stdio: 'ignore' });
      c.procs.set(id, child);
    });
    await c.waitForLeader();
    return c;
  }

  get endpoints(): string[] {
    return this.ports.map((p) => `127.0.0.1:${p}`);
  }

  client(): FleetClient {
    return new FleetClient({ endpoints: this.endpoints, callTimeoutMs: 5_000, overallTimeoutMs: 30_000 });
  }

  async waitForLeader(timeoutMs = 30_000): Promise<string> {
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

  /** Resident set size of each member, from /proc (bytes). */
  rss(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [id, p] of this.procs) {
      const status = readFileSync(`/proc/${p.pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      out.set(id, kb * 1024);
    }
    return out;
  }

  /** Stops every member: SIGKILL by default, SIGTERM (a clean exit, which writes CPU profiles) on request. */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await Promise.all(
      [...this.procs.values()].map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.exitCode !== null || p.signalCode !== null) return resolve();
            p.once('exit', () => resolve());
            p.kill(signal);
          }),
      ),
    );
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** The q-th quantile of sorted numbers. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
