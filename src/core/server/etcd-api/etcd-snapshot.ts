/**
 * etcd's Maintenance.Snapshot on a member (issue 58): a snapshot taken now, streamed as
 * `etcdctl snapshot save` writes it to a file — the member's own snapshot file (what `fleet
 * snapshot save` downloads: registry, application and etcd keyspace) followed, as etcd's server
 * sends it, by the SHA-256 of those bytes. etcdctl 3.4.23 keeps the file only if its size is a
 * multiple of 512 (bolt's pages) and 32 more (`hasChecksum`), so the file is padded with zeros to
 * a multiple of 512 first, and the hash covers the padding. `fleet snapshot restore` and `fleet
 * snapshot inspect` check padding and hash (snapshot-offline.ts); `etcdctl snapshot
 * status/restore` cannot read the file: they open etcd's bolt database.
 *
 * The file is read a chunk at a time, each written only once the call's buffer drained: a slow
 * client costs the member one chunk, not the snapshot.
 */
import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import type { ServerWritableStream, StatusObject } from '@grpc/grpc-js';
import { actorOf, authorizeCall, type AuthOptions } from '../guard/auth.js';
import type { WireHeader } from './etcd-wire.js';
import type { AuditRecorder } from '../admin/member-audit.js';

/** What the Snapshot call needs of the member. */
export interface EtcdSnapshotNode {
  readonly id: string;
  /** Takes a snapshot now; resolves with where it is. */
  takeSnapshot(): Promise<{ index: number; path: string }>;
  /** The newest snapshot on disk. */
  latestSnapshot(): Promise<{ index: number; path: string } | undefined>;
}

export interface EtcdSnapshotOptions {
  readonly auth: AuthOptions;
  readonly header: () => WireHeader;
  readonly audit: AuditRecorder;
  /** The gRPC error for whatever failed (etcd-kv-service.ts's toGrpcError). */
  readonly toGrpcError: (err: unknown) => Partial<StatusObject>;
  /** Bytes per message (default 256 KiB, as fleet.v1's DownloadSnapshot: well under gRPC's 4 MiB). */
  readonly chunkBytes?: number;
}

/** A SnapshotResponse as proto-loader takes it. */
interface SnapshotMessage {
  header?: WireHeader;
  remainingBytes: string;
  blob: Buffer;
}

const DEFAULT_CHUNK = 256 * 1024;

/** Opens a snapshot taken now; a newer one that replaced it meanwhile (ENOENT) is as good. */
async function openFresh(node: EtcdSnapshotNode): Promise<FileHandle> {
  const taken = await node.takeSnapshot();
  try {
    return await open(taken.path, 'r');
  } catch (err) {
    const newer = (err as NodeJS.ErrnoException).code === 'ENOENT' ? await node.latestSnapshot() : undefined;
    if (newer === undefined || newer.index < taken.index) throw err;
    return open(newer.path, 'r');
  }
}

/** Writes one message, waiting for the call's buffer to drain when it is full. */
function send(call: ServerWritableStream<unknown, SnapshotMessage>, message: SnapshotMessage): Promise<void> {
  if (call.write(message)) return Promise.resolve();
  return new Promise((resolve) => call.once('drain', resolve));
}

/** The block etcdctl expects the bytes before the hash to fill whole. */
export const ETCD_SNAPSHOT_BLOCK = 512;

/** Streams the file's bytes and zeros up to a whole block, then their SHA-256; stops early when the call is cancelled. */
async function stream(file: FileHandle, call: ServerWritableStream<unknown, SnapshotMessage>, header: WireHeader, chunkBytes: number): Promise<void> {
  const size = (await file.stat()).size;
  const total = Math.ceil(size / ETCD_SNAPSHOT_BLOCK) * ETCD_SNAPSHOT_BLOCK;
  const hash = createHash('sha256');
  let cancelled = false;
  call.once('cancelled', () => (cancelled = true));
  for (let sent = 0; sent < total && !cancelled; ) {
    // A fresh buffer each time: grpc-js may hold a written message until it is sent.
    const buffer = Buffer.allocUnsafe(Math.min(chunkBytes, total - sent));
    const { bytesRead } = sent < size ? await file.read(buffer, 0, Math.min(buffer.length, size - sent), sent) : { bytesRead: buffer.fill(0).length };
    if (bytesRead === 0) throw new Error(`the snapshot file ended after ${sent} of ${size} bytes`);
    const blob = buffer.subarray(0, bytesRead);
    hash.update(blob);
    sent += bytesRead;
    await send(call, { ...(sent === bytesRead ? { header } : {}), remainingBytes: String(total - sent), blob });
  }
  if (!cancelled) await send(call, { remainingBytes: '0', blob: hash.digest() });
}

/** The handler of Maintenance.Snapshot (admin role, as etcd's maintenance beyond Status and Alarm). */
export function createEtcdSnapshot(node: EtcdSnapshotNode, o: EtcdSnapshotOptions): (call: ServerWritableStream<unknown, SnapshotMessage>) => void {
  return (call) => {
    const refused = authorizeCall(call, o.auth);
    if (refused) return void call.emit('error', refused);
    const recorded = (outcome: string) => o.audit(actorOf(call.metadata, o.auth, 'etcd'), 'snapshot.download', { member: node.id, fresh: true, api: 'etcd' }, outcome, call.metadata).catch(() => undefined);
    const run = async (): Promise<void> => {
      const file = await openFresh(node);
      try {
        await stream(file, call, o.header(), o.chunkBytes ?? DEFAULT_CHUNK);
      } finally {
        await file.close();
      }
    };
    run().then(
      () => recorded('ok').finally(() => call.end()),
      (err: unknown) => {
        const failure = o.toGrpcError(err);
        void recorded(failure.details ?? String(err)).finally(() => call.emit('error', failure));
      },
    );
  };
}
