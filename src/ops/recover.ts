/**
 * Disaster recovery after quorum loss (`fleet node recover`, `fleet recover`): rebuild a
 * one-member cluster from one surviving member's data, the way `etcd --force-new-cluster` and
 * Consul's peers.json do — but with a report first.
 *
 * The survivor's registry is rebuilt as of its commit index (every entry up to it was committed
 * for certain; entries after it may or may not have been), written as a snapshot whose
 * membership is the survivor alone, and the data dir is re-seeded from that snapshot the way
 * `fleet snapshot restore` seeds one. The old data dir is moved aside, never deleted, and what
 * was dropped (the entries after the commit index, the members removed) is written to a JSON
 * file next to it.
 *
 * The report is computed on a copy of the log, so planning changes nothing, even while the
 * member still runs; the recovery itself needs the member stopped (its LOCK free).
 */
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { CliError, EXIT } from '../common/errors.js';
import { decodeCommand, type RegistryCounts } from '../core/fleet/index.js';
import { isAppEntry, isEtcdEntry, splitImage } from '../core/app-format.js';
import { applyOffline, offlineImage, offlineState } from '../core/node/state/offline-state.js';
import { applyConfChange, decodeConfChange, type ConfState, type Entry, type SnapshotMeta } from '../core/raft/index.js';
import { openNodeStorage } from '../core/server/storage-adapter.js';
import { RaftStorage } from '../core/storage/index.js';

/** The member's Raft storage inside its data dir (storage-adapter.ts). */
const RAFT_DIR = 'raft';
/** Files of a data dir that describe the old cluster's log and membership: not carried over. */
const NOT_CARRIED = new Set([RAFT_DIR, 'raft.held', 'members.json']);

/** One entry after the commit index, as the report and the dropped-entries file show it. */
export interface UncommittedEntry {
  readonly index: number;
  readonly term: number;
  readonly type: Entry['type'];
  /** A readable summary: the command's type (normal), the change (conf-change). */
  readonly summary: string;
  /** The entry's data, base64 (in the dropped-entries file only). */
  readonly data?: string;
}

/** What a recovery from one member's data will keep and drop. */
export interface RecoveryPlan {
  readonly id: string;
  readonly dataDir: string;
  /** The member's current term (its hard state). */
  readonly term: number;
  /** The last entry it holds. */
  readonly lastIndex: number;
  readonly lastTerm: number;
  /** Its commit index: entries up to it were committed for certain and are kept. */
  readonly commitIndex: number;
  readonly commitTerm: number;
  /** Its newest snapshot's index (0 if none). */
  readonly snapshotIndex: number;
  /** What the new cluster starts from: through the commit index, or (`keepUncommitted`) every entry held. */
  readonly kept: { readonly throughIndex: number; readonly term: number; readonly uncommitted: boolean };
  /** Entries after the commit index: they may not have been committed; dropped unless `kept.uncommitted`. */
  readonly uncommitted: { readonly count: number; readonly fromIndex: number | null; readonly toIndex: number | null; readonly entries: readonly UncommittedEntry[] };
  /** The membership as of the kept index, and as the whole log (committed or not) has it. */
  readonly membership: { readonly voters: readonly string[]; readonly learners: readonly string[] };
  readonly logMembership: { readonly voters: readonly string[]; readonly learners: readonly string[] };
  /** Members dropped from the cluster: everyone but `id`. */
  readonly dropped: readonly string[];
  /** The membership afterwards. */
  readonly after: { readonly voters: readonly string[]; readonly learners: readonly string[] };
  /** What the registry holds as of the kept index. */
  readonly counts: RegistryCounts;
  /** True when computed while the member was running (from a copy of its log): the final figures are computed again once it is stopped. */
  readonly live: boolean;
}

/** What a recovery did. */
export interface RecoveryOutcome {
  readonly plan: RecoveryPlan;
  /** Where the old data dir was moved. */
  readonly movedAside: string;
  /** The JSON file of what was dropped. */
  readonly droppedFile: string;
}

/** A plan and what executing it needs. */
interface Prepared {
  readonly plan: RecoveryPlan;
  readonly image: Uint8Array;
  readonly uncommittedData: readonly Entry[];
}

/** How a recovery is planned. */
export interface RecoveryOptions {
  /**
   * Keep (and commit) the entries after the commit index too, as etcd --force-new-cluster does:
   * none that was acknowledged is lost, but some that never committed take effect.
   */
  readonly keepUncommitted?: boolean;
}

const SILENT = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

