/**
 * Clients of real FleetNodes, calling NodeApi as the gRPC client service does: writes carry a
 * client id, a sequence number and the lowest unanswered one, and are retried under the same
 * sequence number (redirected by NOT_LEADER, backing off on UNAVAILABLE, timing out); reads come
 * in every consistency. Each client runs one operation at a time.
 *
 * What they check: KV puts, compare-and-sets and linearizable gets go into a Jepsen-style history
 * (checked for linearizability at the end), and a linearizable read is served at an index no lower
 * than what was known committed when it began; a min-index read must reflect the client's own last
 * write (read your writes); a max-staleness read may be stale but never invent a value; contacts
 * must all name the shard of the first contact that bound the cluster; a fencing token names one
 * holder, and no two holders of a lease hold it at the same instant of simulated real time (see
 * `HoldWindow`: what a careful client may believe, not what the registry says).
 */
import type { ApplyResult, Command, FleetStateMachine } from '../../../src/core/fleet/index.js';
import { NodeError, type ReadConsistency } from '../../../src/core/node/api.js';
import type { NodeApi } from '../../../src/core/node/member-api.js';
import type { HistoryRecorder } from '../../../src/ops/history/index.js';
import type { TraceDigest } from '../digest.js';
import type { Prng } from '../prng.js';
import { SafetyViolation } from '../violation.js';
import { US_PER_MS, type Scheduler, type SimTimer } from './scheduler.js';

/** Simulated milliseconds: an attempt's timeout, an operation's deadline during the fault phase. */
export const CLIENT_TIMEOUTS_MS = { attempt: 2_000, operation: 12_000 } as const;

/** What the clients see of the cluster. */
export interface ClientTarget {
  readonly memberIds: readonly string[];
  /** The member's API when it is up and serving; undefined when its port refuses connections. */
  api(id: string): NodeApi | undefined;
  /** The highest index known committed (on a disk, or by a member): a linearizable read that starts now must be served at it or later. */
  committed(): number;
}

/** Counters for the run summary. */
export interface ClientStats {
  ok: number;
  fail: number;
  info: number;
  attempts: number;
  redirects: number;
  /** Writes a leader refused because its disk was full (retried later). */
  outOfSpace: number;
  reads: { linearizable: number; minIndex: number; stale: number };
  /** Grants acknowledged, and of those, how many followed another holder's grant of the same lease (what the overlap check compares). */
  leases: { grants: number; handovers: number };
}

type KvValue = { readonly value: string; readonly modRevision: number } | null;

type Op =
  | { readonly kind: 'put'; readonly key: string; readonly value: string }
  | { readonly kind: 'cas'; readonly key: string; readonly expected: string | null; readonly value: string }
  | { readonly kind: 'get'; readonly key: string }
  | { readonly kind: 'get-min-index'; readonly key: string; readonly minIndex: number; readonly ownRevision: number | undefined }
  | { readonly kind: 'get-stale'; readonly key: string; readonly ms: number }
  | { readonly kind: 'register'; readonly shard: string }
  | { readonly kind: 'contact'; readonly cluster: string; readonly shard: string }
  | { readonly kind: 'acquire'; readonly name: string; readonly ttlMs: number }
  | { readonly kind: 'release'; readonly name: string; readonly token: number }
  | { readonly kind: 'get-cluster'; readonly cluster: string };

interface Running {
  readonly op: Op;
  /** Simulated ms when the client first sent it: a lease's time is counted from here. */
  readonly startedAt: number;
  /** The write's sequence number (writes only). */
  readonly seq: number;
  deadline: number;
  /** Some attempt reached a member that may have proposed it: it may apply. */
  sent: boolean;
  /** The current attempt's number; answers to older attempts are ignored. */
  attempt: number;
  timer: SimTimer | undefined;
  /** What was known committed when the operation started: a linearizable read's floor. */
  readonly committedAtStart: number;
}

interface Client {
  readonly index: number;
  readonly clientId: string;
  process: number;
  seq: number;
  leaderGuess: string;
  running: Running | undefined;
  /** The index of this client's last acknowledged write: what its min-index reads ask for. */
  lastIndex: number;
  /** The highest index any answer to this client's writes carried. */
  answeredIndex: number;
  /** Per key, the revision of this client's last acknowledged put or cas. */
  readonly ownRevision: Map<string, number>;
  /** Per key, the last value this client saw: what its next cas expects. */
  readonly known: Map<string, string | null>;
  /** Leases this client holds (name → token). */
  readonly held: Map<string, number>;
  /** A client made for one final operation: it stops after it. */
  readonly oneShot: boolean;
  /** A reader: every operation a linearizable get. */
  readonly readsOnly: boolean;
}

