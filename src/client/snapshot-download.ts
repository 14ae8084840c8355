/**
 * `fleet snapshot save`: streams a member's snapshot into a local file. The file appears only
 * complete: chunks go to a fresh private `<file>.part-…`, synced and renamed once every byte arrived.
 */
import { rename, rm } from 'node:fs/promises';
import type * as wire from '../proto/index.js';
import type { Endpoint } from './transport/endpoint.js';
import { openPartial } from '../common/private-file.js';
import { FleetClientError } from './errors.js';
import { toClientError } from './grpc-errors.js';
import type { SnapshotInfo } from './types.js';

/** Options of a snapshot download. */
export interface DownloadOptions {
  /** Take a fresh snapshot first instead of sending the newest on disk. */
  readonly fresh?: boolean;
  /** Deadline of the whole download (default 10 minutes). */
  readonly timeoutMs?: number;
}

/** Downloads one snapshot from `ep` into `toFile`; one attempt (the caller retries). */
export async function downloadSnapshot(ep: Endpoint, toFile: string, opts: DownloadOptions): Promise<SnapshotInfo> {
  const { partial, handle: file } = await openPartial(toFile);
  let meta: { index: number; term: number; total: number } | undefined;
  let bytes = 0;
  try {
    const call = ep.admin.DownloadSnapshot({ fresh: opts.fresh ?? false }, ep.metadata(), { deadline: Date.now() + (opts.timeoutMs ?? 600_000) });
    try {
      for await (const raw of call) {
        const chunk = raw as wire.SnapshotData__Output;
        meta ??= { index: chunk.index, term: chunk.term, total: chunk.totalBytes };
        await file.write(chunk.data);
        bytes += chunk.data.length;
      }
    } catch (err) {
      throw toClientError(err, ep.address);
    }
    if (meta === undefined || bytes !== meta.total) {
      throw new FleetClientError('unavailable', `${ep.address}: the snapshot stream ended after ${bytes} of ${meta?.total ?? '?'} bytes; retry`, { endpoint: ep.address });
    }
    await file.sync();
  } catch (err) {
    await file.close();
    await rm(partial, { force: true });
    throw err;
  }
  await file.close();
  await rename(partial, toFile);
  return { index: meta.index, term: meta.term, bytes, path: toFile };
}
