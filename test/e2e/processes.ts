import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { MEMBER_ENV, MEMBER_NODE_OPTIONS } from '../../src/common/member-process.js';
import { TEST_PORTS_VAR, testPortsFromEnv } from './test-ports.js';

/** The production entry over `dist/`, built by test/global-setup.ts before any test runs. */
export const CLI_BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url));

/** Children this test process started; all are killed if the process exits early. */
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/**
 * Slices of the picked range, one per vitest worker (VITEST_POOL_ID, wrapping past this many).
 * A port is only checked free, then bound later by a member; two files running at once could
 * both pick it in between, and one cluster's client then spoke to the other's member (seen under
 * load: calls without the token succeeded, a shard just made "did not exist").
 */
const PORT_SLICES = 4;
/** Ports this test file has been handed: never again, even once free (a stopped member may be restarted on its own). */
const handedOut = new Set<number>();

/** The longest run `freePorts` hands out: each slice keeps this much room above its last pick. */
const LONGEST_RUN = 64;

/**
 * The ports this worker picks from: its slice of the test range (test-ports.ts: below the kernel's
 * ephemeral ones, or FLEET_TEST_PORTS); a run from any of them stays in the slice.
 */
function pickRange(): { readonly low: number; readonly size: number } {
  const range = testPortsFromEnv();
  const all = range.last - range.first + 1;
  const pool = Number(process.env.VITEST_POOL_ID);
  const slice = Number.isInteger(pool) && pool >= 1 && all >= PORT_SLICES * 256 ? Math.floor(all / PORT_SLICES) : all;
  const low = slice === all ? range.first : range.first + ((pool - 1) % PORT_SLICES) * slice;
  return { low, size: slice - LONGEST_RUN };
}

/**
 * A loopback port that is free now, picked below the kernel's ephemeral range (or in the range
 * FLEET_TEST_PORTS sets, which leaves that range out too). A port `listen(0)` hands out comes
 * from that range, and until the member binds it any process's outgoing connection may take it
 * as its source port: a member then failed to start with "the port is in use" (seen in CI,
 * session 27). Below the range only another test's own pick could take it, and the worker's own
 * slice (`pickRange`) keeps that to the files of one worker, one at a time.
 */
export async function freePort(): Promise<number> {
  const { low, size } = pickRange();
  for (let attempt = 0; size > 0 && attempt < 200; attempt++) {
    const port = low + Math.floor(Math.random() * size);
    if (handedOut.has(port) || !(await canBind(port))) continue;
    handedOut.add(port);
    return port;
  }
  // A range the environment set is a promise: never a port outside it.
  if (process.env[TEST_PORTS_VAR]) throw new Error(`no free port found in ${low}-${low + size - 1} (this worker's slice of ${TEST_PORTS_VAR}=${process.env[TEST_PORTS_VAR]})`);
  return kernelPickedPort();
}

/** A port the kernel says is free now, from its ephemeral range (the fallback where no other range is left). */
function kernelPickedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `cond` until it holds or the deadline passes; never a bare sleep. */
export async function waitFor<T>(what: string, cond: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await cond();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? `: ${String(lastErr)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export { tempDir } from '../temp-dirs.js';

/** Runs the CLI to completion; resolves with its exit code and output. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    // FLEET_TEST_CLI_TRACE=file: a line per CLI run (milliseconds, command), to see where a slow test file spends its time.
    const trace = process.env.FLEET_TEST_CLI_TRACE;
    const started = Date.now();
    if (trace) child.on('exit', () => appendFileSync(trace, `${Date.now() - started} ${args.slice(0, 3).join(' ')}\n`));
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`fleet ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    onceDrained(child, (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Calls `done` with the exit code once `child` has exited and its output has been read to the
 * end. At 'exit' the pipes may still hold output (a crash's report can be 100 KB: Node quotes
 * the bundle's minified line), so it waits for 'close'; a grandchild that kept the pipes open
 * must not hang the test, so not for longer than a few seconds after the exit.
 */
function onceDrained(child: ChildProcess, done: (code: number) => void): void {
  let called = false;
  const finish = (code: number) => {
    if (called) return;
    called = true;
    done(code);
  };
  child.once('exit', (code, signal) => {
    const exitCode = code ?? (signal ? 128 : 1);
    setTimeout(() => finish(exitCode), 5_000).unref();
    child.once('close', () => finish(exitCode));
  });
}

/** What a finished program left: its exit code (128 when killed by a signal) and its output. */
export interface ProgramResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a program (a command and its arguments) to completion within `timeoutMs`, as `runCli`
 * runs the CLI: it must end on its own, and it is killed (and the promise rejected) if it does not.
 */
export function runProgram(cmd: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<ProgramResult> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, NO_COLOR: '1', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      children.delete(child);
      reject(err);
    });
    onceDrained(child, (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts a long-running CLI process (e.g. `node start`); its output is kept for failure reports. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}, nodeOptions: readonly string[] = []): { child: ChildProcess; output: () => string } {
  return spawnProgram([...nodeOptions, CLI_BIN, ...args], { env });
}

/** Starts a long-running program (node with `args`) in `cwd`; its output is kept, and it is killed if the test process exits early. */
export function spawnProgram(args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, args, { cwd: opts.cwd, env: { ...process.env, NO_COLOR: '1', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  child.on('exit', () => children.delete(child));
  return { child, output: () => out };
}

/**
 * Starts a one-member cluster on the empty directory `data` as fleet init starts a member (its
 * node options and environment), from `bin` (default: this checkout's), and waits for its start
 * line. Answers that line and a way to stop the member.
 */
export async function startSoloMember(data: string, opts: { bin?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ startLine: Record<string, unknown>; stop: () => Promise<void> }> {
  const address = `127.0.0.1:${await freePort()}`;
  const args = [...MEMBER_NODE_OPTIONS, opts.bin ?? CLI_BIN, 'node', 'start', '--id', 'n1', '--data-dir', data, '--listen', address, '--peers', `n1=${address}`];
  const { child, output } = spawnProgram(args, { env: { ...MEMBER_ENV, ...opts.env } });
  const line = await waitFor('the member start line', () => output().split('\n').find((l) => l.includes('"msg":"member started"')), 30_000).catch((err: unknown) => {
    throw new Error(`${String(err)}; the member said:\n${output()}`);
  });
  return { startLine: JSON.parse(line) as Record<string, unknown>, stop: () => stopChild(child) };
}

/** Ends a child and waits for it to be gone. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Pids of live processes whose command line mentions `dir` (members put their data dir there). */
export function processesMentioning(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(dir)) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

/** SIGKILLs (by pid) every live process that mentions `dir`; answers their pids, for a test to fail on. */
export function killProcessesMentioning(dir: string): number[] {
  const left = processesMentioning(dir);
  for (const pid of left) process.kill(pid, 'SIGKILL');
  return left;
}

/** A port `base` such that `base` … `base + n - 1` (and `spare` more after them) are free now. */
export async function freePorts(n: number, spare = 0): Promise<number> {
  if (n + spare > LONGEST_RUN) throw new Error(`freePorts: at most ${LONGEST_RUN} ports in a run`);
  for (;;) {
    const base = await freePort();
    if (base + n + spare - 1 > 65_535) continue;
    const rest = Array.from({ length: n + spare - 1 }, (_, i) => base + 1 + i);
    if (rest.some((p) => handedOut.has(p))) continue;
    const free = await Promise.all(rest.map(canBind));
    if (!free.every(Boolean)) continue;
    for (const p of rest) handedOut.add(p);
    return base;
  }
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}