/**
 * Computes the report for recovering member `id` from `dataDir`, changing nothing. `live`: the
 * member may be running (its log is read from a copy); otherwise a running member is refused.
 */
export async function planRecovery(dataDir: string, id: string, opts: RecoveryOptions & { readonly live?: boolean } = {}): Promise<RecoveryPlan> {
  return (await prepare(dataDir, id, opts.live === true, opts.keepUncommitted === true)).plan;
}

/**
 * Recovers member `id` from its stopped data dir: moves the dir aside, writes what is dropped
 * next to it, and seeds `dataDir` anew with the registry as of the commit index as the only
 * member of a new cluster.
 */
export async function recoverDataDir(dataDir: string, id: string, opts: RecoveryOptions = {}): Promise<RecoveryOutcome> {
  const prepared = await prepare(dataDir, id, false, opts.keepUncommitted === true);
  const { plan } = prepared;
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const movedAside = `${dataDir}.pre-recover-${stamp}`;
  const droppedFile = `${dataDir}.recover-${stamp}.json`;
  const dropped = {
    recovered: new Date().toISOString(),
    member: id,
    dataDir,
    movedAside,
    commitIndex: plan.commitIndex,
    kept: plan.kept,
    droppedMembers: plan.dropped,
    membershipBefore: plan.logMembership,
    membershipAfter: plan.after,
    droppedEntries: plan.kept.uncommitted ? [] : prepared.uncommittedData.map((e) => ({ ...describeEntry(e), data: Buffer.from(e.data).toString('base64') })),
    keptUncommittedEntries: plan.kept.uncommitted ? plan.uncommitted.entries : [],
  };
  await writeFile(droppedFile, `${JSON.stringify(dropped, null, 2)}\n`, { mode: 0o600 });
  await rename(dataDir, movedAside);
  try {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    for (const name of await readdir(movedAside)) {
      if (!NOT_CARRIED.has(name)) await cp(join(movedAside, name), join(dataDir, name), { recursive: true });
    }
    const meta: SnapshotMeta = { index: plan.kept.throughIndex, term: plan.kept.term, conf: { voters: [id], learners: [] } };
    const storage = await openNodeStorage(dataDir, SILENT, () => undefined);
    try {
      await storage.installSnapshot(meta, prepared.image);
      await storage.persist({ hardState: { term: Math.max(plan.term, meta.term), vote: '', commit: meta.index }, entries: [] }, true);
    } finally {
      await storage.close();
    }
  } catch (err) {
    // Put the member's data back as it was: a half-seeded dir must never be started.
    await rm(dataDir, { recursive: true, force: true });
    await rename(movedAside, dataDir);
    throw new CliError(`recovering ${id} failed, ${dataDir} is as it was: ${(err as Error).message}`, { cause: err });
  }
  return { plan, movedAside, droppedFile };
}

