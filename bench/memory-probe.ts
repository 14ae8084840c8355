/**
 * Where a member's memory goes, idle or after the node area's fill.
 *
 *   node --import tsx bench/memory-probe.ts idle [ROUNDS=3] [VARIANT …]
 *     Starts fleet's 3 members (peer secret, as fleet init), waits for a leader and 20 s more
 *     (FLEET_PROBE_IDLE_S; V8's memory reducer acts about 8 s after start),
 *     and prints each member's RSS and PSS (anonymous / file-backed) from smaps_rollup and its
 *     V8 heap and external memory (process.memoryUsage, through bench/memory-report.mjs). A
 *     VARIANT is extra node flags for the members ('' for none) and, in a word
 *     '@PATH', another tree's bin/run.js for them to run (A/B over two checkouts); with several, the rounds take
 *     them in turn (A, B, A, B …), so the machine's load weighs on each alike.
 *   node --import tsx bench/memory-probe.ts fill [N=100000]
 *     Writes N distinct 256-byte values at 64 in flight and prints every member's RSS after it;
 *     with FLEET_BENCH_HEAPSNAPSHOT=1 (and FLEET_BENCH_NODE_ARGS=--heapsnapshot-signal=SIGUSR2)
 *     asks the largest member for a heap snapshot.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './figures.js';
import { useMemberVariant, type ProcMemory } from './harness.js';
import { runCount } from './load.js';
import { FleetSystem } from './systems.js';

const MB = 1e6;
/** Seconds after a leader is agreed when the idle figures are read, and when earlier ones are printed too. */
const IDLE_S = Number(process.env.FLEET_PROBE_IDLE_S ?? 20);
const EARLY_S = [1, 5, 10].filter((s) => s < IDLE_S);
const REPORTER = fileURLToPath(new URL('./memory-report.mjs', import.meta.url));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const mb = (b: number): string => (b / MB).toFixed(1);

/** One idle cluster's figures: the sum of PSS over members, the largest RSS, per-member detail. */
interface IdleSample {
  readonly pssCluster: number;
  readonly rssMax: number;
  readonly members: { id: string; mem: ProcMemory; heap?: Record<string, number>; spaces?: Record<string, { size: number; used: number }> }[];
}

async function idleOnce(variant: string): Promise<IdleSample> {
  const reports = mkdtempSync(join(tmpdir(), 'fleet-memreport-'));
  await useMemberVariant(variant, [`--import=${REPORTER}`]);
  process.env.FLEET_MEMORY_REPORT_DIR = reports;
  const fleet = await FleetSystem.start([], { peerAuth: 'secret' });
  try {
    const t0 = performance.now();
    for (const at of EARLY_S) {
      await sleep(at * 1000 - (performance.now() - t0));
      const early = [...fleet.cluster.memory().values()];
      console.log(`  +${at}s: pss sum ${mb(early.reduce((t, m) => t + m.pss, 0))} MB (anon ${mb(early.reduce((t, m) => t + m.pssAnon, 0))}), rss max ${mb(Math.max(...early.map((m) => m.rss)))} MB`);
    }
    await sleep(IDLE_S * 1000 - (performance.now() - t0));
    const memory = fleet.cluster.memory();
    for (const id of memory.keys()) process.kill(fleet.cluster.pid(id)!, 'SIGUSR2');
    await sleep(500);
    const members = [...memory].map(([id, mem]) => {
      try {
        const report = JSON.parse(readFileSync(join(reports, `${fleet.cluster.pid(id)}.json`), 'utf8')) as { usage: Record<string, number>; spaces: Record<string, { size: number; used: number }> };
        return { id, mem, heap: report.usage, spaces: report.spaces };
      } catch {
        return { id, mem };
      }
    });
    return { pssCluster: members.reduce((s, m) => s + m.mem.pss, 0), rssMax: Math.max(...members.map((m) => m.mem.rss)), members };
  } finally {
    await fleet.stop();
    rmSync(reports, { recursive: true, force: true });
  }
}

