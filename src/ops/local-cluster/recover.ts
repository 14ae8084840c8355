/**
 * `fleet recover --from ID`: a local cluster whose majority is permanently gone becomes a
 * one-member cluster of its survivor (src/ops/recover.ts does the data), then `fleet scale`
 * grows it back.
 *
 * It stops nothing that answers but the survivor itself: it refuses (exit 4) while a quorum
 * of voters answers, and while any other member answers (it would go on as the old cluster).
 * Members whose process runs but does not answer (hung, paused) are stopped: they are dropped.
 */
import { CLUSTER_LOCK_WAIT_MS, withClusterLock } from './op-lock.js';
import { CliError, EXIT } from '../../common/errors.js';
import type { ContextStore } from '../../client/contexts.js';
import { planRecovery, recoverDataDir, type RecoveryOutcome, type RecoveryPlan } from '../recover.js';
import { operatorAccess, operatorTls, openCluster, requireFleetEngine, runningMembers, viewOf, type LocalClusterView } from './cluster-state.js';
import { probeStatuses, waitHealthy } from './health.js';
import { contextOf } from './init.js';
import { lastLogLine, launchMember, type LaunchedMember } from './launcher.js';
import { memberAddress, mkdirPrivate, writeManifest, type ClusterManifest } from './manifest.js';
import { removePidFile } from './pids.js';
import { stopMembers } from './shutdown.js';
import { SILENT_PROGRESS, type Progress } from './wait.js';

/** What `fleet recover` was asked for. */
export interface RecoverOptions {
  readonly root: string;
  readonly name: string;
  readonly from: string;
  /** Without it nothing changes: the plan is returned (`outcome: 'needs-confirmation'`). */
  readonly yes: boolean;
  /** Keep the entries after the survivor's commit index too (etcd --force-new-cluster): see RecoveryOptions. */
  readonly keepUncommitted?: boolean;
  readonly contexts: ContextStore;
  /** Deadline for the survivor to stop, and to be healthy again. Default 30 s. */
  readonly timeoutMs?: number;
  readonly progress?: Progress;
  readonly signal?: AbortSignal;
}

/** What `fleet recover` did. */
export interface RecoverResult {
  readonly outcome: 'recovered' | 'needs-confirmation';
  readonly plan: RecoveryPlan;
  /** Set once recovered. */
  readonly movedAside: string | null;
  readonly droppedFile: string | null;
  /** Members whose hung processes were stopped. */
  readonly stopped: readonly string[];
  readonly leader: string | null;
  readonly cluster: LocalClusterView;
  readonly elapsedMs: number;
}

/** Recovers local cluster `name` from member `from`; see the file comment. */
export async function recoverLocalCluster(opts: RecoverOptions): Promise<RecoverResult> {
  const { paths } = await openCluster(opts.root, opts.name);
  return withClusterLock(paths, 'fleet recover', CLUSTER_LOCK_WAIT_MS, () => recoverLocalClusterLocked(opts));
}

