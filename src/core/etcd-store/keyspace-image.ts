/**
 * The keyspace's binary image (data format 6): what a member writes once every member reads it
 * (BINARY_KEYSPACE_IMAGE_FORMAT), the JSON image (replica.ts) before; both are read for ever. The
 * JSON image spelled every record's field names and escaped its bytes: 4.34 MB for the node
 * bench's 10,000 keys, and a JSON.parse of it all at a restart.
 *
 *   image   := MAGIC:u8 VERSION:u8 revision compactRevision nKeys key* nLeases lease*
 *              nAlarms alarm* auth
 *   key     := name:latin1 nRecords record*           (keys in byte order, records oldest first)
 *   record  := flags:u8 mod sub [create version lease:num value:latin1]
 *              (flags bit 0: a tombstone, which carries no more)
 *   lease   := id:num ttl:num expiresAt:num ttlMs:num (the TTL the lessor times: a fleet lease's is not whole seconds)
 *   alarm   := member:string alarm:string
 *   auth    := 0 | 1 image:string                       (the auth store's image as JSON: small)
 *   latin1  := length:varuint bytes                     (a key's or value's bytes)
 *   num     := varuint(2n) for a safe integer 0 ≤ n < 2^52 | varuint(1) f64le for any other
 *              (lease ids are the clients' int64s, stamps the leader's clock: as request-codec.ts)
 *
 * Other numbers (revisions, versions) are varuints. A JSON image begins with `{`, never with MAGIC.
 */
import { ByteReader, ByteWriter, SnapshotError } from '../fleet/byte-io.js';
import type { AuthImage } from './auth-store.js';
import type { MvccSnapshot, StoreImageView } from './mvcc.js';

/** The first byte of a binary image. */
export const KEYSPACE_IMAGE_MAGIC = 0xeb;
const VERSION = 1;
/** The data format whose members all read binary keyspace images. */
export const BINARY_KEYSPACE_IMAGE_FORMAT = 6;

type StoreRecord = MvccSnapshot['keys'][number][1][number];
const TOMBSTONE = 1;

/** Whether `image` is a binary keyspace image (else a JSON one). */
export function isBinaryKeyspaceImage(image: Uint8Array): boolean {
  return image.length > 0 && image[0] === KEYSPACE_IMAGE_MAGIC;
}

/**
 * Writes the image of `view` (and `auth`, the auth store's JSON) through `write`, yielding after
 * every `keysPerStep` keys or leases; answers its length. `write`'s bytes are reused once it returns.
 */
export function* writeKeyspaceImage(view: StoreImageView, auth: string | undefined, keysPerStep: number, write: (bytes: Uint8Array, offset: number) => void): Generator<void, number, undefined> {
  const w = new ByteWriter(64 * 1024, write);
  w.u8(KEYSPACE_IMAGE_MAGIC);
  w.u8(VERSION);
  w.varuint(view.revision);
  w.varuint(view.compactRevision);
  w.varuint(view.keyCount);
  let n = 0;
  for (const [key, records] of view.histories()) {
    w.latin1(key);
    w.varuint(records.length);
    for (const r of records) writeRecord(w, r);
    if (++n % keysPerStep === 0) yield;
  }
  w.varuint(view.leaseCount);
  for (const l of view.leases()) {
    writeNum(w, l.id);
    writeNum(w, l.ttl);
    writeNum(w, l.expiresAt);
    writeNum(w, l.ttlMs ?? l.ttl * 1000);
    if (++n % keysPerStep === 0) yield;
  }
  w.varuint(view.alarms.length);
  for (const a of view.alarms) {
    w.string(a.member);
    w.string(a.alarm);
  }
  w.u8(auth === undefined ? 0 : 1);
  if (auth !== undefined) w.string(auth);
  return w.close();
}

function writeRecord(w: ByteWriter, r: StoreRecord): void {
  w.u8(r.deleted ? TOMBSTONE : 0);
  w.varuint(r.mod);
  w.varuint(r.sub ?? 0);
  if (r.deleted) return;
  w.varuint(r.create);
  w.varuint(r.version);
  writeNum(w, r.lease);
  w.latin1(r.value);
}

/** The store and auth state a binary image holds, as the JSON image reads (what MvccStore.restore takes). */
export function readKeyspaceImage(image: Uint8Array): MvccSnapshot & { auth?: AuthImage } {
  const r = new ByteReader(image);
  if (r.u8() !== KEYSPACE_IMAGE_MAGIC) throw new SnapshotError('not a binary keyspace image');
  const version = r.u8();
  if (version !== VERSION) throw new SnapshotError(`keyspace image version ${version} is not supported (this build reads ${VERSION})`);
  const revision = r.varuint();
  const compactRevision = r.varuint();
  const keys: MvccSnapshot['keys'] = [];
  for (let n = r.varuint(); n > 0; n--) {
    const key = r.latin1();
    const records: StoreRecord[] = [];
    for (let m = r.varuint(); m > 0; m--) records.push(readRecord(r));
    keys.push([key, records]);
  }
  const leases: MvccSnapshot['leases'] = [];
  for (let n = r.varuint(); n > 0; n--) {
    const [id, ttl, expiresAt, ttlMs] = [readNum(r), readNum(r), readNum(r), readNum(r)];
    leases.push(ttlMs === ttl * 1000 ? { id, ttl, expiresAt } : { id, ttl, expiresAt, ttlMs });
  }
  const alarms: NonNullable<MvccSnapshot['alarms']> = [];
  for (let n = r.varuint(); n > 0; n--) {
    const member = r.string();
    const alarm = r.string();
    if (alarm !== 'NOSPACE') throw new SnapshotError(`keyspace image: unknown alarm ${JSON.stringify(alarm)}`);
    alarms.push({ member, alarm });
  }
  const auth = r.u8() === 1 ? (JSON.parse(r.string()) as AuthImage) : undefined;
  if (!r.done) throw new SnapshotError('keyspace image: bytes after its end');
  return { revision, compactRevision, keys, leases, ...(alarms.length === 0 ? {} : { alarms }), ...(auth === undefined ? {} : { auth }) };
}

/** A record as the store holds it: `sub` left out when 0, a tombstone's fields as the store writes them. */
function readRecord(r: ByteReader): StoreRecord {
  const flags = r.u8();
  const mod = r.varuint();
  const sub = r.varuint();
  const deleted = (flags & TOMBSTONE) !== 0;
  const create = deleted ? 0 : r.varuint();
  const version = deleted ? 0 : r.varuint();
  const lease = deleted ? 0 : readNum(r);
  const value = deleted ? '' : r.latin1();
  // In the order the store makes a record's fields (`sub` is added by its write), so that a store
  // read back lists them as the one written did.
  return sub === 0 ? { mod, create, version, value, lease, deleted } : { mod, create, version, value, lease, deleted, sub };
}

function writeNum(w: ByteWriter, v: number): void {
  if (Number.isSafeInteger(v) && v >= 0 && v < 2 ** 52) return w.varuint(2 * v);
  w.varuint(1);
  w.f64(v);
}

function readNum(r: ByteReader): number {
  const tag = r.varuint();
  if (tag % 2 === 0) return tag / 2;
  if (tag !== 1) throw new SnapshotError(`keyspace image: a number tagged ${tag}`);
  return r.f64();
}
