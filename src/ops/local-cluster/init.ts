/**
 * `fleet init`: from nothing to a healthy local cluster, a context, and a status table, in one
 * step that is all or nothing — if any part fails (or the operator presses Ctrl-C), what was
 * started is stopped, what was written is removed (the logs stay, for the post-mortem), and
 * one line says what happened.
 */
import { existsSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CliError, EXIT } from '../../common/errors.js';
import type { EndpointStatus } from '../../client/index.js';
import type { ContextEntry, ContextStore } from '../../client/contexts.js';
import { findCluster, operatorAccess, operatorTls, viewOf, type LocalCluster, type LocalClusterView } from './cluster-state.js';
import { waitHealthy } from './health.js';
import { launchMember, lastLogLine, type LaunchedMember } from './launcher.js';
import { LOCAL_HOST, claimedPorts, endpointsOf, engineOf, portsOf, memberAddress, memberDataDir, memberId, mkdirPrivate, writeManifest, type ClusterManifest } from './manifest.js';
import { clusterPaths, checkClusterName, type ClusterPaths } from './paths.js';
import { SCRAPE_CONFIG_FILE, withMetricsPorts, writeScrapeConfig } from './monitoring.js';
import { busyPorts, describeBusyPort } from './ports.js';
import { createClusterCredentials } from './member-credentials.js';
import { generateToken, writeSecretFile } from './secrets.js';
import { stopMembers } from './shutdown.js';
import { spreadOverZones, type ZoneSlot } from '../placement.js';
import { SILENT_PROGRESS, type Progress } from './wait.js';

/** Cluster sizes `fleet init` offers: odd, so that a majority survives the most failures. */
export const INIT_SIZES = [1, 3, 5] as const;

/** What `fleet init` was asked for. Durations stay as the operator wrote them: members parse them. */
export interface InitOptions {
  readonly name: string;
  readonly nodes: number;
  /** The first member's port; undefined: DEFAULT_BASE_PORT, or the next free ports when those are taken. */
  readonly basePort: number | undefined;
  /** Where the members' data dirs go (default: the cluster's home under the XDG data dir). */
  readonly dataDir?: string | undefined;
  readonly heartbeat: string;
  readonly electionTimeout: string;
  /** Every connection TLS, with a CA and certificates made for the cluster. */
  readonly tls?: boolean;
  /** Write a Prometheus scrape config for the members into the cluster's home (also for a cluster already running). */
  readonly monitoring?: boolean;
  /** Lay the members out round-robin over these zones (`--zones`, `--regions`; see zoneSlots). */
  readonly zones?: readonly ZoneSlot[];
  /** How long to wait for health (default 30 s). */
  readonly timeoutMs?: number;
  /** The directory of local clusters (clustersRoot()). */
  readonly root: string;
  readonly contexts: ContextStore;
  readonly progress?: Progress;
  readonly signal?: AbortSignal;
}

/** What `fleet init` did. `statuses` is empty when the cluster was already running. */
export interface InitResult {
  readonly outcome: 'created' | 'already-running';
  readonly cluster: LocalClusterView;
  /** The context naming the cluster (made current when created). */
  readonly context: string;
  readonly leader: string | null;
  readonly statuses: readonly EndpointStatus[];
  readonly elapsedMs: number;
  /** Where the time went (null when the cluster was already running). */
  readonly phases: InitPhases | null;
  /** Set when the default ports were taken and others were picked: which, and why. */
  readonly portsMoved?: string;
}

/** The first member's port when --base-port is not given (the rest follow). */
export const DEFAULT_BASE_PORT = 7781;

/** How far apart the bases tried after the default are, and how many are tried. */
const BASE_PORT_STEP = 10;
const BASE_PORT_TRIES = 50;

/**
 * The phases of a created cluster's start, in milliseconds; they add up to `elapsedMs`. Start-up
 * time is part of the product, and these say which part to look at when it is slow.
 */
export interface InitPhases {
  /** Checks and files: names, ports, data dirs, tokens, the manifest. */
  readonly prepareMs: number;
  /** Starting the member processes (until each has exec'd). */
  readonly spawnMs: number;
  /** Until every member answers on its port (each member's own start-up). */
  readonly listeningMs: number;
  /** Until all agree on a leader that says it leads (the election). */
  readonly leaderMs: number;
  /** Until the leader committed its first entry and every member applied it, and the context is written. */
  readonly appliedMs: number;
}

