/**
 * `fleet scale --nodes N`: grows or shrinks a running local cluster one safe step at a time.
 *
 * Growing: each new member is recorded in the manifest as `joining`, started with `--join`,
 * added as a learner, and promoted once the leader sees it caught up — promotions one at a
 * time. Shrinking: one member at a time, never one whose removal would leave the voters
 * without a healthy majority, the leader only after handing leadership on; a removed member is
 * stopped after its removal commits. Every step leaves the manifest true to the cluster, so an
 * interrupted scale is finished by running it again.
 */
import { CLUSTER_LOCK_WAIT_MS, withClusterLock } from '../op-lock.js';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError, EXIT } from '../../../common/errors.js';
import type { ContextStore } from '../../../client/contexts.js';
import type { FleetClient, MemberStatus } from '../../../client/index.js';
import { previewChange, type ChangePreview } from '../../safety/gate.js';
import { waitCaughtUp } from '../../safety/catch-up.js';
import { emptiestZone } from '../../placement.js';
import { collectStatus } from '../../status.js';
import { localClient } from '../health.js';
import { operatorAccess, openCluster, requireFleetEngine, runningMembers, viewOf, type LocalCluster, type LocalClusterView } from '../cluster-state.js';
import { contextOf } from '../init.js';
import { launchMember, lastLogLine, type LaunchedMember } from '../launcher.js';
import { LOCAL_HOST, claimedPorts, memberAddress, memberDataDir, memberId, mkdirPrivate, writeManifest, type ClusterManifest, type ManifestMember } from '../manifest.js';
import { refreshScrapeConfig, withMetricsPorts } from '../monitoring.js';
import { probePort } from '../ports.js';
import { removePidFile } from '../pids.js';
import { MAX_NODES, MIN_NODES, chooseRemovals, removalRisk, transferTarget } from './scale-plan.js';
import { stopMembers } from '../shutdown.js';
import { SILENT_PROGRESS, type Progress } from '../wait.js';

/** How long a removed member gets to exit after SIGTERM (it may wait for clients' streams to close). */
const RETIRE_TIMEOUT_MS = 5_000;

/** What `fleet scale` was asked for. */
export interface ScaleOptions {
  readonly root: string;
  readonly name: string;
  readonly nodes: number;
  readonly contexts: ContextStore;
  /** Deadline of each step (a learner catching up, a transfer, a removed member exiting); default 60 s. */
  readonly timeoutMs?: number;
  readonly progress?: Progress;
  readonly signal?: AbortSignal;
  /**
   * The safety gate: shown the preview of the whole resize before anything changes; answers
   * whether to go on (false: a dry run, nothing changes) or throws to refuse. Without it, scale goes on.
   */
  readonly gate?: (preview: ChangePreview) => Promise<boolean>;
}

/** What `fleet scale` did (`previewed`: the gate stopped it before any change; `added`/`removed` are then the plan). */
export interface ScaleResult {
  readonly outcome: 'scaled' | 'unchanged' | 'previewed';
  readonly from: number;
  readonly to: number;
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly leader: string;
  readonly cluster: LocalClusterView;
  readonly elapsedMs: number;
}

/** One scale in progress: the cluster (whose manifest is replaced step by step) and its admin client. */
interface Scaling {
  c: LocalCluster;
  readonly client: FleetClient;
  readonly opts: ScaleOptions;
  readonly progress: Progress;
  readonly timeoutMs: number;
}

/** Scales a running local cluster to `nodes` members; see the file comment. */
export async function scaleCluster(opts: ScaleOptions): Promise<ScaleResult> {
  const { paths } = await openCluster(opts.root, opts.name);
  return withClusterLock(paths, 'fleet scale', CLUSTER_LOCK_WAIT_MS, () => scaleClusterLocked(opts));
}