async function idle(rounds: number, variants: string[]): Promise<void> {
  const samples = new Map<string, IdleSample[]>(variants.map((v) => [v, []]));
  for (let r = 0; r < rounds; r++) {
    for (const v of variants) {
      const s = await idleOnce(v);
      samples.get(v)!.push(s);
      const load = loadavg()[0]!.toFixed(1);
      console.log(`round ${r + 1} [${v || 'as shipped'}] load ${load}: pss_idle_cluster ${mb(s.pssCluster)} MB, rss_idle ${mb(s.rssMax)} MB`);
      for (const m of s.members) {
        const h = m.heap;
        const heap = h ? ` | heapTotal ${mb(h.heapTotal!)} heapUsed ${mb(h.heapUsed!)} external ${mb(h.external!)} arrayBuffers ${mb(h.arrayBuffers!)}` : '';
        const spaces = Object.entries(m.spaces ?? {})
          .filter(([, sp]) => sp.size > 0)
          .map(([name, sp]) => `${name.replace('_space', '')} ${mb(sp.used)}/${mb(sp.size)}`)
          .join(', ');
        console.log(`  ${m.id}: rss ${mb(m.mem.rss)} pss ${mb(m.mem.pss)} (anon ${mb(m.mem.pssAnon)}, file ${mb(m.mem.pssFile)}) private dirty ${mb(m.mem.privateDirty)}${heap}`);
        if (spaces) console.log(`      spaces (used/size MB): ${spaces}`);
      }
    }
  }
  for (const [v, ss] of samples) {
    const pss = ss.map((s) => s.pssCluster / MB);
    const rss = ss.map((s) => s.rssMax / MB);
    const anon = ss.map((s) => s.members.reduce((t, m) => t + m.mem.pssAnon, 0) / MB);
    console.log(`[${v || 'as shipped'}] median of ${ss.length}: pss_idle_cluster ${median(pss).toFixed(1)} MB (${Math.min(...pss).toFixed(1)}–${Math.max(...pss).toFixed(1)}), anon part ${median(anon).toFixed(1)}; rss_idle ${median(rss).toFixed(1)} MB (${Math.min(...rss).toFixed(1)}–${Math.max(...rss).toFixed(1)})`);
  }
}

async function fill(n: number): Promise<void> {
  const fleet = await FleetSystem.start();
  try {
    const show = (what: string) => console.log(what, fleet.rss().map((b) => `${mb(b)} MB`).join(' '));
    show('idle');
    const result = await runCount((i) => fleet.put(`fill/${i}`), n, 64);
    console.log(`filled ${n} at ${result.rate.toFixed(0)}/s`);
    for (const wait of [2_000, 8_000, 20_000]) {
      await sleep(wait);
      show(`after fill +${wait / 1000}s`);
    }
    for (const [id, m] of fleet.cluster.memory()) console.log(id, `rss ${mb(m.rss)} pss ${mb(m.pss)} anon ${mb(m.pssAnon)} file ${mb(m.pssFile)}`);
    if (process.env.FLEET_BENCH_HEAPSNAPSHOT === '1') {
      // Members started with --heapsnapshot-signal=SIGUSR2 write Heap.*.heapsnapshot into their cwd.
      const biggest = [...fleet.cluster.rss()].sort((a, b) => b[1] - a[1])[0]!;
      process.kill(fleet.cluster.pid(biggest[0])!, 'SIGUSR2');
      console.log('asked', biggest[0], 'for a heap snapshot; waiting 60 s');
      await sleep(60_000);
    }
  } finally {
    await fleet.stop();
  }
}

const [mode = 'idle', count, ...variants] = process.argv.slice(2);
if (mode === 'fill') await fill(Number(count ?? 100_000));
else await idle(Number(count ?? 3), variants.length > 0 ? variants : ['']);
