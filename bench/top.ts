/**
 * `fleet top` left open on a 5-member cluster, as an operator leaves it during an incident: the
 * real TUI (the built CLI) in a tmux pseudo-terminal, polling at 1 s. Measured from /proc: CPU
 * of one core over the window (user + system time), and resident memory at the start and end
 * of the window (after a warm-up), which must stay flat. The window is 10 minutes when `top` runs
 * alone (`npm run bench -- top`, the soak issue 5 asks for), 4 minutes inside a run of several
 * areas (so the whole suite keeps to its 20-minute budget), 6 s with --quick. The figures name
 * their window (`rss_end_after_10m`, `_4m`, `_6s`), so runs compare like with like.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchFigure } from './figures.js';
import { BenchCluster } from './harness.js';

const AREA = 'top';
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'run.js');
const TMUX = '/usr/bin/tmux';
/** Linux reports process times in clock ticks of 1/100 s (USER_HZ) on every architecture it runs on. */
const TICKS_PER_SECOND = 100;
const WARMUP_MS = 10_000;
const CPU_GOAL_PCT = 5;
/** "Flat": the resident set may not grow by more than this share of its size at the start. */
const RSS_GROWTH_GOAL = 0.1;

/** Measures `fleet top` polling a 5-member cluster at 1 s. */
export async function benchTop(opts: { quick: boolean; suite?: boolean }): Promise<BenchFigure[]> {
  const windowMs = opts.quick ? 6_000 : opts.suite === true ? 240_000 : 600_000;
  const cluster = await BenchCluster.start(5);
  const tmux = new TmuxSession(`fleet-bench-top-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    // The live dashboard, even when the bench itself runs under CI (where fleet top prints one frame).
    const pid = tmux.start(`exec env -u CI -u CONTINUOUS_INTEGRATION NO_COLOR=1 ${quote(process.execPath)} ${quote(BIN)} top --endpoints ${cluster.endpoints.join(',')} --interval 1s`);
    await tmux.waitFor(/^leader n\d /m, 30_000);
    await sleep(WARMUP_MS);
    const start = sample(pid);
    const rssSamples = [start.rss];
    for (let waited = 0; waited < windowMs; waited += 10_000) {
      await sleep(Math.min(10_000, windowMs - waited));
      rssSamples.push(sample(pid).rss);
    }
    const end = sample(pid);
    if (!/^leader n\d /m.test(tmux.capture())) throw new Error(`fleet top stopped showing the cluster:\n${tmux.capture()}`);
    const cpuPct = ((end.cpuTicks - start.cpuTicks) / TICKS_PER_SECOND / ((end.at - start.at) / 1_000)) * 100;
    return figures(cpuPct, start.rss, end.rss, Math.max(...rssSamples), windowMs);
  } finally {
    tmux.kill();
    await cluster.stop();
  }
}

function figures(cpuPct: number, rssStart: number, rssEnd: number, rssMax: number, windowMs: number): BenchFigure[] {
  const mib = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;
  const growth = rssEnd - rssStart;
  const windowLabel = windowMs < 60_000 ? `${windowMs / 1000}s` : `${Math.round(windowMs / 60_000)}m`;
  const fig = (name: string, unit: string, fleet: number, goal: string, met: boolean | null): BenchFigure => ({ area: AREA, name, unit, fleet, etcd: null, goal, met });
  return [
    fig('cpu_5_members_1s', '% of core', Math.round(cpuPct * 100) / 100, `< ${CPU_GOAL_PCT}`, cpuPct < CPU_GOAL_PCT),
    fig('rss_start', 'MiB', mib(rssStart), '-', null),
    fig(`rss_end_after_${windowLabel}`, 'MiB', mib(rssEnd), '-', null),
    fig(`rss_max_over_${windowLabel}`, 'MiB', mib(rssMax), '-', null),
    fig('rss_growth', 'MiB', mib(growth), `< ${mib(rssStart * RSS_GROWTH_GOAL)} (${RSS_GROWTH_GOAL * 100}%)`, growth < rssStart * RSS_GROWTH_GOAL),
  ];
}

/** CPU time (ticks) and resident set (bytes) of a process now. */
function sample(pid: number): { at: number; cpuTicks: number; rss: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start after the last ')'; utime and stime are the 12th and 13th of them.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuTicks = Number(fields[11]) + Number(fields[12]);
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return { at: Date.now(), cpuTicks, rss: kb * 1024 };
}

/** A private tmux server with one session; `kill()` ends the server, what it ran, and its socket. */
class TmuxSession {
  #socketPath: string | undefined;

  constructor(readonly socket: string) {}

  #run(...args: string[]): string {
    return execFileSync(TMUX, ['-L', this.socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  }

  /** Starts the command in a 120x40 terminal; returns its pid. */
  start(command: string): number {
    this.#run('new-session', '-d', '-s', 'top', '-x', '120', '-y', '40', command);
    this.#socketPath = this.#run('display-message', '-p', '#{socket_path}').trim();
    return Number(this.#run('list-panes', '-t', 'top', '-F', '#{pane_pid}').trim());
  }

  capture(): string {
    return this.#run('capture-pane', '-p', '-t', 'top');
  }

  async waitFor(pattern: RegExp, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.capture())) {
      if (Date.now() > deadline) throw new Error(`fleet top did not show ${pattern} within ${timeoutMs} ms:\n${this.capture()}`);
      await sleep(200);
    }
  }

  kill(): void {
    try {
      this.#run('kill-server');
    } catch {
      // Already gone.
    }
    if (this.#socketPath !== undefined) rmSync(this.#socketPath, { force: true });
  }
}

function quote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // npm run bench builds before its areas; run alone, this file builds what it runs.
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'inherit' });
  benchTop({ quick: process.argv.includes('--quick') })
    .then((figs) => {
      for (const f of figs) console.log(`${f.area.padEnd(6)} ${f.name.padEnd(24)} ${String(f.fleet).padStart(8)} ${f.unit.padEnd(10)} goal ${f.goal} ${f.met === null ? '' : f.met ? 'met' : 'MISSED'}`);
    })
    .catch((err: unknown) => {
      console.error(`bench top: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    });
}
