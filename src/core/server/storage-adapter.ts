import { existsSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NodeLogger } from '../node/fleet-node.js';
import { holdsNoPromise, type NodeStorage } from '../node/storage-port.js';
import { recordDataFormat, refuseNewerDataFormat } from './data-format.js';
import { foundingDone, isBeingFounded, markFounding } from './founding.js';
import { PRIVATE_FILES, RaftStorage, StorageFullError, isDiskFull, writePrivateFileDurablySync } from '../storage/index.js';
import type { StorageIo } from '../storage/index.js';

const MEMBERS_FILE = 'members.json';
const RAFT_DIR = 'raft';
/**
 * Written beside raft/ once the storage has been opened there, and never removed: a data dir
 * that has it but whose raft/ holds no log lost this member's state (its votes, the entries it
 * acknowledged), whatever else is left in it.
 */
const HELD_STATE_FILE = 'raft.held';

/**
 * This data dir held the member's Raft state and no longer does (raft/, or its WAL, was
 * deleted). Opening it as new would forget votes and acknowledged entries: refused.
 */
export class MemberStateLostError extends Error {
  override readonly name = 'MemberStateLostError';

  constructor(readonly dataDir: string) {
    super(
      `${dataDir} held this member's Raft state (${HELD_STATE_FILE} says so) but ${join(dataDir, RAFT_DIR)} holds no log any more: ` +
        `the votes and entries it acknowledged are lost, and starting it afresh could elect two leaders in one term or lose committed writes, ` +
        `so it will not start. Re-seed it from the cluster: fleet members remove <id>; move ${dataDir} aside; ` +
        `fleet members add <id> <address> --learner; start it with --join on an empty data dir; fleet members promote <id> once it has caught up`,
    );
  }
}

/**
 * Opens a member's data dir with the storage engine and presents it as the node's storage
 * port. The member list (addresses of members that joined after founding) lives beside the
 * log, since snapshots record member ids but not addresses.
 */
export async function openNodeStorage(
  dataDir: string,
  logger: NodeLogger,
  onFsync: (seconds: number) => void,
  version = '',
  io?: StorageIo,
  opts: { readonly founding?: boolean } = {},
): Promise<NodeStorage & { abandon(): void }> {
  const raftDir = join(dataDir, RAFT_DIR);
  // Before anything is opened: a newer build's log must not be read as damage (data-format.ts).
  refuseNewerDataFormat(dataDir, version);
  const heldPath = join(dataDir, HELD_STATE_FILE);
  // The node subscribes once it starts; the storage refuses nothing before then (opening has its own error).
  const outOfSpace: OutOfSpaceListener = { listener: () => undefined };
  // Checked before opening, which would create a new, empty log.
  if (existsSync(heldPath) && !RaftStorage.holdsLog(raftDir)) throw new MemberStateLostError(dataDir);
  // Before the first file of a new member's state: a stop before that state is durable must not
  // make the same command line refuse to found it (founding.ts).
  if (opts.founding === true && !existsSync(raftDir) && !existsSync(heldPath)) markFounding(dataDir);
  const founding = new Founding(dataDir, logger, isBeingFounded(dataDir));
  const opened = await RaftStorage.open(raftDir, {
    ...(io === undefined ? {} : { io }),
    onFsync,
    // A damaged log is rebuilt from the peers (protocol-aware repair), not refused.
    onDamage: 'repair',
    onOutOfSpace: (err) => outOfSpace.listener(err),
    logger: {
      info: (msg, fields) => logger.info(fields ?? {}, msg),
      warn: (msg, fields) => logger.warn(fields ?? {}, msg),
      error: (msg, fields) => logger.error(fields ?? {}, msg),
    },
  });
  await markStateHeld(dataDir, heldPath, version, opened.storage);
  const repair = logRecovery(logger, opened);
  // A term alone is no state: a founding start killed between its hard state and its first
  // entries is still one being founded.
  if (founding.pending && !holdsNoPromise(opened)) founding.settle();
  return storagePort(opened, repair, join(dataDir, MEMBERS_FILE), founding, outOfSpace);
}

/** Where the storage's refusals for want of space go: nowhere until the node subscribes. */
interface OutOfSpaceListener {
  listener: (err: Error) => void;
}

type Opened = Awaited<ReturnType<typeof RaftStorage.open>>;
/** The damage as the member reports it: its file relative to the data dir, not to raft/. */
type Repair = NonNullable<Opened['report']['repairing']>;

/** Whether the data dir is still being founded (founding.ts), until the member holds Raft state on disk. */
class Founding {
  constructor(
    private readonly dataDir: string,
    private readonly logger: NodeLogger,
    public pending: boolean,
  ) {}

