// Sums up what bench/sched-observer.mjs recorded, one line per member: how often and how long
// its event loop ran late, and how much of that it spent on a CPU, waiting for one, or in GC.
import console from 'node:console';
import { readdirSync, readFileSync } from 'node:fs';

for (const file of readdirSync('/tmp').filter((f) => /^sched-\d+\.json$/.test(f))) {
  const { late, gcs } = JSON.parse(readFileSync(`/tmp/${file}`, 'utf8'));
  let lateMs = 0;
  let runningMs = 0;
  let waitingMs = 0;
  let gcMs = 0;
  for (const [start, ms, running, waiting] of late) {
    lateMs += ms;
    runningMs += running;
    waitingMs += waiting;
    for (const [gcStart, gcDuration] of gcs) gcMs += Math.max(0, Math.min(gcStart + gcDuration, start + ms) - Math.max(gcStart, start));
  }
  const pct = (x) => `${((100 * x) / lateMs).toFixed(0)}%`;
  console.log(`${file}: late ${late.length} times, ${lateMs.toFixed(0)} ms in all: running ${pct(runningMs)}, waiting for a CPU ${pct(waitingMs)}, in GC ${pct(gcMs)}`);
}
