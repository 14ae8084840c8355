/**
 * The etcd keyspace as a member replicates it (issue 36, step 2): every write to the MVCC store
 * (mvcc.ts) is one Raft entry, and every member applies the same entries to its own store in
 * the same order. Everything an apply depends on is in the entry: the request, and for leases
 * the leader's wall clock when it proposed it (`at`), never the applying member's clock.
 *
 * An apply that the store refuses (a compacted revision, a lease not found, a txn too large) is
 * refused the same way on every member and changes nothing (the store undoes it): the refusal is
 * the write's answer, not a fault of the member.
 *
 * etcd's auth state (users, roles, key permissions: auth-store.ts) is part of the keyspace, as it
 * is of etcd's backend: changed by entries of its own, kept in the same image. A write made for a
 * user whose keys are checked names that user (`as`), and is checked again when it is applied, so
 * that a permission revoked between the check and the apply is refused in log order (etcd checks
 * its auth revision on apply for the same reason).
 *
 *   etcd request := JSON { at: ms, op: EtcdOp } with every byte string as { "$b": base64 }
 *   etcd image   := JSON MvccSnapshot with latin1 keys and values (mvcc.ts) and, once auth was
 *                   ever changed, "auth": AuthImage; or, once every member reads data format 6,
 *                   the same in binary (keyspace-image.ts); empty for a new store
 */
import { checkInvariant } from '../invariant.js';
import { AuthError, EtcdAuthStore, type AuthImage, type AuthOp } from './auth-store.js';
import { isBinaryKeyspaceImage, readKeyspaceImage, writeKeyspaceImage } from './keyspace-image.js';
import { MvccError, MvccStore, runSteps, txnDeletes, type Lease, type MvccSnapshot, type RequestOp, type StoreAlarm, type StoreImageView, type TxnRequest, type TxnResponse } from './mvcc.js';

/** One replicated write to the keyspace. */
export type EtcdOp =
  /** `as`: the etcd user whose permissions the txn is checked against on apply (absent: a caller every key is open to). */
  | { readonly type: 'txn'; readonly txn: TxnRequest; readonly as?: string }
  | { readonly type: 'compact'; readonly revision: number }
  /**
   * `ttlMs`: a fleet lease's TTL in milliseconds (over `ttl`). Set only by the registry's own apply
   * of a lease command (fleet/lease-book.ts), in process: never logged, so the codecs leave it out.
   */
  | { readonly type: 'lease-grant'; readonly id: number; readonly ttl: number; readonly ttlMs?: number }
  /** `as`: as a txn's; revoking needs write permission on every key attached (etcd's checkLeasePuts). */
  | { readonly type: 'lease-revoke'; readonly id: number; readonly as?: string }
  /** A change to etcd's users, roles or permissions, or auth enabled or disabled; `as`: the etcd user asking, who must be root on apply. */
  | { readonly type: 'auth'; readonly auth: AuthOp; readonly as?: string }
  /** `ttlMs`: as a grant's, a fleet renewal's new TTL (in process only). */
  | { readonly type: 'lease-renew'; readonly id: number; readonly ttlMs?: number }
  /** The leader's expiry of leases it found due at `at`: revoked only if still due by the entry's time. */
  | { readonly type: 'lease-expire'; readonly ids: readonly number[] }
  /** etcd's Maintenance.Alarm ACTIVATE / DEACTIVATE: NOSPACE raised by the member that found the store over its quota, or cleared by an operator. */
  | { readonly type: 'alarm'; readonly action: 'activate' | 'deactivate'; readonly alarm: StoreAlarm };

/** A replicated write and the leader's wall clock (ms) when it proposed it. */
export interface EtcdRequest {
  readonly at: number;
  readonly op: EtcdOp;
}

/** The answer of one applied write: the store's response, or etcd's refusal (same on every member). */
export type EtcdAnswer =
  | { readonly ok: true; readonly revision: number; readonly txn?: TxnResponse; readonly lease?: Lease; readonly revoked?: readonly number[] }
  | { readonly ok: false; readonly error: { readonly message: string; readonly code: MvccError['code'] | 'auth'; readonly compactRevision?: number } };

const BYTES = '$b';
/** An empty etcd keyspace is at revision 1, as etcd's: the first write is revision 2. */
export const ETCD_START_REVISION = 1;

