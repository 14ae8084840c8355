/**
 * The hard state's second durable copy, in HARDSTATE beside the WAL.
 *
 * The WAL holds the hard state as records among the entries, so damage that cuts the log (a
 * flipped bit, a zeroed sector: repair.ts) can take the newest term and vote with it. A vote
 * cast in a term no majority saw is then forgotten, and could be cast again in that term for
 * another candidate: two leaders. So every change of term or vote is written here too, synced,
 * before the WAL gets it; recovery reads both and takes the newer. A damaged copy is rewritten
 * from the other. When both are damaged the vote is unknown: the member recovers as repairing
 * with `hardStateLost`, and the Raft core then waits for every other voter's term before it
 * votes again (term-probe.ts), so that the candidate it may have voted for is among them.
 *
 * The file is one fixed 512-byte record (one sector: a torn or zeroed sector damages it whole),
 * overwritten in place with one fsync:
 *
 *   u32 crc32 of bytes 4..511, u32 magic "FLHS", u32 version, u32 vote length,
 *   u64 term, u64 commit, vote (UTF-8), zeros to 512
 *
 * A write torn by a crash damages the copy, but only of a change the WAL never got either (the
 * copy is written first): the WAL's hard state is then the one acknowledged. The commit index
 * here is as of the last term or vote change (commit-only updates skip it), and is not recovered.
 */
import path from 'node:path';
import { crc32 } from 'node:zlib';
import type { HardState } from '../raft/types.js';
import { StorageUsageError } from './errors.js';
import type { StorageFs } from './fs-port.js';
import { isErrno } from './fs-util.js';

/** The copy's file name in the storage directory. */
export const HARD_STATE_FILE = 'HARDSTATE';
const RECORD_BYTES = 512;
const HEADER_BYTES = 32;
const MAGIC = 0x53484c46; // "FLHS" little-endian
const VERSION = 1;
/** The longest vote (a member id, UTF-8) the record holds. */
export const MAX_VOTE_BYTES = RECORD_BYTES - HEADER_BYTES;

/** What reading the copy found. */
export type HardStateCopy =
  | { readonly kind: 'ok'; readonly hardState: HardState }
  | { readonly kind: 'missing' }
  | { readonly kind: 'damaged'; readonly reason: string };

/** Encodes a hard state as the copy's record. */
export function encodeHardStateCopy(hs: HardState): Buffer {
  const vote = Buffer.from(hs.vote, 'utf8');
  if (vote.length > MAX_VOTE_BYTES) throw new StorageUsageError(`vote "${hs.vote.slice(0, 40)}…" is longer than ${MAX_VOTE_BYTES} bytes`);
  const buf = Buffer.alloc(RECORD_BYTES);
  buf.writeUInt32LE(MAGIC, 4);
  buf.writeUInt32LE(VERSION, 8);
  buf.writeUInt32LE(vote.length, 12);
  buf.writeBigUInt64LE(BigInt(hs.term), 16);
  buf.writeBigUInt64LE(BigInt(hs.commit), 24);
  vote.copy(buf, HEADER_BYTES);
  buf.writeUInt32LE(crc32(buf.subarray(4)), 0);
  return buf;
}

/** Decodes the copy's record; a reason when it fails any check. */
export function decodeHardStateCopy(buf: Buffer): HardState | string {
  if (buf.length !== RECORD_BYTES) return `${buf.length} bytes where the record has ${RECORD_BYTES}`;
  if (crc32(buf.subarray(4)) !== buf.readUInt32LE(0)) return 'checksum mismatch';
  if (buf.readUInt32LE(4) !== MAGIC) return 'not a hard-state record';
  const version = buf.readUInt32LE(8);
  if (version !== VERSION) return `record version ${version}, this build reads ${VERSION}`;
  const voteBytes = buf.readUInt32LE(12);
  if (voteBytes > MAX_VOTE_BYTES) return 'vote length out of range';
  const term = Number(buf.readBigUInt64LE(16));
  const commit = Number(buf.readBigUInt64LE(24));
  if (!Number.isSafeInteger(term) || !Number.isSafeInteger(commit)) return 'term or commit out of range';
  return { term, commit, vote: buf.toString('utf8', HEADER_BYTES, HEADER_BYTES + voteBytes) };
}

