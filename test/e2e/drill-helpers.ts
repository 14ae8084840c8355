import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { DrillReport } from '../../src/ops/drill/index.js';
import { TestCluster, type TestClusterOptions } from './cluster.js';
import { runCli, tempDir, waitFor } from './processes.js';

/** Short timings (a round takes seconds, not tens of seconds); `overrides` replace flags by name. */
export function fast(overrides: Readonly<Record<string, string>> = {}): string[] {
  const flags: Record<string, string> = { '--warmup': '1s', '--observe': '3s', '--clients': '4', '--keys': '8', '--settle': '30s', '--rounds': '1', ...overrides };
  return Object.entries(flags).flat();
}

/** A started TestCluster, and what the drill tests need around it. */
export interface DrillCluster {
  readonly cluster: TestCluster;
  /** `--endpoints … --pids n1=…,…` for the members as they run now. */
  target(): string[];
  /** Runs `fleet drill <drill> …` with --json; answers the exit code, the report and stderr. */
  drill(drill: string, args: readonly string[], timeoutMs?: number): Promise<{ code: number; report: DrillReport; stderr: string }>;
  /** Ends every member process (the drill's re-launched ones too) and fails if one is left. */
  destroy(): Promise<void>;
}

/**
 * Ends a local cluster made with `fleet init` under `home`: `fleet destroy --yes` must succeed;
 * whatever still runs under `home` is killed and `home` removed either way.
 */
export async function destroyLocalCluster(env: NodeJS.ProcessEnv, home: { readonly path: string; cleanup(): void }): Promise<void> {
  try {
    const destroyed = await runCli(['destroy', '--yes'], env, 60_000);
    expect(destroyed.code, destroyed.stderr).toBe(0);
  } finally {
    for (const pid of processesUnder([home.path])) process.kill(pid, 'SIGKILL');
    home.cleanup();
  }
}

/** Pids of live processes whose command line mentions one of `dirs` (members put their data dir there). */
export function processesUnder(dirs: readonly string[]): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (dirs.some((d) => cmdline.includes(`${d}\0`))) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

/** The live pid of each member: a drill restarts members under new pids, so ask /proc, not the harness. */
function currentPids(cluster: TestCluster): string {
  return cluster.members
    .map((m) => {
      const [pid] = processesUnder([m.dataDir]);
      if (pid === undefined) throw new Error(`member ${m.id} is not running`);
      return `${m.id}=${pid}`;
    })
    .join(',');
}

/** Starts a 3-member TestCluster for drills. */
export async function drillCluster(opts: TestClusterOptions = {}): Promise<DrillCluster> {
  const cluster = await TestCluster.start(opts);
  const files = tempDir('fleet-drill-report-');
  const dirs = cluster.members.map((m) => m.dataDir);
  return {
    cluster,
    target: () => ['--endpoints', cluster.endpoints.join(','), '--pids', currentPids(cluster)],
    async drill(drill, args, timeoutMs = 150_000) {
      const reportFile = join(files.path, `${drill}.json`);
      const r = await runCli(['drill', drill, ...args, '--json', '--report', reportFile], {}, timeoutMs);
      let report: DrillReport & { error?: unknown };
      try {
        report = JSON.parse(r.stdout) as DrillReport & { error?: unknown };
      } catch {
        report = { error: 'no JSON on stdout' } as DrillReport & { error?: unknown };
      }
      if (report.error !== undefined) throw new Error(`fleet drill ${drill} exited ${r.code} without a report\nstdout: ${r.stdout}\nstderr: ${r.stderr}\n${cluster.logs()}`);
      expect(JSON.parse(readFileSync(reportFile, 'utf8'))).toEqual(report);
      return { code: r.code, report, stderr: r.stderr };
    },
    async destroy() {
      // Members the drill restarted are not the harness's children: kill them by pid.
      const relaunched = processesUnder(dirs);
      for (const pid of relaunched) process.kill(pid, 'SIGKILL');
      await cluster.destroy();
      files.cleanup();
      await waitFor('every member process to be gone', () => processesUnder(dirs).length === 0 || undefined, 10_000).catch(() => undefined);
      expect(processesUnder(dirs), 'member processes left running').toEqual([]);
    },
  };
}