/** JSON with byte strings as `{ "$b": base64 }`. */
export function encodeEtcdRequest(req: EtcdRequest): Uint8Array {
  const json = JSON.stringify(req, function (this: Record<string, unknown>, key, value: unknown) {
    const raw = this[key];
    return raw instanceof Uint8Array ? { [BYTES]: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64') } : value;
  });
  return Buffer.from(json, 'utf8');
}

export function decodeEtcdRequest(body: Uint8Array): EtcdRequest {
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  const req = JSON.parse(text, (_key, value: unknown) => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const o = value as Record<string, unknown>;
      const b = o[BYTES];
      if (typeof b === 'string' && Object.keys(o).length === 1) return new Uint8Array(Buffer.from(b, 'base64'));
    }
    return value;
  }) as EtcdRequest;
  if (typeof req?.at !== 'number' || typeof req.op?.type !== 'string') throw new Error('etcd request entry: not a request');
  return req;
}

/**
 * The keyspace one member holds, and what applies the log's etcd entries to it. The store changes
 * only in `apply` and `restore`, so members that applied the same entries hold the same store:
 * `apply` checks that its revision is where the last of them left it.
 */
export class EtcdReplica {
  private current = new MvccStore(ETCD_START_REVISION);
  private authState = new EtcdAuthStore();
  /** The store's revision as the last `apply` or `restore` left it. */
  private settled = ETCD_START_REVISION;

  /** The store, for reads (never written through this reference). */
  get store(): MvccStore {
    return this.current;
  }

  /** etcd's users, roles and permissions, for checks (never changed through this reference). */
  get auth(): EtcdAuthStore {
    return this.authState;
  }

  apply(req: EtcdRequest): EtcdAnswer {
    // A txn that deletes nothing never yields: applied without the steps' generators (MvccStore.txnNow).
    if (req.op.type === 'txn' && !txnDeletes(req.op.txn)) return this.applyTxnNow(req.op);
    return runSteps(this.applySteps(req));
  }

  /** `apply` of a txn without deletes: what `applySteps` does for it, in one go. */
  private applyTxnNow(op: Extract<EtcdOp, { type: 'txn' }>): EtcdAnswer {
    checkInvariant(this.current.revision === this.settled, 'replica-changes-only-in-apply', () => `the store is at revision ${this.current.revision}, the last apply or restore left it at ${this.settled}`);
    let answer: EtcdAnswer;
    try {
      this.checkTxn(op);
      const txn = this.current.txnNow(op.txn);
      answer = { ok: true, revision: txn.revision, txn };
    } catch (err) {
      answer = refusalOf(err);
    }
    this.settled = this.current.revision;
    return answer;
  }

  /** What a txn must pass before it runs: its user's permissions, and room when it grows the store. */
  private checkTxn(op: Extract<EtcdOp, { type: 'txn' }>): void {
    const s = this.current;
    if (op.as !== undefined && !this.authState.permits(op.as, EtcdAuthStore.txnChecks(op.txn, (id) => s.leaseKeys(id)))) throw new AuthError('permissionDenied');
    if (growsStore(op.txn)) s.checkSpace();
  }

  /**
   * `apply` of a txn that puts one key with no lease, named as the store names keys and values
   * (MvccStore.putNamed): fleet's KV writes, on every member, the same change by a shorter path.
   */
  putNamed(key: string, value: string): { readonly ok: true; readonly create: number; readonly mod: number; readonly version: number } | { readonly ok: false; readonly message: string } {
    checkInvariant(this.current.revision === this.settled, 'replica-changes-only-in-apply', () => `the store is at revision ${this.current.revision}, the last apply or restore left it at ${this.settled}`);
    try {
      this.current.checkSpace();
      const rec = this.current.putNamed(key, value);
      this.settled = this.current.revision;
      return { ok: true, create: rec.create, mod: rec.mod, version: rec.version };
    } catch (err) {
      if (err instanceof MvccError) return { ok: false, message: err.message };
      throw err;
    }
  }

