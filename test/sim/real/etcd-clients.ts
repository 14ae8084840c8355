/**
 * etcd clients of real members in a simulated run (`npm run sim -- --etcd`): the keyspace's
 * workload beside the registry's (clients.ts). They call the member as the etcd services do —
 * writes through `submitEtcd` on the member believed to lead (a follower answers NOT_LEADER with
 * the leader, nothing proposed), reads through `readEtcd`, linearizable or serializable, on any
 * member — and watch through the production Watch service (etcd-watch-service.ts) on a stream
 * of their own, as a gRPC stream would carry it, with backpressure.
 *
 * The workload: Put, DeleteRange, Range of a key and of a prefix, Txn with compares on value,
 * version, mod and create revision (one key, or two keys written at once), LeaseGrant, puts with
 * a lease, keep-alives, LeaseRevoke, and leases left to expire (the leader's lessor); watchers
 * that reconnect to another member when theirs stops, at leader changes and now and then, each
 * time from their last revision + 1. What they see goes to the checkers of etcd-checkers.ts.
 *
 * etcd has no client sessions: a write retried after it may have been proposed could apply
 * twice. So a write is retried only when refused before its proposal (NOT_LEADER, UNAVAILABLE,
 * OUT_OF_SPACE); once it may have been proposed, a lost answer ends it as unknown (`info`).
 */
import { EventEmitter } from 'node:events';
import { Metadata } from '@grpc/grpc-js';
import { NodeError } from '../../../src/core/node/api.js';
import type { FleetMember } from '../../../src/core/node/fleet-member.js';
import { validateTxn, type Compare, type KeyValue, type RangeRequest, type TxnResponse } from '../../../src/core/etcd-store/mvcc.js';
import type { EtcdAnswer, EtcdOp } from '../../../src/core/etcd-store/replica.js';
import { checkTxnOverlap } from '../../../src/core/etcd-store/txn-overlap.js';
import { createEtcdWatchService } from '../../../src/core/server/etcd-api/etcd-watch-service.js';
import type { LinearizabilityResult } from '../../../src/ops/history/index.js';
import type { TraceDigest } from '../digest.js';
import type { Prng } from '../prng.js';
import { SafetyViolation, type Property } from '../violation.js';
import { compareHolds, KeyspaceHistory, LeaseSafety, WatchLog, type SeenEvent, type SeenKv } from './etcd-checkers.js';
import { US_PER_MS, type Scheduler, type SimTimer } from './scheduler.js';

/** What the etcd clients see of the cluster. */
export interface EtcdTarget {
  readonly memberIds: readonly string[];
  /** The member's process while it is up and serving (not frozen); undefined when its port refuses connections. */
  member(id: string): FleetMember | undefined;
  /** The member that leads in the highest term, if any. */
  leaderId(): string | undefined;
}

/** The workload's sizes and rates. */
export interface EtcdWorkloadSettings {
  readonly clients: number;
  readonly watchers: number;
  /** Per-step probability that an idle client starts an operation. */
  readonly rate: number;
  /** Keys of the register workload (`e/k0`…). */
  readonly keys: number;
}

/** Counters for the run summary. */
export interface EtcdStats {
  ok: number;
  fail: number;
  info: number;
  txns: { succeeded: number; failed: number };
  reads: { linearizable: number; serializable: number };
  leases: { granted: number; revoked: number; keptAlive: number; expired: number };
  watch: { events: number; reconnects: number; leaderChanges: number; blocked: number };
}

/** Simulated milliseconds: an attempt's timeout, an operation's deadline during the fault phase. */
const TIMEOUTS_MS = { attempt: 2_000, operation: 12_000 } as const;
const KEY_PREFIX = 'e/';
const LEASE_PREFIX = 'l/';
/** Leases granted with these TTLs (s): etcd's smallest is 2 with fleet's one-second election timeout. */
const LEASE_TTLS_S = [2, 3, 4] as const;

type Op =
  | { readonly kind: 'put'; readonly key: string; readonly value: string }
  | { readonly kind: 'delete'; readonly key: string }
  | { readonly kind: 'get'; readonly key: string; readonly linearizable: boolean }
  | { readonly kind: 'get-all'; readonly linearizable: boolean }
  | { readonly kind: 'txn'; readonly key: string; readonly compare: Compare; readonly value: string | null }
  | { readonly kind: 'txn2'; readonly a: string; readonly b: string; readonly compare: Compare; readonly va: string; readonly vb: string }
  | { readonly kind: 'grant'; readonly lease: number; readonly ttl: number }
  | { readonly kind: 'lease-put'; readonly lease: number; readonly key: string; readonly value: string }
  | { readonly kind: 'keep-alive'; readonly lease: number }
  | { readonly kind: 'revoke'; readonly lease: number }
  | { readonly kind: 'lease-get'; readonly linearizable: boolean };

