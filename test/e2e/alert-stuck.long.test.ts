/**
 * The FleetMemberStuck alert on a real stuck member (issue 40): a real Prometheus scrapes a real
 * 3-member cluster, one member of which stops applying (`--unsafe-stop-applying-after`) while the
 * others go on committing, and the alert must fire for that member alone. The rules are the
 * shipped deploy/monitoring/fleet-alerts.yml with time scaled down (every range and `for` divided
 * by TIME_SCALE, scraped and evaluated every second), so that it fires in seconds, not minutes:
 * the expressions are the shipped ones.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { TestCluster } from './cluster.js';
import { freePort, stopChild, tempDir, waitFor } from './processes.js';

const TIME_SCALE = 12;
const rulesFile = new URL('../../deploy/monitoring/fleet-alerts.yml', import.meta.url);
const dir = tempDir('fleet-alert-stuck-');
let cluster: TestCluster;
let prometheus: ChildProcess | undefined;
let promPort = 0;

/** `2m` → `10s` at a scale of 12: a Prometheus duration divided by TIME_SCALE, at least 1 s. */
function scaled(duration: string): string {
  const units: Record<string, number> = { s: 1, m: 60, h: 3600 };
  const seconds = [...duration.matchAll(/(\d+)([smh])/g)].reduce((sum, m) => sum + Number(m[1]) * units[m[2]!]!, 0);
  return `${Math.max(1, Math.round(seconds / TIME_SCALE))}s`;
}

/** The shipped rules with every range selector and `for` scaled down. */
function scaledRules(): string {
  const doc = parse(readFileSync(rulesFile, 'utf8')) as { groups: { rules: { expr: string; for?: string }[] }[] };
  for (const group of doc.groups) {
    for (const rule of group.rules) {
      rule.expr = rule.expr.replace(/\[(\d+[smh](?:\d+[smh])*)\]/g, (_, d: string) => `[${scaled(d)}]`);
      if (rule.for !== undefined) rule.for = scaled(rule.for);
    }
  }
  return stringify(doc);
}

beforeAll(async () => {
  cluster = await TestCluster.start({ metrics: true });
  await cluster.waitForLeader();
  writeFileSync(join(dir.path, 'rules.yml'), scaledRules());
  const targets = cluster.members.map((m) => ({ targets: [`127.0.0.1:${m.metricsPort}`], labels: { cluster: 'alerting', member: m.id } }));
  writeFileSync(join(dir.path, 'prometheus.yml'), stringify({ global: { scrape_interval: '1s', evaluation_interval: '1s' }, rule_files: ['rules.yml'], scrape_configs: [{ job_name: 'fleet', static_configs: targets }] }));
  promPort = await freePort();
  prometheus = spawn('prometheus', [`--config.file=${join(dir.path, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir.path, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`], { cwd: dir.path, stdio: 'ignore' });
  await waitFor('prometheus to serve', async () => ((await fetch(`http://127.0.0.1:${promPort}/-/ready`).catch(() => undefined))?.ok ? true : undefined), 30_000);
}, 90_000);

afterAll(async () => {
  if (prometheus) await stopChild(prometheus);
  await cluster?.destroy();
  dir.cleanup();
});

interface Alert {
  labels: Record<string, string>;
  state: string;
}

async function alerts(): Promise<Alert[]> {
  const r = (await (await fetch(`http://127.0.0.1:${promPort}/api/v1/alerts`)).json()) as { data: { alerts: Alert[] } };
  return r.data.alerts;
}

describe('FleetMemberStuck', () => {
  it('fires for a member that applies nothing while the others commit, and for no other', async () => {
    const leader = await cluster.waitForLeader();
    const victim = ['n1', 'n2', 'n3'].find((id) => id !== leader)!;
    const client = cluster.client();
    const committed = Math.max(...(await client.statusAll()).map((s) => (s.ok ? s.status.commitIndex : 0)));
    await cluster.kill(victim, 'SIGTERM');
    cluster.restart(victim, ['--unsafe-stop-applying-after', String(committed + 5)]);
    await cluster.waitForLeader();
    // The cluster commits on (a write every 100 ms) while the victim applies nothing past its stop.
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        await client.kvPut(`alert/${i % 20}`, String(i)).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    try {
      const firing = await waitFor('FleetMemberStuck to fire', async () => (await alerts()).find((a) => a.labels.alertname === 'FleetMemberStuck' && a.state === 'firing'), 90_000);
      expect(firing.labels).toMatchObject({ member: victim, cluster: 'alerting', severity: 'critical' });
      const stuck = (await alerts()).filter((a) => a.labels.alertname === 'FleetMemberStuck');
      expect(stuck.map((a) => a.labels.member)).toEqual([victim]);
    } finally {
      writing = false;
      await writer;
    }
  }, 150_000);
});
