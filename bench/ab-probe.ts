// Ad-hoc A/B of member Node flags under the node area's p99_c16 load, interleaved so that the
// machine's drift (2× in throughput from one minute to the next on this VM) falls on both
// alike: starts one cluster per variant, fills each with N keys, then alternates 3 s runs at 16
// in flight. Prints each variant's per-run p99, the median of its runs, and its largest member's
// RSS idle and 1.3 s after the fill (as the node area measures them).
// Usage: AB_A="flags" AB_B="flags" node --import tsx bench/ab-probe.ts [rounds=8] [fill=100000]
import { quantile } from './figures.js';
import { runCount, runFor } from './load.js';
import { keyRing } from './node.js';
import { FleetSystem } from './systems.js';

const rounds = Number(process.argv[2] ?? 8);
const fill = Number(process.argv[3] ?? 100_000);
const variants = Object.entries(process.env).filter(([k]) => /^AB_[A-Z]$/.test(k)).sort();
const systems: { label: string; s: FleetSystem; nextKey: () => string; p99: number[]; p50: number[]; rate: number[]; rss: string }[] = [];
const maxRss = (s: FleetSystem) => (Math.max(...s.rss()) / 1e6).toFixed(1);
try {
  for (const [label, flags] of variants) {
    process.env.FLEET_BENCH_NODE_ARGS = flags;
    const s = await FleetSystem.start();
    await new Promise((r) => setTimeout(r, 1_300));
    const idle = maxRss(s);
    await runCount((i) => s.put(`fill/${i}`), fill, 64);
    await new Promise((r) => setTimeout(r, 1_300));
    systems.push({ label: `${label}(${flags})`, s, nextKey: keyRing(fill), p99: [], p50: [], rate: [], rss: `rss idle ${idle} after fill ${maxRss(s)} MB` });
  }
  for (let r = 0; r < rounds; r++) {
    for (const v of systems) {
      const res = await runFor(() => v.s.put(v.nextKey()), 16, 3);
      v.p99.push(res.p99);
      v.p50.push(res.p50);
      v.rate.push(res.rate);
    }
  }
  const med = (xs: number[]) => quantile([...xs].sort((a, b) => a - b), 0.5).toFixed(2);
  for (const v of systems) console.log(`${v.label}: p99 median ${med(v.p99)} [${v.p99.map((x) => x.toFixed(1)).join(' ')}] p50 median ${med(v.p50)} rate median ${med(v.rate)}; ${v.rss}`);
} finally {
  for (const v of systems) await v.s.stop();
}
