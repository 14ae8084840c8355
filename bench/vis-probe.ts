// Ad-hoc A/B of follower visibility (the etcd-api area's figure) between member variants, interleaved
// so that the machine's drift falls on every variant alike: starts one 3-member cluster per variant
// (etcd API, peer secret, no client token), then alternates runs of `seconds` of puts to the leader at
// 1 in flight, each followed by serializable gets on a follower until one shows it (as
// bench/etcd-api.ts measures it), and of `seconds` of serializable gets alone on that follower (the
// floor: one get's round trip). Prints per variant the medians over runs of: visibility p50 and p99,
// the put's p50, gets per put, the p50 of the first get after each put, and the lone get's p50.
// Variants as in ab-probe.ts.
// With VIS_PROF=DIR, members are started with bench/prof-preload.mjs and CPU-profiled over the
// rounds: DIR/raw/<variant>-<leader|follower|other>.cpuprofile (summarise with cpuprof-summary.mjs).
// Usage: AB_A="@/tree/a/bin/run.js" AB_B="@/tree/b/bin/run.js" node --import tsx bench/vis-probe.ts [rounds=8] [seconds=3]
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fleetTarget, type Target } from './etcd-api.js';
import { quantile } from './figures.js';
import { useMemberVariant } from './harness.js';
import { FleetSystem } from './systems.js';

const rounds = Number(process.argv[2] ?? 8);
const seconds = Number(process.argv[3] ?? 3);
const variants = Object.entries(process.env).filter(([k]) => /^AB_[A-Z]$/.test(k) && k !== 'AB_C').sort();
const PROF = process.env.VIS_PROF ? join(process.env.VIS_PROF, 'raw') : undefined;
if (PROF) {
  mkdirSync(PROF, { recursive: true });
  process.env.PROF_DIR = PROF;
}
const profArgs = PROF ? [`--import=${fileURLToPath(new URL('./prof-preload.mjs', import.meta.url))}`] : [];

/** Asks a member (prof-preload.mjs) to do `cmd`; waits for it. */
async function ask(pid: number, cmd: string): Promise<void> {
  const done = join(PROF!, `done-${pid}`);
  rmSync(done, { force: true });
  writeFileSync(join(PROF!, `cmd-${pid}`), cmd);
  process.kill(pid, 'SIGUSR2');
  for (const t0 = Date.now(); Date.now() - t0 < 60_000; await new Promise((r) => setTimeout(r, 50))) {
    if (existsSync(done) && readFileSync(done, 'utf8') === cmd) return;
  }
  throw new Error(`member ${pid} did not do ${cmd}`);
}

/** Starts or stops (naming each profile by variant and role) every member's CPU profile. */
async function profile(v: Run, stop: boolean): Promise<void> {
  if (!PROF) return;
  for (const ep of v.t.endpoints) {
    const pid = v.t.pidOf(ep)!;
    const role = ep === v.t.leader ? 'leader' : ep === v.t.follower ? 'follower' : 'other';
    await ask(pid, stop ? `prof-stop ${v.label.slice(0, 4)}-${role}.cpuprofile` : 'prof-start');
  }
}

const p50 = (xs: number[]) => quantile([...xs].sort((a, b) => a - b), 0.5);
const p99 = (xs: number[]) => quantile([...xs].sort((a, b) => a - b), 0.99);

/** One run: visibility delays, put latencies, gets needed per put. */
async function visibilityRun(t: Target, prefix: string): Promise<{ vis: number[]; put: number[]; gets: number[]; first: number[] }> {
  const vis: number[] = [];
  const first: number[] = [];
  const put: number[] = [];
  const gets: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  for (let n = 0; performance.now() < deadline; n++) {
    const key = Buffer.from(`${prefix}/${n % 100}`);
    const sent = performance.now();
    const revision = await t.client.put(t.leader, key, Buffer.alloc(256, 120));
    const acked = performance.now();
    put.push(acked - sent);
    for (let g = 1; ; g++) {
      const asked = performance.now();
      const kv = await t.client.get(t.follower, key, { serializable: true });
      if (g === 1) first.push(performance.now() - asked);
      const waited = performance.now() - acked;
      if ((kv?.modRevision ?? 0) >= revision) {
        vis.push(waited);
        gets.push(g);
        break;
      }
      if (waited > 2_000) throw new Error(`${prefix}: not visible within 2 s`);
    }
  }
  return { vis, put, gets, first };
}

async function getRun(t: Target): Promise<number[]> {
  const key = Buffer.from('floor');
  const out: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  while (performance.now() < deadline) {
    const t0 = performance.now();
    await t.client.get(t.follower, key, { serializable: true });
    out.push(performance.now() - t0);
  }
  return out;
}

interface Run {
  label: string;
  s: FleetSystem;
  t: Target;
  vis50: number[];
  vis99: number[];
  put50: number[];
  gets: number[];
  first50: number[];
  get50: number[];
}
const runs: Run[] = [];
try {
  for (const [label, flags] of variants) {
    await useMemberVariant(flags ?? '', profArgs);
    const s = await FleetSystem.start([], { peerAuth: 'secret', token: '' });
    const t = await fleetTarget(s);
    await t.client.put(t.leader, Buffer.from('floor'), Buffer.alloc(256, 120));
    runs.push({ label: `${label}(${flags})`, s, t, vis50: [], vis99: [], put50: [], gets: [], first50: [], get50: [] });
  }
  for (const v of runs) await visibilityRun(v.t, 'warm');
  for (const v of runs) await profile(v, false);
  const loads: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const v of runs) {
      const res = await visibilityRun(v.t, `vis/${r}`);
      v.vis50.push(p50(res.vis));
      v.vis99.push(p99(res.vis));
      v.put50.push(p50(res.put));
      v.gets.push(res.gets.reduce((a, b) => a + b, 0) / res.gets.length);
      v.first50.push(p50(res.first));
      v.get50.push(p50(await getRun(v.t)));
    }
    loads.push(loadavg()[0]!);
  }
  for (const v of runs) await profile(v, true);
  const f = (xs: number[]) => p50(xs).toFixed(2);
  console.log(`follower visibility, ${rounds} rounds of ${seconds} s, load ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`);
  for (const v of runs) {
    console.log(`${v.label}: visibility p50 ${f(v.vis50)} [${v.vis50.map((x) => x.toFixed(1)).join(' ')}] p99 ${f(v.vis99)}; put p50 ${f(v.put50)}; gets/put ${f(v.gets)}; first get p50 ${f(v.first50)}; lone get p50 ${f(v.get50)} ms`);
  }
} finally {
  for (const v of runs) v.t.client.close();
  for (const v of runs) await v.s.stop();
}