/** Reads the copy in `dir`. */
export function readHardStateCopy(fs: StorageFs, dir: string): HardStateCopy {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(path.join(dir, HARD_STATE_FILE));
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return { kind: 'missing' };
    throw err;
  }
  const decoded = decodeHardStateCopy(buf);
  return typeof decoded === 'string' ? { kind: 'damaged', reason: decoded } : { kind: 'ok', hardState: decoded };
}

/**
 * Overwrites the copy and fsyncs it before returning. A new file's directory entry is synced
 * too. Synchronous: it runs only when the term or vote changes (elections), and what follows
 * (the WAL write, then the vote or campaign it records) must wait for it anyway.
 */
export function writeHardStateCopy(fs: StorageFs, dir: string, hs: HardState): void {
  const file = path.join(dir, HARD_STATE_FILE);
  const created = !fs.existsSync(file);
  const record = encodeHardStateCopy(hs);
  const fd = fs.openSync(file, created ? 'w' : 'r+');
  try {
    let written = 0;
    while (written < record.length) written += fs.writeSync(fd, record, written, record.length - written, written);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  if (created) {
    const dirFd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(dirFd);
    } finally {
      fs.closeSync(dirFd);
    }
  }
}

/** How the two copies were reconciled at recovery. */
export type HardStateCheck =
  /** Both copies agree (or the copy holds a change the WAL never got: a crash between them). */
  | 'ok'
  /** No copy yet: a new member, or a data dir from before copies existed. Written from the WAL. */
  | 'created'
  /** The copy was damaged (or missing, or behind) and was rewritten from the intact WAL. */
  | 'repaired-copy'
  /** The WAL was cut by damage; its hard state came from the intact copy. */
  | 'from-copy'
  /** The WAL was cut and the copy is damaged or missing: the vote may be lost. */
  | 'lost';

/**
 * The hard state to recover, from the WAL's (`wal`; `walCut` when damage cut the log, so it may
 * have lost its newest records) and the copy's. The newer wins: the higher term, or in one term
 * the one with a vote. Two different votes in one term means a copy lies: treated as lost.
 */
export function reconcileHardState(wal: HardState, walCut: boolean, copy: HardStateCopy): { hardState: HardState; check: HardStateCheck; detail?: string } {
  if (copy.kind !== 'ok') {
    const detail = copy.kind === 'damaged' ? copy.reason : 'missing';
    if (walCut) return { hardState: wal, check: 'lost', detail };
    return { hardState: wal, check: copy.kind === 'missing' ? 'created' : 'repaired-copy', ...(copy.kind === 'damaged' ? { detail } : {}) };
  }
  const c = copy.hardState;
  if (c.term === wal.term && c.vote !== '' && wal.vote !== '' && c.vote !== wal.vote) {
    return { hardState: wal, check: 'lost', detail: `the copies disagree on the vote in term ${c.term} (${wal.vote} / ${c.vote})` };
  }
  const copyNewer = c.term > wal.term || (c.term === wal.term && c.vote !== '' && wal.vote === '');
  const walNewer = wal.term > c.term || (wal.term === c.term && wal.vote !== '' && c.vote === '');
  // The commit index stays the WAL's: it lies within the log recovered with it (the copy's may not).
  if (copyNewer) return { hardState: { term: c.term, vote: c.vote, commit: wal.commit }, check: walCut ? 'from-copy' : 'ok' };
  // The copy is written first: an intact WAL ahead of it means the copy missed a write.
  if (walNewer) return { hardState: wal, check: walCut ? 'lost' : 'repaired-copy', detail: `the copy holds term ${c.term}, the WAL term ${wal.term}` };
  return { hardState: wal, check: 'ok' };
}