const WRITES: ReadonlySet<Op['kind']> = new Set(['put', 'delete', 'txn', 'txn2', 'grant', 'lease-put', 'keep-alive', 'revoke']);

interface Running {
  readonly op: Op;
  /** Simulated µs when the client first sent it (the history's invoke time). */
  readonly startUs: number;
  deadline: number;
  attempt: number;
  timer: SimTimer | undefined;
  /** The revision floor when it began (KeyspaceHistory.revisionFloor). */
  readonly floor: number;
}

interface Client {
  readonly name: string;
  seq: number;
  leaderGuess: string;
  running: Running | undefined;
  readonly oneShot: boolean;
  /** What this client last saw of each key (null: absent). */
  readonly known: Map<string, SeenKv | null>;
  /** Leases this client granted and has not revoked, with their TTLs. */
  readonly leases: Map<number, number>;
}

const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');
const seen = (kv: KeyValue): SeenKv => ({ key: text(kv.key), value: text(kv.value), create: kv.createRevision, mod: kv.modRevision, version: kv.version, lease: kv.lease });
const prefixRange = (prefix: string): RangeRequest => ({ key: bytes(prefix), rangeEnd: bytes(prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)) });
/** The lease a key of the lease namespace was put with (`l/<lease>/<n>`). */
const leaseOfKey = (key: string): number => Number(key.split('/')[1]);

/**
 * The etcd clients and watchers of a run. Invariant: each client has at most one operation
 * running and only the answer to its current attempt counts; the first violation a check finds
 * is kept in `violation` (answers arrive inside the members' promise chains) for the harness.
 */
export class EtcdClients {
  private readonly clients: Client[] = [];
  private readonly watchers: EtcdWatcher[] = [];
  private mode: 'faults' | 'liveness' | 'drain' = 'faults';
  private livenessDeadline = Infinity;
  private nextLease = 1;
  private readonly history = new KeyspaceHistory();
  private readonly leaseSafety = new LeaseSafety();
  /** Keys put with a lease and answered, by key: what a lease read must account for. */
  private readonly leaseKeys = new Map<string, number>();
  violation: SafetyViolation | undefined;
  readonly stats: EtcdStats = {
    ok: 0,
    fail: 0,
    info: 0,
    txns: { succeeded: 0, failed: 0 },
    reads: { linearizable: 0, serializable: 0 },
    leases: { granted: 0, revoked: 0, keptAlive: 0, expired: 0 },
    watch: { events: 0, reconnects: 0, leaderChanges: 0, blocked: 0 },
  };

  constructor(
    private readonly scheduler: Scheduler,
    private readonly prng: Prng,
    private readonly settings: EtcdWorkloadSettings,
    private readonly target: EtcdTarget,
    private readonly digest: TraceDigest,
  ) {
    for (let i = 0; i < settings.clients; i++) this.clients.push(this.newClient(`etcd-${i}`, false));
    const all = { key: bytes('\0'), rangeEnd: bytes('\0') };
    const ranges = [all, prefixRange(KEY_PREFIX), prefixRange(LEASE_PREFIX)];
    for (let i = 0; i < settings.watchers; i++) {
      const range = ranges[i % ranges.length] ?? all;
      this.watchers.push(new EtcdWatcher(`watcher ${i}`, range.key, range.rangeEnd ?? new Uint8Array(), this.prng.chance(0.5) ? 1 : 0, this.prng.fork(), this.scheduler, this.target, this));
    }
  }

  private newClient(name: string, oneShot: boolean): Client {
    return { name, seq: 0, leaderGuess: '', running: undefined, oneShot, known: new Map(), leases: new Map() };
  }

  private get nowMs(): number {
    return this.scheduler.now / US_PER_MS;
  }

  /** Records the first violation; later ones are dropped (the run stops at the first). */
  report(property: Property, message: string | undefined): void {
    if (message !== undefined) this.violation ??= new SafetyViolation(property, message);
  }

  throwIfViolated(): void {
    if (this.violation) throw this.violation;
  }

  /** Once per step: idle clients may start an operation; watchers reconnect where they must. */
  step(): void {
    for (const w of this.watchers) w.step(this.mode !== 'faults');
    if (this.mode === 'drain') return;
    for (const c of this.clients) {
      if (c.running === undefined && !c.oneShot && this.prng.chance(this.settings.rate)) this.start(c, this.chooseOp(c));
    }
  }

  /** The liveness phase: nothing gives up any more; everything must finish by `deadlineMs`. */
  startLiveness(deadlineMs: number): void {
    this.mode = 'liveness';
    this.livenessDeadline = deadlineMs;
    for (const c of this.clients) if (c.running) c.running.deadline = deadlineMs;
  }

  drain(): void {
    this.mode = 'drain';
  }