  /**
   * `apply` in steps: a txn that changes many keys yields every WRITES_PER_STEP of them
   * (MvccStore.txnSteps), so that a member applies it across turns of its loop. No other write
   * may be applied until its last step.
   */
  *applySteps(req: EtcdRequest): Generator<void, EtcdAnswer, undefined> {
    checkInvariant(this.current.revision === this.settled, 'replica-changes-only-in-apply', () => `the store is at revision ${this.current.revision}, the last apply or restore left it at ${this.settled}`);
    const answer = yield* this.applyOnce(req);
    this.settled = this.current.revision;
    return answer;
  }

  private *applyOnce(req: EtcdRequest): Generator<void, EtcdAnswer, undefined> {
    try {
      return yield* this.run(req);
    } catch (err) {
      return refusalOf(err);
    }
  }

  private *run(req: EtcdRequest): Generator<void, EtcdAnswer, undefined> {
    const s = this.current;
    const op = req.op;
    switch (op.type) {
      case 'txn': {
        this.checkTxn(op);
        const txn = yield* s.txnSteps(op.txn);
        return { ok: true, revision: txn.revision, txn };
      }
      case 'compact':
        yield* s.compactSteps(op.revision);
        return { ok: true, revision: s.revision };
      case 'lease-grant':
        s.checkSpace();
        return { ok: true, revision: s.revision, lease: s.leaseGrant(op.id, op.ttl, req.at, op.ttlMs) };
      case 'lease-revoke':
        if (op.as !== undefined && !this.authState.permits(op.as, s.leaseKeys(op.id).map((key) => ({ access: 'write', key, rangeEnd: '' })))) throw new AuthError('permissionDenied');
        return { ok: true, revision: s.leaseRevoke(op.id) };
      case 'lease-renew':
        return { ok: true, revision: s.revision, lease: s.leaseRenew(op.id, req.at, op.ttlMs) };
      case 'lease-expire': {
        // A keep-alive applied since the leader looked may have saved a lease: judge by the entry's time.
        const revoked = op.ids.filter((id) => s.leaseExpired(id, req.at));
        for (const id of revoked) s.leaseRevoke(id);
        return { ok: true, revision: s.revision, revoked };
      }
      case 'alarm':
        if (op.action === 'activate') s.activateAlarm(op.alarm);
        else s.deactivateAlarm(op.alarm);
        return { ok: true, revision: s.revision };
      case 'auth':
        // Management is root's: a root user who lost the role since the check is refused here.
        if (op.as !== undefined && this.authState.enabled && !this.authState.isRoot(op.as)) throw new AuthError('permissionDenied');
        this.authState.apply(op.auth);
        return { ok: true, revision: s.revision };
    }
  }

  /**
   * fleet's KV moved in from the registry at one revision, versions kept (MvccStore.importKeys):
   * called by the registry's apply of the entry that moves it, on every member at the same index.
   * Refused whole, changing nothing, while the store is over its space quota.
   */
  importKeys(records: Parameters<MvccStore['importKeys']>[0], atLeast: number): { ok: true; revision: number } | { ok: false; message: string } {
    checkInvariant(this.current.revision === this.settled, 'replica-changes-only-in-apply', () => `the store is at revision ${this.current.revision}, the last apply or restore left it at ${this.settled}`);
    try {
      this.current.checkSpace();
    } catch (err) {
      if (err instanceof MvccError) return { ok: false, message: err.message };
      throw err;
    }
    this.settled = this.current.importKeys(records, atLeast);
    return { ok: true, revision: this.settled };
  }

  /** The whole keyspace as bytes; empty for a store that was never written (so a member image stays as before). */
  snapshot(): Uint8Array {
    const s = this.current;
    if (this.pristine()) return new Uint8Array(0);
    const image: MvccSnapshot & { auth?: AuthImage } = s.snapshot();
    if (!this.authState.pristine) image.auth = this.authState.image();
    return Buffer.from(JSON.stringify(image), 'utf8');
  }

  /** Whether nothing was ever written to the keys or to auth. */
  private pristine(): boolean {
    return this.current.isPristine(ETCD_START_REVISION) && this.authState.pristine;
  }

