/**
 * `fleet debug log`: a member's write-ahead log as records, read-only (like etcd-dump-logs). It
 * reads the segment files directly, without the storage's lock, so it works on a stopped member
 * and on a running one (whose newest records it may see half-written). Unlike recovery it does
 * not stop at damage: it names the damaged record's file and offset and goes on from the next
 * record that checks out, so an operator sees what the damage cost.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { decodeCommand } from '../core/fleet/index.js';
import { decodeConfChange, type EntryType } from '../core/raft/index.js';
import { decodeRecord, RECORD_ALIGN, type WalRecord } from '../core/storage/record-codec.js';

/** One record as `fleet debug log` shows it. `file` is relative to the directory given. */
export type LogRecordView =
  | (RecordPlace & { readonly kind: 'entry'; readonly index: number; readonly term: number; readonly type: EntryType; readonly command: unknown })
  | (RecordPlace & { readonly kind: 'hard-state'; readonly term: number; readonly vote: string; readonly commit: number })
  | (RecordPlace & { readonly kind: 'header'; readonly seq: number; readonly firstIndex: number; readonly prevTerm: number; readonly reset: boolean })
  | (RecordPlace & { readonly kind: 'mark'; readonly syncedOffset: number });

/** Where a record lies and its frame: what `--raw` shows. */
export interface RecordPlace {
  readonly file: string;
  readonly offset: number;
  /** Bytes of the record's body (its frame's length field). */
  readonly bytes: number;
  /** The CRC-32 its frame carries (it checked out, or the record would be damage). */
  readonly crc: number;
}

/** Bytes that do not decode as a record, up to where decoding resumed (or the end of the data). */
export interface LogDamage {
  readonly file: string;
  readonly offset: number;
  readonly reason: string;
  /** Where the next valid record starts in the same file, or null if none does. */
  readonly resumedAt: number | null;
}

export interface DebugLogOptions {
  readonly from?: number;
  readonly to?: number;
  /** Entry types to keep (all if empty). */
  readonly types?: readonly EntryType[];
  /** Every record (headers, hard states, marks), not only entries. */
  readonly raw?: boolean;
}

export interface DebugLogResult {
  /** The wal/ directory read. */
  readonly walDir: string;
  readonly segments: readonly { readonly file: string; readonly bytes: number }[];
  readonly records: readonly LogRecordView[];
  readonly damage: readonly LogDamage[];
}

/** Reads the WAL under `dir` (a member's data dir, its raft/ directory or its wal/ directory). Throws an Error naming the path. */
export async function readDebugLog(dir: string, opts: DebugLogOptions = {}): Promise<DebugLogResult> {
  const walDir = await findWalDir(dir);
  const names = (await readdir(walDir)).filter((n) => /^\d{16}-\d{16}\.wal$/.test(n)).sort();
  const segments: { file: string; bytes: number }[] = [];
  const records: LogRecordView[] = [];
  const damage: LogDamage[] = [];
  for (const name of names) {
    const buf = await readFile(path.join(walDir, name));
    segments.push({ file: name, bytes: buf.length });
    scanAll(name, buf, (r) => {
      if (keep(r, opts)) records.push(r);
    }, (d) => damage.push(d));
  }
  return { walDir, segments, records, damage };
}

async function findWalDir(dir: string): Promise<string> {
  for (const candidate of [path.join(dir, 'raft', 'wal'), path.join(dir, 'wal'), dir]) {
    const st = await stat(candidate).catch(() => undefined);
    if (st?.isDirectory() && (await readdir(candidate)).some((n) => n.endsWith('.wal'))) return candidate;
  }
  const st = await stat(dir).catch((err: NodeJS.ErrnoException) => err);
  if (st instanceof Error) throw new Error(`${dir}: ${st.code === 'ENOENT' ? 'no such directory' : st.message}`);
  throw new Error(`${dir}: no WAL segments there, nor in ${path.join(dir, 'raft', 'wal')} or ${path.join(dir, 'wal')} (give a member's --data-dir)`);
}

/** Decodes every record of a segment image, resuming after damage at the next record that checks out. */
function scanAll(file: string, buf: Buffer, onRecord: (r: LogRecordView) => void, onDamage: (d: LogDamage) => void): void {
  let pos = 0;
  while (pos < buf.length) {
    if (isZeroFrame(buf, pos)) {
      // Free (preallocated) space, unless something valid follows it.
      const next = resume(buf, pos + RECORD_ALIGN);
      if (next === null) return;
      onDamage({ file, offset: pos, reason: 'zero bytes before later records', resumedAt: next });
      pos = next;
      continue;
    }
    const decoded = decodeRecord(buf, pos);
    if (!decoded.ok) {
      const next = resume(buf, pos + RECORD_ALIGN);
      onDamage({ file, offset: pos, reason: decoded.reason, resumedAt: next });
      if (next === null) return;
      pos = next;
      continue;
    }
    onRecord(view(file, buf, pos, decoded.record));
    pos = decoded.next;
  }
}

/** The next aligned offset at or after `from` where a record decodes, or null. */
function resume(buf: Buffer, from: number): number | null {
  for (let q = from; q + 8 <= buf.length; q += RECORD_ALIGN) {
    if (!isZeroFrame(buf, q) && decodeRecord(buf, q).ok) return q;
  }
  return null;
}

function isZeroFrame(buf: Buffer, pos: number): boolean {
  for (let i = pos; i < Math.min(pos + 8, buf.length); i++) if (buf[i] !== 0) return false;
  return true;
}

function view(file: string, buf: Buffer, offset: number, r: WalRecord): LogRecordView {
  const place: RecordPlace = { file, offset, bytes: buf.readUInt32LE(offset + 4), crc: buf.readUInt32LE(offset) };
  switch (r.kind) {
    case 'entry':
      return { ...place, kind: 'entry', index: r.entry.index, term: r.entry.term, type: r.entry.type, command: describe(r.entry.type, r.entry.data) };
    case 'hard-state':
      return { ...place, kind: 'hard-state', term: r.hardState.term, vote: r.hardState.vote, commit: r.hardState.commit };
    case 'header':
      return { ...place, kind: 'header', seq: r.header.seq, firstIndex: r.header.firstIndex, prevTerm: r.header.prevTerm, reset: r.header.reset };
    case 'mark':
      return { ...place, kind: 'mark', syncedOffset: r.syncedOffset };
  }
}

/** An entry's payload decoded: a registry command envelope, a membership change, or nothing (no-op). */
function describe(type: EntryType, data: Uint8Array): unknown {
  try {
    if (type === 'conf-change') return decodeConfChange(data);
    if (type === 'noop' || data.length === 0) return null;
    return decodeCommand(data);
  } catch (err) {
    return { undecodable: (err as Error).message };
  }
}

function keep(r: LogRecordView, opts: DebugLogOptions): boolean {
  if (r.kind !== 'entry') return opts.raw === true;
  if (opts.from !== undefined && r.index < opts.from) return false;
  if (opts.to !== undefined && r.index > opts.to) return false;
  return opts.types === undefined || opts.types.length === 0 || opts.types.includes(r.type);
}