  /** Final linearizable reads, each by a new client: every key, and the lease namespace. */
  startFinalReads(): void {
    const ops: Op[] = [{ kind: 'lease-get', linearizable: true }, { kind: 'get-all', linearizable: true }];
    for (let k = 0; k < this.settings.keys; k++) ops.push({ kind: 'get', key: `${KEY_PREFIX}k${k}`, linearizable: true });
    for (const op of ops) {
      const c = this.newClient(`etcd-final-${this.clients.length}`, true);
      this.clients.push(c);
      this.start(c, op);
    }
  }

  outstanding(): number {
    return this.clients.filter((c) => c.running !== undefined).length;
  }

  describeOutstanding(): string[] {
    return this.clients.filter((c) => c.running).map((c) => `${c.name}'s etcd ${c.running?.op.kind}`);
  }

  /** The register history's verdict (src/ops/history). */
  checkHistory(): LinearizabilityResult {
    return this.history.check();
  }

  // ------------------------------------------------------------------ watch settling

  /** Asks every watcher for progress: settled once each has received everything up to `revision`. */
  watchersSettled(revision: number): boolean {
    return this.watchers.every((w) => w.settledAt(revision));
  }

  describeUnsettled(revision: number): string[] {
    return this.watchers.filter((w) => !w.settledAt(revision)).map((w) => w.describe());
  }

  /** Compares every watcher's events with the store's history, up to `revision`, read from `member`. */
  checkWatchers(member: FleetMember, revision: number): void {
    const store = member.etcdStore();
    for (const w of this.watchers) {
      if (w.start === undefined) continue;
      const truth: SeenEvent[] = store.events(w.key, w.rangeEnd, w.start).map((e) => ({ revision: e.kv.modRevision, key: text(e.kv.key), type: e.type, value: e.type === 'PUT' ? text(e.kv.value) : '' }));
      this.report('watch-completeness', w.log.compare(truth, w.start, revision));
    }
  }

  // ------------------------------------------------------------------ operations

  private chooseOp(c: Client): Op {
    const key = `${KEY_PREFIX}k${this.prng.int(this.settings.keys)}`;
    const value = `${c.name}.${c.seq + 1}`;
    const roll = this.prng.int(100);
    if (roll < 16) return { kind: 'put', key, value };
    if (roll < 21) return { kind: 'delete', key };
    if (roll < 33) return { kind: 'get', key, linearizable: this.prng.chance(0.7) };
    if (roll < 38) return { kind: 'get-all', linearizable: this.prng.chance(0.7) };
    if (roll < 53) return { kind: 'txn', key, compare: this.chooseCompare(c, key), value: this.prng.chance(0.85) ? value : null };
    if (roll < 60) {
      const other = `${KEY_PREFIX}k${(Number(key.slice(3)) + 1 + this.prng.int(this.settings.keys - 1)) % this.settings.keys}`;
      return { kind: 'txn2', a: key, b: other, compare: this.chooseCompare(c, key), va: value, vb: `${value}b` };
    }
    return this.chooseLeaseOp(c, value);
  }

  /** A compare on what the client last saw of `key`, mostly one that should hold (a compare-and-set), on one of four targets. */
  private chooseCompare(c: Client, key: string): Compare {
    const kv = c.known.get(key) ?? undefined;
    const target = this.prng.pick(['value', 'version', 'mod', 'create'] as const);
    if (target === 'value') return { key: bytes(key), target, result: 'equal', operand: bytes(kv?.value ?? 'none') };
    const have = kv === undefined ? 0 : target === 'version' ? kv.version : target === 'mod' ? kv.mod : kv.create;
    const roll = this.prng.int(10);
    if (roll < 7) return { key: bytes(key), target, result: 'equal', operand: have };
    if (roll < 9) return { key: bytes(key), target, result: 'greater', operand: 0 };
    return { key: bytes(key), target, result: 'less', operand: have + 1 };
  }

  private chooseLeaseOp(c: Client, value: string): Op {
    const held = [...c.leases.keys()];
    const roll = this.prng.int(100);
    if (held.length === 0 || roll < 20) return { kind: 'grant', lease: this.nextLease++, ttl: this.prng.pick(LEASE_TTLS_S) };
    const lease = this.prng.pick(held);
    if (roll < 55) return { kind: 'lease-put', lease, key: `${LEASE_PREFIX}${lease}/${c.seq + 1}`, value };
    if (roll < 70) return { kind: 'lease-get', linearizable: this.prng.chance(0.7) };
    // Some leases are kept alive, some revoked, the others left to expire.
    if (roll < 85 && lease % 3 !== 0) return { kind: 'keep-alive', lease };
    if (roll < 92 && lease % 3 === 1) return { kind: 'revoke', lease };
    return { kind: 'lease-get', linearizable: this.prng.chance(0.5) };
  }

