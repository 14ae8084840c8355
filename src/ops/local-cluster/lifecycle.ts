/**
 * `fleet up`, `down`, `destroy` and `ps`: starting a stopped local cluster from its data,
 * stopping it (followers first, leader last, SIGKILL after a deadline), removing it, and
 * listing them all. Every signal goes to a validated pid only (pids.ts).
 */
import { CLUSTER_LOCK_WAIT_MS, withClusterLock } from './op-lock.js';
import { existsSync, readdirSync } from 'node:fs';
import { rm, rmdir } from 'node:fs/promises';
import { parseDuration } from '../../common/durations.js';
import { CliError, EXIT } from '../../common/errors.js';
import type { ContextStore } from '../../client/contexts.js';
import type { EndpointStatus } from '../../client/index.js';
import { operatorAccess, operatorTls, openCluster, runningMembers, viewOf, type LocalCluster, type LocalClusterView } from './cluster-state.js';
import { leaderOf, probeStatuses, waitHealthy } from './health.js';
import { contextOf } from './init.js';
import { lastLogLine, launchMember, type LaunchedMember } from './launcher.js';
import { LOCAL_HOST, engineOf, listManifests, memberAddress, mkdirPrivate, writeManifest } from './manifest.js';
import { refreshScrapeConfig, withMetricsPorts } from './monitoring.js';
import { clusterPaths, type ClusterPaths } from './paths.js';
import { removePidFile } from './pids.js';
import { busyPorts, describeBusyPort } from './ports.js';
import { stopMembers, type RunningMember, type StopReport } from './shutdown.js';
import { etcdLeaderOf, upEtcdCluster } from './etcd/etcd-cluster.js';
import type { StatusModel } from '../status.js';
import { SILENT_PROGRESS, type Progress } from './wait.js';

/** Which cluster, where. */
export interface ClusterRef {
  readonly root: string;
  readonly name: string;
}

/** What `fleet up` was asked for. */
export interface UpOptions extends ClusterRef {
  readonly contexts: ContextStore;
  readonly timeoutMs?: number;
  readonly progress?: Progress;
  readonly signal?: AbortSignal;
}

/** What `fleet up` did: which members it started, and which would not start (and why). */
export interface UpResult {
  /** partial: a quorum is up and healthy, but some members exited while starting (`failed`). */
  readonly outcome: 'started' | 'partial' | 'already-running';
  readonly started: readonly string[];
  readonly failed: readonly { readonly id: string; readonly reason: string }[];
  readonly cluster: LocalClusterView;
  readonly leader: string | null;
  readonly statuses: readonly EndpointStatus[];
  /** An etcd cluster's status table (its `statuses` are empty): etcd answers in its own terms. */
  readonly etcdModel?: StatusModel | null;
  readonly elapsedMs: number;
}

/**
 * Starts every stopped member of a local cluster from its data and waits until the voters that
 * did start are healthy. A member that exits while starting is left down and named with the
 * error it died of; the others stay up as long as they make a quorum. Without a quorum (or on a
 * timeout) it stops what it started, and returns once those processes have exited.
 */
export async function upCluster(opts: UpOptions): Promise<UpResult> {
  const t0 = Date.now();
  const { paths } = await openCluster(opts.root, opts.name);
  return withClusterLock(paths, 'fleet up', CLUSTER_LOCK_WAIT_MS, () => upLocked(opts, t0));
}

async function upLocked(opts: UpOptions, t0: number): Promise<UpResult> {
  // Read again under the lock: a command that held it may have changed the cluster.
  const found = await openCluster(opts.root, opts.name);
  if (engineOf(found.manifest) === 'etcd') {
    const r = await upEtcdCluster(found, opts);
    return { ...r, failed: [], statuses: [], etcdModel: r.model };
  }
  const runningIds = new Set((await runningMembers(found)).map((r) => r.member.id));
  if (runningIds.size === found.manifest.members.length) return { outcome: 'already-running', started: [], failed: [], cluster: await viewOf(found), leader: null, statuses: [], elapsedMs: Date.now() - t0 };
  const c = await withMetrics(found, opts.root, runningIds);
  const toStart = c.manifest.members.filter((m) => !runningIds.has(m.id));
  const busy = await busyPorts(LOCAL_HOST, toStart.flatMap((m) => (m.metricsPort === undefined ? [m.port] : [m.port, m.metricsPort])));
  if (busy.length > 0) throw new CliError(busy.map(describeBusyPort).join('; '), { hint: 'stop that program, then run fleet up again', code: 'PORT_IN_USE' });
  for (const dir of [c.paths.runDir, c.paths.logDir]) await mkdirPrivate(dir);
  const launched: LaunchedMember[] = [];
  const failed = new Map<string, string>();
  try {
    opts.progress?.update(`starting ${toStart.map((m) => m.id).join(', ')}`);
    for (const m of toStart) launched.push(await launchMember(c.manifest, m, c.paths));
    const health = await waitForStartedVoters(c, opts, launched, failed);
    for (const id of failed.keys()) await removePidFile(c.paths.pidFile(id));
    // The context may have been removed or edited since init; a local cluster keeps its own.
    await opts.contexts.put(c.manifest.name, contextOf(c.manifest, c.paths));
    const started = toStart.map((m) => m.id).filter((id) => !failed.has(id));
    const outcome = failed.size > 0 ? 'partial' : 'started';
    return { outcome, started, failed: [...failed].map(([id, reason]) => ({ id, reason })), cluster: await viewOf(c), leader: health.leader, statuses: health.statuses, elapsedMs: Date.now() - t0 };
  } catch (err) {
    const started = launched.map((l) => ({ member: c.manifest.members.find((m) => m.id === l.id)!, pid: l.pid }));
    await stopMembers(started, undefined, { timeoutMs: 3_000 }).catch(() => undefined);
    const exitCode = err instanceof CliError && err.exitCode === EXIT.unavailable ? EXIT.unavailable : EXIT.error;
    throw new CliError(`fleet up ${c.manifest.name} failed: ${(err as Error).message}; stopped the members it started`, { exitCode, hint: `member logs are in ${c.paths.logDir}`, cause: err });
  }
}