  /**
   * The same bytes as `snapshot()` (or with `binary`, the same state in binary, which members
   * of data format 6 read), written in steps from a view of the store as it is now while writes
   * go on: undefined for a store never written. One `JSON.stringify` of 60,000 keys of 512 bytes
   * held the loop 440–620 ms (BENCHMARKS.md), longer than an election timeout.
   */
  beginImage(keysPerStep = KEYS_PER_STEP, binary = false): EtcdImageJob | undefined {
    if (this.pristine()) return undefined;
    // The auth state is small (bounded by AUTH_LIMITS): taken whole now, as of the view's revision.
    const auth = this.authState.pristine ? undefined : JSON.stringify(this.authState.image());
    return new EtcdImageJob(this.current.beginImage(), keysPerStep, auth, binary);
  }

  restore(image: Uint8Array | undefined): void {
    if (image === undefined || image.length === 0) {
      this.current = new MvccStore(ETCD_START_REVISION);
      this.authState = new EtcdAuthStore();
      this.settled = this.current.revision;
      return;
    }
    const snap = isBinaryKeyspaceImage(image) ? readKeyspaceImage(image) : (JSON.parse(Buffer.from(image.buffer, image.byteOffset, image.byteLength).toString('utf8')) as MvccSnapshot & { auth?: AuthImage });
    this.current = MvccStore.restore(snap);
    this.authState = EtcdAuthStore.restore(snap.auth);
    this.settled = this.current.revision;
  }
}

/** Whether a txn may put (in either branch, nested ones included): what a NOSPACE alarm refuses, as etcd's quota counts a txn's cost. */
/** The answer to a request the keyspace refused (an auth or a store error); anything else is rethrown. */
function refusalOf(err: unknown): EtcdAnswer {
  if (err instanceof AuthError) return { ok: false, error: { message: err.message, code: 'auth' } };
  if (err instanceof MvccError) return { ok: false, error: { message: err.message, code: err.code, ...(err.compactRevision === undefined ? {} : { compactRevision: err.compactRevision }) } };
  throw err;
}

export function growsStore(txn: TxnRequest): boolean {
  return opsGrow(txn.success) || opsGrow(txn.failure);
}

function opsGrow(ops: readonly RequestOp[] | undefined): boolean {
  for (const op of ops ?? []) if ('put' in op || ('txn' in op && growsStore(op.txn))) return true;
  return false;
}

/** Keys serialized between two steps of an image: about a millisecond of work. */
const KEYS_PER_STEP = 256;

/**
 * The keyspace's image written a few hundred keys a step: the JSON text of `MvccStore.snapshot()`,
 * byte for byte, which any member reads, or with `binary` the binary image (keyspace-image.ts).
 */
export class EtcdImageJob {
  #length: number | undefined;

  constructor(
    private readonly view: StoreImageView,
    private readonly keysPerStep: number,
    /** The auth state's JSON, absent when it was never changed (the image is then as before auth). */
    private readonly auth?: string,
    private readonly binary = false,
  ) {}

  /** Writes the image from offset 0 on, yielding between steps; `write`'s bytes may be reused once it returns. */
  *steps(write: (bytes: Uint8Array, offset: number) => void): Generator<void, void, undefined> {
    if (this.binary) {
      this.#length = yield* writeKeyspaceImage(this.view, this.auth, this.keysPerStep, write);
      return;
    }
    let offset = 0;
    const emit = (text: string): void => {
      const bytes = Buffer.from(text, 'utf8');
      write(bytes, offset);
      offset += bytes.length;
    };
    const v = this.view;
    emit(`{"revision":${v.revision},"compactRevision":${v.compactRevision},"keys":[`);
    let part: string[] = [];
    let first = true;
    const flush = (): void => {
      emit((first ? '' : ',') + part.join(','));
      first = false;
      part = [];
    };
    for (const entry of v.histories()) {
      part.push(JSON.stringify(entry));
      if (part.length < this.keysPerStep) continue;
      flush();
      yield;
    }
    if (part.length > 0) {
      flush();
      yield;
    }
    emit(`],"leases":${JSON.stringify([...v.leases()])}${v.alarms.length === 0 ? '' : `,"alarms":${JSON.stringify(v.alarms)}`}${this.auth === undefined ? '' : `,"auth":${this.auth}`}}`);
    this.#length = offset;
  }

  /** The image's length, once its steps have all run. */
  get length(): number {
    if (this.#length === undefined) throw new Error('EtcdImageJob.length: the steps have not all run');
    return this.#length;
  }
}

