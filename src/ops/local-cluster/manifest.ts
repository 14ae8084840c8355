/**
 * The manifest of a local cluster (`cluster.json`): what `fleet init` decided, kept so that
 * `up`, `down`, `scale` and `ps` act on the same members, ports and directories. It is
 * replaced atomically (temp file + rename), so a crash leaves the old or the new one whole.
 */
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError } from '../../common/errors.js';
import type { ZoneSlot } from '../placement.js';
import { CLUSTER_NAME, clusterPaths } from './paths.js';

/** Loopback only: local clusters are never reachable from another machine. */
export const LOCAL_HOST = '127.0.0.1';

/**
 * A member's place in the cluster. `joining`: started by `fleet scale` but not yet a voter
 * (it must restart with `--join`, never bootstrap); `voter`: a full member.
 */
export type ManifestMemberState = 'joining' | 'voter';

/** One member of a local cluster. */
export interface ManifestMember {
  readonly id: string;
  readonly port: number;
  /** Absolute path of its data dir. */
  readonly dataDir: string;
  readonly state: ManifestMemberState;
  /** Where it serves Prometheus metrics (on LOCAL_HOST); absent in clusters made before members had one, until `fleet up` gives them one. */
  readonly metricsPort?: number;
  /** An etcd member's peer port (`port` is its client port); fleet's members take peers on their one port. */
  readonly peerPort?: number;
  /** Where it runs as if the cluster spanned zones (`fleet init --zones`); passed as `--zone`/`--region`. */
  readonly zone?: string;
  readonly region?: string;
}

/** What a local cluster runs: fleet's own members, or the installed etcd (`fleet init --engine etcd`). */
export type LocalEngine = 'fleet' | 'etcd';

/** The whole manifest. Invariant: member ids and ports (member, peer and metrics ports together) are unique. */
export interface ClusterManifest {
  readonly version: 1;
  readonly name: string;
  /** ISO time of `fleet init`. */
  readonly created: string;
  readonly basePort: number;
  /** Absolute directory holding the members' data dirs. */
  readonly dataDir: string;
  /** Timing flags passed to every member, as the operator wrote them (e.g. `100ms`). */
  readonly heartbeat: string;
  readonly electionTimeout: string;
  readonly members: readonly ManifestMember[];
  /** The number of the next new member's id (`n<nextMember>`); it only grows, so a removed member's id is never reused. */
  readonly nextMember: number;
  /** Every connection is TLS, with certificates from the cluster's own CA (`fleet init --tls`). */
  readonly tls?: boolean;
  /** Absent for fleet's own members (every manifest written before etcd was offered). */
  readonly engine?: 'etcd';
  /** The zones the cluster is laid out over (`fleet init --zones`, `--regions`): where `fleet scale` puts new members. */
  readonly zones?: readonly ZoneSlot[];
}

/** The engine a manifest's members run. */
export function engineOf(manifest: Pick<ClusterManifest, 'engine'>): LocalEngine {
  return manifest.engine ?? 'fleet';
}

/** Every port a member binds: its client port, an etcd member's peer port, and its metrics port. */
export function portsOf(m: Pick<ManifestMember, 'port' | 'peerPort' | 'metricsPort'>): number[] {
  return [m.port, m.peerPort, m.metricsPort].filter((p): p is number => p !== undefined);
}

/** A member's `host:port`. */
export function memberAddress(m: Pick<ManifestMember, 'port'>): string {
  return `${LOCAL_HOST}:${m.port}`;
}

/** A member's metrics address `host:port`, or undefined when it has no metrics port. */
export function metricsAddress(m: Pick<ManifestMember, 'metricsPort'>): string | undefined {
  return m.metricsPort === undefined ? undefined : `${LOCAL_HOST}:${m.metricsPort}`;
}

/** Every member's `host:port`, in manifest order (what a context's endpoints are). */
export function endpointsOf(manifest: ClusterManifest): string[] {
  return manifest.members.map(memberAddress);
}

/** Writes the manifest atomically and durably. */
export async function writeManifest(file: string, manifest: ClusterManifest): Promise<void> {
  checkManifest(manifest, file);
  const tmp = `${file}.${process.pid}.tmp`;
  const handle = await open(tmp, 'w', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
}

/** Reads and checks a manifest; undefined when the file does not exist. */
export async function readManifest(file: string): Promise<ClusterManifest | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new CliError(`${file} is not valid JSON; fix it, or remove the cluster's directory`, { cause: err });
  }
  checkManifest(doc, file);
  return doc;
}

