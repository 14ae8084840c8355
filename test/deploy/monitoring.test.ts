/**
 * The monitoring that ships in deploy/monitoring: the alert rules pass promtool's check and their
 * own unit tests (promtool test rules), every alert has a test, and the rules and the Grafana
 * dashboard name only metrics a member exports.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { MemberStatus } from '../../src/core/node/api.js';
import { NodeMetrics } from '../../src/core/server/metrics.js';

const dir = fileURLToPath(new URL('../../deploy/monitoring/', import.meta.url));
const read = (file: string): string => readFileSync(join(dir, file), 'utf8');

function promtool(...args: string[]): { code: number | null; output: string } {
  const r = spawnSync('promtool', args, { cwd: dir, encoding: 'utf8' });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

/** Every metric name a member can export, histograms with their series suffixes. */
async function exportedNames(): Promise<Set<string>> {
  const scratch = mkdtempSync(join(tmpdir(), 'fleet-metrics-'));
  try {
    const metrics = new NodeMetrics(() => ({}) as MemberStatus);
    metrics.countPeerRejections({ counts: new Map() });
    metrics.trackDisk(scratch);
    metrics.trackCertificate(Date.now());
    metrics.trackBackups(() => ({ dir: scratch, everyMs: 1000, keep: 1, taken: 1, failures: 0, lastOk: { at: new Date().toISOString(), index: 1, name: 'b', bytes: 1 } }));
    const names = new Set<string>(['up']);
    for (const m of await metrics.registry.getMetricsAsJSON()) {
      names.add(m.name);
      if (String(m.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(m.name + suffix);
    }
    return names;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The metric names a PromQL expression reads (fleet's, and Prometheus's own `up`). */
function namesIn(expr: string): string[] {
  return [...expr.matchAll(/\b(fleet_[a-z0-9_]+|up)\b(?=\s*[{[)\s/<>=-]|$)/g)].map((m) => m[1]!);
}

interface RuleFile {
  groups: { rules: { alert: string; expr: string }[] }[];
}

describe('deploy/monitoring', () => {
  const rules = (parse(read('fleet-alerts.yml')) as RuleFile).groups.flatMap((g) => g.rules);

  it('passes promtool check rules and promtool test rules', () => {
    const check = promtool('check', 'rules', 'fleet-alerts.yml');
    expect(check.code, check.output).toBe(0);
    const test = promtool('test', 'rules', 'fleet-alerts.test.yml');
    expect(test.code, test.output).toBe(0);
    expect(test.output).toMatch(/SUCCESS/);
  });

  it('tests every alert firing, not only staying quiet', () => {
    const tests = parse(read('fleet-alerts.test.yml')) as { tests: { alert_rule_test: { alertname: string; exp_alerts?: unknown[] }[] }[] };
    const firing = new Set(tests.tests.flatMap((t) => t.alert_rule_test.filter((a) => (a.exp_alerts ?? []).length > 0).map((a) => a.alertname)));
    expect(rules.map((r) => r.alert).filter((a) => !firing.has(a))).toEqual([]);
  });

  it('names only metrics a member exports, in the rules and in the dashboard', async () => {
    const exported = await exportedNames();
    const dashboard = JSON.parse(read('fleet-dashboard.json')) as { panels: { title: string; targets: { expr: string }[] }[] };
    const used = [
      ...rules.map((r) => ({ where: `alert ${r.alert}`, names: namesIn(r.expr) })),
      ...dashboard.panels.flatMap((p) => p.targets.map((t) => ({ where: `panel "${p.title}"`, names: namesIn(t.expr) }))),
    ];
    expect(used.every((u) => u.names.length > 0), 'every expression reads a metric').toBe(true);
    const unknown = used.flatMap((u) => u.names.filter((n) => !exported.has(n)).map((n) => `${u.where}: ${n}`));
    expect(unknown).toEqual([]);
  });

  it('would catch a metric that does not exist', async () => {
    const exported = await exportedNames();
    expect(namesIn('rate(fleet_no_such_metric_total[5m]) > 0').filter((n) => !exported.has(n))).toEqual(['fleet_no_such_metric_total']);
  });
});