/** Creates, starts and waits for a local cluster; see the file comment for the failure contract. */
export async function initCluster(opts: InitOptions): Promise<InitResult> {
  const t0 = Date.now();
  checkClusterName(opts.name);
  if (!(INIT_SIZES as readonly number[]).includes(opts.nodes)) throw new CliError(`--nodes must be 1, 3 or 5 (got ${opts.nodes})`, { exitCode: EXIT.usage });
  const existing = await findCluster(opts.root, opts.name);
  if (existing && engineOf(existing.manifest) === 'etcd') throw new CliError(`local cluster ${opts.name} already exists and runs etcd`, { exitCode: EXIT.precondition, hint: `choose another --name, or fleet destroy --name ${opts.name} first` });
  if (existing) return alreadyThere(existing, opts, t0);
  const paths = clusterPaths(opts.root, opts.name);
  const { manifest, portsMoved } = await placeCluster(opts, paths);
  const progress = opts.progress ?? SILENT_PROGRESS;
  const launched: LaunchedMember[] = [];
  try {
    progress.update(`starting ${manifest.members.length} member${manifest.members.length === 1 ? '' : 's'}`);
    await writeClusterFiles(manifest, paths);
    if (opts.monitoring) await writeScrapeConfig(manifest, paths);
    const spawning = Date.now();
    for (const m of manifest.members) launched.push(await launchMember(manifest, m, paths, true));
    const spawned = Date.now();
    const health = await waitHealthy({
      members: new Map(manifest.members.map((m) => [memberAddress(m), m.id])),
      ...(await operatorAccess({ manifest, paths })),
      timeoutMs: opts.timeoutMs ?? 30_000,
      progress,
      signal: opts.signal,
      failure: () => earlyExit(launched, paths),
    });
    await opts.contexts.put(opts.name, contextOf(manifest, paths), { makeCurrent: true });
    const cluster = await viewOf({ manifest, paths });
    const done = Date.now();
    const { answering, leader } = health.milestones;
    const phases = { prepareMs: spawning - t0, spawnMs: spawned - spawning, listeningMs: answering - spawned, leaderMs: leader - answering, appliedMs: done - leader };
    return { outcome: 'created', cluster, context: opts.name, leader: health.leader, statuses: health.statuses, elapsedMs: done - t0, phases, ...(portsMoved === undefined ? {} : { portsMoved }) };
  } catch (err) {
    throw await rollBack(err, manifest, paths, launched);
  }
}

/** The context `fleet init` writes: every member, both tokens, and where the cluster lives. */
export function contextOf(manifest: ClusterManifest, paths: ClusterPaths): ContextEntry {
  // An etcd cluster's members take no token: the context says what they speak and where they live.
  if (engineOf(manifest) === 'etcd') return { engine: 'etcd', endpoints: endpointsOf(manifest), local: { dataDir: paths.home } };
  const tls = operatorTls({ manifest, paths });
  return { endpoints: endpointsOf(manifest), tokenFile: paths.tokenFile, adminTokenFile: paths.adminTokenFile, ...tls, local: { dataDir: paths.home } };
}

export async function alreadyThere(c: LocalCluster, opts: Pick<InitOptions, 'contexts' | 'monitoring'>, t0: number): Promise<InitResult> {
  const contexts = opts.contexts;
  const before = await viewOf(c);
  if (before.state !== 'running') {
    throw new CliError(`local cluster ${c.manifest.name} already exists and is ${before.state}`, {
      exitCode: EXIT.precondition,
      hint: `fleet up --name ${c.manifest.name} starts it; fleet destroy --name ${c.manifest.name} removes it`,
    });
  }
  if (opts.monitoring) await writeScrapeConfig(c.manifest, c.paths);
  const cluster = opts.monitoring ? await viewOf(c) : before;
  // An init interrupted after its members started has no context yet: the cluster keeps one.
  if ((await contexts.get(c.manifest.name)) === undefined) await contexts.put(c.manifest.name, contextOf(c.manifest, c.paths));
  return { outcome: 'already-running', cluster, context: c.manifest.name, leader: null, statuses: [], elapsedMs: Date.now() - t0, phases: null };
}

/**
 * The manifest, on ports that are free: the ones --base-port names (refused when taken), or by
 * default 7781 on, moved up in steps of ten when taken, so the quick start never collides.
 */
export async function placeCluster(opts: InitOptions, paths: ClusterPaths, defaultBase = DEFAULT_BASE_PORT): Promise<{ manifest: ClusterManifest; portsMoved?: string }> {
  if (opts.basePort !== undefined) {
    const manifest = await manifestOn(opts.basePort, opts, paths);
    await checkPlaceIsFree(manifest, opts.root);
    return { manifest };
  }
  let firstRefusal: CliError | undefined;
  for (let i = 0; i < BASE_PORT_TRIES; i++) {
    const manifest = await manifestOn(defaultBase + i * BASE_PORT_STEP, opts, paths);
    try {
      await checkPlaceIsFree(manifest, opts.root);
    } catch (err) {
      if (!(err instanceof CliError) || err.code !== 'PORT_IN_USE') throw err;
      firstRefusal ??= err;
      continue;
    }
    if (firstRefusal === undefined) return { manifest };
    const ports = manifest.members.map((m) => m.port);
    return { manifest, portsMoved: `the default ports were taken (${firstRefusal.message}); using ${ports[0]}-${ports.at(-1)}` };
  }
  throw new CliError(`no free ports for ${opts.nodes} members from ${defaultBase} to ${defaultBase + BASE_PORT_TRIES * BASE_PORT_STEP}: ${firstRefusal?.message}`, { code: 'PORT_IN_USE', hint: 'choose ports with --base-port' });
}

