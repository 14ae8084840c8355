/**
 * A local cluster as found on disk: its manifest and paths, which of its members are running
 * (by validated pid), and the view `fleet ps` prints.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError, EXIT } from '../../common/errors.js';
import type { TlsFiles } from '../../client/index.js';
import { engineOf, memberAddress, readManifest, type ClusterManifest, type LocalEngine, type ManifestMemberState } from './manifest.js';
import { checkClusterName, clusterPaths, type ClusterPaths } from './paths.js';
import { metricsUrl, SCRAPE_CONFIG_FILE } from './monitoring.js';
import { memberPid } from './pids.js';
import type { RunningMember } from './shutdown.js';

/** A local cluster's manifest with the paths derived from its home. */
export interface LocalCluster {
  readonly manifest: ClusterManifest;
  readonly paths: ClusterPaths;
}

/** Whether all, some or none of a cluster's members run. */
export type ClusterRunState = 'running' | 'partial' | 'stopped';

/** One member as `fleet ps` shows it. `pid` is null unless a live process is verifiably this member. */
export interface LocalMemberView {
  readonly id: string;
  readonly address: string;
  readonly port: number;
  readonly dataDir: string;
  readonly state: ManifestMemberState;
  readonly pid: number | null;
  readonly running: boolean;
  /** Its metrics port, and where Prometheus scrapes it (`http://127.0.0.1:PORT/metrics`); null for an old cluster's member that has none yet. */
  readonly metricsPort: number | null;
  readonly metricsUrl: string | null;
}

/** One local cluster as `fleet ps` shows it. */
export interface LocalClusterView {
  readonly name: string;
  /** What its members run: fleet's own coordinator, or etcd. */
  readonly engine: LocalEngine;
  readonly state: ClusterRunState;
  readonly home: string;
  readonly dataDir: string;
  readonly created: string;
  readonly heartbeat: string;
  readonly electionTimeout: string;
  readonly members: readonly LocalMemberView[];
  /** The Prometheus scrape config written by `fleet init --monitoring`, or null when there is none. */
  readonly scrapeConfig: string | null;
}

/** The cluster `name` under `root`, or undefined when it has no manifest. */
export async function findCluster(root: string, name: string): Promise<LocalCluster | undefined> {
  checkClusterName(name);
  const paths = clusterPaths(root, name);
  const manifest = await readManifest(paths.manifest);
  return manifest === undefined ? undefined : { manifest, paths };
}

/** The cluster `name` under `root`; a one-line error with what to do when there is none. */
export async function openCluster(root: string, name: string): Promise<LocalCluster> {
  const c = await findCluster(root, name);
  if (c === undefined) throw new CliError(`there is no local cluster named ${name}`, { hint: `fleet ps lists them; fleet init --name ${name} creates it`, exitCode: EXIT.notFound });
  return c;
}

/** Refuses (exit 2, one line) a command that only fleet's own members can carry out, on a local etcd cluster. */
export function requireFleetEngine(c: LocalCluster, command: string): void {
  if (engineOf(c.manifest) !== 'etcd') return;
  throw new CliError(`fleet ${command} does not apply to local cluster ${c.manifest.name}: it runs etcd (fleet ps, down, up and destroy manage its processes)`, { exitCode: EXIT.usage, code: 'USAGE' });
}

/** The members whose pid file names a live process that is verifiably that member. */
export async function runningMembers(c: LocalCluster): Promise<RunningMember[]> {
  const found = await Promise.all(c.manifest.members.map(async (member) => ({ member, pid: await memberPid(c.paths.pidFile(member.id), member) })));
  return found.filter((r): r is RunningMember => r.pid !== undefined);
}

/** The run state for `running` of `total` members. */
export function runState(running: number, total: number): ClusterRunState {
  return running === 0 ? 'stopped' : running === total ? 'running' : 'partial';
}

/** What `fleet ps` shows of one cluster. */
export async function viewOf(c: LocalCluster): Promise<LocalClusterView> {
  const running = new Map((await runningMembers(c)).map((r) => [r.member.id, r.pid]));
  const m = c.manifest;
  const scrape = join(c.paths.home, SCRAPE_CONFIG_FILE);
  return {
    name: m.name,
    engine: engineOf(m),
    state: runState(running.size, m.members.length),
    home: c.paths.home,
    dataDir: m.dataDir,
    created: m.created,
    heartbeat: m.heartbeat,
    electionTimeout: m.electionTimeout,
    members: m.members.map((x) => ({
      id: x.id, address: memberAddress(x), port: x.port, dataDir: x.dataDir, state: x.state, pid: running.get(x.id) ?? null, running: running.has(x.id),
      metricsPort: x.metricsPort ?? null, metricsUrl: metricsUrl(x),
    })),
    scrapeConfig: existsSync(scrape) ? scrape : null,
  };
}

/** The admin token of a local cluster (every local operation is an operator's). */
export async function adminToken(c: LocalCluster): Promise<string> {
  try {
    const token = (await readFile(c.paths.adminTokenFile, 'utf8')).trim();
    if (token) return token;
  } catch {
    // reported below
  }
  throw new CliError(`cannot read the admin token of ${c.manifest.name} at ${c.paths.adminTokenFile}`, { hint: `fleet destroy --name ${c.manifest.name} and init it again if it is lost` });
}

/** The TLS files the operator's client presents to a cluster made with `fleet init --tls`. */
export function operatorTls(c: LocalCluster): TlsFiles | undefined {
  if (!c.manifest.tls) return undefined;
  const dir = c.paths.certsDir;
  return { cacert: join(dir, 'ca.crt'), cert: join(dir, 'operator.crt'), key: join(dir, 'operator.key') };
}

/** What a client of the local cluster needs: the admin token, and the operator's certificate with --tls. */
export async function operatorAccess(c: LocalCluster): Promise<{ token: string; tls?: TlsFiles }> {
  const tls = operatorTls(c);
  return { token: await adminToken(c), ...(tls ? { tls } : {}) };
}
