// Ad-hoc, loaded into members with FLEET_BENCH_NODE_ARGS="--import ./bench/sched-observer.mjs":
// tells whether a member's event loop runs late because it is busy or because it waits for a
// CPU. A 1 ms timer notices when it fires 6 ms or more late and reads the main thread's
// /proc/…/schedstat (time on a CPU, time runnable but waiting, in ns) to split that lateness;
// GC pauses are recorded beside it. Written to /tmp/sched-PID.json at exit; sum them up with
// `node bench/sched-summary.mjs`.
import { readFileSync, writeFileSync } from 'node:fs';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import process from 'node:process';
import { setInterval } from 'node:timers';

const statPath = `/proc/self/task/${process.pid}/schedstat`;
const schedstat = () => readFileSync(statPath, 'utf8').split(' ').map(Number);
const late = [];
const gcs = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcs.push([performance.timeOrigin + e.startTime, e.duration]);
}).observe({ entryTypes: ['gc'] });

let last = performance.now();
let lastStat = schedstat();
setInterval(() => {
  const now = performance.now();
  const stat = schedstat();
  if (now - last > 6) late.push([performance.timeOrigin + last, now - last, (stat[0] - lastStat[0]) / 1e6, (stat[1] - lastStat[1]) / 1e6]);
  last = now;
  lastStat = stat;
}, 1).unref();
process.on('exit', () => writeFileSync(`/tmp/sched-${process.pid}.json`, JSON.stringify({ late, gcs })));