/**
 * When a client may believe it holds a lease, in simulated real time: from the acknowledgement
 * of its grant (before it, it does not know) until the ttl has run from the moment it *sent* the
 * request (the grant happened after that, so this end can only be early; a retry answered with a
 * remembered grant from long ago does not stretch it). A renewal sets a new ttl from when it is
 * applied, which may be shorter: once sent, the window ends no later than its send plus its ttl,
 * and once acknowledged, exactly then. A release cuts it short when sent. The registry must never
 * let two tokens' windows overlap: that would be two holders at once, which the reported
 * clock-skew bug allowed.
 */
interface HoldWindow {
  readonly name: string;
  readonly token: number;
  readonly holder: string;
  readonly start: number;
  end: number;
}

/**
 * The namespace of these clients' registers. Once the cluster reads data format 5 fleet's KV is
 * the etcd keyspace's, where a namespace is a key prefix: the etcd clients of the same run never
 * write under it, and their checkers leave it to this run's own (etcd-checkers.ts).
 */
export const REGISTRY_KV_NS = 'reg';

const SHARDS = ['s0', 's1'];
const CLUSTERS = ['cl0', 'cl1', 'cl2'];
const LEASES = ['L0', 'L1'];

const HISTORY_FN: Partial<Record<Op['kind'], 'read' | 'write' | 'cas'>> = { put: 'write', cas: 'cas', get: 'read' };

function kvRead(key: string): (sm: FleetStateMachine) => KvValue {
  return (sm) => {
    const e = sm.kvGet(key, REGISTRY_KV_NS);
    return e === undefined ? null : { value: e.value, modRevision: e.modRevision };
  };
}

/**
 * The clients of a run. Invariant: each client has at most one operation running, and only the
 * answer to its current attempt counts; a check that fails is kept in `violation` (answers
 * arrive inside the members' promise chains, where a throw would be lost) for the harness.
 */
export class RealClients {
  private readonly clients: Client[] = [];
  private nextProcess: number;
  private mode: 'faults' | 'liveness' | 'drain' = 'faults';
  private livenessDeadline = Infinity;
  /** Values any client asked to write, per key: what a read may return. */
  private readonly written = new Map<string, Set<string>>();
  /** The shard each cluster was seen bound to, and the writes (client/seq) that bound it. */
  private readonly bindings = new Map<string, { shard: string; binders: Set<string> }>();
  /** By fencing token. */
  private readonly windows = new Map<number, HoldWindow>();
  /** The highest index any answer carried: a member applied it, so it was committed. */
  private answeredIndex = 0;
  violation: SafetyViolation | undefined;
  readonly stats: ClientStats = { ok: 0, fail: 0, info: 0, attempts: 0, redirects: 0, outOfSpace: 0, reads: { linearizable: 0, minIndex: 0, stale: 0 }, leases: { grants: 0, handovers: 0 } };

  constructor(
    private readonly scheduler: Scheduler,
    private readonly prng: Prng,
    private readonly settings: { readonly clients: number; readonly readers: number; readonly keys: number; readonly rate: number },
    private readonly target: ClientTarget,
    private readonly history: HistoryRecorder,
    private readonly digest: TraceDigest,
  ) {
    for (let i = 0; i < settings.clients; i++) this.clients.push(this.newClient(i, false));
    for (let i = 0; i < settings.readers; i++) this.clients.push(this.newClient(settings.clients + i, false, true));
    this.nextProcess = this.clients.length;
  }

  private newClient(index: number, oneShot: boolean, readsOnly = false): Client {
    return {
      index,
      clientId: `client-${index}`,
      process: index,
      seq: 0,
      leaderGuess: '',
      running: undefined,
      lastIndex: 0,
      answeredIndex: 0,
      ownRevision: new Map(),
      known: new Map(),
      held: new Map(),
      oneShot,
      readsOnly,
    };
  }

  private get nowMs(): number {
    return this.scheduler.now / US_PER_MS;
  }