  private start(c: Client, op: Op): void {
    const isWrite = WRITES.has(op.kind);
    if (isWrite) c.seq++;
    if (op.kind === 'put' || op.kind === 'lease-put') this.history.intendWrite(op.key, op.value);
    if (op.kind === 'txn' && op.value !== null) this.history.intendWrite(op.key, op.value);
    if (op.kind === 'txn2') {
      this.history.intendWrite(op.a, op.va);
      this.history.intendWrite(op.b, op.vb);
    }
    if (op.kind === 'revoke') this.leaseSafety.revokeSent(op.lease);
    const deadline = this.mode === 'faults' ? this.nowMs + TIMEOUTS_MS.operation : this.livenessDeadline;
    c.running = { op, startUs: this.scheduler.now, deadline, attempt: 0, timer: undefined, floor: this.history.revisionFloor };
    this.digest.add(200, c.seq, op.kind.length);
    this.attempt(c);
  }

  private attempt(c: Client): void {
    const r = c.running;
    if (r === undefined) return;
    if (this.nowMs >= r.deadline && this.mode === 'faults') return this.finish(c, r, 'fail');
    const isWrite = WRITES.has(r.op.kind);
    const to = isWrite && c.leaderGuess !== '' ? c.leaderGuess : this.prng.pick(this.target.memberIds);
    const attempt = ++r.attempt;
    const member = this.target.member(to);
    if (member === undefined) {
      c.leaderGuess = '';
      return this.retryAfter(c, r, this.prng.between(5, 50));
    }
    const timer: SimTimer = { cancelled: false };
    r.timer = timer;
    const current = (): boolean => c.running === r && r.attempt === attempt;
    // A write unanswered this long may have been proposed: it ends unknown. A read is asked again.
    this.scheduler.after(TIMEOUTS_MS.attempt * US_PER_MS, () => {
      if (!current()) return;
      c.leaderGuess = '';
      if (isWrite) this.unknown(c, r);
      else this.attempt(c);
    }, undefined, timer);
    const guard = (fn: () => void): void => {
      if (!current()) return;
      try {
        fn();
      } catch (err) {
        this.report('ready-contract', `${c.name} could not handle an etcd answer: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      }
    };
    if (isWrite) {
      let op: EtcdOp;
      try {
        op = this.etcdOp(r.op);
      } catch (err) {
        return this.report('ready-contract', `${c.name}'s ${r.op.kind} is not a valid etcd request: ${(err as Error).message}`);
      }
      // A keep-alive is the leader's lessor's, with no log entry (FleetMember.etcdLeaseKeepAlive).
      const answer = r.op.kind === 'keep-alive' ? member.etcdLeaseKeepAlive(r.op.lease) : member.submitEtcd(op);
      answer.then(
        (a) => guard(() => this.written(c, r, to, a.value)),
        (err: unknown) => guard(() => this.failed(c, r, err, true)),
      );
    } else {
      const linearizable = (r.op as { linearizable: boolean }).linearizable;
      const req = this.rangeOf(r.op);
      member.readEtcd(linearizable, (store) => store.range(req)).then(
        (a) => guard(() => this.read(c, r, to, a.value.revision, a.value.kvs.map(seen))),
        (err: unknown) => guard(() => this.failed(c, r, err, false)),
      );
    }
  }

  /** The replicated write of an operation, checked as the etcd KV service checks a txn before proposing it. */
  private etcdOp(op: Op): EtcdOp {
    const put = (key: string, value: string, lease?: number) => ({ put: { key: bytes(key), value: bytes(value), prevKv: true, ...(lease === undefined ? {} : { lease }) } });
    const del = (key: string) => ({ deleteRange: { key: bytes(key), prevKv: true } });
    const range = (key: string) => ({ range: { key: bytes(key) } });
    let out: EtcdOp;
    switch (op.kind) {
      case 'put':
        out = { type: 'txn', txn: { success: [put(op.key, op.value)] } };
        break;
      case 'delete':
        out = { type: 'txn', txn: { success: [del(op.key)] } };
        break;
      case 'txn':
        out = { type: 'txn', txn: { compare: [op.compare], success: [op.value === null ? del(op.key) : put(op.key, op.value)], failure: [range(op.key)] } };
        break;
      case 'txn2':
        out = { type: 'txn', txn: { compare: [op.compare], success: [put(op.a, op.va), put(op.b, op.vb)], failure: [range(op.a), range(op.b)] } };
        break;
      case 'lease-put':
        out = { type: 'txn', txn: { success: [put(op.key, op.value, op.lease)] } };
        break;
      case 'grant':
        return { type: 'lease-grant', id: op.lease, ttl: op.ttl };
      case 'keep-alive':
        return { type: 'lease-renew', id: op.lease };
      case 'revoke':
        return { type: 'lease-revoke', id: op.lease };
      default:
        throw new Error(`${op.kind} is not a write`);
    }
    validateTxn(out.txn);
    checkTxnOverlap(out.txn);
    return out;
  }

  private rangeOf(op: Op): RangeRequest {
    if (op.kind === 'get') return { key: bytes(op.key) };
    if (op.kind === 'get-all') return prefixRange(KEY_PREFIX);
    return prefixRange(LEASE_PREFIX);
  }

  private retryAfter(c: Client, r: Running, ms: number): void {
    if (r.timer) r.timer.cancelled = true;
    const attempt = r.attempt;
    this.scheduler.after(ms * US_PER_MS, () => {
      if (c.running === r && r.attempt === attempt) this.attempt(c);
    });
  }

  /** A refusal: retried when nothing was proposed; TIMEOUT (proposed, leadership lost) ends a write unknown. */
  private failed(c: Client, r: Running, err: unknown, isWrite: boolean): void {
    if (!(err instanceof NodeError)) {
      this.report('ready-contract', `${c.name}'s etcd ${r.op.kind} failed with ${err instanceof Error ? err.message : String(err)}`);
      return this.finish(c, r, 'fail');
    }
    if (err.code === 'TIMEOUT' && isWrite) return this.unknown(c, r);
    if (err.code === 'NOT_LEADER') {
      c.leaderGuess = err.leaderId;
      return this.retryAfter(c, r, err.leaderId === '' ? this.prng.between(10, 50) : 1);
    }
    if (err.code === 'UNAVAILABLE' || err.code === 'TIMEOUT' || err.code === 'OUT_OF_SPACE') {
      c.leaderGuess = '';
      return this.retryAfter(c, r, this.prng.between(10, 100));
    }
    this.report('ready-contract', `${c.name}'s etcd ${r.op.kind} was refused: ${err.code} ${err.message}`);
    this.finish(c, r, 'fail');
  }

  /** A write that may or may not have applied: its register operations stay open (Jepsen's `info`). */
  private unknown(c: Client, r: Running): void {
    const op = r.op;
    const h = this.history;
    if (op.kind === 'put') h.record('write', op.key, op.value, r.startUs, 0, 'info');
    else if (op.kind === 'delete') h.record('write', op.key, null, r.startUs, 0, 'info');
    else if (op.kind === 'txn') h.record('write', op.key, op.value, r.startUs, 0, 'info');
    else if (op.kind === 'txn2') {
      h.record('write', op.a, op.va, r.startUs, 0, 'info');
      h.record('write', op.b, op.vb, r.startUs, 0, 'info');
    } else if (op.kind === 'grant') c.leases.set(op.lease, op.ttl);
    this.finish(c, r, 'info');
  }

  /** A write's answer, applied. */
  private written(c: Client, r: Running, from: string, a: EtcdAnswer): void {
    c.leaderGuess = from;
    const op = r.op;
    if (!a.ok) return this.refused(c, r, a.error);
    this.report('linearizability', this.history.checkFloor(`${c.name}'s ${op.kind}`, r.floor, a.revision));
    switch (op.kind) {
      case 'put':
      case 'delete':
      case 'txn':
      case 'txn2':
        this.kvWritten(c, r, a.revision, a.txn as TxnResponse);
        break;
      case 'lease-put':
        this.report('linearizability', this.history.answeredWrite(op.value, a.revision));
        this.leaseKeys.set(op.key, op.lease);
        this.report('lease-safety', this.leaseSafety.putAnswered(op.lease, op.key, a.revision));
        break;
      case 'grant':
        this.stats.leases.granted++;
        c.leases.set(op.lease, op.ttl);
        this.leaseSafety.kept(op.lease, op.ttl, r.startUs / US_PER_MS);
        break;
      case 'keep-alive':
        this.stats.leases.keptAlive++;
        this.leaseSafety.kept(op.lease, a.lease?.ttl ?? 0, r.startUs / US_PER_MS);
        break;
      case 'revoke':
        this.stats.leases.revoked++;
        c.leases.delete(op.lease);
        this.report('lease-safety', this.leaseSafety.revoked(op.lease, a.revision));
        break;
      default:
        break;
    }
    this.history.completed(a.revision);
    this.finish(c, r, 'ok');
  }

  /** A write the store refused, the same on every member: a lease that is gone is expected, anything else is not. */
  private refused(c: Client, r: Running, e: Extract<EtcdAnswer, { ok: false }>['error']): void {
    const op = r.op;
    if (e.code === 'lease-not-found' && (op.kind === 'lease-put' || op.kind === 'keep-alive' || op.kind === 'revoke')) {
      c.leases.delete(op.lease);
      if (op.kind === 'keep-alive') this.report('lease-safety', this.leaseSafety.notFound(op.lease, this.nowMs));
      if (op.kind !== 'revoke') this.stats.leases.expired++;
      return this.finish(c, r, 'fail');
    }
    this.report('ready-contract', `${c.name}'s etcd ${op.kind} was refused by the store: ${e.code} ${e.message}`);
    this.finish(c, r, 'fail');
  }

  /** A KV write or txn applied: its register operations, and what its answer says of its compare and revisions. */
  private kvWritten(c: Client, r: Running, revision: number, txn: TxnResponse): void {
    const op = r.op;
    const h = this.history;
    const now = this.scheduler.now;
    const prevOf = (i: number): SeenKv | undefined => {
      const resp = txn.responses[i];
      if (resp !== undefined && 'put' in resp) return resp.put.prevKv ? seen(resp.put.prevKv) : undefined;
      if (resp !== undefined && 'deleteRange' in resp) return resp.deleteRange.prevKvs[0] ? seen(resp.deleteRange.prevKvs[0]) : undefined;
      if (resp !== undefined && 'range' in resp) return resp.range.kvs[0] ? seen(resp.range.kvs[0]) : undefined;
      throw new Error(`response ${i} of ${op.kind} is missing`);
    };
    const observe = (kv: SeenKv | undefined, where: string): void => {
      if (kv !== undefined) this.report('linearizability', h.observe(kv, where));
    };
    /** The register operation of a put or delete of `key` that replaced `prev`. */
    const wrote = (key: string, value: string | null, prev: SeenKv | undefined, i: number): void => {
      observe(prev, `${c.name}'s ${op.kind} (its previous value)`);
      const deletedNothing = value === null && prev === undefined;
      if (deletedNothing) h.record('read', key, null, r.startUs, now, 'ok', null);
      else h.record('cas', key, [prev?.value ?? null, value], r.startUs, now, 'ok');
      if (value !== null) this.report('linearizability', h.answeredWrite(value, revision));
      c.known.set(key, value === null ? null : { key, value, create: prev?.create ?? revision, mod: revision, version: (prev?.version ?? 0) + 1, lease: 0 });
      void i;
    };
    if (op.kind === 'put') return wrote(op.key, op.value, prevOf(0), 0);
    if (op.kind === 'delete') return wrote(op.key, null, prevOf(0), 0);
    const compared = op.kind === 'txn' ? op.key : op.kind === 'txn2' ? op.a : '';
    const compare = (op as { compare: Compare }).compare;
    const first = prevOf(0);
    if (txn.succeeded) {
      this.stats.txns.succeeded++;
      if (!compareHolds(compare, first)) this.report('linearizability', `${c.name}'s txn succeeded on ${describeCompare(compare)}, but the value it replaced shows ${first === undefined ? 'no key' : JSON.stringify(first)}`);
      if (op.kind === 'txn') return wrote(op.key, op.value, first, 0);
      if (op.kind === 'txn2') {
        wrote(op.a, op.va, first, 0);
        wrote(op.b, op.vb, prevOf(1), 1);
      }
      return;
    }
    this.stats.txns.failed++;
    if (compareHolds(compare, first)) this.report('linearizability', `${c.name}'s txn failed on ${describeCompare(compare)}, but its failure branch read ${first === undefined ? 'no key' : JSON.stringify(first)}`);
    const keys = op.kind === 'txn2' ? [op.a, op.b] : [compared];
    keys.forEach((key, i) => {
      const kv = i === 0 ? first : prevOf(i);
      observe(kv, `${c.name}'s failed txn`);
      h.record('read', key, null, r.startUs, now, 'ok', kv?.value ?? null);
      c.known.set(key, kv ?? null);
    });
  }

  /** A read's answer: the register reads of a linearizable one, and what any read shows of values and leases. */
  private read(c: Client, r: Running, from: string, revision: number, kvs: readonly SeenKv[]): void {
    const op = r.op;
    const linearizable = (op as { linearizable: boolean }).linearizable;
    const where = `${c.name}'s ${linearizable ? 'linearizable' : 'serializable'} ${op.kind} on ${from} at revision ${revision}`;
    if (linearizable) this.stats.reads.linearizable++;
    else this.stats.reads.serializable++;
    if (linearizable) this.report('linearizability', this.history.checkFloor(where, r.floor, revision));
    for (const kv of kvs) {
      this.report('linearizability', this.history.observe(kv, where));
      if (kv.mod > revision) this.report('linearizability', `${where} showed ${kv.key} at mod revision ${kv.mod}`);
    }
    if (op.kind === 'lease-get') this.leaseRead(revision, kvs, where, linearizable);
    else {
      const keys = op.kind === 'get' ? [op.key] : Array.from({ length: this.settings.keys }, (_, k) => `${KEY_PREFIX}k${k}`);
      for (const key of keys) {
        const kv = kvs.find((x) => x.key === key);
        if (linearizable) this.history.record('read', key, null, r.startUs, this.scheduler.now, 'ok', kv?.value ?? null);
        c.known.set(key, kv ?? null);
      }
    }
    if (linearizable) this.history.completed(revision);
    this.finish(c, r, 'ok');
  }

  /** A read of the lease namespace: which leases' keys it shows, and which it no longer does. */
  private leaseRead(revision: number, kvs: readonly SeenKv[], where: string, linearizable: boolean): void {
    const present = new Set<string>();
    for (const kv of kvs) {
      present.add(kv.key);
      const lease = leaseOfKey(kv.key);
      if (kv.lease !== lease) this.report('lease-safety', `${where} showed ${kv.key} attached to lease ${kv.lease}, but it was put with lease ${lease}`);
      this.report('lease-safety', this.leaseSafety.seenPresent(lease, kv.key, revision, where));
    }
    for (const [key, lease] of this.leaseKeys) {
      if (!present.has(key)) this.report('lease-safety', this.leaseSafety.seenAbsent(lease, key, revision, where, linearizable ? this.nowMs : undefined));
    }
  }

  /** A watcher received an event: what it shows of values and leases. */
  watched(w: string, e: SeenEvent, kv: SeenKv | undefined): void {
    this.stats.watch.events++;
    if (e.key.startsWith(LEASE_PREFIX)) {
      const lease = leaseOfKey(e.key);
      if (e.type === 'PUT') this.report('lease-safety', this.leaseSafety.seenPresent(lease, e.key, e.revision, `${w}'s PUT event`));
      else this.report('lease-safety', this.leaseSafety.deletedEvent(lease, e.key, e.revision));
    }
    if (kv !== undefined) this.report('linearizability', this.history.observe(kv, `${w}'s PUT event`));
  }

  private finish(c: Client, r: Running, type: 'ok' | 'fail' | 'info'): void {
    if (r.timer) r.timer.cancelled = true;
    c.running = undefined;
    this.stats[type]++;
    this.digest.add(201, type === 'ok' ? 1 : type === 'fail' ? 2 : 3, r.attempt);
  }
}

function describeCompare(c: Compare): string {
  const operand = typeof c.operand === 'number' ? String(c.operand) : JSON.stringify(text(c.operand));
  return `${c.target}(${text(c.key)}) ${c.result} ${operand}`;
}

/** A server-side Watch call as the service sees one: metadata, a path, writes that may push back. */
class SimWatchCall extends EventEmitter {
  readonly metadata = new Metadata();
  writable = true;
  destroyed = false;

