/**
 * Offline snapshot work for disaster recovery: read a snapshot file (as `fleet snapshot save`
 * writes it — the member's storage snapshot file —, as `etcdctl snapshot save` writes it from a
 * member — the same with etcd's SHA-256 after it, checked here —, or a bare registry image), count what it
 * holds, and seed a fresh data dir with it so a member started there comes up with that state
 * as a new single-member cluster (like `etcdutl snapshot restore`).
 *
 * This is the one operator workflow that needs the coordinator's own code: decoding the
 * registry image and writing the storage format. Commands import it lazily.
 */
import { memberIdProblem } from '../../../common/addresses.js';
import { createHash } from 'node:crypto';
import { open, readdir, readFile, stat, type FileHandle } from 'node:fs/promises';
import { offlineState } from '../../node/state/offline-state.js';
import type { MemberState } from '../../node/state/member-state.js';
import type { RegistryCounts } from '../../fleet/index.js';
import type { SnapshotMeta } from '../../raft/index.js';
import { readSnapshotData, readSnapshotInfo } from '../../storage/snapshot-file.js';
import { openNodeStorage } from '../storage-adapter.js';

/**
 * What a snapshot file holds. `term` and `conf` are null for a bare registry image. An
 * `etcd-snapshot` is a storage snapshot followed by the SHA-256 of its bytes, as etcd's
 * Maintenance.Snapshot sends it and `etcdctl snapshot save` writes it (etcd-snapshot.ts).
 */
export interface SnapshotContents {
  readonly format: 'storage-snapshot' | 'etcd-snapshot' | 'registry-image';
  readonly index: number;
  readonly term: number | null;
  readonly conf: { readonly voters: readonly string[]; readonly learners: readonly string[] } | null;
  readonly fileBytes: number;
  readonly dataBytes: number;
  readonly counts: RegistryCounts;
}

const STORAGE_MAGIC = Buffer.from('FLEETSNP', 'latin1');

