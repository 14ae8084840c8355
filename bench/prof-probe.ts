// Profiling probe (not part of `npm run bench`; BENCHMARKS.md, "Where the missed targets go"). One 3-member cluster with a peer secret, as
// the node area starts it: fill 100,000 keys at 64 in flight, memory of every member (smaps,
// V8 heap, a heap snapshot of the largest), a fresh snapshot, restarts of a follower with
// --cpu-prof, then writes at 64/256/1 in flight with per-process CPU and CPU profiles.
// Usage: node --import tsx bench/prof-probe.ts OUTDIR [phases=mem,restart,writes]
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FleetClient } from '../src/client/index.js';
import { BenchCluster, memoryOf } from './harness.js';
import { runCount, runFor } from './load.js';

const OUT = process.argv[2] ?? 'prof-out';
const phases = new Set((process.argv[3] ?? 'mem,restart,writes').split(','));
const RAW = join(OUT, 'raw');
mkdirSync(RAW, { recursive: true });
const PRELOAD = fileURLToPath(new URL('./prof-preload.mjs', import.meta.url));
const BASE_ARGS = `--import=${PRELOAD}`;
process.env.PROF_DIR = RAW;
process.env.FLEET_BENCH_NODE_ARGS = BASE_ARGS;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const log = (o: unknown): void => {
  const line = typeof o === 'string' ? o : JSON.stringify(o);
  console.log(line);
  writeFileSync(join(OUT, 'probe-log.jsonl'), `${line}\n`, { flag: 'a' });
};
const load1 = (): number => Number(loadavg()[0]!.toFixed(2));

/** Asks a member (preload) to do `cmd`; waits for it. */
async function ask(pid: number, cmd: string, timeoutMs = 180_000): Promise<void> {
  const doneFile = join(RAW, `done-${pid}`);
  rmSync(doneFile, { force: true });
  writeFileSync(join(RAW, `cmd-${pid}`), cmd);
  process.kill(pid, 'SIGUSR2');
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (existsSync(doneFile) && readFileSync(doneFile, 'utf8') === cmd) return;
    await sleep(50);
  }
  throw new Error(`member ${pid} did not do ${cmd}`);
}

/** Per-thread CPU (ms) of a process, summed by thread name; plus main-thread schedstat (run, wait ns). */
function threads(pid: number): { byName: Record<string, number>; runNs: number; waitNs: number } {
  const byName: Record<string, number> = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ms = ((Number(f[11]) + Number(f[12])) * 1000) / 100;
      const key = tid === String(pid) ? 'main' : name;
      byName[key] = (byName[key] ?? 0) + ms;
    } catch {
      // thread gone
    }
  }
  const [run, wait] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ').map(Number);
  return { byName, runNs: run!, waitNs: wait! };
}

const diff = (a: ReturnType<typeof threads>, b: ReturnType<typeof threads>) => {
  const byName: Record<string, number> = {};
  for (const k of new Set([...Object.keys(a.byName), ...Object.keys(b.byName)])) byName[k] = (b.byName[k] ?? 0) - (a.byName[k] ?? 0);
  return { byName, total: Object.values(byName).reduce((s, x) => s + x, 0), mainRunMs: (b.runNs - a.runNs) / 1e6, mainWaitMs: (b.waitNs - a.waitNs) / 1e6 };
};

