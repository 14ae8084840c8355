/**
 * `node --import tsx bench/drill-report.ts [ROUNDS] [OPS_PER_ROUND]`: the size of a drill's HTML
 * report and the time to write it, for a synthetic kill-leader drill (default 10 rounds of
 * 20,000 operations, about what 8 clients do in a default 15 s round). Measured twice: in
 * process (what a drill adds after its verdict) and as `fleet drill report` end to end
 * (Node's start, reading and parsing the files included; needs `npm run build`).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderHtmlReport } from '../src/cli/drill-command.js';
import { toJsonLines } from '../src/ops/history/index.js';
import { history, report } from '../test/ui/drill/fixtures.js';

const rounds = Number(process.argv[2] ?? 10);
const opsPerRound = Number(process.argv[3] ?? 20_000);
const r0 = report(rounds);
const events = history(r0, opsPerRound);
const r = { ...r0, historyEvents: events.length };
const dir = mkdtempSync(join(tmpdir(), 'fleet-bench-report-'));
try {
  const times: number[] = [];
  const cpu: number[] = [];
  let html = '';
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    html = await renderHtmlReport(r, events);
    const c = process.cpuUsage(c0);
    times.push(performance.now() - t0);
    cpu.push((c.user + c.system) / 1000);
  }
  writeFileSync(join(dir, 'drill.json'), JSON.stringify(r));
  writeFileSync(join(dir, 'history.jsonl'), toJsonLines(events));
  const t0 = performance.now();
  // bash's `time` gives the child's CPU time: wall time on a shared machine says more about the neighbours.
  const script = `TIMEFORMAT='%U %S'; time "${process.execPath}" bin/run.js drill report ${join(dir, 'history.jsonl')} ${join(dir, 'drill.json')} --html ${join(dir, 'drill.html')} >/dev/null`;
  const cli = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
  const cliMs = performance.now() - t0;
  if (cli.status !== 0) throw new Error(`fleet drill report failed: ${cli.stderr}`);
  const [user, sys] = cli.stderr.trim().split(/\s+/).slice(-2).map(Number);
  const ms = (v: number): string => `${Math.round(v)} ms`;
  console.log(`${rounds} rounds, ${opsPerRound} operations each (${events.length} history events)`);
  console.log(`report size: ${(Buffer.byteLength(html) / 1e6).toFixed(2)} MB (file from fleet drill report: ${(statSync(join(dir, 'drill.html')).size / 1e6).toFixed(2)} MB)`);
  console.log(`in process: wall ${times.map(ms).join(', ')}; cpu ${cpu.map(ms).join(', ')} (first run loads Vega)`);
  console.log(`fleet drill report end to end: wall ${ms(cliMs)}, cpu ${ms(((user ?? NaN) + (sys ?? NaN)) * 1000)}`);
  console.log(`load average: ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