async function scaleClusterLocked(opts: ScaleOptions): Promise<ScaleResult> {
  const t0 = Date.now();
  if (!Number.isInteger(opts.nodes) || opts.nodes < MIN_NODES || opts.nodes > MAX_NODES) {
    throw new CliError(`--nodes must be between ${MIN_NODES} and ${MAX_NODES} (got ${opts.nodes})`, { exitCode: EXIT.usage });
  }
  const c = await openCluster(opts.root, opts.name);
  requireFleetEngine(c, 'scale');
  await requireRunning(c);
  const client = await localClient({ endpoints: c.manifest.members.map(memberAddress), ...(await operatorAccess(c)), callTimeoutMs: 2_000, overallTimeoutMs: 20_000 });
  const s: Scaling = { c, client, opts, progress: opts.progress ?? SILENT_PROGRESS, timeoutMs: opts.timeoutMs ?? 60_000 };
  try {
    const from = c.manifest.members.length;
    if (opts.gate !== undefined) {
      const preview = await previewOf(s);
      if (!(await opts.gate(preview))) {
        const plan = preview.members;
        const ids = (part: string) => plan.filter((m) => m.part === part).map((m) => m.id);
        return { outcome: 'previewed', from, to: opts.nodes, added: ids('joining'), removed: ids('leaving'), leader: preview.before.leader ?? '', cluster: await viewOf(c), elapsedMs: Date.now() - t0 };
      }
    }
    await forgetRemoved(s);
    const added = await grow(s);
    const removed = await shrink(s);
    await opts.contexts.put(s.c.manifest.name, contextOf(s.c.manifest, s.c.paths));
    const leader = (await s.client.status()).id;
    const changed = added.length + removed.length > 0 || from !== s.c.manifest.members.length;
    return { outcome: changed ? 'scaled' : 'unchanged', from, to: s.c.manifest.members.length, added, removed, leader, cluster: await viewOf(s.c), elapsedMs: Date.now() - t0 };
  } finally {
    client.close();
  }
}

/** Every voter must run; a joining member left by an interrupted scale is started (or dropped) by this one. */
async function requireRunning(c: LocalCluster): Promise<void> {
  const running = await runningMembers(c);
  const down = c.manifest.members.filter((m) => m.state === 'voter' && !running.some((r) => r.member.id === m.id)).map((m) => m.id);
  if (down.length > 0) {
    throw new CliError(`${down.join(', ')} of ${c.manifest.name} ${down.length === 1 ? 'is' : 'are'} not running; scaling needs every member up`, {
      exitCode: EXIT.precondition,
      hint: `fleet up --name ${c.manifest.name} first`,
    });
  }
}

/**
 * The whole resize as the safety gate sees it: the joining members and the new ones it adds,
 * the members `shrink` would remove (joining first, then the newest voters, the leader last).
 */
async function previewOf(s: Scaling): Promise<ChangePreview> {
  const model = await collectStatus(s.client, async () => []);
  const inCluster = new Set(model.members.filter((m) => m.voter !== null).map((m) => m.id));
  const members = s.c.manifest.members.filter((m) => m.state === 'joining' || inCluster.has(m.id));
  const grow = s.opts.nodes - members.length;
  const remove = grow < 0 ? chooseRemovals(members, model.leader ?? undefined, -grow) : [];
  const fresh = Array.from({ length: Math.max(0, grow) }, (_, i) => memberId(s.c.manifest.nextMember + i));
  const add = [...members.filter((m) => m.state === 'joining').map((m) => m.id), ...fresh].filter((id) => !remove.includes(id));
  return previewChange(model, { kind: 'resize', add, remove, ...placementOfNewcomers(s.c.manifest, members, fresh) });
}

/** Where the members a resize adds will run: joining ones where the manifest put them, new ones as `withNewMember` will. */
function placementOfNewcomers(manifest: ClusterManifest, members: readonly ManifestMember[], fresh: readonly string[]): { zones: Record<string, string>; regions: Record<string, string> } {
  const zones: Record<string, string> = {};
  const regions: Record<string, string> = {};
  for (const m of members) {
    if (m.state !== 'joining') continue;
    if (m.zone) zones[m.id] = m.zone;
    if (m.region) regions[m.id] = m.region;
  }
  const placed = manifest.members.map((m) => m.zone);
  for (const id of fresh) {
    const slot = emptiestZone(manifest.zones ?? [], placed);
    if (slot === undefined) break;
    zones[id] = slot.zone;
    regions[id] = slot.region;
    placed.push(slot.zone);
  }
  return { zones, regions };
}