  /** Once per step: idle clients may start an operation. */
  step(): void {
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

  /** Stops starting operations, so that the run can end once the running ones finish. */
  drain(): void {
    this.mode = 'drain';
  }

  /** Final reads, each by a new client: every key, and every cluster's binding. */
  startFinalReads(): void {
    const ops: Op[] = [];
    for (let k = 0; k < this.settings.keys; k++) ops.push({ kind: 'get', key: `k${k}` });
    for (const cluster of CLUSTERS) ops.push({ kind: 'get-cluster', cluster });
    for (const op of ops) {
      const c = this.newClient(this.clients.length, true);
      c.process = this.nextProcess++;
      this.clients.push(c);
      this.start(c, op);
    }
  }

  /** Operations still running. */
  outstanding(): number {
    return this.clients.filter((c) => c.running !== undefined).length;
  }

  /** What is still running, for a liveness failure's report. */
  describeOutstanding(): string[] {
    return this.clients.filter((c) => c.running).map((c) => `${c.clientId}'s ${c.running?.op.kind}${c.running?.sent ? ' (sent)' : ''}`);
  }

  private chooseOp(c: Client): Op {
    const key = `k${this.prng.int(this.settings.keys)}`;
    if (c.readsOnly) return { kind: 'get', key };
    const value = `${c.index}.${c.seq + 1}`;
    const roll = this.prng.int(100);
    if (roll < 25) return { kind: 'put', key, value };
    if (roll < 40) return { kind: 'cas', key, expected: this.prng.chance(0.8) ? (c.known.get(key) ?? null) : null, value };
    if (roll < 58) return { kind: 'get', key };
    if (roll < 66) return { kind: 'get-min-index', key, minIndex: c.lastIndex, ownRevision: c.ownRevision.get(key) };
    if (roll < 72) return { kind: 'get-stale', key, ms: this.prng.between(200, 3000) };
    if (roll < 75) return { kind: 'register', shard: this.prng.pick(SHARDS) };
    if (roll < 88) return { kind: 'contact', cluster: this.prng.pick(CLUSTERS), shard: this.prng.pick(SHARDS) };
    const name = this.prng.pick(LEASES);
    const token = c.held.get(name);
    if (token !== undefined && this.prng.chance(0.6)) return { kind: 'release', name, token };
    return { kind: 'acquire', name, ttlMs: this.prng.between(300, 3000) };
  }

  private start(c: Client, op: Op): void {
    const isWrite = !['get', 'get-min-index', 'get-stale', 'get-cluster'].includes(op.kind);
    if (isWrite) c.seq++;
    const f = HISTORY_FN[op.kind];
    if (f !== undefined) {
      const value = op.kind === 'put' ? op.value : op.kind === 'cas' ? [op.expected, op.value] : null;
      this.history.invoke(c.process, f, (op as { key: string }).key, value);
    }
    if (op.kind === 'put' || op.kind === 'cas') this.writtenValues(op.key).add(op.value);
    if (op.kind === 'release' || op.kind === 'acquire') {
      // The client stops relying on the lease before it asks to give it back; a renewal may shorten it.
      const w = this.windows.get(op.kind === 'release' ? op.token : (c.held.get(op.name) ?? 0));
      if (w !== undefined) w.end = Math.min(w.end, this.nowMs + (op.kind === 'release' ? 0 : op.ttlMs));
    }
    const deadline = this.mode === 'faults' ? this.nowMs + CLIENT_TIMEOUTS_MS.operation : this.livenessDeadline;
    c.running = { op, startedAt: this.nowMs, seq: isWrite ? c.seq : 0, deadline, sent: false, attempt: 0, timer: undefined, committedAtStart: Math.max(this.answeredIndex, this.target.committed()) };
    this.digest.add(c.index, op.kind.length, c.seq);
    this.attempt(c);
  }

  private writtenValues(key: string): Set<string> {
    let set = this.written.get(key);
    if (set === undefined) this.written.set(key, (set = new Set()));
    return set;
  }

  private command(c: Client, op: Op): Command | undefined {
    switch (op.kind) {
      case 'put':
        return { type: 'kv.put', ns: REGISTRY_KV_NS, key: op.key, value: op.value };
      case 'cas':
        return { type: 'kv.cas', ns: REGISTRY_KV_NS, key: op.key, expected: op.expected, value: op.value };
      case 'register':
        return { type: 'shard.register', id: op.shard, address: `10.0.0.${op.shard === 's0' ? 1 : 2}:7000`, region: 'r1', zone: 'z1', capacity: 100 };
      case 'contact':
        return { type: 'cluster.contact', cluster: op.cluster, shard: op.shard };
      case 'acquire':
        return { type: 'lease.acquire', name: op.name, holder: c.clientId, ttlMs: op.ttlMs };
      case 'release':
        return { type: 'lease.release', name: op.name, holder: c.clientId, token: op.token };
      default:
        return undefined;
    }
  }

  private consistency(op: Op): ReadConsistency {
    if (op.kind === 'get-min-index') return { mode: 'min-index', index: op.minIndex };
    if (op.kind === 'get-stale') return { mode: 'max-staleness', ms: op.ms };
    return { mode: 'linearizable' };
  }

  private attempt(c: Client): void {
    const r = c.running;
    if (r === undefined) return;
    if (this.nowMs >= r.deadline && this.mode === 'faults') return this.giveUp(c, r);
    const cmd = this.command(c, r.op);
    // Writes go to the member believed to lead; reads to any member, to exercise follower reads.
    const to = cmd !== undefined && c.leaderGuess !== '' ? c.leaderGuess : this.prng.pick(this.target.memberIds);
    const attempt = ++r.attempt;
    this.stats.attempts++;
    const api = this.target.api(to);
    if (api === undefined) {
      c.leaderGuess = '';
      this.retryAfter(c, r, this.prng.between(5, 50));
      return;
    }
    const timer: SimTimer = { cancelled: false };
    r.timer = timer;
    this.scheduler.after(CLIENT_TIMEOUTS_MS.attempt * US_PER_MS, () => {
      if (c.running !== r || r.attempt !== attempt) return;
      c.leaderGuess = '';
      this.attempt(c);
    }, undefined, timer);
    const current = (): boolean => c.running === r && r.attempt === attempt;
    if (cmd !== undefined) {
      r.sent = true;
      api.write({ clientId: c.clientId, seq: r.seq, firstIncomplete: r.seq, op: cmd }).then(
        (result) => current() && this.guard(() => this.written_(c, r, to, result)),
        (err: unknown) => current() && this.guard(() => this.failed(c, r, err)),
      );
    } else {
      const fn: (sm: FleetStateMachine) => unknown = r.op.kind === 'get-cluster' ? clusterRead(r.op.cluster) : kvRead((r.op as { key: string }).key);
      api.read<unknown>(this.consistency(r.op), fn).then(
        (answer) => current() && this.guard(() => this.read(c, r, answer)),
        (err: unknown) => current() && this.guard(() => this.failed(c, r, err)),
      );
    }
  }

  /** Runs an answer's handler; a throw (a malformed answer) becomes the run's failure instead of an unhandled rejection. */
  private guard(handle: () => void): void {
    try {
      handle();
    } catch (err) {
      this.violation ??= new SafetyViolation('ready-contract', `a client could not handle an answer: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private retryAfter(c: Client, r: Running, ms: number): void {
    if (r.timer) r.timer.cancelled = true;
    const attempt = r.attempt;
    this.scheduler.after(ms * US_PER_MS, () => {
      if (c.running === r && r.attempt === attempt) this.attempt(c);
    });
  }

  private failed(c: Client, r: Running, err: unknown): void {
    if (!(err instanceof NodeError)) {
      this.violation ??= new SafetyViolation('ready-contract', `${c.clientId}'s ${r.op.kind} failed with ${err instanceof Error ? err.message : String(err)}`);
      return this.finish(c, r, 'fail');
    }
    if (err.code === 'NOT_LEADER') {
      this.stats.redirects++;
      c.leaderGuess = err.leaderId;
      return this.retryAfter(c, r, err.leaderId === '' ? this.prng.between(10, 50) : 1);
    }
    if (err.code === 'UNAVAILABLE' || err.code === 'TIMEOUT') {
      c.leaderGuess = '';
      return this.retryAfter(c, r, this.prng.between(10, 100));
    }
    if (err.code === 'OUT_OF_SPACE') {
      // The leader's disk is full and no voter could take over: nothing was proposed; ask again later.
      this.stats.outOfSpace++;
      c.leaderGuess = '';
      return this.retryAfter(c, r, this.prng.between(50, 500));
    }
    this.violation ??= new SafetyViolation('ready-contract', `${c.clientId}'s ${r.op.kind} was refused: ${err.code} ${err.message}`);
    this.finish(c, r, 'fail');
  }

  private giveUp(c: Client, r: Running): void {
    const isRead = this.command(c, r.op) === undefined;
    this.finish(c, r, !isRead && r.sent ? 'info' : 'fail');
  }

  /** A write's answer. */
  private written_(c: Client, r: Running, from: string, result: ApplyResult): void {
    c.leaderGuess = from;
    const op = r.op;
    this.answeredIndex = Math.max(this.answeredIndex, result.index);
    if (result.ok) c.lastIndex = Math.max(c.lastIndex, result.index);
    // Any answer means the registry holds this client's session from that index on, except an
    // acquire refused for a lease another holds: the leader answers it without a log entry.
    const unlogged = op.kind === 'acquire' && !result.ok && result.code === 'FAILED_PRECONDITION';
    if (!unlogged) c.answeredIndex = Math.max(c.answeredIndex, result.index);
    if (!result.ok && result.code === 'DUPLICATE_STALE') return this.finish(c, r, 'info');
    switch (op.kind) {
      case 'put':
      case 'cas': {
        if (!result.ok && result.code !== 'CAS_FAILED') return this.unexpected(c, op.kind, result);
        if (result.ok) {
          c.known.set(op.key, op.value);
          const revision = (result.value as { revision?: unknown }).revision;
          if (typeof revision !== 'number') return this.unexpected(c, op.kind, result);
          c.ownRevision.set(op.key, revision);
        }
        return this.finish(c, r, result.ok ? 'ok' : 'fail');
      }
      case 'contact':
        this.checkContact(c, r, op.cluster, result);
        return this.finish(c, r, 'ok');
      case 'acquire':
        if (result.ok) this.granted(c, r, op.name, op.ttlMs, (result.value as { lease: { token: number } }).lease.token);
        return this.finish(c, r, 'ok');
      case 'release':
        c.held.delete(op.name);
        return this.finish(c, r, 'ok');
      default:
        return this.finish(c, r, 'ok');
    }
  }

  private unexpected(c: Client, what: string, result: ApplyResult): void {
    this.violation ??= new SafetyViolation('ready-contract', `${c.clientId}'s ${what} was answered ${JSON.stringify(result)}`);
  }

  /** First contact wins: every answer about a cluster names the shard it was first bound to. */
  private checkContact(c: Client, r: Running, cluster: string, result: ApplyResult): void {
    let shard: string | undefined;
    let boundNow = false;
    if (result.ok) {
      const value = result.value as { cluster: { shard: string | null }; bound: boolean };
      shard = value.cluster.shard ?? undefined;
      boundNow = value.bound;
    } else if (result.code === 'ALREADY_BOUND') {
      shard = String(result.details?.['currentShard']);
    }
    if (shard === undefined) return;
    this.noteBinding(cluster, shard, `${c.clientId}'s contact (seq ${r.seq}) at index ${result.index}`);
    const b = this.bindings.get(cluster);
    if (boundNow && b !== undefined) {
      b.binders.add(`${c.clientId}/${r.seq}`);
      if (b.binders.size > 1) this.violation ??= new SafetyViolation('first-contact-wins', `cluster ${cluster} was bound by two different writes: ${[...b.binders].join(', ')}`);
    }
  }

  private noteBinding(cluster: string, shard: string, by: string): void {
    const b = this.bindings.get(cluster);
    if (b === undefined) this.bindings.set(cluster, { shard, binders: new Set() });
    else if (b.shard !== shard) this.violation ??= new SafetyViolation('first-contact-wins', `cluster ${cluster} was answered bound to ${b.shard}, then ${by} says ${shard}`);
  }

  /** An acknowledged grant or renewal: opens or extends the client's window, which must overlap no other token's. */
  private granted(c: Client, r: Running, name: string, ttlMs: number, token: number): void {
    c.held.set(name, token);
    const end = r.startedAt + ttlMs;
    const w = this.windows.get(token);
    if (w !== undefined && w.holder !== c.clientId) {
      this.violation ??= new SafetyViolation('lease-safety', `fencing token ${token} was granted to ${w.holder} and to ${c.clientId}`);
      return;
    }
    if (w === undefined) {
      const opened: HoldWindow = { name, token, holder: c.clientId, start: this.nowMs, end };
      this.stats.leases.grants++;
      if ([...this.windows.values()].some((o) => o.name === name && o.holder !== c.clientId)) this.stats.leases.handovers++;
      this.windows.set(token, opened);
      this.checkOverlap(opened);
    } else {
      // The latest renewal decides, longer or shorter.
      w.end = end;
      this.checkOverlap(w);
    }
  }

  /** At most one holder at any instant: `w` shares no instant with another token's window of the same lease. */
  private checkOverlap(w: HoldWindow): void {
    if (w.start >= w.end) return;
    for (const o of this.windows.values()) {
      if (o.name !== w.name || o.token === w.token || o.start >= o.end) continue;
      if (o.start < w.end && w.start < o.end) {
        const span = (x: HoldWindow): string => `token ${x.token} to ${x.holder} over [${x.start.toFixed(1)}, ${x.end.toFixed(1)}) ms`;
        // The same holder with two tokens is no double holding, but its older grant ended early: another client could have had it.
        const what = o.holder === w.holder ? 'two grants running at once (the older one ended early)' : 'two holders at once';
        this.violation ??= new SafetyViolation('lease-safety', `lease ${w.name} had ${what} in simulated real time: ${span(o)} and ${span(w)}`);
      }
    }
  }

  /** The clients whose writes were answered, and the index from which the registry must hold their session. */
  sessionsAnswered(): { clientId: string; index: number }[] {
    return this.clients.filter((c) => c.answeredIndex > 0).map((c) => ({ clientId: c.clientId, index: c.answeredIndex }));
  }

  /** A read's answer. */
  private read(c: Client, r: Running, answer: { value: unknown; index: number }): void {
    const op = r.op;
    if (op.kind === 'get' || op.kind === 'get-cluster') this.checkReadIndex(c, r, answer.index);
    this.answeredIndex = Math.max(this.answeredIndex, answer.index);
    if (op.kind === 'get-cluster') {
      const shard = answer.value as string | null;
      const b = this.bindings.get(op.cluster);
      if (b !== undefined && shard !== b.shard) {
        this.violation ??= new SafetyViolation('acknowledged-lost', `cluster ${op.cluster} was answered bound to ${b.shard}, but a final read finds ${shard ?? 'it unbound'}`);
      }
      return this.finish(c, r, 'ok');
    }
    const kv = answer.value as KvValue;
    if (op.kind === 'get') {
      this.stats.reads.linearizable++;
      c.known.set(op.key, kv?.value ?? null);
      return this.finish(c, r, 'ok', kv?.value ?? null);
    }
    if (op.kind === 'get-min-index') {
      this.stats.reads.minIndex++;
      const own = op.ownRevision;
      if (answer.index < op.minIndex || (own !== undefined && (kv === null || kv.modRevision < own))) {
        this.violation ??= new SafetyViolation(
          'read-your-writes',
          `${c.clientId} read ${op.key} at min index ${op.minIndex} and got index ${answer.index}, revision ${kv?.modRevision ?? 'none'}; its own write made revision ${own ?? '-'}`,
        );
      }
    } else if (op.kind === 'get-stale') {
      this.stats.reads.stale++;
      if (kv !== null && !this.writtenValues(op.key).has(kv.value)) {
        this.violation ??= new SafetyViolation('read-validity', `a max-staleness read of ${op.key} returned ${JSON.stringify(kv.value)}, which no client wrote`);
      }
    }
    this.finish(c, r, 'ok');
  }

  /**
   * A linearizable read reflects everything committed before it began: every index an earlier
   * answer carried, or the cluster knew committed. The history check sees a miss only when the
   * missed entry wrote the key read; the index sees any entry (a new leader's no-op included), so
   * a stale read shows here even when it happens to return the right value.
   */
  private checkReadIndex(c: Client, r: Running, index: number): void {
    if (index >= r.committedAtStart) return;
    const what = r.op.kind === 'get' ? `of ${r.op.key}` : `of cluster ${(r.op as { cluster: string }).cluster}`;
    this.violation ??= new SafetyViolation('linearizability', `${c.clientId}'s linearizable read ${what} was served at index ${index}, but index ${r.committedAtStart} was committed before it began`);
  }

  private finish(c: Client, r: Running, type: 'ok' | 'fail' | 'info', readValue?: string | null): void {
    if (r.timer) r.timer.cancelled = true;
    c.running = undefined;
    this.stats[type]++;
    this.digest.add(c.index, type === 'ok' ? 10 : type === 'fail' ? 11 : 12, r.seq);
    if (HISTORY_FN[r.op.kind] !== undefined) {
      this.history.complete(c.process, type, r.op.kind === 'get' ? readValue : undefined);
      // After `info` the operation may still take effect at any time: Jepsen retires the process.
      if (type === 'info') c.process = this.nextProcess++;
    }
  }
}

function clusterRead(cluster: string): (sm: FleetStateMachine) => string | null {
  return (sm) => sm.getCluster(cluster)?.shard ?? null;
}