  /** Once the member holds Raft state on disk, it is no longer a data dir being founded. */
  settle(): void {
    this.pending = false;
    try {
      foundingDone(this.dataDir);
    } catch (err) {
      this.logger.warn({ err }, 'could not remove the founding mark; the member holds Raft state, which rules');
    }
  }
}

/** Writes HELD_STATE_FILE (once) and the data format beside the opened log; closes the storage if either fails. */
async function markStateHeld(dataDir: string, heldPath: string, version: string, storage: Opened['storage']): Promise<void> {
  try {
    if (!existsSync(heldPath)) {
      writePrivateFileDurablySync(heldPath, `${JSON.stringify({ since: new Date().toISOString(), meaning: `this data dir holds a member's Raft state in ${RAFT_DIR}/; without it the member lost that state and must be re-seeded` })}\n`);
    }
    recordDataFormat(dataDir, version);
  } catch (err) {
    await storage.close();
    if (isDiskFull(err)) throw new StorageFullError(err.path ?? dataDir, { cause: err });
    throw err;
  }
}

/** Logs what recovery found; answers the repair under way, if any, with its files relative to the data dir. */
function logRecovery(logger: NodeLogger, opened: Opened): Repair | undefined {
  const { report } = opened;
  if (report.tornTailBytes > 0 || report.truncatedAt) {
    logger.warn({ tornTailBytes: report.tornTailBytes, truncatedAt: report.truncatedAt }, 'recovery truncated a torn log tail');
  }
  const repair = report.repairing && { ...report.repairing, file: join(RAFT_DIR, report.repairing.file), setAside: report.repairing.setAside.map((f) => join(RAFT_DIR, f)) };
  if (repair) {
    logger.warn(
      repair,
      `repairing a damaged log: ${repair.file} is damaged at byte ${repair.offset} (${repair.reason}); the log after it was set aside and is fetched again from the leader; this member votes again once it holds the leader's log`,
    );
  }
  logger.info({ segments: report.segments, skipped: report.segmentsSkipped, records: report.records, entries: opened.entries.length, snapshot: opened.snapshot?.meta.index ?? 0, ms: Math.round(report.durationMs) }, 'storage recovered');
  return repair || undefined;
}

/** The node's storage port over the opened storage. */
function storagePort(opened: Opened, repair: Repair | undefined, membersPath: string, founding: Founding, outOfSpace: OutOfSpaceListener): NodeStorage & { abandon(): void } {
  const { storage, snapshot } = opened;
  // Member-list writes are chained so that the newest list always lands last.
  let membersWrite: Promise<void> = Promise.resolve();
  return {
    recovered: {
      hardState: opened.hardState,
      entries: opened.entries,
      ...(snapshot ? { snapshot: { meta: snapshot.meta, data: () => snapshot.read() } } : {}),
      members: readMembers(membersPath),
      ...(repair ? { repair: { file: repair.file, offset: repair.offset, reason: repair.reason, since: repair.since, ...(repair.hardStateLost === true ? { hardStateLost: true } : {}) } } : {}),
    },
    markRepaired: () => storage.markRepaired(),
    persist: (batch, sync) => {
      const written = storage.persist(batch, { sync });
      if (!founding.pending || !sync || holdsNoPromise(batch)) return written;
      return written.then(() => {
        if (founding.pending) founding.settle();
      });
    },
    installSnapshot: (meta, data) => storage.installSnapshot(meta, data),
    beginSnapshot: (meta) => {
      const writer = storage.beginSnapshot(meta);
      return {
        write: (bytes, offset) => writer.write(bytes, offset),
        settle: () => writer.settle(),
        commit: async (length) => (await writer.commit(length)).path,
        abort: () => writer.abort(),
      };
    },
    latestSnapshot: async () => {
      const f = storage.latestSnapshotFile();
      return f ? { index: f.meta.index, term: f.meta.term, path: f.path } : undefined;
    },
    readLatestSnapshot: () => storage.loadLatestSnapshot(),
    saveMembers: (members) => {
      const body = JSON.stringify(Object.fromEntries(members), null, 2);
      membersWrite = membersWrite.then(async () => {
        const tmp = `${membersPath}.tmp`;
        await writeFile(tmp, body, { flag: PRIVATE_FILES.write, mode: PRIVATE_FILES.fileMode });
        await rename(tmp, membersPath);
      });
      return membersWrite;
    },
    close: () => storage.close(),
    onOutOfSpace: (listener) => {
      outOfSpace.listener = listener;
    },
    retryWrites: () => storage.retryWrites(),
    /** After a disk failure, for a process about to exit: let go of the files without waiting on the disk. */
    abandon: () => storage.abandon(),
  };
}

function readMembers(path: string): Map<string, string> {
  if (!existsSync(path)) return new Map();
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
  return new Map(Object.entries(parsed));
}
