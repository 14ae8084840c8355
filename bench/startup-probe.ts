// Ad-hoc: a member's start-up, spawn to listening, as `fleet init` starts members (one founding
// member on a fresh data dir, MEMBER_NODE_OPTIONS), with dist/bundle used and hidden in turn
// (interleaved, so that the machine's load weighs on both alike). Wall time until the gRPC port
// accepts a connection, and the process's CPU time by then. Needs `npm run build` first.
// Run: node --import tsx bench/startup-probe.ts [rounds]
// With variants (`node --import tsx bench/startup-probe.ts ROUNDS VARIANT …`): each in turn. A
// variant is a built tree (its bundled member with its MEMBER_NODE_OPTIONS and MEMBER_ENV: A/B over
// checkouts) or `env:NAME=VALUE,…` (this tree with its environment changed, e.g.
// `env:MALLOC_MMAP_THRESHOLD_=4096`).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import net from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MEMBER_ENV, MEMBER_NODE_OPTIONS } from '../src/common/member-process.js';
import { freePort } from './harness.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const INPUTS = join(ROOT, 'dist', 'bundle', 'inputs.json');
const HIDDEN = `${INPUTS}.hidden`;

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/** CPU time of `pid` so far (user + system), in ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** How a variant starts its member: the tree, its node options and its environment. */
interface Launch {
  readonly root: string;
  readonly options: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

const THIS_TREE: Launch = { root: ROOT, options: MEMBER_NODE_OPTIONS, env: MEMBER_ENV };

async function launchOf(variant: string): Promise<Launch> {
  if (variant.startsWith('env:')) {
    const words = variant.slice('env:'.length).split(',').filter(Boolean);
    return { ...THIS_TREE, env: { ...MEMBER_ENV, ...Object.fromEntries(words.map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)])) } };
  }
  const tree = (await import(join(variant, 'dist', 'common', 'member-process.js'))) as { MEMBER_NODE_OPTIONS: string[]; MEMBER_ENV?: Record<string, string> };
  return { root: variant, options: tree.MEMBER_NODE_OPTIONS, env: tree.MEMBER_ENV ?? {} };
}

async function startOnce({ root, options, env }: Launch = THIS_TREE): Promise<{ wallMs: number; cpuMs: number }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'fleet-startup-'));
  const args = [...options, join(root, 'bin', 'run.js'), 'node', 'start', '--id', 'n1', '--data-dir', dir, '--listen', `127.0.0.1:${port}`, '--peers', `n1=127.0.0.1:${port}`];
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: 'ignore' });
  try {
    const deadline = t0 + 20_000;
    while (!(await connects(port))) {
      if (performance.now() > deadline || child.exitCode !== null) throw new Error(`member did not listen (exit ${child.exitCode})`);
      await new Promise((r) => setTimeout(r, 2));
    }
    return { wallMs: performance.now() - t0, cpuMs: cpuMs(child.pid!) };
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rounds = Number(process.argv[2] ?? 10);
const variants = process.argv.slice(3);
const results: Record<string, { wallMs: number; cpuMs: number }[]> = variants.length > 0 ? Object.fromEntries(variants.map((v) => [v, []])) : { bundled: [], modules: [] };
if (variants.length > 0) {
  const launches = new Map<string, Launch>();
  for (const v of variants) launches.set(v, await launchOf(v));
  // Each round in the other order, so that neither variant always starts right after the other.
  for (let i = 0; i < rounds; i++) for (const v of i % 2 === 0 ? variants : [...variants].reverse()) results[v]!.push(await startOnce(launches.get(v)));
} else {
  try {
    for (let i = 0; i < rounds; i++) {
      renameSync(INPUTS, HIDDEN);
      try {
        results.modules!.push(await startOnce());
      } finally {
        renameSync(HIDDEN, INPUTS);
      }
      results.bundled!.push(await startOnce());
    }
  } finally {
    rmSync(HIDDEN, { force: true });
  }
}
console.log(`load ${loadavg()[0]!.toFixed(1)} at the end`);
for (const [name, rs] of Object.entries(results)) {
  console.log(`${name.padEnd(8)} spawn→listening median ${median(rs.map((r) => r.wallMs)).toFixed(0)} ms, cpu ${median(rs.map((r) => r.cpuMs)).toFixed(0)} ms  (cpu ${rs.map((r) => r.cpuMs.toFixed(0)).join(' ')})`);
}
