/**
 * The `embed` area: what hosting members costs an application (issue 35's targets).
 *   idle_member_rss_added   a host with one idle member minus a host with none (RSS after GC)   ≤ 20 MB
 *   idle_cluster3_rss       a host with a whole three-member cluster in it                       ≤ 50 MB
 *   submit_p50_c1           submitWrite on the leader's own process, 1 in flight                  ≤ 0.8× client_write_p50_c1
 *   client_write_p50_c1     a registry write over gRPC by a client in another process, same cluster, same run
 *   client_submit_p50_c1    the same command over gRPC (FleetClient.submit), for reference
 * Each process is bench/embed-probe.mjs over dist/ (`fleet/embed` as an application imports it).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { againstBaseline, atMost, fleetOnly, goalText, isMet, ratioAtMost, type BenchFigure } from './figures.js';
import { freePort } from './harness.js';

const PROBE = new URL('./embed-probe.mjs', import.meta.url).pathname;
const MB = 1024 * 1024;

function progress(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

function probe(args: readonly string[]): Record<string, unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-bench-embed-'));
  try {
    const r = spawnSync(process.execPath, ['--expose-gc', PROBE, ...args.map((a) => a.replace('{dir}', dir))], { encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) throw new Error(`embed probe ${args[0]} failed: ${r.stderr || r.error?.message}`);
    return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Three consecutive free ports' first (the members listen on port, port+1, port+2). */
async function ports(): Promise<string> {
  for (;;) {
    const p = await freePort();
    if (p < 65_000) return String(p);
  }
}

export async function benchEmbed(opts: { quick: boolean }): Promise<BenchFigure[]> {
  const reps = opts.quick ? 2 : 5;
  const writes = opts.quick ? 500 : 2_000;
  const added: number[] = [];
  const whole: number[] = [];
  for (let i = 0; i < reps; i++) {
    progress(`embed: host RSS with and without members (${i + 1}/${reps})`);
    const bare = probe(['bare'])['rss'] as number;
    added.push(((probe(['idle', '{dir}', await ports()])['rss'] as number) - bare) / MB);
    whole.push((probe(['idle3', '{dir}', await ports()])['rss'] as number) / MB);
  }
  const submit: number[] = [];
  const write: number[] = [];
  const submitRpc: number[] = [];
  for (let i = 0; i < reps; i++) {
    progress(`embed: ${writes} sequential writes each way (${i + 1}/${reps})`);
    const r = probe(['latency', '{dir}', await ports(), String(writes)]) as Record<string, { p50: number }>;
    submit.push(r['embedded']!.p50);
    write.push(r['write']!.p50);
    submitRpc.push(r['submit']!.p50);
  }
  const clientWrite = fleetOnly('embed', 'client_write_p50_c1', 'ms', write);
  const submitFigure = againstBaseline('embed', 'submit_p50_c1', 'ms', submit, clientWrite);
  return [
    fleetOnly('embed', 'idle_member_rss_added', 'MB', added, atMost(20)),
    fleetOnly('embed', 'idle_cluster3_rss', 'MB', whole, atMost(50)),
    { ...submitFigure, goal: goalText(ratioAtMost(0.8)), met: isMet(ratioAtMost(0.8), submitFigure.fleet, submitFigure.ratio ?? null) },
    clientWrite,
    fleetOnly('embed', 'client_submit_p50_c1', 'ms', submitRpc),
  ];
}