  constructor(
    private readonly onMessage: (msg: WireWatchResponse) => void,
    private readonly pushBack: () => boolean,
  ) {
    super();
  }

  getPath(): string {
    return '/etcdserverpb.Watch/Watch';
  }

  /** Delivers at once, in order; now and then reports a full buffer (the service then waits for 'drain'). */
  write(msg: WireWatchResponse): boolean {
    if (this.destroyed) return false;
    this.onMessage(msg);
    return !this.pushBack();
  }

  /** The client goes away: the service's stream ends. */
  close(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.writable = false;
    this.emit('cancelled');
  }
}

interface WireKv {
  key: Uint8Array;
  createRevision: string;
  modRevision: string;
  version: string;
  value: Uint8Array;
  lease: string;
}

interface WireWatchResponse {
  header: { revision: string };
  watchId: string;
  created?: boolean;
  canceled?: boolean;
  cancelReason?: string;
  events?: { type: 'PUT' | 'DELETE'; kv: WireKv }[];
}

/** Per-step chance that a watcher drops its stream and reconnects for no reason. */
const RECONNECT_RATE = 0.01;
/** Settling steps a watcher waits on a member behind before it watches on another. */
const STUCK_STEPS = 10;
/** Chance that a stream's write reports a full buffer. */
const PUSH_BACK_RATE = 0.05;

/**
 * One etcd watcher over its connections: at most one stream at a time, on one member; when the
 * member stops (or the leader it chose is no longer the leader, or at random) it closes the stream
 * and, a little later, watches again on another member from its last revision + 1.
 */
class EtcdWatcher {
  readonly log: WatchLog;
  /** The first revision it watches from (known once its first stream was created). */
  start: number | undefined;
  private conn: { readonly memberId: string; readonly member: FleetMember; readonly call: SimWatchCall; readonly from: number; readonly onLeader: boolean; leaderAtConnect: string | undefined } | undefined;
  private reconnecting = false;
  /** Steps of settling spent on a member behind the revision asked for (a spare outside the configuration never catches up). */
  private behindSteps = 0;
  /** The highest revision a progress answer confirmed everything was received up to. */
  private progress = 0;
  private connections = 0;
  /** While settling: the revision the watcher must confirm it has received up to. */
  private wanted = 0;