/** Every local cluster's manifest under `root`, sorted by name (directories without one are skipped). */
export async function listManifests(root: string): Promise<ClusterManifest[]> {
  if (!existsSync(root)) return [];
  const names = (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory() && CLUSTER_NAME.test(d.name)).map((d) => d.name);
  const found: ClusterManifest[] = [];
  for (const name of names.sort()) {
    const m = await readManifest(clusterPaths(root, name).manifest);
    if (m !== undefined) found.push(m);
  }
  return found;
}

/** Ports of every local cluster under `root` (running or not), with the cluster that owns each. */
export async function claimedPorts(root: string): Promise<Map<number, string>> {
  const claimed = new Map<number, string>();
  for (const m of await listManifests(root)) for (const x of m.members) for (const port of portsOf(x)) claimed.set(port, m.name);
  return claimed;
}

/** Creates a directory (and parents) private to the user. */
export async function mkdirPrivate(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
}

/** The id of the `n`th member ever created: n1, n2, … */
export function memberId(n: number): string {
  return `n${n}`;
}

/** The default data dir of member `id` of a cluster whose members live under `dataDir`. */
export function memberDataDir(dataDir: string, id: string): string {
  return join(dataDir, id);
}

function checkManifest(doc: unknown, file: string): asserts doc is ClusterManifest {
  const bad = (what: string): never => {
    throw new CliError(`${file} is invalid: ${what}; fix it, or remove the cluster's directory`);
  };
  if (typeof doc !== 'object' || doc === null) bad('not an object');
  const m = doc as Record<string, unknown>;
  if (m.version !== 1) bad(`unknown version ${JSON.stringify(m.version)}`);
  for (const k of ['name', 'created', 'dataDir', 'heartbeat', 'electionTimeout'] as const) if (typeof m[k] !== 'string' || m[k] === '') bad(`${k} must be a non-empty string`);
  if (!CLUSTER_NAME.test(m.name as string)) bad('name is not a valid cluster name');
  if (!isPort(m.basePort)) bad('basePort must be a port number');
  if (!Number.isInteger(m.nextMember) || (m.nextMember as number) < 1) bad('nextMember must be a positive integer');
  if (m.tls !== undefined && typeof m.tls !== 'boolean') bad('tls must be true or false');
  if (m.engine !== undefined && m.engine !== 'etcd') bad(`unknown engine ${JSON.stringify(m.engine)}`);
  if (m.zones !== undefined && (!Array.isArray(m.zones) || !m.zones.every((z: unknown) => isSlot(z)))) bad('zones must be a list of {zone, region}');
  if (!Array.isArray(m.members) || m.members.length === 0) bad('members must be a non-empty list');
  const ids = new Set<string>();
  const ports = new Set<number>();
  for (const x of m.members as unknown[]) {
    const mm = x as Record<string, unknown>;
    if (typeof mm.id !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/.test(mm.id)) bad('a member has an invalid id');
    if (!isPort(mm.port) || typeof mm.dataDir !== 'string' || (mm.state !== 'voter' && mm.state !== 'joining')) bad(`member ${String(mm.id)} is incomplete`);
    if ((mm.zone !== undefined && typeof mm.zone !== 'string') || (mm.region !== undefined && typeof mm.region !== 'string')) bad(`member ${String(mm.id)} has a zone or region that is not a string`);
    if (mm.metricsPort !== undefined && !isPort(mm.metricsPort)) bad(`member ${String(mm.id)} has an invalid metricsPort`);
    if (mm.peerPort !== undefined && !isPort(mm.peerPort)) bad(`member ${String(mm.id)} has an invalid peerPort`);
    const own = portsOf(mm as Pick<ManifestMember, 'port' | 'peerPort' | 'metricsPort'>);
    if (ids.has(mm.id as string) || own.some((p) => ports.has(p)) || new Set(own).size !== own.length) bad(`member ${String(mm.id)} repeats an id or a port`);
    ids.add(mm.id as string);
    for (const p of own) ports.add(p);
  }
}

function isSlot(v: unknown): boolean {
  const z = v as Record<string, unknown> | null;
  return typeof z === 'object' && z !== null && typeof z.zone === 'string' && typeof z.region === 'string';
}

function isPort(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= 65_535;
}