async function saveManifest(s: Scaling, manifest: ClusterManifest): Promise<void> {
  await writeManifest(s.c.paths.manifest, manifest);
  await refreshScrapeConfig(manifest, s.c.paths);
  s.c = { ...s.c, manifest };
}

/** Voters in the manifest that the cluster no longer has were removed by a scale that was interrupted: finish the job. */
async function forgetRemoved(s: Scaling): Promise<void> {
  const leader = await s.client.status();
  const gone = s.c.manifest.members.filter((m) => m.state === 'voter' && !leader.members.some((x) => x.id === m.id));
  for (const m of gone) await retire(s, m);
}

// ---------------------------------------------------------------------------------------------
// Growing
// ---------------------------------------------------------------------------------------------

async function grow(s: Scaling): Promise<string[]> {
  const want = s.opts.nodes - s.c.manifest.members.length;
  for (let i = 0; i < want; i++) await saveManifest(s, await withNewMember(s.c.manifest, s.opts.root));
  const joining = s.c.manifest.members.filter((m) => m.state === 'joining');
  if (joining.length === 0 || s.opts.nodes < s.c.manifest.members.length) return [];
  const launched: LaunchedMember[] = [];
  for (const m of joining) launched.push(...(await startLearner(s, m)));
  for (const m of joining) {
    s.opts.signal?.throwIfAborted();
    await awaitLearner(s, m, launched);
    s.progress.update(`promoting ${m.id} to voter`);
    await s.client.promoteMember(m.id);
    await saveManifest(s, { ...s.c.manifest, members: s.c.manifest.members.map((x) => (x.id === m.id ? { ...x, state: 'voter' as const } : x)) });
  }
  return joining.map((m) => m.id);
}

/** The manifest with one more member, `joining`, on the first free port from its natural one. */
async function withNewMember(manifest: ClusterManifest, root: string): Promise<ClusterManifest> {
  const id = memberId(manifest.nextMember);
  const used = new Set([...manifest.members.flatMap((m) => [m.port, m.metricsPort ?? m.port]), ...(await claimedPorts(root)).keys()]);
  let port = manifest.basePort + manifest.nextMember - 1;
  for (let tries = 0; used.has(port) || !(await probePort(LOCAL_HOST, port)).free; tries++) {
    if (tries >= 100 || port >= 65_535) throw new CliError(`no free port for ${id} from ${manifest.basePort + manifest.nextMember - 1} on`);
    port++;
  }
  const place = emptiestZone(manifest.zones ?? [], manifest.members.map((m) => m.zone));
  const member: ManifestMember = { id, port, dataDir: memberDataDir(manifest.dataDir, id), state: 'joining', ...place };
  return withMetricsPorts({ ...manifest, members: [...manifest.members, member], nextMember: manifest.nextMember + 1 }, root, new Set([id]));
}

/**
 * Starts a joining member (if it is not running) and adds it as a learner (if it is not one).
 * Its member list is seeded with the current members' addresses, because `--join` alone
 * does not tell it where the leader is.
 */
async function startLearner(s: Scaling, m: ManifestMember): Promise<LaunchedMember[]> {
  const leader = await s.client.status();
  const launched: LaunchedMember[] = [];
  if (!(await runningMembers(s.c)).some((r) => r.member.id === m.id)) {
    s.progress.update(`starting ${m.id} on ${memberAddress(m)}`);
    await mkdirPrivate(m.dataDir);
    await seedMemberList(m.dataDir, leader);
    for (const dir of [s.c.paths.runDir, s.c.paths.logDir]) await mkdirPrivate(dir);
    launched.push(await launchMember(s.c.manifest, m, s.c.paths));
  }
  if (!leader.members.some((x) => x.id === m.id)) {
    s.progress.update(`adding ${m.id} as a learner`);
    await s.client.addMember(m.id, memberAddress(m), { learner: true });
  }
  return launched;
}