/**
 * The cluster with a metrics port for every member about to start that has none (a cluster made
 * before members had one), saved in its manifest; the scrape config, if any, follows.
 */
async function withMetrics(c: LocalCluster, root: string, running: ReadonlySet<string>): Promise<LocalCluster> {
  const missing = new Set(c.manifest.members.filter((m) => m.metricsPort === undefined && !running.has(m.id)).map((m) => m.id));
  if (missing.size === 0) return c;
  const manifest = await withMetricsPorts(c.manifest, root, missing);
  await writeManifest(c.paths.manifest, manifest);
  await refreshScrapeConfig(manifest, c.paths);
  return { ...c, manifest };
}

/**
 * Waits for the voters that did not exit while starting; each that exits is recorded in
 * `failed` (with the error it died of) and the wait goes on without it, while a quorum is left.
 */
async function waitForStartedVoters(c: LocalCluster, opts: UpOptions, launched: readonly LaunchedMember[], failed: Map<string, string>): Promise<Awaited<ReturnType<typeof waitHealthy>>> {
  // A member still joining (an interrupted scale) may not be in the cluster yet: fleet scale finishes it.
  const voters = c.manifest.members.filter((m) => m.state === 'voter');
  const quorum = Math.floor(voters.length / 2) + 1;
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  for (;;) {
    const alive = voters.filter((m) => !failed.has(m.id));
    if (alive.length < quorum) {
      const why = [...failed].map(([id, reason]) => `member ${id} ${reason}`).join('; ');
      throw new CliError(`${why}; the ${alive.length} voter${alive.length === 1 ? '' : 's'} left cannot make a quorum of ${quorum}`);
    }
    const before = failed.size;
    try {
      return await waitHealthy({
        members: new Map(alive.map((m) => [memberAddress(m), m.id])),
        ...(await operatorAccess(c)),
        timeoutMs: Math.max(1, deadline - Date.now()),
        progress: opts.progress ?? SILENT_PROGRESS,
        signal: opts.signal,
        failure: () => newlyExited(launched, failed, c.paths),
      });
    } catch (err) {
      if (failed.size === before) throw err;
    }
  }
}

/** Records members that exited since the last call, with the error each died of; a reason to restart the wait, or undefined. */
function newlyExited(launched: readonly LaunchedMember[], failed: Map<string, string>, paths: ClusterPaths): string | undefined {
  const dead = launched.filter((l) => l.exit !== undefined && !failed.has(l.id));
  for (const l of dead) {
    const why = lastLogLine(paths.logFile(l.id), undefined, l.logFrom);
    failed.set(l.id, `exited (${l.exit})${why ? `: ${why}` : ''}`);
  }
  return dead.length > 0 ? `${dead.map((l) => l.id).join(', ')} exited` : undefined;
}

/** What `fleet down` was asked for. */
export interface DownOptions extends ClusterRef {
  /** Deadline for every member to exit after SIGTERM, after which the rest get SIGKILL. */
  readonly timeoutMs: number;
}

/** What `fleet down` did. `leader` is the member stopped last (null when none was known). */
export interface DownResult extends StopReport {
  readonly outcome: 'stopped' | 'already-stopped';
  readonly leader: string | null;
  readonly elapsedMs: number;
}

/** Stops a local cluster's running members: followers first, the leader last. */
export async function downCluster(opts: DownOptions): Promise<DownResult> {
  const t0 = Date.now();
  const { paths } = await openCluster(opts.root, opts.name);
  return withClusterLock(paths, 'fleet down', CLUSTER_LOCK_WAIT_MS, async () => stopCluster(await openCluster(opts.root, opts.name), opts.timeoutMs, t0));
}

