import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../../src/cli/drill-command.js';
import { history, report } from '../ui/drill/fixtures.js';
import { junitErrors } from '../ui/drill/junit-schema.js';
import { lookAt } from './browser.js';
import { drillCluster, fast, type DrillCluster } from './drill-helpers.js';
import { runCli, tempDir } from './processes.js';

/**
 * Drill reports as operators get them: written by a real kill-leader drill, validated as JUnit,
 * rebuilt offline from the saved history, and opened in a real browser (headless Chromium).
 */
let current: DrillCluster | undefined;
let files: ReturnType<typeof tempDir> | undefined;

afterEach(async () => {
  await current?.destroy();
  current = undefined;
  files?.cleanup();
  files = undefined;
});

describe('drill reports in a browser', () => {
  it('renders every round\'s charts with no console error and no request', async () => {
    files = tempDir('fleet-report-browser-');
    const r = report(3);
    const file = join(files.path, 'report.html');
    writeFileSync(file, await renderHtmlReport(r, history(r, 2_000)));
    const look = await lookAt(file);
    expect(look.errors).toEqual([]);
    expect(look.requests).toEqual([]);
    expect(look.title).toBe('fleet drill kill-leader: PASS');
    expect(look.charts).toHaveLength(3);
    // Each round shows latency percentiles per kind before, during and after its fault.
    expect(look.latencyTables).toHaveLength(3);
    for (const rows of look.latencyTables) {
      expect(new Set(rows.map((row) => row[0]))).toEqual(new Set(['before', 'during', 'after']));
      for (const row of rows) expect(row[3]).toMatch(/^\d+(\.\d+)? ms$/);
    }
    for (const c of look.charts) {
      expect(c.marks).toBeGreaterThan(600);
      expect(c.width).toBeGreaterThan(300);
      expect(c.height).toBeGreaterThan(200);
    }
  }, 120_000);
});

describe('fleet drill kill-leader --report FILE.html --junit FILE.xml', () => {
  it('writes both, the JUnit file validates, the rebuilt report is the same, and the page renders', async () => {
    current = await drillCluster();
    files = tempDir('fleet-drill-files-');
    const f = (name: string): string => join(files!.path, name);
    const { code, report: json, stderr } = await current.drill('kill-leader', [
      ...current.target(),
      // A 3 s warm-up: in 1 s a loaded machine once acknowledged no write and the drill aborted.
      ...fast({ '--rounds': '2', '--warmup': '3s', '--history': f('history.jsonl') }),
      '--report', f('drill.html'),
      '--report', f('drill.json'),
      '--junit', f('drill.xml'),
    ]);
    expect(json.verdict, `${json.reason}\n${stderr}`).toBe('pass');
    expect(code).toBe(0);
    expect(json.environment?.members.map((m) => m.id)).toEqual(['n1', 'n2', 'n3']);
    expect(json.rounds.every((r) => (r.marks ?? []).some((m) => m.kind === 'fault') && (r.marks ?? []).some((m) => m.kind === 'caught-up'))).toBe(true);

    const junit = readFileSync(f('drill.xml'), 'utf8');
    expect(await junitErrors(junit)).toEqual([]);
    expect(junit).toMatch(/<testsuites name="fleet drill kill-leader" tests="\d+" failures="0"/);
    for (const c of ['steady-state', 'new-leader', 'slo-unavailable', 'slo-new-leader', 'nothing-lost', 'nothing-duplicated', 'linearizable']) expect(junit.match(new RegExp(`<testcase name="${c}"`, 'g'))).toHaveLength(2);

    // Rebuilt offline from what the drill saved: the same page and the same JUnit file.
    const rebuilt = await runCli(['drill', 'report', f('history.jsonl'), f('drill.json'), '--html', f('rebuilt.html'), '--junit', f('rebuilt.xml')]);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    const original = readFileSync(f('drill.html'), 'utf8');
    const again = readFileSync(f('rebuilt.html'), 'utf8');
    const figures = (html: string): unknown => JSON.parse(/id="drill-figures">(.*?)<\/script>/s.exec(html)![1]!);
    expect(figures(again)).toEqual(figures(original));
    expect(again).toBe(original);
    expect(readFileSync(f('rebuilt.xml'), 'utf8')).toBe(junit);

    const look = await lookAt(f('drill.html'));
    expect(look.errors).toEqual([]);
    expect(look.requests).toEqual([]);
    expect(look.charts).toHaveLength(2);
    for (const c of look.charts) expect(c.marks).toBeGreaterThan(50);
  }, 300_000);

  it('refuses a history from another run, and a call with nothing to write', async () => {
    files = tempDir('fleet-drill-files-');
    const r = report(1);
    const h = history(r, 100);
    writeFileSync(join(files.path, 'drill.json'), JSON.stringify({ ...r, historyEvents: h.length + 2 }));
    writeFileSync(join(files.path, 'history.jsonl'), h.map((e) => JSON.stringify(e)).join('\n'));
    const other = await runCli(['drill', 'report', join(files.path, 'history.jsonl'), join(files.path, 'drill.json'), '--html', join(files.path, 'x.html')]);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain(`has ${h.length} events but the report was recorded with ${h.length + 2}: they are not from the same run`);
    const none = await runCli(['drill', 'report', join(files.path, 'history.jsonl'), join(files.path, 'drill.json')]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/nothing to write/);
  }, 60_000);
});
