// The processes bench/embed.ts measures, each a host program as an application writes it
// (`fleet/embed` by the package's name, over dist/). One JSON line on stdout.
//   bare                     RSS of a host that embeds nothing (after GC)
//   idle DIR PORT            RSS of a host with one idle member (after GC, 3 s idle)
//   idle3 DIR PORT           RSS of a host with a three-member cluster in it (after GC, 3 s idle)
//   latency DIR PORT N       p50/p99 of N sequential submitWrite on the leader's own process, and of N
//                            sequential writes over gRPC by a client in another process (`client`)
//   client ENDPOINT N        that client: N sequential kv puts, then N sequential Submit calls
//   timeline MEMBERS DIR PORT SECONDS...
//                            RSS (after GC) of a host with MEMBERS (0, 1 or 3) idle members at each of
//                            the given seconds: the start-up transient against the settled idle state
import { Buffer } from 'node:buffer';
import { execFile } from 'node:child_process';
import console from 'node:console';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const [mode, ...args] = process.argv.slice(2);

function rss() {
  globalThis.gc?.();
  globalThis.gc?.();
  return process.memoryUsage().rss;
}

function quantiles(samples) {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: s[Math.floor(s.length / 2)], p99: s[Math.min(s.length - 1, Math.floor(s.length * 0.99))] };
}

class Counter {
  total = 0;
  apply() {
    return ++this.total;
  }
  snapshot() {
    return Buffer.from(String(this.total));
  }
  restore(image) {
    this.total = image.length === 0 ? 0 : Number(Buffer.from(image).toString());
  }
}

/** `n` members in this process; `apis` as fleet/embed takes them (the latency client needs fleet.v1, the idle figures none). */
async function cluster(dir, port, n, apis = []) {
  const { startMember } = await import('fleet/embed');
  const ids = ['a', 'b', 'c'].slice(0, n);
  const peers = Object.fromEntries(ids.map((id, i) => [id, `127.0.0.1:${port + i}`]));
  const members = [];
  for (const id of ids) members.push(await startMember({ id, dataDir: join(dir, id), listen: peers[id], peers, stateMachine: new Counter(), apis }));
  const deadline = Date.now() + 20_000;
  while (members[0].status().leaderId === '') {
    if (Date.now() > deadline) throw new Error('no leader in 20 s');
    await sleep(20);
  }
  return members;
}

async function timed(n, fn) {
  const samples = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    samples.push(performance.now() - t0);
  }
  return quantiles(samples);
}

if (mode === 'bare') {
  await sleep(3000);
  console.log(JSON.stringify({ rss: rss() }));
} else if (mode === 'idle' || mode === 'idle3') {
  const members = await cluster(args[0], Number(args[1]), mode === 'idle' ? 1 : 3);
  await sleep(3000);
  const measured = rss();
  for (const m of members) await m.stop();
  console.log(JSON.stringify({ rss: measured }));
} else if (mode === 'timeline') {
  const [n, dir, port, ...marks] = args;
  const members = Number(n) === 0 ? [] : await cluster(dir, Number(port), Number(n));
  const samples = [];
  let at = 0;
  for (const s of marks.map(Number)) {
    await sleep((s - at) * 1000);
    at = s;
    samples.push({ s, rss: rss() });
  }
  for (const m of members) await m.stop();
  console.log(JSON.stringify({ members: Number(n), samples }));
} else if (mode === 'latency') {
  const n = Number(args[2]);
  const members = await cluster(args[0], Number(args[1]), 3, ['fleet']);
  const leader = members.find((m) => m.status().role === 'leader');
  await timed(200, () => leader.submitWrite('add', '1'));
  const embedded = await timed(n, () => leader.submitWrite('add', '1'));
  const self = fileURLToPath(import.meta.url);
  const leaderAddress = `127.0.0.1:${leader.port}`;
  // Asynchronously: the members in this process must go on answering while the client runs.
  const child = await promisify(execFile)(process.execPath, [self, 'client', leaderAddress, String(n)], { encoding: 'utf8' });
  for (const m of members) await m.stop();
  console.log(JSON.stringify({ embedded, ...JSON.parse(child.stdout) }));
} else if (mode === 'client') {
  const { FleetClient } = await import('fleet');
  const n = Number(args[1]);
  const client = new FleetClient({ endpoints: [args[0]] });
  await timed(200, (i) => client.kvPut(`warm/${i}`, 'x'));
  const write = await timed(n, (i) => client.kvPut(`bench/${i}`, 'x'));
  const submit = await timed(n, () => client.submit('add', Buffer.from('1')));
  client.close();
  console.log(JSON.stringify({ write, submit }));
} else {
  throw new Error(`unknown mode ${mode}`);
}
