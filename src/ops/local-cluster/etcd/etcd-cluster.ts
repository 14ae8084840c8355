/**
 * `fleet init --engine etcd` and `fleet up` of a local etcd cluster: the same life as a fleet
 * cluster's (init.ts, lifecycle.ts) — all or nothing, one manifest, pid files, logs, a context —
 * with etcd's members, and health judged on etcd's own status (ops/etcd/status.ts), the model
 * `fleet status` prints for an etcd context.
 */
import { resolve } from 'node:path';
import { CliError, EXIT } from '../../../common/errors.js';
import type { ContextStore } from '../../../client/contexts.js';
import type { EtcdStatusProbe } from '../../../client/etcd/status-probe.js';
import type { StatusModel } from '../../status.js';
import { findCluster, runningMembers, viewOf, type LocalCluster, type LocalClusterView } from '../cluster-state.js';
import { etcdLastLogLine, etcdTiming, findEtcdBinary, freeLoopbackPorts, launchEtcdMember } from './etcd-members.js';
import { alreadyThere, checkPlaceIsFree, contextOf, INIT_SIZES, rollBack } from '../init.js';
import type { LaunchedMember } from '../launcher.js';
import { LOCAL_HOST, claimedPorts, engineOf, memberAddress, memberDataDir, memberId, mkdirPrivate, portsOf, writeManifest, type ClusterManifest, type ManifestMember } from '../manifest.js';
import { checkClusterName, clusterPaths, type ClusterPaths } from '../paths.js';
import { busyPorts, describeBusyPort } from '../ports.js';
import { stopMembers } from '../shutdown.js';
import { pause, SILENT_PROGRESS, type Progress } from '../wait.js';

/** What `fleet init --engine etcd` was asked for. */
export interface EtcdInitOptions {
  readonly name: string;
  readonly nodes: number;
  /** First client port (the others follow, then the peer ports); free ports when absent. */
  readonly basePort?: number | undefined;
  readonly dataDir?: string | undefined;
  readonly heartbeat: string;
  readonly electionTimeout: string;
  readonly timeoutMs?: number;
  readonly root: string;
  readonly contexts: ContextStore;
  readonly progress?: Progress;
  readonly signal?: AbortSignal;
}

/** What it did. `model` is the status table's (null when the cluster was already running). */
export interface EtcdInitResult {
  readonly outcome: 'created' | 'already-running';
  readonly cluster: LocalClusterView;
  readonly context: string;
  readonly leader: string | null;
  readonly model: StatusModel | null;
  readonly elapsedMs: number;
}

/** Creates, starts and waits for a local etcd cluster; on any failure, stops and removes what it made (logs stay). */
export async function initEtcdCluster(opts: EtcdInitOptions): Promise<EtcdInitResult> {
  const t0 = Date.now();
  checkClusterName(opts.name);
  if (!(INIT_SIZES as readonly number[]).includes(opts.nodes)) throw new CliError(`--nodes must be 1, 3 or 5 (got ${opts.nodes})`, { exitCode: EXIT.usage });
  etcdTiming(opts.heartbeat, opts.electionTimeout);
  const binary = findEtcdBinary();
  const existing = await findCluster(opts.root, opts.name);
  if (existing) {
    if (engineOf(existing.manifest) !== 'etcd') throw new CliError(`local cluster ${opts.name} already exists and runs fleet, not etcd`, { exitCode: EXIT.precondition, hint: `choose another --name, or fleet destroy --name ${opts.name} first` });
    const r = await alreadyThere(existing, { contexts: opts.contexts }, t0);
    return { outcome: r.outcome, cluster: r.cluster, context: r.context, leader: null, model: null, elapsedMs: r.elapsedMs };
  }
  const paths = clusterPaths(opts.root, opts.name);
  const manifest = await planEtcdManifest(opts, paths);
  await checkPlaceIsFree(manifest, opts.root);
  const launched: LaunchedMember[] = [];
  try {
    opts.progress?.update(`starting ${manifest.members.length} etcd member${manifest.members.length === 1 ? '' : 's'}`);
    for (const dir of [paths.home, paths.runDir, paths.logDir, ...manifest.members.map((m) => m.dataDir)]) await mkdirPrivate(dir);
    await writeManifest(paths.manifest, manifest);
    for (const m of manifest.members) launched.push(await launchEtcdMember(binary, manifest, m, paths, true));
    const health = await waitEtcdHealthy({ members: manifest.members, timeoutMs: opts.timeoutMs ?? 30_000, progress: opts.progress, signal: opts.signal, failure: () => exitedMember(launched, paths) });
    await opts.contexts.put(opts.name, contextOf(manifest, paths), { makeCurrent: true });
    const cluster = await viewOf({ manifest, paths });
    return { outcome: 'created', cluster, context: opts.name, leader: health.leader, model: health.model, elapsedMs: Date.now() - t0 };
  } catch (err) {
    throw await rollBack(err, manifest, paths, launched);
  }
}