/** Reads and checks a snapshot file; throws an Error naming the file and what is wrong. */
export async function readSnapshot(file: string): Promise<{ contents: SnapshotContents; data: Uint8Array; meta: SnapshotMeta | null }> {
  const fileBytes = (await stat(file)).size;
  const storage = await isStorageSnapshot(file);
  let data: Uint8Array;
  let meta: SnapshotMeta | null = null;
  let etcdTrailer = 0;
  try {
    if (storage) {
      etcdTrailer = await checkEtcdTrailer(file, fileBytes);
      const info = await readSnapshotInfo(file, await peekIndexAndTerm(file), undefined, etcdTrailer);
      meta = info.meta;
      data = await readSnapshotData(info);
    } else {
      data = await readFile(file);
    }
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`, { cause: err });
  }
  const state = await restore(file, data);
  const sm = state.sm;
  const counts = sm.counts();
  return {
    data,
    meta,
    contents: {
      format: storage ? (etcdTrailer > 0 ? 'etcd-snapshot' : 'storage-snapshot') : 'registry-image',
      index: meta?.index ?? sm.appliedIndex,
      term: meta?.term ?? null,
      conf: meta === null ? null : { voters: [...meta.conf.voters], learners: [...meta.conf.learners] },
      fileBytes,
      dataBytes: data.length,
      counts,
    },
  };
}

/** The member state the image holds: the registry with the keyspace that keeps its KV (an application's image is carried, not read). */
async function restore(file: string, data: Uint8Array): Promise<MemberState> {
  try {
    return await offlineState(data);
  } catch (err) {
    throw new Error(`${file} is not a fleet snapshot: ${(err as Error).message}`, { cause: err });
  }
}

async function isStorageSnapshot(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(8);
    const { bytesRead } = await fh.read(head, 0, 8, 0);
    return bytesRead === 8 && head.equals(STORAGE_MAGIC);
  } finally {
    await fh.close();
  }
}

const SHA256_BYTES = 32;

/** etcd's block: what etcd-snapshot.ts pads a snapshot to before the hash (as etcdctl expects). */
const ETCD_BLOCK = 512;

/**
 * Whether a storage snapshot is one etcd's Maintenance.Snapshot sent (etcd-snapshot.ts): zeros
 * up to a multiple of 512 bytes after it, then the SHA-256 of all that. Its trailer must match;
 * the hash is read a slice at a time. Answers how many bytes follow the snapshot (0: none).
 */
async function checkEtcdTrailer(file: string, size: number): Promise<number> {
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(24);
    await fh.read(head, 0, 24, 0);
    const claimed = 32 + head.readUInt32LE(12) + head.readUInt32LE(20) * 0x1_0000_0000 + head.readUInt32LE(16);
    const padded = Math.ceil(claimed / ETCD_BLOCK) * ETCD_BLOCK;
    if (size !== padded + SHA256_BYTES) return 0;
    const trailer = Buffer.alloc(SHA256_BYTES);
    await fh.read(trailer, 0, SHA256_BYTES, padded);
    if (!(await sha256Of(fh, padded)).equals(trailer)) throw new Error('its etcd checksum (the SHA-256 at its end) does not match its contents: the file is damaged or incomplete');
    return size - claimed;
  } finally {
    await fh.close();
  }
}

/** The SHA-256 of a file's first `length` bytes. */
async function sha256Of(fh: FileHandle, length: number): Promise<Buffer> {
  const hash = createHash('sha256');
  const buffer = Buffer.alloc(Math.min(length, 1 << 20));
  for (let at = 0; at < length; ) {
    const { bytesRead } = await fh.read(buffer, 0, Math.min(buffer.length, length - at), at);
    if (bytesRead === 0) throw new Error('the file ended early');
    hash.update(buffer.subarray(0, bytesRead));
    at += bytesRead;
  }
  return hash.digest();
}

/**
 * The index and term a storage snapshot's header claims. readSnapshotInfo checks them against
 * the file name, which a downloaded file no longer has, so they are read from the meta first
 * and then checked by readSnapshotInfo along with both checksums.
 */
async function peekIndexAndTerm(file: string): Promise<{ index: number; term: number }> {
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(32);
    await fh.read(head, 0, 32, 0);
    const metaLength = Math.min(head.readUInt32LE(12), 16 * 1024 * 1024);
    const metaBytes = Buffer.alloc(metaLength);
    await fh.read(metaBytes, 0, metaLength, 32);
    const meta = JSON.parse(metaBytes.toString('utf8')) as { index?: unknown; term?: unknown };
    if (typeof meta.index !== 'number' || typeof meta.term !== 'number') throw new Error('the snapshot header has no index and term');
    return { index: meta.index, term: meta.term };
  } catch (err) {
    throw new Error(`unreadable snapshot header: ${(err as Error).message}`, { cause: err });
  } finally {
    await fh.close();
  }
}

/** What `restoreSnapshot` did. */
export interface RestoreResult {
  readonly dataDir: string;
  readonly id: string;
  readonly index: number;
  readonly term: number;
  readonly counts: RegistryCounts;
}

/** A logger that drops everything: offline work on a data dir nobody watches. */
export const SILENT = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

/**
 * Seeds an empty `dataDir` with the snapshot as member `id` of a new single-member cluster:
 * the snapshot's membership is replaced by `id` alone (the old members are gone in a disaster;
 * grow the new cluster with `fleet members add --learner`). The hard state starts at the
 * snapshot's term with everything in it committed.
 */
export async function restoreSnapshot(file: string, dataDir: string, id: string): Promise<RestoreResult> {
  const idProblem = memberIdProblem(id);
  if (idProblem !== undefined) throw new Error(idProblem);
  await requireEmpty(dataDir);
  const { contents, data } = await readSnapshot(file);
  // A bare image has no term; any term works for a new cluster as long as the hard state matches it.
  const term = contents.term ?? 1;
  const meta: SnapshotMeta = { index: contents.index, term, conf: { voters: [id], learners: [] } };
  const storage = await openNodeStorage(dataDir, SILENT, () => undefined);
  try {
    await storage.installSnapshot(meta, data);
    await storage.persist({ hardState: { term, vote: '', commit: meta.index }, entries: [] }, true);
  } finally {
    await storage.close();
  }
  return { dataDir, id, index: meta.index, term, counts: contents.counts };
}

async function requireEmpty(dir: string): Promise<void> {
  const entries = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  if (entries.length > 0) throw new Error(`${dir} is not empty: restore only into a new data dir (a member's existing data is never overwritten)`);
}
