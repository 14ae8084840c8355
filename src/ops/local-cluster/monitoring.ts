/**
 * Prometheus for local clusters: every member gets a metrics port of its own (recorded in the
 * manifest, so a scrape config stays true across restarts), and `fleet init --monitoring` writes
 * a scrape config naming them. `fleet up` and `fleet scale` rewrite that config when it exists,
 * so it follows the members.
 */
import { existsSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { LOCAL_HOST, claimedPorts, metricsAddress, type ClusterManifest, type ManifestMember } from './manifest.js';
import type { ClusterPaths } from './paths.js';
import { METRICS_PORT_OFFSET, pickFreePort } from './ports.js';

/** The scrape config's file name, in the cluster's home. */
export const SCRAPE_CONFIG_FILE = 'prometheus.yml';

/** How often Prometheus scrapes a local cluster: often enough to see an election on a graph. */
const SCRAPE_INTERVAL = '5s';

/** `http://127.0.0.1:PORT/metrics`, or null for a member without a metrics port (an old cluster's). */
export function metricsUrl(m: Pick<ManifestMember, 'metricsPort'>): string | null {
  const addr = metricsAddress(m);
  return addr === undefined ? null : `http://${addr}/metrics`;
}

/**
 * The manifest with a free metrics port for each member in `ids` that has none, from its member
 * port + METRICS_PORT_OFFSET on, never a port this cluster or another local cluster claims.
 */
export async function withMetricsPorts(manifest: ClusterManifest, root: string, ids: ReadonlySet<string>): Promise<ClusterManifest> {
  const used = new Set<number>((await claimedPorts(root)).keys());
  for (const m of manifest.members) {
    used.add(m.port);
    if (m.metricsPort !== undefined) used.add(m.metricsPort);
  }
  const members: ManifestMember[] = [];
  for (const m of manifest.members) {
    if (m.metricsPort !== undefined || !ids.has(m.id)) {
      members.push(m);
      continue;
    }
    const metricsPort = await pickFreePort(LOCAL_HOST, m.port + METRICS_PORT_OFFSET, used);
    used.add(metricsPort);
    members.push({ ...m, metricsPort });
  }
  return { ...manifest, members };
}

/** The Prometheus config scraping every member that has a metrics port, one target per member labelled with its id. */
export function scrapeConfig(manifest: ClusterManifest): string {
  const targets = manifest.members.flatMap((m) => {
    const addr = metricsAddress(m);
    return addr === undefined ? [] : [{ targets: [addr], labels: { cluster: manifest.name, member: m.id } }];
  });
  const doc = {
    global: { scrape_interval: SCRAPE_INTERVAL, evaluation_interval: SCRAPE_INTERVAL },
    scrape_configs: [{ job_name: `fleet-${manifest.name}`, metrics_path: '/metrics', scheme: 'http', static_configs: targets }],
  };
  const header = `# Prometheus scrape config for the local fleet cluster ${manifest.name}, written by fleet init --monitoring.\n# fleet up and fleet scale rewrite it as members change; run: prometheus --config.file=${SCRAPE_CONFIG_FILE}\n`;
  return header + stringify(doc, { aliasDuplicateObjects: false });
}

/** Writes the scrape config into the cluster's home (atomically); answers its path. */
export async function writeScrapeConfig(manifest: ClusterManifest, paths: ClusterPaths): Promise<string> {
  const file = join(paths.home, SCRAPE_CONFIG_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, scrapeConfig(manifest), { encoding: 'utf8', mode: 0o644 });
  await rename(tmp, file);
  return file;
}

/** Rewrites the scrape config if the operator asked for one (it exists); answers its path, or undefined. */
export async function refreshScrapeConfig(manifest: ClusterManifest, paths: ClusterPaths): Promise<string | undefined> {
  return existsSync(join(paths.home, SCRAPE_CONFIG_FILE)) ? writeScrapeConfig(manifest, paths) : undefined;
}