log({ probe: 'start', at: new Date().toISOString(), load: loadavg() });
const cluster = await BenchCluster.start(3, [], { peerAuth: 'secret' });
const client = cluster.client();
const value = 'x'.repeat(256);
const pidOf = (id: string) => cluster.pid(id)!;
const ids = () => [...cluster.procs.keys()];
try {
  let leader = (await client.findLeader()).memberId;
  log({ cluster: cluster.root, leader, pids: Object.fromEntries(ids().map((id) => [id, pidOf(id)])) });
  await sleep(3000);

  // Fill: 100,000 distinct keys at 64 in flight (as the node area).
  const fillBefore = Object.fromEntries(ids().map((id) => [id, threads(pidOf(id))]));
  const cpu0 = process.cpuUsage();
  const fill = await runCount((i) => client.kvPut(`fill/${i}`, value), 100_000, 64);
  const cpuFill = process.cpuUsage(cpu0);
  log({ phase: 'fill', rate: Math.round(fill.rate), p50: fill.p50, p99: fill.p99, errors: fill.errors, load: load1(), clientCpuMs: (cpuFill.user + cpuFill.system) / 1000, members: Object.fromEntries(ids().map((id) => [id, diff(fillBefore[id]!, threads(pidOf(id)))])) });
  const fillEnd = performance.now();
  const memWaits = (process.env.PROF_MEM_WAITS ?? '1.5').split(',').map(Number);
  await sleep(1500);

  if (phases.has('mem')) for (const wait of memWaits) {
    await sleep(wait * 1000 - (performance.now() - fillEnd));
    for (const id of ids()) {
      const pid = pidOf(id);
      const mem = memoryOf(pid);
      writeFileSync(join(RAW, `smaps_rollup-${id}.txt`), readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      await ask(pid, 'report');
      const rep = JSON.parse(readFileSync(join(RAW, `report-${pid}.json`), 'utf8'));
      writeFileSync(join(OUT, `mem-report-${process.env.PROF_TAG ?? ''}${id}-${wait}s.json`), JSON.stringify({ id, leader: id === leader, afterFillS: wait, mem, ...rep }, null, 1));
      log({ phase: 'mem', afterFillS: wait, id, leader: id === leader, rssMB: mem.rss / 1e6, pssAnonMB: mem.pssAnon / 1e6, pssFileMB: mem.pssFile / 1e6, heapTotalMB: rep.usage.heapTotal / 1e6, heapUsedMB: rep.usage.heapUsed / 1e6, externalMB: rep.usage.external / 1e6, arrayBuffersMB: rep.usage.arrayBuffers / 1e6, load: load1() });
    }
  }
  if (phases.has('mem')) {
    // Data dirs: what is on disk (snapshots, WAL).
    for (const id of ids()) {
      const files: [string, number][] = [];
      const walk = (d: string): void => {
        for (const e of readdirSync(d, { withFileTypes: true })) {
          const p = join(d, e.name);
          if (e.isDirectory()) walk(p);
          else files.push([p.slice(cluster.root.length + 1), statSync(p).size]);
        }
      };
      walk(join(cluster.root, id));
      log({ phase: 'datadir', id, files });
    }
    const biggest = ids().sort((a, b) => memoryOf(pidOf(b)).rss - memoryOf(pidOf(a)).rss)[0]!;
    const t0 = Date.now();
    await ask(pidOf(biggest), `heapsnap member-${process.env.PROF_TAG ?? ''}${biggest}-100k.heapsnapshot`);
    log({ phase: 'heapsnap', id: biggest, leader: biggest === leader, ms: Date.now() - t0, rssAfterMB: memoryOf(pidOf(biggest)).rss / 1e6 });
  }

  if (phases.has('restart')) {
    // A fresh snapshot streamed from the leader, as the node area does before its restarts.
    const t0 = performance.now();
    const snapFile = join(cluster.root, 'fresh.snap');
    try {
      await client.downloadSnapshot(snapFile, { fresh: true });
    } catch (err) {
      if (!/is not newer than/.test((err as Error).message)) throw err;
      await client.downloadSnapshot(snapFile, { fresh: false });
    }
    log({ phase: 'snapshot', ms: Math.round(performance.now() - t0), bytes: statSync(snapFile).size });
    rmSync(snapFile);
    const EAGER = { 'grpc.initial_reconnect_backoff_ms': 10, 'grpc.max_reconnect_backoff_ms': 50 };
    for (const [rep, profiled] of [[1, true], [2, false], [3, true], [4, false], [5, true]] as const) {
      leader = (await client.findLeader()).memberId;
      const follower = ids().find((id) => id !== leader)!;
      await cluster.kill(follower);
      const committed = (await client.status()).commitIndex;
      const profDir = join(OUT, `${process.env.PROF_TAG ?? ""}restart-${rep}`);
      if (profiled) mkdirSync(profDir, { recursive: true });
      process.env.FLEET_BENCH_NODE_ARGS = profiled ? `${BASE_ARGS} --cpu-prof --cpu-prof-dir=${profDir} --cpu-prof-interval=250` : BASE_ARGS;
      const endpoint = cluster.endpointOf(follower);
      const watcher = new FleetClient({ endpoints: [endpoint], callTimeoutMs: 200, overallTimeoutMs: 200, channelOptions: EAGER, tls: cluster.tls });
      const epoch0 = Date.now();
      const hr0 = process.hrtime.bigint();
      const loadAt = load1();
      cluster.restart(follower);
      const pid = pidOf(follower);
      let firstAnswerMs: number | undefined;
      let firstApplied: number | undefined;
      const progress: [number, number][] = [];
      let doneMs = NaN;
      const deadline = performance.now() + 60_000;
      while (performance.now() < deadline) {
        const st = await watcher.status(endpoint).catch(() => undefined);
        const ms = Number(process.hrtime.bigint() - hr0) / 1e6;
        if (st !== undefined) {
          firstAnswerMs ??= ms;
          firstApplied ??= st.appliedIndex;
          if (progress.length === 0 || progress[progress.length - 1]![1] !== st.appliedIndex) progress.push([Math.round(ms), st.appliedIndex]);
          if (st.appliedIndex >= committed) {
            doneMs = ms;
            break;
          }
        }
        await sleep(5);
      }
      watcher.close();
      const cpuMs = threads(pid);
      log({ phase: 'restart', tag: process.env.PROF_TAG, rep, profiled, follower, pid, committed, load: loadAt, spawnEpochMs: epoch0, spawnHrUs: Number(hr0 / 1000n), firstAnswerMs: Math.round(firstAnswerMs ?? NaN), firstApplied, caughtUpMs: Math.round(doneMs), progress, cpuSoFar: cpuMs.byName, mainRunMs: cpuMs.runNs / 1e6, mainWaitMs: cpuMs.waitNs / 1e6 });
      // Keep the member's log lines of this start.
      const lines = readFileSync(join(cluster.root, follower, 'logs', `${follower}.log`), 'utf8').split('\n').filter((l) => l && (JSON.parse(l) as { time: number }).time >= epoch0);
      writeFileSync(join(OUT, `${process.env.PROF_TAG ?? ""}restart-${rep}-member-log.jsonl`), `${lines.join('\n')}\n`);
      process.env.FLEET_BENCH_NODE_ARGS = BASE_ARGS;
      if (profiled) {
        // A clean exit writes the profile; then the member runs again, unprofiled.
        await sleep(300);
        const child = cluster.procs.get(follower)!;
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        });
        cluster.restart(follower);
        await cluster.waitForLeader();
        await sleep(1000);
      }
    }
  }

  if (phases.has('writes')) {
    leader = (await client.findLeader()).memberId;
    const follower = ids().find((id) => id !== leader)!;
    let next = 0;
    const put = () => client.kvPut(`fill/${next++ % 100_000}`, value);
    await runFor(put, 16, 2);
    for (const c of [64, 256, 1, 64]) {
      for (const profiled of [false, true]) {
        if (profiled && c === 256) continue;
        const tag = `c${c}`;
        if (profiled) for (const id of ids()) await ask(pidOf(id), 'prof-start');
        const winStart = Date.now();
        let session: Session | undefined;
        if (profiled) {
          session = new Session();
          session.connect();
          await new Promise<void>((r) => session!.post('Profiler.enable', () => session!.post('Profiler.setSamplingInterval', { interval: 500 }, () => session!.post('Profiler.start', () => r()))));
        }
        const before = Object.fromEntries(ids().map((id) => [id, threads(pidOf(id))]));
        const cpu0c = process.cpuUsage();
        const loadAt = load1();
        const t0 = performance.now();
        const r = await runFor(put, c, 5);
        const wall = performance.now() - t0;
        const cc = process.cpuUsage(cpu0c);
        const members = Object.fromEntries(ids().map((id) => [id, diff(before[id]!, threads(pidOf(id)))]));
        if (profiled) {
          const profile = await new Promise<unknown>((res) => session!.post('Profiler.stop', (_e, p) => res((p as { profile: unknown }).profile)));
          session!.disconnect();
          writeFileSync(join(OUT, `${process.env.PROF_TAG ?? ''}writes-${tag}-client.cpuprofile`), JSON.stringify(profile));
          for (const id of ids()) await ask(pidOf(id), `prof-stop ${process.env.PROF_TAG ?? ''}writes-${tag}-${id === leader ? 'leader' : 'follower'}-${id}.cpuprofile`);
        }
        const clientMs = (cc.user + cc.system) / 1000;
        const perWriteUs = (ms: number) => Math.round((ms * 1000) / r.ops);
        const memberTotal = Object.values(members).reduce((s, m) => s + m.total, 0);
        const events = ids().flatMap((id) => readFileSync(join(cluster.root, id, 'logs', `${id}.log`), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { time: number; msg: string; member: string }).filter((e) => e.time >= winStart).map((e) => `${e.member}@${e.time - winStart}:${e.msg}`));
        log({
          phase: 'writes', tag: process.env.PROF_TAG, c, profiled, events, leader, follower, load: loadAt, wallMs: Math.round(wall), ops: r.ops, rate: Math.round(r.rate), p50: Number(r.p50.toFixed(3)), p99: Number(r.p99.toFixed(3)), errors: r.errors,
          cpuUsPerWrite: { ...Object.fromEntries(ids().map((id) => [id === leader ? `${id}(leader)` : id, perWriteUs(members[id]!.total)])), client: perWriteUs(clientMs), total: perWriteUs(memberTotal + clientMs) },
          coresBusy: Number(((memberTotal + clientMs) / wall).toFixed(2)),
          members,
        });
      }
    }
  }
} finally {
  client.close();
  await cluster.stop('SIGTERM');
  log({ probe: 'end', at: new Date().toISOString(), load: loadavg() });
}
