/**
 * A snapshot arriving from the leader, written to disk chunk by chunk as it arrives: a sender
 * (or an attacker holding stolen credentials) cannot make a member hold more than one chunk of
 * it in memory, nor more than the size limit on disk.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { PRIVATE_FILES } from '../../storage/index.js';
import { join } from 'node:path';
import type { PeerRejection } from '../guard/peer-auth.js';
import { checkInvariant } from '../../invariant.js';

/** The largest chunk accepted; senders cut snapshots into 1 MiB chunks. */
export const MAX_SNAPSHOT_CHUNK = 4 << 20;

/** Where incoming snapshots are spooled and how large one may be. */
export interface SnapshotSpool {
  readonly dir: string;
  readonly maxBytes: number;
}

/**
 * One transfer. The spool file exists only between the first chunk and `finish()` / `discard()`,
 * and its size never exceeds `maxBytes` (checked in `write` and `finish`). Writes are synchronous: a chunk is at most
 * a few MiB, and ordering them by hand against the stream's events would buy nothing.
 */
export class SnapshotReceiver {
  private fd: number | undefined;
  private readonly path: string;
  private bytes = 0;
  /** Set by `finish()` / `discard()`: no chunk may open the spool file again. */
  private ended = false;

  constructor(private readonly spool: SnapshotSpool, from: string) {
    mkdirSync(spool.dir, { recursive: true, mode: PRIVATE_FILES.dirMode });
    // The sender's id names the file: only its safe characters, so no id reaches outside the spool.
    this.path = join(spool.dir, `${from.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 63)}-${process.pid}-${Date.now()}.part`);
  }

  /** Appends one chunk; a refusal when it breaks a limit (the spool is then discarded). */
  write(data: Uint8Array): PeerRejection | undefined {
    if (data.length > MAX_SNAPSHOT_CHUNK) return this.refuse(`a snapshot chunk of ${data.length} bytes exceeds ${MAX_SNAPSHOT_CHUNK}`);
    if (this.bytes + data.length > this.spool.maxBytes) return this.refuse(`the snapshot exceeds the limit of ${this.spool.maxBytes} bytes (--max-snapshot-mb)`);
    checkInvariant(!this.ended, 'snapshot-spool-lifetime', () => `a chunk of ${data.length} bytes after the transfer ended (${this.path})`);
    this.fd ??= openSync(this.path, PRIVATE_FILES.write, PRIVATE_FILES.fileMode);
    for (let off = 0; off < data.length; ) off += writeSync(this.fd, data, off, data.length - off);
    this.bytes += data.length;
    checkInvariant(this.bytes <= this.spool.maxBytes, 'snapshot-spool-within-limit', () => `${this.bytes} bytes spooled, limit ${this.spool.maxBytes}`);
    return undefined;
  }

  /** The whole snapshot, read back once it is complete; the spool file is removed. */
  finish(): Uint8Array {
    this.ended = true;
    if (this.fd === undefined) return new Uint8Array(0);
    closeSync(this.fd);
    this.fd = undefined;
    const data = readFileSync(this.path);
    rmSync(this.path, { force: true });
    // What is read back is what was written: no other writer, no short write.
    checkInvariant(data.length === this.bytes, 'snapshot-spool-size', () => `${this.path} held ${data.length} bytes, ${this.bytes} were written`);
    return new Uint8Array(data.buffer, data.byteOffset, data.length);
  }

  discard(): void {
    this.ended = true;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    rmSync(this.path, { force: true });
  }

  private refuse(detail: string): PeerRejection {
    this.discard();
    return { reason: 'snapshot-too-large', detail };
  }
}