async function manifestOn(basePort: number, opts: InitOptions, paths: ClusterPaths): Promise<ClusterManifest> {
  const planned = planManifest(basePort, opts, paths);
  return withMetricsPorts(planned, opts.root, new Set(planned.members.map((m) => m.id)));
}

function planManifest(basePort: number, opts: InitOptions, paths: ClusterPaths): ClusterManifest {
  if (basePort < 1 || basePort + opts.nodes - 1 > 65_535) throw new CliError(`--base-port ${basePort} leaves no room for ${opts.nodes} ports`, { exitCode: EXIT.usage });
  const dataDir = resolve(opts.dataDir ?? paths.home);
  const slots = opts.zones ?? [];
  const places = spreadOverZones(opts.nodes, slots);
  const members = Array.from({ length: opts.nodes }, (_, i) => {
    const id = memberId(i + 1);
    return { id, port: basePort + i, dataDir: memberDataDir(dataDir, id), state: 'voter' as const, ...places[i] };
  });
  return {
    version: 1, name: opts.name, created: new Date().toISOString(), basePort, dataDir,
    heartbeat: opts.heartbeat, electionTimeout: opts.electionTimeout, members, nextMember: opts.nodes + 1, ...(opts.tls ? { tls: true } : {}),
    ...(slots.length > 0 ? { zones: slots } : {}),
  };
}

/** Refuses before anything is written: ports of other local clusters, busy ports (with their holders), data dirs that hold data. */
export async function checkPlaceIsFree(manifest: ClusterManifest, root: string): Promise<void> {
  const claimed = await claimedPorts(root);
  const ports = manifest.members.flatMap(portsOf);
  const taken = ports.find((p) => claimed.has(p));
  if (taken !== undefined) {
    throw new CliError(`port ${taken} belongs to local cluster ${claimed.get(taken)}`, { hint: 'choose other ports with --base-port; fleet ps lists the ports in use', code: 'PORT_IN_USE' });
  }
  const busy = await busyPorts(LOCAL_HOST, ports);
  if (busy.length > 0) {
    throw new CliError(busy.map(describeBusyPort).join('; '), { hint: 'stop that program, or choose other ports with --base-port', code: 'PORT_IN_USE', details: { ports: busy.map((b) => b.port) } });
  }
  for (const m of manifest.members) {
    if (existsSync(m.dataDir) && readdirSync(m.dataDir).length > 0) throw new CliError(`${m.dataDir} already holds data`, { hint: 'choose another --data-dir, or remove it' });
  }
}

async function writeClusterFiles(manifest: ClusterManifest, paths: ClusterPaths): Promise<void> {
  for (const dir of [paths.home, paths.runDir, paths.logDir, ...manifest.members.map((m) => m.dataDir)]) await mkdirPrivate(dir);
  // No manifest means no cluster: token files are leftovers of an init that died before writing one.
  for (const f of [paths.tokenFile, paths.adminTokenFile, paths.peerSecretFile, paths.certsDir]) await rm(f, { recursive: true, force: true });
  await writeSecretFile(paths.tokenFile, generateToken());
  await writeSecretFile(paths.adminTokenFile, generateToken());
  await createClusterCredentials(manifest, paths);
  await writeManifest(paths.manifest, manifest);
}

/** Why to stop waiting: a member's process has exited (with the last thing it logged). */
export function earlyExit(launched: readonly LaunchedMember[], paths: ClusterPaths): string | undefined {
  const dead = launched.find((l) => l.exit !== undefined);
  if (dead === undefined) return undefined;
  const why = lastLogLine(paths.logFile(dead.id), undefined, dead.logFrom);
  return `member ${dead.id} exited (${dead.exit})${why ? `: ${why}` : ''}`;
}

/** Stops what init started and removes what it wrote (keeping the logs); answers the error to throw. */
export async function rollBack(err: unknown, manifest: ClusterManifest, paths: ClusterPaths, launched: readonly LaunchedMember[]): Promise<CliError> {
  const reason = err instanceof Error ? err.message : String(err);
  const exitCode = err instanceof CliError && err.exitCode === EXIT.unavailable ? EXIT.unavailable : EXIT.error;
  let cleanup = `stopped the ${launched.length} member${launched.length === 1 ? '' : 's'} it started`;
  try {
    // By the pids spawn() answered: a pid file may not have been written yet.
    const started = launched.map((l) => ({ member: manifest.members.find((m) => m.id === l.id)!, pid: l.pid }));
    await stopMembers(started, undefined, { timeoutMs: 3_000 });
    for (const m of manifest.members) await rm(m.dataDir, { recursive: true, force: true });
    for (const f of [paths.manifest, join(paths.home, SCRAPE_CONFIG_FILE), paths.tokenFile, paths.adminTokenFile, paths.peerSecretFile, paths.certsDir, paths.runDir]) await rm(f, { recursive: true, force: true });
  } catch (cleanupErr) {
    cleanup = `could not clean up (${(cleanupErr as Error).message}); check fleet ps`;
  }
  return new CliError(`fleet init ${manifest.name} failed: ${reason}; ${cleanup}`, { exitCode, hint: `member logs are in ${paths.logDir}`, cause: err });
}