async function planEtcdManifest(opts: EtcdInitOptions, paths: ClusterPaths): Promise<ClusterManifest> {
  const n = opts.nodes;
  if (opts.basePort !== undefined && (opts.basePort < 1 || opts.basePort + 2 * n - 1 > 65_535)) throw new CliError(`--base-port ${opts.basePort} leaves no room for ${2 * n} ports`, { exitCode: EXIT.usage });
  // Client ports first, then the peer ports: base, base+1, … for clients, base+n, … for peers.
  const ports = opts.basePort === undefined ? await freeLoopbackPorts(2 * n, new Set((await claimedPorts(opts.root)).keys())) : Array.from({ length: 2 * n }, (_, i) => opts.basePort! + i);
  const dataDir = resolve(opts.dataDir ?? paths.home);
  const members: ManifestMember[] = Array.from({ length: n }, (_, i) => {
    const id = memberId(i + 1);
    return { id, port: ports[i]!, peerPort: ports[n + i]!, dataDir: memberDataDir(dataDir, id), state: 'voter' };
  });
  return {
    version: 1, name: opts.name, created: new Date().toISOString(), basePort: ports[0]!, dataDir,
    heartbeat: opts.heartbeat, electionTimeout: opts.electionTimeout, members, nextMember: n + 1, engine: 'etcd',
  };
}

/** Why to stop waiting: a member's process exited (with the error it logged last). */
function exitedMember(launched: readonly LaunchedMember[], paths: ClusterPaths): string | undefined {
  const dead = launched.find((l) => l.exit !== undefined);
  if (dead === undefined) return undefined;
  const why = etcdLastLogLine(paths.logFile(dead.id), dead.logFrom);
  return `member ${dead.id} exited (${dead.exit})${why ? `: ${why}` : ''}`;
}

/** What `fleet up` of an etcd cluster did; shaped as lifecycle.ts's UpResult, with etcd's status model. */
export interface EtcdUpResult {
  readonly outcome: 'started' | 'already-running';
  readonly started: readonly string[];
  readonly cluster: LocalClusterView;
  readonly leader: string | null;
  readonly model: StatusModel | null;
  readonly elapsedMs: number;
}

/**
 * Starts the stopped members of a local etcd cluster from their data and waits until every
 * member is healthy; if one exits or the wait times out, stops what it started (all or nothing).
 */
export async function upEtcdCluster(c: LocalCluster, opts: { contexts: ContextStore; timeoutMs?: number | undefined; progress?: Progress | undefined; signal?: AbortSignal | undefined }): Promise<EtcdUpResult> {
  const t0 = Date.now();
  const runningIds = new Set((await runningMembers(c)).map((r) => r.member.id));
  const toStart = c.manifest.members.filter((m) => !runningIds.has(m.id));
  if (toStart.length === 0) return { outcome: 'already-running', started: [], cluster: await viewOf(c), leader: null, model: null, elapsedMs: Date.now() - t0 };
  const binary = findEtcdBinary();
  const busy = await busyPorts(LOCAL_HOST, toStart.flatMap(portsOf));
  if (busy.length > 0) throw new CliError(busy.map(describeBusyPort).join('; '), { hint: 'stop that program, then run fleet up again', code: 'PORT_IN_USE' });
  for (const dir of [c.paths.runDir, c.paths.logDir]) await mkdirPrivate(dir);
  const launched: LaunchedMember[] = [];
  try {
    opts.progress?.update(`starting ${toStart.map((m) => m.id).join(', ')}`);
    for (const m of toStart) launched.push(await launchEtcdMember(binary, c.manifest, m, c.paths, false));
    const health = await waitEtcdHealthy({ members: c.manifest.members, timeoutMs: opts.timeoutMs ?? 30_000, progress: opts.progress, signal: opts.signal, failure: () => exitedMember(launched, c.paths) });
    await opts.contexts.put(c.manifest.name, contextOf(c.manifest, c.paths));
    return { outcome: 'started', started: toStart.map((m) => m.id), cluster: await viewOf(c), leader: health.leader, model: health.model, elapsedMs: Date.now() - t0 };
  } catch (err) {
    const started = launched.map((l) => ({ member: c.manifest.members.find((m) => m.id === l.id)!, pid: l.pid }));
    await stopMembers(started, undefined, { timeoutMs: 3_000 }).catch(() => undefined);
    const exitCode = err instanceof CliError && err.exitCode === EXIT.unavailable ? EXIT.unavailable : EXIT.error;
    throw new CliError(`fleet up ${c.manifest.name} failed: ${(err as Error).message}; stopped the members it started`, { exitCode, hint: `member logs are in ${c.paths.logDir}`, cause: err });
  }
}

