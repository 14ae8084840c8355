/**
 * Snapshot files: `snap/<term>-<index>.snap`, both numbers zero-padded to 16 digits.
 *
 *   offset 0   8 bytes  magic "FLEETSNP"
 *   offset 8   u32      format version (1)
 *   offset 12  u32      length of the meta JSON
 *   offset 16  u64      length of the data
 *   offset 24  u32      CRC-32 of the data
 *   offset 28  u32      CRC-32 of bytes [0, 28) followed by the meta JSON
 *   offset 32           meta JSON ({index, term, conf}), then the data
 *
 * A file is valid only if both checksums match, its size is exactly header + meta + data, and
 * the meta agrees with the file name. Files are only ever created by an atomic rename, so a
 * reader never sees a half-written one unless the disk damaged it.
 */
import nodePath from 'node:path';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import type { ConfState, SnapshotMeta } from '../raft/types.js';
import type { StorageFs } from './fs-port.js';
import { fsyncDir, removeIfExists, SYNC_SLICE_BYTES, writeFully } from './fs-util.js';
import { nodeFs } from './node-fs.js';

const MAGIC = Buffer.from('FLEETSNP', 'latin1');
const VERSION = 1;
const FIXED_BYTES = 32;
const MAX_META_BYTES = 16 * 1024 * 1024;
const NAME_PATTERN = /^(\d{16})-(\d{16})\.snap$/;

/** Where a snapshot's data lives inside its file, and what it should hash to. */
export interface SnapshotFileInfo {
  readonly meta: SnapshotMeta;
  /** Path of the file. */
  readonly path: string;
  /** Offset of the first data byte. */
  readonly dataOffset: number;
  readonly dataLength: number;
  readonly dataCrc32: number;
}

/** The file name of the snapshot for `meta`; lexical order is not index order, callers sort by index. */
export function snapshotFileName(meta: { readonly term: number; readonly index: number }): string {
  return `${pad16(meta.term)}-${pad16(meta.index)}.snap`;
}

/** Parses a snapshot file name, or undefined if `name` is not one. */
export function parseSnapshotFileName(name: string): { term: number; index: number } | undefined {
  const m = NAME_PATTERN.exec(name);
  return m ? { term: Number(m[1]), index: Number(m[2]) } : undefined;
}

/**
 * A snapshot file written in pieces, so that an image of any size is never held whole in
 * memory: its data is written at increasing offsets (and earlier bytes may be written again,
 * e.g. a section length known only at the section's end), synced every SYNC_SLICE_BYTES as
 * it goes; `commit` then checksums what the file holds, writes the header and renames the
 * file into place. Until `commit` resolves the file is `<name>.tmp`, which recovery removes.
 *
 * Writes are synchronous (a copy into the page cache, cheaper than a thread hop) so that a
 * producer running in synchronous steps can hand each piece over and reuse its buffer at once.
 */
export class SnapshotFileWriter {
  #fd: number | undefined;
  #unsynced = 0;
  #end = 0;

  private constructor(
    readonly path: string,
    readonly meta: SnapshotMeta,
    private readonly metaBytes: Buffer,
    fd: number,
    private readonly fs: StorageFs,
  ) {
    this.#fd = fd;
  }

  /** Creates `<path>.tmp` (replacing a leftover of an interrupted attempt). */
  static create(path: string, meta: SnapshotMeta, fs: StorageFs = nodeFs): SnapshotFileWriter {
    const metaBytes = Buffer.from(JSON.stringify({ index: meta.index, term: meta.term, conf: meta.conf }), 'utf8');
    return new SnapshotFileWriter(path, meta, metaBytes, fs.openSync(`${path}.tmp`, 'w+'), fs);
  }

