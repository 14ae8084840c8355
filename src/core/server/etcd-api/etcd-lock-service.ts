/**
 * etcd's Lock (`v3lockpb`) and Election (`v3electionpb`) services on a member's client port
 * (issue 36), for the clients that call them rather than building the recipes on KV, Lease and
 * Watch themselves (jetcd's lock and election clients, etcd-client's `lock` and `campaign` in Rust).
 * They follow etcd's server, which runs clientv3's concurrency recipes with the caller's lease:
 *
 * - a holder or candidate is the key `NAME/LEASE-IN-HEX`, put with its lease if it is not there
 *   (one holder per lease), so its create revision orders the queue;
 * - its turn comes when no key under `NAME/` created before it is left; a key's lease expiring
 *   or being revoked deletes it, and so ends its turn;
 * - Unlock and Resign delete the key; Proclaim puts a new value if the key is still the one that
 *   won (its create revision).
 *
 * Every write goes through the KV and Lease handlers with the caller's metadata (`invoke`), so it
 * is authorized as the caller and proposed here or forwarded to the leader like any etcd write.
 * The wait reads this member's own store, once it has applied the caller's key: a key created
 * before it that is gone from the store then was deleted, whatever the member's lag.
 */
import { Metadata, status, type sendUnaryData, type ServerUnaryCall, type ServerWritableStream, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { keyName, type KeyValue, type MvccStore, type RangeRequest } from '../../etcd-store/mvcc.js';
import { AUTH_ERRORS, EtcdAuthStore } from '../../etcd-store/auth-store.js';
import { authorizeCall, etcdKeysUser, type AuthOptions } from '../guard/auth.js';
import { runBudgeted, type StreamBudget } from '../guard/bounds.js';
import { toGrpcError } from './etcd-kv-service.js';
import type { KeyspaceWatchHub } from '../../etcd-store/watch-hub.js';
import { kvToWire, type WireHeader, type WireKeyValue } from './etcd-wire.js';
import { prefixEnd } from '../../../common/etcd-keys.js';

/** What the services need of the member. */
export interface EtcdLockNode {
  etcdStore(): MvccStore;
  keyspaceWatchers(): KeyspaceWatchHub;
  readEtcd<T>(linearizable: boolean, query: (store: MvccStore) => T): Promise<{ value: T; index: number }>;
}

/** The KV and Lease methods the recipes write with. */
export type InvokedPath = '/etcdserverpb.KV/Txn' | '/etcdserverpb.KV/DeleteRange' | '/etcdserverpb.Lease/LeaseGrant';

export interface EtcdLockOptions {
  readonly auth: AuthOptions;
  readonly header: (revision: number) => WireHeader;
  /** Runs a KV or Lease method as a client's call with `metadata` would run: authorized, then proposed here or forwarded. */
  readonly invoke: (path: InvokedPath, request: object, metadata: Metadata) => Promise<unknown>;
  /** The member's budget of etcd streams, which Observe streams count against (bounds.ts); none: unbounded. */
  readonly streams?: StreamBudget | undefined;
}

/** A txn's answer as the KV handler gives it (local or forwarded alike). */
interface WireTxnAnswer {
  header: { revision: string };
  succeeded: boolean;
  responses: { responseRange?: { kvs: WireKeyValue[] } }[];
}

interface WireLeaderKey {
  name: Buffer;
  key: Buffer;
  rev: string;
  lease: string;
}

type GrpcError = { code: status; details: string };

/** etcd's answers for these services: clientv3's concurrency errors travel with code UNKNOWN. */
const ERRORS = {
  noLeader: { code: status.UNKNOWN, details: 'election: no leader' },
  notLeader: { code: status.UNKNOWN, details: 'election: not leader' },
  missingLeader: { code: status.UNKNOWN, details: '"leader" field must be provided' },
  lockExpired: { code: status.UNKNOWN, details: 'mutex: session is expired' },
  campaignExpired: { code: status.UNKNOWN, details: 'election: session is expired' },
  cancelled: { code: status.CANCELLED, details: 'context canceled' },
} as const satisfies Record<string, GrpcError>;

/** A session's default TTL in clientv3 (seconds): the lease etcd grants a Lock or Campaign sent without one. */
const DEFAULT_SESSION_TTL_S = 60;

/** `NAME/` and the key of `lease` under it, as clientv3's Mutex and Election name them. */
function queueKeys(name: Uint8Array, lease: number): { prefix: Buffer; key: Buffer } {
  const prefix = Buffer.concat([name, Buffer.from('/')]);
  return { prefix, key: Buffer.concat([prefix, Buffer.from(lease.toString(16))]) };
}

/** The oldest key under `prefix` (the holder, or the leader), if any. */
function oldestUnder(store: MvccStore, prefix: Buffer): KeyValue | undefined {
  const req: RangeRequest = { key: prefix, rangeEnd: prefixEnd(prefix), sortOrder: 'ascend', sortTarget: 'create', limit: 1 };
  return store.range(req).kvs[0];
}

/** Whether the store holds a key under `prefix` created before revision `rev`. */
function olderUnder(store: MvccStore, prefix: Buffer, rev: number): boolean {
  if (rev <= 1) return false;
  return store.range({ key: prefix, rangeEnd: prefixEnd(prefix), maxCreateRevision: rev - 1, countOnly: true }).count > 0;
}

/** A call's end (cancelled by the client, or its deadline), as a promise that never resolves otherwise. */
function ended(call: { on(event: 'cancelled', listener: () => void): unknown }): { promise: Promise<never>; done: boolean } {
  const state = { done: false };
  const promise = new Promise<never>((_, reject) => call.on('cancelled', () => ((state.done = true), reject(ERRORS.cancelled))));
  promise.catch(() => undefined);
  return Object.assign(state, { promise });
}

/**
 * The oldest key under each observed prefix, read once per revision however many Observe streams
 * of the election ask (each used to sort the election's keys itself, at every write).
 */
class OldestUnder {
  readonly #cache = new Map<string, { revision: number; kv: KeyValue | undefined }>();

  of(store: MvccStore, prefix: Buffer): KeyValue | undefined {
    const name = keyName(prefix);
    const hit = this.#cache.get(name);
    if (hit?.revision === store.revision) return hit.kv;
    // Names no longer observed are forgotten wholesale; a few range reads bring back the live ones.
    if (this.#cache.size >= 1024) this.#cache.clear();
    const kv = oldestUnder(store, prefix);
    this.#cache.set(name, { revision: store.revision, kv });
    return kv;
  }
}

export function createEtcdLockServices(node: EtcdLockNode, o: EtcdLockOptions): { lock: UntypedServiceImplementation; election: UntypedServiceImplementation } {
  const r = new LockRecipes(node, o);
  const lock: UntypedServiceImplementation = {
    Lock: r.unary<{ name: Buffer; lease: string }>(async (req, call) => {
      const held = await r.queueAndWait({ name: req.name, lease: req.lease }, call as ServerUnaryCall<unknown, unknown>, ERRORS.lockExpired);
      return { header: held.header, key: held.key };
    }),
    Unlock: r.unary<{ key: Buffer }>(async (req, call) => {
      const a = (await o.invoke('/etcdserverpb.KV/DeleteRange', { key: req.key }, call.metadata)) as { header: WireHeader };
      return { header: a.header };
    }),
  };

  const leaderKeyOf = (req: { leader?: WireLeaderKey | null }): WireLeaderKey => {
    if (!req.leader) throw ERRORS.missingLeader;
    return req.leader;
  };

  const election: UntypedServiceImplementation = {
    Campaign: r.unary<{ name: Buffer; lease: string; value: Buffer }>(async (req, call) => {
      const won = await r.queueAndWait({ name: req.name, lease: req.lease, value: req.value }, call as ServerUnaryCall<unknown, unknown>, ERRORS.campaignExpired);
      return { header: won.header, leader: { name: req.name, key: won.key, rev: String(won.rev), lease: String(won.lease) } };
    }),
    Proclaim: r.unary<{ leader?: WireLeaderKey | null; value: Buffer }>(async (req, call) => {
      const leader = leaderKeyOf(req);
      const a = await r.txn({ compare: [{ result: 'EQUAL', target: 'CREATE', key: leader.key, createRevision: leader.rev }], success: [{ requestPut: { key: leader.key, value: req.value, lease: leader.lease } }], failure: [] }, call.metadata);
      if (!a.succeeded) throw ERRORS.notLeader;
      return { header: o.header(Number(a.header.revision)) };
    }),
    Resign: r.unary<{ leader?: WireLeaderKey | null }>(async (req, call) => {
      const leader = leaderKeyOf(req);
      // As clientv3's Resign: no error when the key is no longer the leader's.
      const a = await r.withdraw(leader.key, Number(leader.rev), call.metadata);
      return { header: o.header(Number(a.header.revision)) };
    }),
    Leader: r.unary<{ name: Buffer }>(async (req, call) => {
      const prefix = queueKeys(req.name, 0).prefix;
      r.checkPrefixRead(call.metadata, prefix);
      const { value } = await node.readEtcd(true, (store) => ({ kv: oldestUnder(store, prefix), revision: store.revision }));
      if (value.kv === undefined) throw ERRORS.noLeader;
      return { header: o.header(value.revision), kv: kvToWire(value.kv) };
    }),
    Observe: (call: ServerWritableStream<{ name: Buffer }, unknown>) => runBudgeted(o.streams, call, (c) => r.observe(c)),
  };

  return { lock, election };
}

/** What etcd's Lock and Election services are made of: a queue of keys under a prefix, each waiting for its turn. */
class LockRecipes {
  private readonly oldest = new OldestUnder();

  constructor(
    private readonly node: EtcdLockNode,
    private readonly o: EtcdLockOptions,
  ) {}

  /** Calls `listener` after each applied write under `prefix` (the member's watch hub); returns its removal. */
  private onWritesUnder(prefix: Buffer, listener: () => void): () => void {
    return this.node.keyspaceWatchers().watch(prefix, prefixEnd(prefix), () => listener());
  }

  txn(request: object, md: Metadata): Promise<WireTxnAnswer> {
    return this.o.invoke('/etcdserverpb.KV/Txn', request, md) as Promise<WireTxnAnswer>;
  }

  /** A unary handler: the caller's role for this method, then `run`; errors as gRPC errors. */
  unary<Req>(run: (req: Req, call: ServerUnaryCall<Req, unknown>) => Promise<unknown>) {
    return (call: ServerUnaryCall<Req, unknown>, cb: sendUnaryData<unknown>): void => {
      const refused = authorizeCall(call, this.o.auth);
      if (refused) return void cb(refused as GrpcError);
      run(call.request, call).then((res) => cb(null, res), (err: unknown) => cb(asRecipeError(toGrpcError(err))));
    };
  }

  /** The caller's lease, or a new one of clientv3's default session TTL when it sent none (as etcd's server does). */
  private async leaseOf(lease: string, md: Metadata): Promise<number> {
    if (Number(lease) > 0) return Number(lease);
    const granted = (await this.o.invoke('/etcdserverpb.Lease/LeaseGrant', { TTL: String(DEFAULT_SESSION_TTL_S), ID: '0' }, md)) as { ID: string };
    return Number(granted.ID);
  }

  /**
   * Puts `key` with `lease` unless it is there, and answers with its create revision, whether it
   * was put now, and the existing key's value when it was not.
   */
  private async enqueue(key: Buffer, value: Buffer, lease: number, md: Metadata): Promise<{ rev: number; header: { revision: string }; existing?: WireKeyValue }> {
    const a = await this.txn({
      compare: [{ result: 'EQUAL', target: 'CREATE', key, createRevision: '0' }],
      success: [{ requestPut: { key, value, lease: String(lease) } }],
      failure: [{ requestRange: { key } }],
    }, md);
    if (a.succeeded) return { rev: Number(a.header.revision), header: a.header };
    const existing = a.responses[0]?.responseRange?.kvs[0];
    // Deleted between the compare and the range cannot happen within one txn; a lease gone can.
    if (existing === undefined) throw ERRORS.lockExpired;
    return { rev: Number(existing.createRevision), header: a.header, existing };
  }

  /**
   * Resolves once `key` (created at `rev`) is the oldest under `prefix` on this member's store;
   * rejects with `expired` if the key is gone first (its lease ended), or when the call ends.
   */
  private waitForTurn(prefix: Buffer, key: Buffer, rev: number, expired: GrpcError, end: ReturnType<typeof ended>): Promise<number> {
    let stop = (): void => undefined;
    const turn = new Promise<number>((resolve, reject) => {
      const check = (): void => {
        const store = this.node.etcdStore();
        if (store.revision < rev) return;
        const mine = store.range({ key }).kvs[0];
        if (mine?.createRevision !== rev) return void reject(expired);
        if (!olderUnder(store, prefix, rev)) resolve(store.revision);
      };
      stop = this.onWritesUnder(prefix, check);
      check();
    });
    return Promise.race([turn, end.promise]).finally(() => stop());
  }

  /** Deletes `key` if it is still the one created at `rev` (a waiter that gave up leaves no key behind). */
  withdraw(key: Buffer, rev: number, md: Metadata): Promise<WireTxnAnswer> {
    return this.txn({ compare: [{ result: 'EQUAL', target: 'CREATE', key, createRevision: String(rev) }], success: [{ requestDeleteRange: { key } }], failure: [] }, md);
  }

  /**
   * etcd's read permission on a queue's prefix, which its recipes read on the caller's behalf (the
   * writes are checked by the KV handlers they go through): what the caller's own Get would need.
   */
  checkPrefixRead(md: Metadata, prefix: Buffer): void {
    const user = etcdKeysUser(md, this.o.auth);
    const auth = this.o.auth.etcdUsers?.auth();
    if (user !== undefined && auth !== undefined && !auth.permits(user, EtcdAuthStore.opChecks({ range: { key: prefix, rangeEnd: prefixEnd(prefix) } }, () => []))) {
      throw { code: status.PERMISSION_DENIED, details: AUTH_ERRORS.permissionDenied };
    }
  }

  /** Queues (name, lease, value), waits for its turn; the key, its create revision and the header of the write. */
  async queueAndWait(req: { name: Buffer; lease: string; value?: Buffer }, call: ServerUnaryCall<unknown, unknown>, expired: GrpcError) {
    const end = ended(call);
    const lease = await this.leaseOf(req.lease, call.metadata);
    const { prefix, key } = queueKeys(req.name, lease);
    this.checkPrefixRead(call.metadata, prefix);
    const value = req.value ?? Buffer.alloc(0);
    const queued = await this.enqueue(key, value, lease, call.metadata);
    // A candidate already queued with this lease and another value says the new one (clientv3's Campaign).
    if (queued.existing !== undefined && req.value !== undefined && !queued.existing.value.equals(value)) {
      const p = await this.txn({ compare: [{ result: 'EQUAL', target: 'CREATE', key, createRevision: String(queued.rev) }], success: [{ requestPut: { key, value, lease: String(lease) } }], failure: [] }, call.metadata);
      if (!p.succeeded) throw expired;
    }
    try {
      await this.waitForTurn(prefix, key, queued.rev, expired, end);
    } catch (err) {
      // Given up (cancelled, or a deadline): leave no key in the queue, as clientv3's Mutex does.
      if (end.done) await this.withdraw(key, queued.rev, call.metadata).catch(() => undefined);
      throw err;
    }
    return { key, lease, rev: queued.rev, header: this.o.header(Number(queued.header.revision)) };
  }

  /**
   * Every leader of the election and each value it proclaims, from the current one on: after each
   * write this member applies, the oldest key under the prefix, if it changed (another key, or a
   * new value of the same).
   */
  observe(call: ServerWritableStream<{ name: Buffer }, unknown>): void {
    const { node, o } = this;
    const refused = authorizeCall(call, o.auth);
    if (refused) return void call.emit('error', refused);
    const prefix = queueKeys(call.request.name, 0).prefix;
    try {
      this.checkPrefixRead(call.metadata, prefix);
    } catch (err) {
      return void call.emit('error', asRecipeError(err as GrpcError));
    }
    let last: { key: string; mod: number } | undefined;
    // While the client does not read, changes are not queued: the leader it reads next is the newest.
    let blocked = false;
    let missed = false;
    const send = (): void => {
      if (blocked) return void (missed = true);
      const store = node.etcdStore();
      const kv = this.oldest.of(store, prefix);
      if (kv === undefined) return;
      const key = Buffer.from(kv.key).toString('hex');
      if (last !== undefined && last.key === key && last.mod === kv.modRevision) return;
      last = { key, mod: kv.modRevision };
      if (call.writable && !call.destroyed && !call.write({ header: o.header(store.revision), kv: kvToWire(kv) })) blocked = true;
    };
    call.on('drain', () => {
      blocked = false;
      if (missed) {
        missed = false;
        send();
      }
    });
    let stop: (() => void) | undefined;
    let closed = false;
    const close = (): void => {
      closed = true;
      stop?.();
    };
    call.on('cancelled', close);
    call.on('close', close);
    call.on('error', close);
    // Caught up first (a ReadIndex round), so the first leader sent is not older than the call.
    node.readEtcd(true, () => undefined).then(
      () => {
        if (closed) return;
        stop = this.onWritesUnder(prefix, send);
        send();
      },
      (err: unknown) => call.emit('error', asRecipeError(toGrpcError(err))),
    );
  }
}

/**
 * An error as etcd's server sends it from these services: the recipes there run on an internal
 * client, so a KV or Lease refusal loses its code and arrives as UNKNOWN with etcd's message
 * ("etcdserver: requested lease not found"). UNAVAILABLE and CANCELLED keep theirs here, so a
 * client still retries a call that met no leader (docs/etcd-api.md, differences).
 */
function asRecipeError(err: GrpcError): GrpcError {
  return err.code === status.UNAVAILABLE || err.code === status.CANCELLED ? err : { code: status.UNKNOWN, details: err.details };
}