  constructor(
    readonly name: string,
    readonly key: Uint8Array,
    readonly rangeEnd: Uint8Array,
    /** 1: from the first revision; 0: from the connected member's revision on. */
    private readonly startRevision: number,
    private readonly prng: Prng,
    private readonly scheduler: Scheduler,
    private readonly target: EtcdTarget,
    private readonly clients: EtcdClients,
  ) {
    this.log = new WatchLog(name);
  }

  step(settling: boolean): void {
    const conn = this.conn;
    if (conn === undefined) {
      if (!this.reconnecting) this.connect();
      return;
    }
    const leader = this.target.leaderId();
    const stopped = this.target.member(conn.memberId) !== conn.member;
    this.behindSteps = settling && conn.member.etcdStore().revision < this.wanted ? this.behindSteps + 1 : 0;
    const stuck = this.behindSteps > STUCK_STEPS;
    const leaderChanged = conn.onLeader && leader !== undefined && leader !== conn.leaderAtConnect;
    if (stopped || leaderChanged || stuck || (!settling && this.prng.chance(RECONNECT_RATE))) {
      if (leaderChanged) this.clients.stats.watch.leaderChanges++;
      this.disconnect();
      return;
    }
    if (settling) conn.call.emit('data', { progressRequest: {} });
  }

