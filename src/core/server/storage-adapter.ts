import { existsSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NodeLogger } from '../node/fleet-node.js';
import type { NodeStorage } from '../node/storage-port.js';
import { RaftStorage } from '../storage/index.js';

const MEMBERS_FILE = 'members.json';

/**
 * Opens a member's data dir with the storage engine and presents it as the node's storage
 * port. The member list (addresses of members that joined after founding) lives beside the
 * log, since snapshots record member ids but not addresses.
 */
export async function openNodeStorage(dataDir: string, logger: NodeLogger, onFsync: (seconds: number) => void): Promise<NodeStorage & { abandon(): void }> {
  const opened = await RaftStorage.open(join(dataDir, 'raft'), {
    onFsync,
    logger: {
      info: (msg, fields) => logger.info(fields ?? {}, msg),
      warn: (msg, fields) => logger.warn(fields ?? {}, msg),
      error: (msg, fields) => logger.error(fields ?? {}, msg),
    },
  });
  const { storage, report } = opened;
  if (report.tornTailBytes > 0 || report.truncatedAt) {
    logger.warn({ tornTailBytes: report.tornTailBytes, truncatedAt: report.truncatedAt }, 'recovery truncated a torn log tail');
  }
  logger.info({ segments: report.segments, records: report.records, entries: opened.entries.length, snapshot: opened.snapshot?.meta.index ?? 0, ms: Math.round(report.durationMs) }, 'storage recovered');
  const membersPath = join(dataDir, MEMBERS_FILE);
  const snapshot = opened.snapshot;
  // Member-list writes are chained so that the newest list always lands last.
  let membersWrite: Promise<void> = Promise.resolve();
  return {
    recovered: {
      hardState: opened.hardState,
      entries: opened.entries,
      ...(snapshot ? { snapshot: { meta: snapshot.meta, data: () => snapshot.read() } } : {}),
      members: readMembers(membersPath),
    },
    persist: (batch, sync) => storage.persist(batch, { sync }),
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
        await writeFile(tmp, body);
        await rename(tmp, membersPath);
      });
      return membersWrite;
    },
    close: () => storage.close(),
    /** After a disk failure, for a process about to exit: let go of the files without waiting on the disk. */
    abandon: () => storage.abandon(),
  };
}

function readMembers(path: string): Map<string, string> {
  if (!existsSync(path)) return new Map();
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
  return new Map(Object.entries(parsed));
}
