// Ad-hoc: what a leader move costs across a WAN. On a local cluster laid out over regions
// (fleet init --profile wan --zones a,b,c --regions us,eu,ap), every member delays its sends to
// the other regions by half the given round trip (the WAN drill's hook), a writer writes one
// key at a time, and the leader is moved back and forth between two regions: each move's
// duration as the transfer reports it, and the longest a write took around it (what a client
// sees when the preferred region returns and autopilot hands leadership back).
// Run: node --import tsx bench/wan-move-probe.ts CLUSTER_DIR [moves] [us-eu=40ms,us-ap=80ms,eu-ap=120ms]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FleetClient } from '../src/client/index.js';
import { parseDuration } from '../src/common/durations.js';
import { AdminApiInjector } from '../src/ops/drill/remote-injector.js';
import { linkPlan, parseLatencies } from '../src/ops/drill/scenarios/scenario-wan.js';

const [dir, movesArg, latencyArg] = process.argv.slice(2);
if (dir === undefined) throw new Error('usage: wan-move-probe.ts CLUSTER_DIR [moves] [latencies]');
const manifest = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as { members: { id: string; port: number; region: string }[] };
const token = readFileSync(join(dir, 'client.token'), 'utf8').trim();
const adminToken = readFileSync(join(dir, 'admin.token'), 'utf8').trim();
const members = manifest.members.map((m) => ({ id: m.id, address: `127.0.0.1:${m.port}`, region: m.region }));
const plan = linkPlan(new Map(members.map((m) => [m.id, m.region])), { roundTripMs: parseLatencies(latencyArg ?? 'us-eu=40ms,us-ap=80ms,eu-ap=120ms', parseDuration), jitterMs: 0, loss: 0 });
const injector = new AdminApiInjector({ token: adminToken });
const endpoints = members.map((m) => m.address);
const writer = await FleetClient.connect({ endpoints, token });
const admin = await FleetClient.connect({ endpoints, token: adminToken });
const latencies: { at: number; ms: number }[] = [];
let writing = true;
const loop = (async () => {
  for (let i = 0; writing; i++) {
    const t = performance.now();
    await writer.kvPut(`wan-move-${i % 16}`, String(i)).catch(() => undefined);
    latencies.push({ at: t, ms: performance.now() - t });
  }
})();
try {
  for (const m of members) await injector.delay(m, plan.get(m.id)!, 600_000);
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  await pause(2_000);
  const [a, b] = [members[0]!, members[members.length - 1]!];
  const moves: { to: string; tookMs: number; worstWriteMs: number; p50BeforeMs: number }[] = [];
  for (let i = 0; i < Number(movesArg ?? 10); i++) {
    const to = i % 2 === 0 ? b : a;
    const before = latencies.filter((l) => l.at > performance.now() - 1_500).map((l) => l.ms).sort((x, y) => x - y);
    const t0 = performance.now();
    const r = await admin.transferLeader(to.id);
    await pause(1_500);
    const around = latencies.filter((l) => l.at >= t0 - 200 && l.at < t0 + 1_000).map((l) => l.ms);
    moves.push({ to: `${to.id} (${to.region})`, tookMs: Math.round(r.tookMs), worstWriteMs: Math.round(Math.max(...around)), p50BeforeMs: Math.round(before[Math.floor(before.length / 2)] ?? NaN) });
  }
  const sorted = (xs: number[]) => [...xs].sort((x, y) => x - y);
  const took = sorted(moves.map((m) => m.tookMs));
  const worst = sorted(moves.map((m) => m.worstWriteMs));
  console.log(JSON.stringify({ moves, tookMedianMs: took[Math.floor(took.length / 2)], tookMaxMs: took.at(-1), worstWriteMedianMs: worst[Math.floor(worst.length / 2)], worstWriteMaxMs: worst.at(-1) }, null, 1));
} finally {
  writing = false;
  await loop;
  for (const m of members) await injector.heal(m).catch(() => undefined);
  await injector.restoreAll();
  writer.close();
  admin.close();
}