  get #dataOffset(): number {
    return FIXED_BYTES + this.metaBytes.length;
  }

  /** Writes `bytes` at data offset `offset`. Throws what the file system throws (ENOSPC …). */
  write(bytes: Uint8Array, offset: number): void {
    if (this.#fd === undefined) throw new Error('SnapshotFileWriter.write: the writer is closed');
    writeFully(this.fs, this.#fd, [bytes], this.#dataOffset + offset);
    this.#unsynced += bytes.length;
    this.#end = Math.max(this.#end, offset + bytes.length);
  }

  /**
   * Makes the data written so far durable once a slice's worth has built up: a WAL fdatasync
   * beside a large write waits for all of its dirty data (see SYNC_SLICE_BYTES).
   */
  async settle(): Promise<void> {
    if (this.#fd !== undefined && this.#unsynced >= SYNC_SLICE_BYTES) {
      this.#unsynced = 0;
      await this.fs.fdatasync(this.#fd);
    }
  }

  /** Writes a whole in-memory image, a synced slice at a time. */
  async writeAll(data: Uint8Array): Promise<void> {
    for (let at = 0; at < data.length; at += SYNC_SLICE_BYTES) {
      this.write(data.subarray(at, at + SYNC_SLICE_BYTES), at);
      await this.settle();
    }
  }

  /**
   * Seals the file: `dataLength` must be exactly the data written. Checksums the data as the
   * file holds it (read back a slice at a time), writes the header, fsyncs, renames into place
   * and fsyncs the directory.
   */
  async commit(dataLength: number): Promise<SnapshotFileInfo> {
    const fd = this.#fd;
    if (fd === undefined) throw new Error('SnapshotFileWriter.commit: the writer is closed');
    if (dataLength !== this.#end) throw new Error(`snapshot data is ${this.#end} bytes, not the ${dataLength} announced`);
    const dataCrc32 = await crcOfRange(this.fs, fd, this.#dataOffset, dataLength);
    const head = Buffer.alloc(FIXED_BYTES);
    MAGIC.copy(head, 0);
    head.writeUInt32LE(VERSION, 8);
    head.writeUInt32LE(this.metaBytes.length, 12);
    head.writeUInt32LE(dataLength >>> 0, 16);
    head.writeUInt32LE(Math.floor(dataLength / 0x1_0000_0000), 20);
    head.writeUInt32LE(dataCrc32, 24);
    head.writeUInt32LE(crc32(this.metaBytes, crc32(head.subarray(0, 28))), 28);
    writeFully(this.fs, fd, [head, this.metaBytes], 0);
    await this.fs.fsync(fd);
    this.#close();
    await this.fs.rename(`${this.path}.tmp`, this.path);
    await fsyncDir(this.fs, nodePath.dirname(this.path));
    return { meta: this.meta, path: this.path, dataOffset: this.#dataOffset, dataLength, dataCrc32 };
  }

  /** Gives up: closes and removes the temp file. Safe to call after `commit` or twice. */
  abort(): void {
    if (this.#fd === undefined) return;
    this.#close();
    removeIfExists(this.fs, `${this.path}.tmp`);
  }

  #close(): void {
    const fd = this.#fd;
    this.#fd = undefined;
    if (fd !== undefined) this.fs.closeSync(fd);
  }
}

/** CRC-32 of `length` bytes at `offset`, read a slice at a time through one reused buffer. */
async function crcOfRange(fs: StorageFs, fd: number, offset: number, length: number): Promise<number> {
  const buf = Buffer.allocUnsafe(Math.min(length, 1 << 20));
  let crc = 0;
  for (let done = 0; done < length; ) {
    const bytesRead = await fs.read(fd, buf, 0, Math.min(buf.length, length - done), offset + done);
    if (bytesRead === 0) throw new Error('snapshot file ended early while checksumming it');
    crc = crc32(buf.subarray(0, bytesRead), crc);
    done += bytesRead;
  }
  return crc;
}

/**
 * Reads and checks a snapshot's header and meta (not the data). Throws an Error whose message says
 * what is wrong. `trailerBytes`: bytes the file carries after the data (etcd's checksum, which the
 * caller checks: snapshot-offline.ts).
 */
export async function readSnapshotInfo(path: string, expected: { term: number; index: number }, fs: StorageFs = nodeFs, trailerBytes = 0): Promise<SnapshotFileInfo> {
  const fd = await fs.open(path, 'r');
  try {
    const size = (await fs.fstat(fd)).size;
    const head = Buffer.alloc(FIXED_BYTES);
    if ((await fs.read(fd, head, 0, FIXED_BYTES, 0)) < FIXED_BYTES) throw new Error('file is shorter than its header');
    if (!head.subarray(0, 8).equals(MAGIC)) throw new Error('not a snapshot file (bad magic)');
    if (head.readUInt32LE(8) !== VERSION) throw new Error(`unsupported snapshot version ${head.readUInt32LE(8)}`);
    const metaLength = head.readUInt32LE(12);
    const dataLength = head.readUInt32LE(20) * 0x1_0000_0000 + head.readUInt32LE(16);
    if (metaLength > MAX_META_BYTES || FIXED_BYTES + metaLength + dataLength + trailerBytes !== size) {
      throw new Error(`file size ${size} does not match its header (meta ${metaLength}, data ${dataLength} bytes)`);
    }
    const metaBytes = Buffer.alloc(metaLength);
    await fs.read(fd, metaBytes, 0, metaLength, FIXED_BYTES);
    if (crc32(metaBytes, crc32(head.subarray(0, 28))) !== head.readUInt32LE(28)) throw new Error('header checksum mismatch');
    const meta = parseMeta(metaBytes);
    if (meta.index !== expected.index || meta.term !== expected.term) throw new Error('header does not match the file name');
    return { meta, path, dataOffset: FIXED_BYTES + metaLength, dataLength, dataCrc32: head.readUInt32LE(24) };
  } finally {
    await fs.close(fd);
  }
}

/** Streams the data through CRC-32 without holding it; throws if it does not match the header. */
export async function verifySnapshotData(info: SnapshotFileInfo, fs: StorageFs = nodeFs): Promise<void> {
  const fd = await fs.open(info.path, 'r');
  try {
    if ((await crcOfRange(fs, fd, info.dataOffset, info.dataLength)) !== info.dataCrc32) throw new Error('data checksum mismatch');
  } finally {
    await fs.close(fd);
  }
}

/** Reads a snapshot's data into memory, checking its checksum. */
export async function readSnapshotData(info: SnapshotFileInfo, fs: StorageFs = nodeFs): Promise<Uint8Array> {
  const fd = await fs.open(info.path, 'r');
  try {
    const data = new Uint8Array(info.dataLength);
    let done = 0;
    while (done < info.dataLength) {
      const bytesRead = await fs.read(fd, data, done, info.dataLength - done, info.dataOffset + done);
      if (bytesRead === 0) throw new Error('file ended early');
      done += bytesRead;
    }
    if (crc32(data) !== info.dataCrc32) throw new Error('data checksum mismatch');
    return data;
  } finally {
    await fs.close(fd);
  }
}

/**
 * Opens the data of a snapshot as a stream, e.g. to send it to a peer. The file is opened
 * before this resolves, so deleting it afterwards (a newer snapshot replacing it) does not cut
 * the stream short. The receiver checks `dataCrc32`.
 */
export async function openSnapshotDataStream(info: SnapshotFileInfo, fs: StorageFs = nodeFs): Promise<Readable> {
  const fd = await fs.open(info.path, 'r');
  return Readable.from(readChunks(fs, fd, info.dataOffset, info.dataLength), { objectMode: false });
}

/** The `length` bytes at `offset` of an open file, a slice at a time; closes the file when done or abandoned. */
async function* readChunks(fs: StorageFs, fd: number, offset: number, length: number): AsyncGenerator<Buffer> {
  try {
    for (let done = 0; done < length; ) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 20, length - done));
      const bytesRead = await fs.read(fd, chunk, 0, chunk.length, offset + done);
      if (bytesRead === 0) return;
      done += bytesRead;
      yield chunk.subarray(0, bytesRead);
    }
  } finally {
    await fs.close(fd);
  }
}

function parseMeta(bytes: Buffer): SnapshotMeta {
  const raw: unknown = JSON.parse(bytes.toString('utf8'));
  if (typeof raw !== 'object' || raw === null) throw new Error('malformed meta');
  const { index, term, conf } = raw as Record<string, unknown>;
  if (!isCount(index) || !isCount(term) || !isConf(conf)) throw new Error('malformed meta');
  return { index, term, conf: { voters: [...conf.voters], learners: [...conf.learners] } };
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isConf(v: unknown): v is ConfState {
  if (typeof v !== 'object' || v === null) return false;
  const { voters, learners } = v as Record<string, unknown>;
  return isStrings(voters) && isStrings(learners);
}

function isStrings(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string');
}

/** Zero-pads to 16 digits, enough for any safe integer. */
export function pad16(n: number): string {
  return String(n).padStart(16, '0');
}