  /** Whether a progress answer confirmed that every revision up to `revision` was received. */
  settledAt(revision: number): boolean {
    this.wanted = revision;
    return this.progress >= revision;
  }

  describe(): string {
    return `${this.name} (${this.conn ? `on ${this.conn.memberId}` : 'not connected'}, last revision ${this.log.lastRevision}, progress ${this.progress})`;
  }

  private disconnect(): void {
    this.conn?.call.close();
    this.conn = undefined;
    this.reconnecting = true;
    this.clients.stats.watch.reconnects++;
    this.scheduler.after(this.prng.between(10, 300) * US_PER_MS, () => {
      this.reconnecting = false;
      this.connect();
    });
  }

  private connect(): void {
    const leader = this.target.leaderId();
    const onLeader = leader !== undefined && this.prng.chance(0.5);
    const memberId = onLeader ? leader : this.prng.pick(this.target.memberIds);
    const member = this.target.member(memberId);
    if (member === undefined) return;
    const from = this.start === undefined ? this.startRevision : this.log.lastRevision > 0 ? this.log.lastRevision + 1 : this.start;
    const call = new SimWatchCall(
      (msg) => this.received(msg),
      () => this.pushBack(),
    );
    call.on('error', (err: unknown) => this.clients.report('ready-contract', `${this.name}'s watch stream on ${memberId} failed: ${JSON.stringify(err)}`));
    this.conn = { memberId, member, call, from, onLeader, leaderAtConnect: leader };
    this.connections++;
    this.progress = 0;
    createEtcdWatchService(member, { auth: {}, clusterId: () => undefined }).Watch!(call as never, undefined as never);
    call.emit('data', { createRequest: { key: Buffer.from(this.key), rangeEnd: Buffer.from(this.rangeEnd), startRevision: String(from), progressNotify: false, filters: [], prevKv: false, watchId: '0', fragment: false } });
  }

