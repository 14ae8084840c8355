/**
 * Writing a Maintenance.Snapshot stream to a file, and checking it. etcd ends the stream with
 * the sha256 of the database before it (32 bytes); etcdctl keeps them in the file and
 * `etcdctl snapshot restore` checks them, so the file is written exactly as it arrives, while
 * the hash of everything but the last 32 bytes is computed on the way.
 */
import { createHash, type Hash } from 'node:crypto';
import { rename, rm, type FileHandle } from 'node:fs/promises';
import { FleetClientError } from '../errors.js';
import { openPartial } from '../../common/private-file.js';

const HASH_BYTES = 32;

/** A snapshot file being written; it appears under its name only once its hash checked out. */
export class SnapshotWriter {
  readonly #hash: Hash = createHash('sha256');
  /** The last bytes seen: the trailing hash, once the stream ends. */
  #tail: Buffer = Buffer.alloc(0);
  #bytes = 0;

  private constructor(
    readonly file: string,
    readonly partial: string,
    readonly handle: FileHandle,
  ) {}

  static async create(file: string): Promise<SnapshotWriter> {
    const { partial, handle } = await openPartial(file);
    return new SnapshotWriter(file, partial, handle);
  }

  async write(chunk: Buffer): Promise<void> {
    await this.handle.write(chunk);
    this.#bytes += chunk.length;
    // Hash all but the last HASH_BYTES seen so far.
    const joined = Buffer.concat([this.#tail, chunk]);
    const cut = Math.max(0, joined.length - HASH_BYTES);
    this.#hash.update(joined.subarray(0, cut));
    this.#tail = joined.subarray(cut);
  }

  /** Checks the trailing hash, then moves the file into place; a mismatch deletes it. */
  async finish(): Promise<{ bytes: number; sha256: string }> {
    await this.handle.sync();
    await this.handle.close();
    const computed = this.#hash.digest();
    if (this.#tail.length < HASH_BYTES || !computed.equals(this.#tail)) {
      await rm(this.partial, { force: true });
      const got = this.#tail.length < HASH_BYTES ? `only ${this.#bytes} bytes` : `sha256 ${this.#tail.toString('hex')}`;
      throw new FleetClientError('internal', `snapshot integrity check failed: the stream ends with ${got}, the data hashes to ${computed.toString('hex')}; the file was not kept`);
    }
    await rename(this.partial, this.file);
    return { bytes: this.#bytes, sha256: computed.toString('hex') };
  }

  async abort(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await rm(this.partial, { force: true });
  }
}

/** Checks a saved snapshot file's trailing sha256 (for tests and `snapshot inspect`). */
export function snapshotHashMatches(data: Buffer): boolean {
  if (data.length < HASH_BYTES) return false;
  return createHash('sha256').update(data.subarray(0, data.length - HASH_BYTES)).digest().equals(data.subarray(data.length - HASH_BYTES));
}