async function stopCluster(c: LocalCluster, timeoutMs: number, t0: number): Promise<DownResult> {
  const running = await runningMembers(c);
  await removeStalePidFiles(c, new Set(running.map((r) => r.member.id)));
  if (running.length === 0) return { outcome: 'already-stopped', stopped: [], killed: [], leader: null, elapsedMs: Date.now() - t0 };
  const leader = await leaderToStopLast(c, running);
  const report = await stopMembers(running, leader, { timeoutMs, waveGraceMs: followerGraceMs(c) });
  for (const r of running) await removePidFile(c.paths.pidFile(r.member.id));
  return { outcome: 'stopped', ...report, leader: leader ?? null, elapsedMs: Date.now() - t0 };
}

/** The running member that leads, asked in the cluster's own terms (undefined when none answers as leader). */
async function leaderToStopLast(c: LocalCluster, running: readonly RunningMember[]): Promise<string | undefined> {
  if (engineOf(c.manifest) === 'etcd') return etcdLeaderOf(running.map((r) => r.member)).catch(() => undefined);
  const statuses = await probeStatuses(running.map((r) => memberAddress(r.member)), await operatorAccess(c).catch(() => ({ token: '', tls: operatorTls(c) })));
  return leaderOf(statuses);
}

/**
 * How long followers get before the leader is signalled anyway: two election timeouts, after
 * which the leader no longer counts a stopped follower as active and so does not try to hand
 * leadership to it.
 */
function followerGraceMs(c: LocalCluster): number {
  try {
    return 2 * parseDuration(c.manifest.electionTimeout) + 250;
  } catch {
    return 2_000;
  }
}

/** Pid files whose process is gone (or is not the member any more) are removed, never acted on. */
async function removeStalePidFiles(c: LocalCluster, running: ReadonlySet<string>): Promise<void> {
  for (const m of c.manifest.members) if (!running.has(m.id)) await removePidFile(c.paths.pidFile(m.id));
}

/** What `fleet destroy` was asked for. Confirmation is the command's business. */
export interface DestroyOptions extends ClusterRef {
  readonly contexts: ContextStore;
  readonly timeoutMs: number;
}

/** What `fleet destroy` did. */
export interface DestroyResult {
  readonly name: string;
  readonly stopped: readonly string[];
  readonly removed: readonly string[];
  readonly contextRemoved: boolean;
  /**
   * Set when the context removed was the current one: the context current now (the only one left,
   * made current), or null with the names to choose from (`fleet context use`). Absent otherwise.
   */
  readonly current?: CurrentAfterRemoval;
}

/** Which context is current once the current one is gone, and which are left. */
export interface CurrentAfterRemoval {
  readonly now: string | null;
  readonly remaining: readonly string[];
}

/**
 * After the current context was removed: when exactly one is left, there is no choice to make, so
 * it becomes current; with several, none is (guessing would aim the next command at the wrong cluster).
 */
export async function succeedCurrent(contexts: ContextStore): Promise<CurrentAfterRemoval> {
  const remaining = (await contexts.list()).map((c) => c.name);
  if (remaining.length !== 1) return { now: null, remaining };
  await contexts.use(remaining[0]!);
  return { now: remaining[0]!, remaining };
}

/** Stops a local cluster if needed and removes its data, its home and its context. */
export async function destroyCluster(opts: DestroyOptions): Promise<DestroyResult> {
  const { paths } = await openCluster(opts.root, opts.name);
  return withClusterLock(paths, 'fleet destroy', CLUSTER_LOCK_WAIT_MS, () => destroyLocked(opts));
}

async function destroyLocked(opts: DestroyOptions): Promise<DestroyResult> {
  const c = await openCluster(opts.root, opts.name);
  const down = await stopCluster(c, opts.timeoutMs, Date.now());
  const removed: string[] = [];
  for (const m of c.manifest.members) {
    if (existsSync(m.dataDir)) removed.push(m.dataDir);
    await rm(m.dataDir, { recursive: true, force: true });
  }
  // A --data-dir the operator chose is removed only if fleet's members were all it held.
  if (c.manifest.dataDir !== c.paths.home && existsSync(c.manifest.dataDir) && readdirSync(c.manifest.dataDir).length === 0) {
    await rmdir(c.manifest.dataDir);
    removed.push(c.manifest.dataDir);
  }
  await rm(c.paths.home, { recursive: true, force: true });
  removed.push(c.paths.home);
  const ctx = await opts.contexts.get(c.manifest.name);
  const ours = ctx?.local?.dataDir === c.paths.home;
  const wasCurrent = ours && (await opts.contexts.current())?.name === c.manifest.name;
  const contextRemoved = ours ? await opts.contexts.remove(c.manifest.name) : false;
  const current = wasCurrent && contextRemoved ? { current: await succeedCurrent(opts.contexts) } : {};
  return { name: c.manifest.name, stopped: [...down.stopped, ...down.killed], removed, contextRemoved, ...current };
}

/** Every local cluster under `root`, with its members' pids and run state (`fleet ps`). */
export async function listClusters(root: string): Promise<LocalClusterView[]> {
  const manifests = await listManifests(root);
  return Promise.all(manifests.map((manifest) => viewOf({ manifest, paths: clusterPaths(root, manifest.name) })));
}