  /** A full buffer now and then: the service holds what is left for the drain, which comes a little later. */
  private pushBack(): boolean {
    if (!this.prng.chance(PUSH_BACK_RATE)) return false;
    const call = this.conn?.call;
    this.clients.stats.watch.blocked++;
    this.scheduler.after(this.prng.between(1, 200) * US_PER_MS, () => {
      if (call !== undefined && !call.destroyed) call.emit('drain');
    });
    return true;
  }

  private received(msg: WireWatchResponse): void {
    const conn = this.conn;
    if (conn === undefined) return;
    const header = Number(msg.header.revision);
    if (msg.created === true) {
      if (msg.canceled === true) return this.clients.report('ready-contract', `${this.name}'s watch on ${conn.memberId} was refused: ${msg.cancelReason ?? ''}`);
      // From "now": the revision after the member's, as the service sets it.
      this.start ??= conn.from > 0 ? conn.from : header + 1;
      return;
    }
    if (msg.canceled === true) return this.clients.report('watch-completeness', `${this.name}'s watch on ${conn.memberId} was cancelled: ${msg.cancelReason ?? ''} (nothing was compacted)`);
    if (msg.watchId === '-1') {
      this.progress = Math.max(this.progress, header);
      return;
    }
    for (const e of msg.events ?? []) {
      const kv: SeenKv = { key: text(e.kv.key), value: text(e.kv.value), create: Number(e.kv.createRevision), mod: Number(e.kv.modRevision), version: Number(e.kv.version), lease: Number(e.kv.lease) };
      const event: SeenEvent = { revision: kv.mod, key: kv.key, type: e.type, value: e.type === 'PUT' ? kv.value : '' };
      this.clients.report('watch-completeness', this.log.take(event, conn.from > 0 ? conn.from : (this.start ?? 0)));
      this.clients.watched(this.name, event, e.type === 'PUT' ? kv : undefined);
    }
  }
}
