import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePorts, killProcessesMentioning, runCli, tempDir } from './processes.js';

/**
 * A local cluster's members serve Prometheus metrics where `fleet ps --json` says, the text is
 * clean by promtool's standards, and `fleet init --monitoring` writes a config promtool accepts.
 */


let home: { path: string; cleanup: () => void };
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  home = tempDir('fleet-metrics-');
  env = { FLEET_CONFIG_DIR: join(home.path, 'config'), XDG_DATA_HOME: join(home.path, 'data'), FLEET_ENDPOINTS: '', FLEET_CONTEXT: '', FLEET_TOKEN: '' };
});

afterEach(() => {
  const left = killProcessesMentioning(home.path);
  home.cleanup();
  expect(left, 'processes left running by the test').toEqual([]);
});

interface PsMember {
  id: string;
  port: number;
  metricsPort: number | null;
  metricsUrl: string | null;
}
interface PsCluster {
  name: string;
  home: string;
  scrapeConfig: string | null;
  members: PsMember[];
}

async function fleet(...args: string[]) {
  const r = await runCli(args, env, 90_000);
  expect(r.code, `fleet ${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

async function ps(): Promise<PsCluster> {
  const [c] = (JSON.parse(await fleet('ps', '--json')) as { clusters: PsCluster[] }).clusters;
  return c!;
}

function promtoolCheck(args: string[], input?: string): string {
  const out = spawnSync('promtool', ['check', ...args], { encoding: 'utf8', ...(input === undefined ? {} : { input }) });
  expect(out.status, `promtool check ${args.join(' ')}\n${out.stdout}${out.stderr}`).toBe(0);
  return `${out.stdout}${out.stderr}`;
}

describe('metrics of a local cluster', () => {
  it('serves clean /metrics on the ports fleet ps reports, with a valid scrape config', async () => {
    const base = await freePorts(3);
    const init = await fleet('init', '--nodes', '3', '--base-port', String(base), '--monitoring');
    const c = await ps();
    expect(init).toContain(`Prometheus scrape config: ${c.scrapeConfig}`);
    expect(c.scrapeConfig).toBe(join(c.home, 'prometheus.yml'));
    const ports = c.members.map((m) => m.metricsPort);
    expect(new Set([...ports, ...c.members.map((m) => m.port)]).size).toBe(6);
    for (const m of c.members) {
      expect(m.metricsUrl).toBe(`http://127.0.0.1:${m.metricsPort}/metrics`);
      const res = await fetch(m.metricsUrl!);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toMatch(/^fleet_/m);
      expect(promtoolCheck(['metrics'], text).trim(), `promtool's complaints about ${m.id}'s metrics`).toBe('');
    }
    expect(promtoolCheck(['config', c.scrapeConfig!])).toMatch(/SUCCESS/);
    const yml = readFileSync(c.scrapeConfig!, 'utf8');
    for (const p of ports) expect(yml).toContain(`127.0.0.1:${p}`);
    await fleet('destroy', '--yes');
  }, 240_000);

  it('gives the members of an old cluster (no metrics ports) a port on fleet up', async () => {
    const base = await freePorts(1);
    await fleet('init', '--nodes', '1', '--base-port', String(base));
    await fleet('down');
    const c = await ps();
    const file = join(c.home, 'cluster.json');
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as { members: Record<string, unknown>[] };
    for (const m of manifest.members) delete m.metricsPort;
    writeFileSync(file, JSON.stringify(manifest));
    expect((await ps()).members[0]).toMatchObject({ metricsPort: null, metricsUrl: null });
    expect(await fleet('ps')).not.toContain('/metrics');
    await fleet('up');
    const url = (await ps()).members[0]!.metricsUrl;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect((await fetch(url!)).status).toBe(200);
    // On a running cluster init --monitoring only writes the config; scale keeps it up to date.
    expect(await fleet('init', '--nodes', '1', '--monitoring')).toContain('prometheus.yml');
    await fleet('scale', '--nodes', '2', '--force');
    const grown = await ps();
    const n2 = grown.members.find((m) => m.id === 'n2')!;
    expect(n2.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect((await fetch(n2.metricsUrl!)).status).toBe(200);
    const yml = readFileSync(grown.scrapeConfig!, 'utf8');
    for (const m of grown.members) expect(yml).toContain(`127.0.0.1:${m.metricsPort}`);
    await fleet('destroy', '--yes');
  }, 300_000);
});
