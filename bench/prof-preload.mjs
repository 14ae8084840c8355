// Preloaded into members by bench/prof-probe.ts (`--import`), profiling session only.
// On SIGUSR2 reads $PROF_DIR/cmd-PID and does it: `report` (memoryUsage, heap spaces, heap
// statistics), `heapsnap`, `prof-start`, `prof-stop NAME` (CPU profile to $PROF_DIR/NAME).
// Writes $PROF_DIR/done-PID (the command's text) when finished.
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import process from 'node:process';
import { setTimeout } from 'node:timers';
import { getHeapSpaceStatistics, getHeapStatistics, writeHeapSnapshot } from 'node:v8';

const dir = process.env.PROF_DIR;
if (dir) {
  let session;
  let gcStats = {};
  let gcObserver;
  const done = (what) => writeFileSync(`${dir}/done-${process.pid}`, what);
  process.on('SIGUSR2', () => {
    let cmd = 'report';
    try {
      cmd = readFileSync(`${dir}/cmd-${process.pid}`, 'utf8').trim();
    } catch {
      // no command file: the default report
    }
    if (cmd === 'report') {
      const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, { size: s.space_size, used: s.space_used_size }]));
      writeFileSync(`${dir}/report-${process.pid}.json`, JSON.stringify({ usage: process.memoryUsage(), spaces, heap: getHeapStatistics(), resources: process.resourceUsage() }));
      done(cmd);
    } else if (cmd.startsWith('heapsnap ')) {
      writeHeapSnapshot(`${dir}/${cmd.slice(9)}`);
      done(cmd);
    } else if (cmd === 'prof-start') {
      gcStats = {};
      gcObserver?.disconnect();
      gcObserver = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) {
          const k = e.detail?.kind ?? e.kind;
          const name = k === perfConstants.NODE_PERFORMANCE_GC_MAJOR ? 'major' : k === perfConstants.NODE_PERFORMANCE_GC_MINOR ? 'minor' : k === perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL ? 'incremental' : 'weakcb';
          const r = (gcStats[name] ??= { count: 0, ms: 0, maxMs: 0 });
          r.count++;
          r.ms += e.duration;
          r.maxMs = Math.max(r.maxMs, e.duration);
        }
      });
      gcObserver.observe({ entryTypes: ['gc'] });
      session = new Session();
      session.connect();
      session.post('Profiler.enable', () => session.post('Profiler.setSamplingInterval', { interval: 500 }, () => session.post('Profiler.start', () => done(cmd))));
    } else if (cmd.startsWith('prof-stop ')) {
      session.post('Profiler.stop', (err, res) => {
        if (!err) writeFileSync(`${dir}/${cmd.slice(10)}`, JSON.stringify(res.profile));
        gcObserver?.disconnect();
        writeFileSync(`${dir}/${cmd.slice(10)}.gc.json`, JSON.stringify(gcStats));
        session.disconnect();
        done(cmd);
      });
    }
  });
}

// PROF_AUTOPROFILE_MS: profile this process from the preload on, for that many ms (sampling
// every 250 µs), then write $PROF_DIR/auto-PID.cpuprofile (with the epoch of the profile's start).
const auto = Number(process.env.PROF_AUTOPROFILE_MS ?? 0);
if (dir && auto > 0) {
  const s = new Session();
  s.connect();
  const epoch = Date.now();
  const hr = process.hrtime.bigint();
  s.post('Profiler.enable');
  s.post('Profiler.setSamplingInterval', { interval: 250 });
  s.post('Profiler.start');
  setTimeout(() => {
    s.post('Profiler.stop', (err, res) => {
      if (!err) writeFileSync(`${dir}/auto-${process.pid}.cpuprofile`, JSON.stringify({ ...res.profile, preloadEpochMs: epoch, preloadHrUs: Number(hr / 1000n) }));
      s.disconnect();
    });
  }, auto).unref();
}