/** How to wait for a local etcd cluster's health. */
export interface EtcdHealthWait {
  readonly members: readonly ManifestMember[];
  readonly timeoutMs: number;
  readonly progress?: Progress | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Called every round: a reason to give up at once, or undefined. */
  readonly failure?: () => string | undefined;
}

/** The verdict on one status model of a local etcd cluster. */
export interface EtcdHealthVerdict {
  readonly healthy: boolean;
  /** The leader's member id (its etcd name), when there is one. */
  readonly leader: string | undefined;
  readonly waitingFor: string;
}

/**
 * Healthy: every member of the manifest answers at its address, under its name, one of them
 * leads, and each says it is healthy (no alarm, error or lag). Pure.
 */
export function assessEtcdHealth(model: StatusModel, members: readonly ManifestMember[]): EtcdHealthVerdict {
  const rowAt = (m: ManifestMember) => model.members.find((r) => r.address === memberAddress(m));
  const silent = members.filter((m) => rowAt(m) === undefined || rowAt(m)!.role === 'unreachable').map((m) => m.id);
  if (silent.length > 0) return { healthy: false, leader: undefined, waitingFor: `${silent.join(', ')} to answer` };
  const leader = model.members.find((r) => r.role === 'leader')?.etcd?.name;
  if (leader === undefined || leader === '') return { healthy: false, leader: undefined, waitingFor: 'a leader to be elected' };
  const unnamed = members.find((m) => rowAt(m)!.etcd?.name !== m.id);
  if (unnamed !== undefined) return { healthy: false, leader, waitingFor: `the member at ${memberAddress(unnamed)} to be ${unnamed.id}` };
  // Each member's own verdict, not the cluster's: a one-member cluster can lose none, and is still up.
  const troubled = members.filter((m) => !rowAt(m)!.healthy).map((m) => `${m.id} (${rowAt(m)!.problem ?? 'unhealthy'})`);
  if (troubled.length > 0) return { healthy: false, leader, waitingFor: troubled.join(', ') };
  return { healthy: true, leader, waitingFor: '' };
}

/** Polls the members' status until `assessEtcdHealth` says healthy; a CliError (exit 3) on timeout. */
export async function waitEtcdHealthy(w: EtcdHealthWait): Promise<{ model: StatusModel; leader: string }> {
  const [client, { collectEtcdStatus }] = await Promise.all([localEtcdClient(w.members.map(memberAddress), 500), import('../../etcd/status.js')]);
  const deadline = Date.now() + w.timeoutMs;
  try {
    for (;;) {
      const failed = w.failure?.();
      if (failed) throw new CliError(failed);
      const model = await collectEtcdStatus(client, 500);
      const verdict = assessEtcdHealth(model, w.members);
      if (verdict.healthy) return { model, leader: verdict.leader! };
      (w.progress ?? SILENT_PROGRESS).update(`waiting for ${verdict.waitingFor}`);
      if (Date.now() > deadline) throw new CliError(`not healthy after ${Math.round(w.timeoutMs / 1000)}s: still waiting for ${verdict.waitingFor}`, { exitCode: EXIT.unavailable });
      await pause(50, w.signal);
    }
  } finally {
    client.close();
  }
}

/** The member that leads a running local etcd cluster (its id), if any answers within a second. */
export async function etcdLeaderOf(members: readonly ManifestMember[]): Promise<string | undefined> {
  const [client, { collectEtcdStatus }] = await Promise.all([localEtcdClient(members.map(memberAddress), 1_000), import('../../etcd/status.js')]);
  try {
    const model = await collectEtcdStatus(client, 1_000);
    return model.members.find((r) => r.role === 'leader')?.etcd?.name || undefined;
  } finally {
    client.close();
  }
}

/**
 * The one-shot status probe of local etcd members (no grpc-js, whose loading cost more than the
 * wait): a refused connection is opened afresh on the next poll, so a member coming up is seen at once.
 */
async function localEtcdClient(endpoints: readonly string[], timeoutMs: number): Promise<EtcdStatusProbe> {
  const { EtcdStatusProbe: Probe } = await import('../../../client/etcd/status-probe.js');
  return new Probe({ endpoints, timeoutMs });
}