/** Writes `members.json` (id → address), the file the member's storage keeps the member list in. */
async function seedMemberList(dataDir: string, leader: MemberStatus): Promise<void> {
  const list = Object.fromEntries(leader.members.filter((x) => x.address).map((x) => [x.id, x.address]));
  await writeFile(join(dataDir, 'members.json'), JSON.stringify(list, null, 2));
}

/** Waits until learner `m` has caught up; a member that exits, or a deadline passed, ends the scale (resumable). */
async function awaitLearner(s: Scaling, m: ManifestMember, launched: readonly LaunchedMember[]): Promise<void> {
  const check = () => {
    const dead = launched.find((l) => l.id === m.id && l.exit !== undefined);
    if (dead) throw new CliError(`${m.id} exited (${dead.exit}) while catching up${tail(s, m.id)}`, { hint: `fleet scale --nodes ${s.opts.nodes} --name ${s.c.manifest.name} again resumes` });
  };
  const outcome = await waitCaughtUp(s.client, m.id, { timeoutMs: s.timeoutMs, signal: s.opts.signal, check, everyMs: 50, onProgress: (line) => s.progress.update(line) });
  if (!outcome.caughtUp) {
    throw new CliError(`${outcome.reason}${tail(s, m.id)}`, { exitCode: EXIT.unavailable, hint: `it stays a learner; fleet scale again resumes, fleet scale --nodes ${s.c.manifest.members.length - 1} drops it` });
  }
}

function tail(s: Scaling, id: string): string {
  const line = lastLogLine(s.c.paths.logFile(id));
  return line ? `: ${line}` : '';
}

// ---------------------------------------------------------------------------------------------
// Shrinking
// ---------------------------------------------------------------------------------------------

async function shrink(s: Scaling): Promise<string[]> {
  const removed: string[] = [];
  while (s.c.manifest.members.length > s.opts.nodes) {
    s.opts.signal?.throwIfAborted();
    const leader = await s.client.status();
    const [id] = chooseRemovals(s.c.manifest.members, leader.id, 1);
    await removeOne(s, s.c.manifest.members.find((m) => m.id === id)!, leader);
    removed.push(id!);
  }
  return removed;
}

async function removeOne(s: Scaling, m: ManifestMember, leader: MemberStatus): Promise<void> {
  if (leader.members.some((x) => x.id === m.id)) {
    const risk = removalRisk(leader, m.id);
    if (risk) throw new CliError(risk, { exitCode: EXIT.precondition, hint: 'wait until every member is healthy (fleet status), then scale again' });
    if (leader.id === m.id) {
      const to = transferTarget(leader, new Set([m.id]));
      if (!to) throw new CliError(`${m.id} leads and no healthy voter can take over`, { exitCode: EXIT.precondition });
      s.progress.update(`handing leadership from ${m.id} to ${to}`);
      await s.client.transferLeader(to);
    }
    s.progress.update(`removing ${m.id}`);
    await s.client.removeMember(m.id);
  }
  await retire(s, m);
}

/** Stops a member that is no longer in the cluster, forgets it in the manifest, and removes its files. */
async function retire(s: Scaling, m: ManifestMember): Promise<void> {
  s.progress.update(`stopping ${m.id}`);
  const running = (await runningMembers(s.c)).filter((r) => r.member.id === m.id);
  // It is out of the cluster already, so SIGKILL loses nothing: do not wait long for it.
  await stopMembers(running, undefined, { timeoutMs: Math.min(s.timeoutMs, RETIRE_TIMEOUT_MS) });
  await saveManifest(s, { ...s.c.manifest, members: s.c.manifest.members.filter((x) => x.id !== m.id) });
  await removePidFile(s.c.paths.pidFile(m.id));
  await rm(m.dataDir, { recursive: true, force: true });
}