async function prepare(dataDir: string, id: string, live: boolean, keepUncommitted: boolean): Promise<Prepared> {
  const raftDir = join(dataDir, RAFT_DIR);
  const found = await stat(dataDir).catch(() => undefined);
  if (!found?.isDirectory()) throw new CliError(`${dataDir} is not a directory`, { exitCode: EXIT.precondition, code: 'NO_DATA' });
  if (!RaftStorage.holdsLog(raftDir)) {
    throw new CliError(`${dataDir} holds no Raft log (${raftDir} has no WAL or snapshot): nothing to recover from`, { exitCode: EXIT.precondition, code: 'NO_DATA' });
  }
  const holder = await lockHolder(raftDir);
  if (holder !== undefined && !live) {
    throw new CliError(`a running process (pid ${holder}) has ${dataDir} open: recover works on a stopped member's data`, {
      exitCode: EXIT.precondition,
      code: 'MEMBER_RUNNING',
      hint: 'stop the member first (it cannot serve anyway without a quorum), then run this again',
    });
  }
  const copy = await mkdtemp(join(tmpdir(), 'fleet-recover-'));
  try {
    await cp(raftDir, join(copy, RAFT_DIR), {
      recursive: true,
      filter: (src) => !['LOCK', 'next.wal.tmp'].includes(basename(src)) && !src.endsWith('.deleting') && !src.endsWith('.tmp'),
    });
    return await readPlan(join(copy, RAFT_DIR), dataDir, id, holder !== undefined, keepUncommitted);
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
}

async function readPlan(raftDir: string, dataDir: string, id: string, live: boolean, keepUncommitted: boolean): Promise<Prepared> {
  const opened = await RaftStorage.open(raftDir, { preallocate: false }).catch((err: Error) => {
    throw new CliError(`cannot read the log in ${dataDir}: ${err.message}`, { exitCode: EXIT.precondition, code: 'BAD_DATA', cause: err });
  });
  try {
    const { hardState, snapshot, entries } = opened;
    const snapIndex = snapshot?.meta.index ?? 0;
    const last = entries[entries.length - 1];
    const lastIndex = last?.index ?? snapIndex;
    const lastTerm = last?.term ?? snapshot?.meta.term ?? 0;
    const commitIndex = Math.min(Math.max(hardState.commit, snapIndex), lastIndex);
    const imageBytes = snapshot ? await snapshot.read() : undefined;
    // The etcd keyspace is the member's own and is rebuilt with the registry; an application's state is not ours to apply.
    const embedded = (imageBytes !== undefined && splitImage(imageBytes).app !== undefined) || entries.some((e) => e.type === 'normal' && isAppEntry(e.data) && !isEtcdEntry(e.data));
    if (embedded) {
      throw new CliError(`${dataDir} holds an embedding application's state (fleet/embed) beside the registry, which fleet recover cannot rebuild: restore the member from another member's snapshot instead`, {
        exitCode: EXIT.precondition,
        code: 'EMBEDDED_STATE',
      });
    }
    const state = await offlineState(imageBytes);
    let conf: ConfState = snapshot?.meta.conf ?? { voters: [], learners: [] };
    const keptThrough = keepUncommitted ? lastIndex : commitIndex;
    let commitTerm = snapshot?.meta.term ?? 0;
    let keptTerm = commitTerm;
    let logConf = conf;
    const uncommittedData: Entry[] = [];
    for (const e of entries) {
      if (e.type === 'conf-change') logConf = applyConfChange(logConf, decodeConfChange(e.data)) ?? logConf;
      if (e.index > commitIndex) uncommittedData.push(e);
      else commitTerm = e.term;
      if (e.index > keptThrough) continue;
      keptTerm = e.term;
      if (e.index <= state.appliedIndex) continue;
      applyOffline(state, e);
      if (e.type === 'conf-change') conf = applyConfChange(conf, decodeConfChange(e.data)) ?? conf;
    }
    if (commitIndex === 0) throw new CliError(`${dataDir} has no committed entry: there is nothing to recover`, { exitCode: EXIT.precondition, code: 'NO_DATA' });
    const known = new Set([...conf.voters, ...conf.learners, ...logConf.voters, ...logConf.learners]);
    if (!known.has(id)) {
      throw new CliError(`${id} is not a member in the log of ${dataDir} (members: ${[...known].sort().join(', ') || 'none'}): is this the right data dir and id?`, {
        exitCode: EXIT.precondition,
        code: 'NOT_A_MEMBER',
      });
    }
    const shown = uncommittedData.map(describeEntry);
    const plan: RecoveryPlan = {
      id,
      dataDir,
      term: hardState.term,
      lastIndex,
      lastTerm,
      commitIndex,
      commitTerm,
      snapshotIndex: snapIndex,
      kept: { throughIndex: keptThrough, term: keptTerm, uncommitted: keepUncommitted && uncommittedData.length > 0 },
      uncommitted: { count: shown.length, fromIndex: shown[0]?.index ?? null, toIndex: shown[shown.length - 1]?.index ?? null, entries: shown },
      membership: { voters: [...conf.voters], learners: [...conf.learners] },
      logMembership: { voters: [...logConf.voters], learners: [...logConf.learners] },
      dropped: [...known].filter((m) => m !== id).sort(),
      after: { voters: [id], learners: [] },
      counts: state.sm.counts(),
      live,
    };
    return { plan, image: offlineImage(state), uncommittedData };
  } finally {
    await opened.storage.close();
  }
}

function describeEntry(e: Entry): UncommittedEntry {
  return { index: e.index, term: e.term, type: e.type, summary: summarize(e) };
}

function summarize(e: Entry): string {
  try {
    if (e.type === 'conf-change') {
      const cc = decodeConfChange(e.data);
      return `${cc.type} ${cc.node}`;
    }
    if (e.type === 'noop') return 'no-op';
    const op = decodeCommand(e.data).op as { type?: unknown };
    return typeof op.type === 'string' ? op.type : 'command';
  } catch {
    return 'undecodable';
  }
}

/** The pid in a storage dir's LOCK if that process still runs (lock-file.ts writes `<pid> …`). */
async function lockHolder(raftDir: string): Promise<number | undefined> {
  const text = await readFile(join(raftDir, 'LOCK'), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const pid = Number.parseInt(text.split(' ')[0] ?? '', 10);
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}
