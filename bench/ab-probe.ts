// Ad-hoc A/B of members (their Node flags, or another tree's build) under the node area's write
// load, interleaved so that the machine's drift (2× in throughput from one minute to the next on
// this VM) falls on every variant alike: starts one cluster per variant, fills each with N keys,
// then alternates 3 s runs at AB_C in flight (16 unless set). Prints each variant's per-run p99,
// the medians of its runs, the members' CPU time per write, and its largest member's RSS idle and
// 1.3 s after the fill (as the node area measures them). A variant is node flags and, in a word
// '@PATH', another tree's bin/run.js (see useMemberVariant in bench/harness.ts).
// Usage: AB_A="flags" AB_B="@/other/tree/bin/run.js" node --import tsx bench/ab-probe.ts [rounds=8] [fill=100000]
import { loadavg } from 'node:os';
import { quantile } from './figures.js';
import { cpuMsOf, useMemberVariant } from './harness.js';
import { runCount, runFor } from './load.js';
import { keyRing } from './node.js';
import { FleetSystem } from './systems.js';

const rounds = Number(process.argv[2] ?? 8);
const fill = Number(process.argv[3] ?? 100_000);
const inFlight = Number(process.env.AB_C ?? 16);
const variants = Object.entries(process.env).filter(([k]) => /^AB_[A-Z]$/.test(k) && k !== 'AB_C').sort();
interface Variant {
  label: string;
  s: FleetSystem;
  nextKey: () => string;
  p99: number[];
  p50: number[];
  rate: number[];
  cpuUsPerWrite: number[];
  rss: string;
}
const systems: Variant[] = [];
const maxRss = (s: FleetSystem) => (Math.max(...s.rss()) / 1e6).toFixed(1);
const membersCpuMs = (s: FleetSystem) => [...s.cluster.procs.values()].reduce((t, p) => t + cpuMsOf(p.pid!), 0);
try {
  for (const [label, flags] of variants) {
    await useMemberVariant(flags ?? '');
    const s = await FleetSystem.start([], { peerAuth: 'secret' });
    await new Promise((r) => setTimeout(r, 1_300));
    const idle = maxRss(s);
    await runCount((i) => s.put(`fill/${i}`), fill, 64);
    await new Promise((r) => setTimeout(r, 1_300));
    systems.push({ label: `${label}(${flags})`, s, nextKey: keyRing(fill), p99: [], p50: [], rate: [], cpuUsPerWrite: [], rss: `rss idle ${idle} after fill ${maxRss(s)} MB` });
  }
  const loads: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const v of systems) {
      const cpu0 = membersCpuMs(v.s);
      const res = await runFor(() => v.s.put(v.nextKey()), inFlight, 3);
      v.cpuUsPerWrite.push(((membersCpuMs(v.s) - cpu0) * 1000) / (res.rate * 3));
      v.p99.push(res.p99);
      v.p50.push(res.p50);
      v.rate.push(res.rate);
    }
    loads.push(loadavg()[0]!);
  }
  const med = (xs: number[]) => quantile([...xs].sort((a, b) => a - b), 0.5).toFixed(2);
  console.log(`${inFlight} in flight, ${rounds} rounds, load ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`);
  for (const v of systems) {
    console.log(`${v.label}: p99 median ${med(v.p99)} [${v.p99.map((x) => x.toFixed(1)).join(' ')}] p50 median ${med(v.p50)} rate median ${med(v.rate)} members' cpu/write ${med(v.cpuUsPerWrite)} µs; ${v.rss}`);
  }
} finally {
  for (const v of systems) await v.s.stop();
}