async function recoverLocalClusterLocked(opts: RecoverOptions): Promise<RecoverResult> {
  const t0 = Date.now();
  const progress = opts.progress ?? SILENT_PROGRESS;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const c = await openCluster(opts.root, opts.name);
  requireFleetEngine(c, 'recover');
  const survivor = c.manifest.members.find((m) => m.id === opts.from);
  if (survivor === undefined) {
    throw new CliError(`${opts.from} is not a member of ${c.manifest.name} (members: ${c.manifest.members.map((m) => m.id).join(', ')})`, { exitCode: EXIT.usage });
  }
  progress.update('asking every member for its status');
  const access = await operatorAccess(c).catch(() => ({ token: '', tls: operatorTls(c) }));
  const statuses = await probeStatuses(c.manifest.members.map(memberAddress), access);
  const answering = new Set(statuses.filter((s) => s.ok || s.reachable).map((s) => c.manifest.members.find((m) => memberAddress(m) === s.endpoint)?.id).filter((id): id is string => id !== undefined));
  const voters = c.manifest.members.filter((m) => m.state === 'voter');
  const quorum = Math.floor(voters.length / 2) + 1;
  const answeringVoters = voters.filter((m) => answering.has(m.id)).map((m) => m.id);
  if (answeringVoters.length >= quorum) {
    throw new CliError(`a quorum of ${c.manifest.name} answers (${answeringVoters.join(', ')} of ${voters.length} voters): recover is only for a cluster whose majority is permanently gone`, {
      exitCode: EXIT.precondition,
      code: 'QUORUM_AVAILABLE',
      hint: 'remove or replace lost members with fleet scale or fleet members remove/add instead',
    });
  }
  const others = [...answering].filter((id) => id !== opts.from);
  const running = await runningMembers(c);
  if (others.length > 0) {
    const lastIndex = new Map(statuses.flatMap((s) => (s.ok ? [[s.status.id, s.status.lastIndex] as const] : [])));
    const logs = [opts.from, ...others].map((id) => `${id} ${lastIndex.get(id) ?? '?'}`).join(', ');
    const pids = running.filter((r) => others.includes(r.member.id)).map((r) => `${r.member.id} pid ${r.pid}`).join(', ');
    throw new CliError(`${others.join(', ')} still ${others.length === 1 ? 'answers' : 'answer'}: recovering from ${opts.from} would leave ${others.length === 1 ? 'it' : 'them'} running as the old cluster`, {
      exitCode: EXIT.precondition,
      code: 'MEMBERS_ANSWER',
      hint: `recover from the member with the most advanced log (last index: ${logs}); stop the others first${pids ? ` (${pids})` : ''}: they are dropped`,
    });
  }
  const survivorRunning = running.find((r) => r.member.id === opts.from);
  progress.update(`reading ${opts.from}'s log`);
  const keep = { keepUncommitted: opts.keepUncommitted === true };
  const plan = await planRecovery(survivor.dataDir, opts.from, { ...keep, live: survivorRunning !== undefined });
  if (!opts.yes) {
    return { outcome: 'needs-confirmation', plan, movedAside: null, droppedFile: null, stopped: [], leader: null, cluster: await viewOf(c), elapsedMs: Date.now() - t0 };
  }
  opts.signal?.throwIfAborted();
  // Every process of the cluster stops: the survivor so that its data can be rewritten, the rest (not answering) because they are dropped.
  progress.update(`stopping ${running.map((r) => r.member.id).join(', ') || 'nothing'}`);
  const report = await stopMembers(running, undefined, { timeoutMs });
  for (const r of running) await removePidFile(c.paths.pidFile(r.member.id));
  progress.update(`rebuilding ${opts.from} as the only member`);
  const outcome: RecoveryOutcome = await recoverDataDir(survivor.dataDir, opts.from, keep);
  const manifest: ClusterManifest = { ...c.manifest, members: [{ ...survivor, state: 'voter' }] };
  await writeManifest(c.paths.manifest, manifest);
  const after = { manifest, paths: c.paths };
  await opts.contexts.put(manifest.name, contextOf(manifest, c.paths));
  for (const dir of [c.paths.runDir, c.paths.logDir]) await mkdirPrivate(dir);
  progress.update(`starting ${opts.from}`);
  const launched: LaunchedMember = await launchMember(manifest, manifest.members[0]!, c.paths);
  const health = await waitHealthy({
    members: new Map([[memberAddress(survivor), survivor.id]]),
    ...(await operatorAccess(after)),
    timeoutMs,
    progress,
    signal: opts.signal,
    failure: () => (launched.exit === undefined ? undefined : `${survivor.id} exited (${launched.exit})${tail(c.paths.logFile(survivor.id), launched.logFrom)}`),
  }).catch((err: Error) => {
    throw new CliError(`${survivor.id} was recovered but did not become healthy: ${err.message}`, {
      cause: err,
      hint: `its old data is in ${outcome.movedAside}; its log is ${c.paths.logFile(survivor.id)}; fleet up --name ${manifest.name} tries again`,
    });
  });
  const stopped = [...report.stopped, ...report.killed].filter((id) => id !== opts.from);
  return { outcome: 'recovered', plan: outcome.plan, movedAside: outcome.movedAside, droppedFile: outcome.droppedFile, stopped, leader: health.leader, cluster: await viewOf(after), elapsedMs: Date.now() - t0 };
}

function tail(file: string, from: number): string {
  const line = lastLogLine(file, undefined, from);
  return line ? `: ${line}` : '';
}
