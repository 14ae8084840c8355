/**
 * The data format of a member's data dir, recorded in `<data-dir>/format.json` as
 * `{"format": N, "fleet": "<version that wrote it>"}`.
 *
 * A build reads every format up to its own DATA_FORMAT and refuses a newer one before it opens
 * anything: an older build would read a newer log as damage and "repair" it from its peers, so a
 * downgrade across a format change must stop at start-up, naming both versions, with nothing
 * changed on disk. Raise DATA_FORMAT whenever a build writes something an older one cannot read
 * (a WAL record, the snapshot file, the registry image), and say so in docs/operations.md.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writePrivateFileDurablySync } from '../storage/index.js';

/**
 * The newest data format this build reads, and the one it writes.
 *   1: the WAL, snapshots, members.json, raft.held.
 *   2: adds raft/HARDSTATE, the hard state's second copy (storage/hard-state-copy.ts), which a
 *      format-1 build's layout check refuses as an unknown file.
 *   3: etcd writes as binary log entries (app-format.ts kind 4, etcd-store/request-codec.ts),
 *      written once the cluster version says every member reads them (BINARY_ETCD_FORMAT).
 *   4: sectioned member images (app-format.ts version 3: each replicated section under its tag),
 *      written once the cluster version says every member reads them (SECTIONED_IMAGE_FORMAT).
 *   5: fleet's KV kept in the etcd keyspace (fleet/kv-location.ts), moved there by the apply of the
 *      cluster version that first says every member reads format 5 (KV_IN_KEYSPACE_FORMAT).
 *   6: fleet's leases kept in the etcd keyspace as etcd leases with attached keys, timed by its
 *      lessor alone (fleet/lease-book.ts), moved there likewise (LEASES_IN_KEYSPACE_FORMAT); an
 *      etcd lease of a TTL in milliseconds (`ttlMs` in the keyspace's image).
 *      And the etcd keyspace's image in binary (etcd-store/keyspace-image.ts), written once the
 *      cluster version says every member reads it (BINARY_KEYSPACE_IMAGE_FORMAT).
 */
export const DATA_FORMAT = 6;

const FORMAT_FILE = 'format.json';

/** What format.json says. */
export interface DataFormatRecord {
  readonly format: number;
  /** The fleet version that last opened the data dir ('' when unknown). */
  readonly fleet: string;
}

/** The data dir was written in a format newer than this build reads: the member does not start. */
export class DataFormatError extends Error {
  override readonly name = 'DataFormatError';

  constructor(
    readonly dataDir: string,
    readonly found: DataFormatRecord,
    readonly thisVersion: string,
  ) {
    const writer = found.fleet === '' ? 'a newer fleet' : `fleet ${found.fleet}`;
    super(
      `${dataDir} holds data format ${found.format}, written by ${writer}; this fleet (${thisVersion || 'this build'}) reads data format ${DATA_FORMAT} at most, ` +
        `so it will not start here and changed nothing: run ${found.fleet === '' ? 'the newer fleet' : `fleet ${found.fleet} or newer`} on this data dir (a downgrade across a data format change is not supported)`,
    );
  }
}

/** The data dir's recorded format, or undefined when it has none (a new dir, or one written before format.json existed: format 1). */
export function readDataFormat(dataDir: string): DataFormatRecord | undefined {
  const file = join(dataDir, FORMAT_FILE);
  if (!existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file} is unreadable (${(err as Error).message}): it says which data format this data dir holds; remove it only if a fleet of data format ${DATA_FORMAT} or older wrote this data dir`, { cause: err });
  }
  const record = parsed as Partial<DataFormatRecord> | null;
  if (record === null || typeof record !== 'object' || !Number.isSafeInteger(record.format) || (record.format as number) < 1) {
    throw new Error(`${file} does not name a data format (expected {"format": N, "fleet": "VERSION"})`);
  }
  return { format: record.format as number, fleet: typeof record.fleet === 'string' ? record.fleet : '' };
}

/** Throws DataFormatError when the data dir needs a newer build; reads nothing else. */
export function refuseNewerDataFormat(dataDir: string, thisVersion: string): void {
  const found = readDataFormat(dataDir);
  if (found !== undefined && found.format > DATA_FORMAT) throw new DataFormatError(dataDir, found, thisVersion);
}

/** Records this build's format and version, when they differ from what is recorded (durably: temp file, fsync, rename). */
export function recordDataFormat(dataDir: string, thisVersion: string): void {
  const found = readDataFormat(dataDir);
  if (found !== undefined && found.format === DATA_FORMAT && (found.fleet === thisVersion || thisVersion === '')) return;
  writePrivateFileDurablySync(join(dataDir, FORMAT_FILE), `${JSON.stringify({ format: DATA_FORMAT, fleet: thisVersion || (found?.fleet ?? '') })}\n`);
}
