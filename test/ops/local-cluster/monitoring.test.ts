import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readManifest, writeManifest, type ClusterManifest } from '../../../src/ops/local-cluster/manifest.js';
import { metricsUrl, scrapeConfig, withMetricsPorts } from '../../../src/ops/local-cluster/monitoring.js';
import { clusterPaths } from '../../../src/ops/local-cluster/paths.js';
import { freePorts } from '../../e2e/processes.js';

let dir: string | undefined;
const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function tmp(): string {
  dir = mkdtempSync(join(tmpdir(), 'fleet-monitoring-'));
  return dir;
}

function manifest(name: string, root: string, base: number, metrics?: number): ClusterManifest {
  return {
    version: 1, name, created: '2026-01-01T00:00:00.000Z', basePort: base, dataDir: join(root, name), heartbeat: '100ms', electionTimeout: '500ms',
    members: [0, 1, 2].map((i) => ({ id: `n${i + 1}`, port: base + i, dataDir: join(root, name, `n${i + 1}`), state: 'voter' as const, ...(metrics === undefined ? {} : { metricsPort: metrics + i }) })),
    nextMember: 4,
  };
}

function listen(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => resolve());
    servers.push(srv);
  });
}

describe('metrics ports of a local cluster', () => {
  it('loads an old manifest without metrics ports, and shows no URL for its members', async () => {
    const root = tmp();
    const file = join(root, 'cluster.json');
    const old = manifest('old', root, 7781);
    writeFileSync(file, JSON.stringify(old));
    const loaded = await readManifest(file);
    expect(loaded).toEqual(old);
    expect(loaded!.members.map(metricsUrl)).toEqual([null, null, null]);
  });

  it('refuses a manifest whose metrics port repeats a member port', async () => {
    const root = tmp();
    const file = join(root, 'cluster.json');
    const m = manifest('x', root, 7781, 7881);
    writeFileSync(file, JSON.stringify({ ...m, members: [m.members[0], { ...m.members[1], metricsPort: 7781 }, m.members[2]] }));
    await expect(readManifest(file)).rejects.toThrow(/repeats an id or a port/);
  });

  it('gives each member a free port from member port + 100 on, skipping busy ports and other clusters', async () => {
    const root = tmp();
    // Member ports are only written down; the metrics ports base+100 … base+106 must be free (the test range's, FLEET_TEST_PORTS).
    const base = (await freePorts(7)) - 100;
    await writeCluster(root, manifest('other', root, base + 1_000, base + 101)); // claims base+101..103
    await listen(base + 100).catch(() => undefined); // busy (by us, or already)
    const m = await withMetricsPorts(manifest('new', root, base), root, new Set(['n1', 'n2', 'n3']));
    expect(m.members.map((x) => x.metricsPort)).toEqual([base + 104, base + 105, base + 106]);
    expect(m.members.map(metricsUrl)).toEqual([4, 5, 6].map((i) => `http://127.0.0.1:${base + 100 + i}/metrics`));
  });

  it('leaves members that have a port, or are not named, alone', async () => {
    const root = tmp();
    const m = manifest('keep', root, 7781, 7881);
    expect(await withMetricsPorts(m, root, new Set(['n1', 'n2', 'n3']))).toEqual(m);
    const old = manifest('old', root, 7781);
    const some = await withMetricsPorts(old, root, new Set(['n2']));
    expect(some.members.map((x) => x.metricsPort === undefined)).toEqual([true, false, true]);
  });
});

describe('the scrape config', () => {
  it('names one target per member with a metrics port, labelled with cluster and member', () => {
    const m = manifest('local', '/x', 7781, 7881);
    const old = { ...m, members: [...m.members.slice(0, 2), { ...m.members[2]!, metricsPort: undefined }] } as ClusterManifest;
    const doc = parse(scrapeConfig(old)) as { scrape_configs: { job_name: string; metrics_path: string; static_configs: { targets: string[]; labels: Record<string, string> }[] }[] };
    expect(doc.scrape_configs).toHaveLength(1);
    const job = doc.scrape_configs[0]!;
    expect(job).toMatchObject({ job_name: 'fleet-local', metrics_path: '/metrics' });
    expect(job.static_configs).toEqual([
      { targets: ['127.0.0.1:7881'], labels: { cluster: 'local', member: 'n1' } },
      { targets: ['127.0.0.1:7882'], labels: { cluster: 'local', member: 'n2' } },
    ]);
  });
});

async function writeCluster(root: string, m: ClusterManifest): Promise<void> {
  const paths = clusterPaths(root, m.name);
  mkdirSync(paths.home, { recursive: true });
  await writeManifest(paths.manifest, m);
}
