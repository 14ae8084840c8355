// Ad-hoc A/B of linearizable reads on the leader between member variants, interleaved as in
// vis-probe.ts: per round and variant, `seconds` of linearizable gets on an idle leader, then
// `seconds` of a put followed at once by a linearizable get of the same key (the read after a
// write that a lock hand-off makes), then serializable gets (the floor: a get with no ReadIndex
// round). Prints per variant the medians over rounds of each p50, and of the get after a put.
// Usage: AB_A="@/tree/a/bin/run.js" AB_B="@/tree/b/bin/run.js" node --import tsx bench/lin-probe.ts [rounds=6] [seconds=3]
import { loadavg } from 'node:os';
import { fleetTarget, type Target } from './etcd-api.js';
import { quantile } from './figures.js';
import { useMemberVariant } from './harness.js';
import { FleetSystem } from './systems.js';

const rounds = Number(process.argv[2] ?? 6);
const seconds = Number(process.argv[3] ?? 3);
const variants = Object.entries(process.env).filter(([k]) => /^AB_[A-Z]$/.test(k)).sort();
const p50 = (xs: number[]) => quantile([...xs].sort((a, b) => a - b), 0.5);
const key = Buffer.from('lin');

async function gets(t: Target, serializable: boolean): Promise<number[]> {
  const out: number[] = [];
  for (const deadline = performance.now() + seconds * 1000; performance.now() < deadline; ) {
    const t0 = performance.now();
    await t.client.get(t.leader, key, { serializable });
    out.push(performance.now() - t0);
  }
  return out;
}

async function putThenGet(t: Target): Promise<{ put: number[]; get: number[] }> {
  const put: number[] = [];
  const get: number[] = [];
  for (const deadline = performance.now() + seconds * 1000; performance.now() < deadline; ) {
    const t0 = performance.now();
    await t.client.put(t.leader, key, Buffer.alloc(256, 120));
    const t1 = performance.now();
    await t.client.get(t.leader, key, { serializable: false });
    put.push(t1 - t0);
    get.push(performance.now() - t1);
  }
  return { put, get };
}

interface Run {
  label: string;
  s: FleetSystem;
  t: Target;
  idle: number[];
  afterPut: number[];
  put: number[];
  serial: number[];
}
const runs: Run[] = [];
try {
  for (const [label, flags] of variants) {
    await useMemberVariant(flags ?? '');
    const s = await FleetSystem.start([], { peerAuth: 'secret', token: '' });
    const t = await fleetTarget(s);
    await t.client.put(t.leader, key, Buffer.alloc(256, 120));
    runs.push({ label: `${label}(${flags})`, s, t, idle: [], afterPut: [], put: [], serial: [] });
  }
  for (const v of runs) await putThenGet(v.t);
  const loads: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const v of runs) {
      v.idle.push(p50(await gets(v.t, false)));
      const pg = await putThenGet(v.t);
      v.afterPut.push(p50(pg.get));
      v.put.push(p50(pg.put));
      v.serial.push(p50(await gets(v.t, true)));
    }
    loads.push(loadavg()[0]!);
  }
  const f = (xs: number[]) => p50(xs).toFixed(2);
  console.log(`linearizable gets on the leader, ${rounds} rounds of ${seconds} s, load ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`);
  for (const v of runs) {
    console.log(`${v.label}: idle p50 ${f(v.idle)}; after a put p50 ${f(v.afterPut)} [${v.afterPut.map((x) => x.toFixed(1)).join(' ')}]; put p50 ${f(v.put)}; serializable p50 ${f(v.serial)} ms`);
  }
} finally {
  for (const v of runs) v.t.client.close();
  for (const v of runs) await v.s.stop();
}
