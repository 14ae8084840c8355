/**
 * The fleet registry as a Raft state machine. The node hands it committed entries in log
 * order; it applies each deterministically (no clock, no randomness: time and age come from the
 * entry, and nothing expires by a clock but by an entry that says so), answers with the entry's index, and can be snapshotted and restored byte for byte.
 */
import { captureBefore, changesAfter, type ChangeSink } from './changes.js';
import { auditArgs, auditEntry, auditRingOf, audited } from './audit-log.js';
import { decodeHeader } from './codec.js';
import type { EnvelopeHeader } from './parse-command.js';
import { checkInvariant } from '../invariant.js';
import { HANDLERS, stateMark } from './handlers/index.js';
import { acquireRefusal } from './handlers/leases.js';
import type { Handler } from './handlers/outcome.js';
import { parseCommand } from './parse-command.js';
import * as reads from './reads.js';
import { SessionTable } from './sessions.js';
import { SnapshotJob, readSnapshot, writeSnapshot } from './snapshot.js';
import { keyspaceOf, kvRead, type KeyspacePort } from './kv-location.js';
import { leaseBook, liveLeaseName } from './lease-book.js';
import { FleetState } from './state.js';
import type {
  ApplyFailure,
  ApplyResult,
  AuditEntry,
  ClusterView,
  Command,
  CommandType,
  DomainView,
  FleetErrorCode,
  KvEntry,
  LeaseStatus,
  LeaseView,
  Page,
  PlanView,
  ProviderView,
  QuotaView,
  RegistryCounts,
  ShardView,
} from './types.js';
import { InvalidArgument } from './validate.js';

function refusal(index: number, code: FleetErrorCode, message: string, details?: Record<string, unknown>): ApplyResult {
  return details === undefined ? { ok: false, index, code, message } : { ok: false, index, code, message, details };
}

/** The leader's wall time stamped in a registry entry, and the entry's index. */
export interface EntryStamp {
  readonly index: number;
  readonly time: number;
}

/**
 * The replicated fleet registry. Invariants: `apply` is a function of (state, index, data) —
 * the same entries in the same order give byte-identical snapshots on every replica; a write
 * of a client session is applied at most once; reads never mutate. `apply` throws only on a
 * caller bug (an index that does not advance) or a bug here, never on bad entry data.
 */
export class FleetStateMachine {
  #s: FleetState = new FleetState();
  #sessions = new SessionTable();
  #lastStamp: EntryStamp | undefined;

  /** Where the changes each command makes are reported (the node's change feed); none: not computed. */
  changes: ChangeSink | undefined;

  /** The Raft index of the last entry applied (or marked applied). */
  get appliedIndex(): number {
    return this.#s.appliedIndex;
  }

  /** Rebuilds a registry from `snapshot()` bytes. Throws `SnapshotError` when they are corrupt. */
  static restore(data: Uint8Array): FleetStateMachine {
    const { state, sessions } = readSnapshot(data);
    const machine = new FleetStateMachine();
    machine.#s = state;
    machine.#sessions = sessions;
    return machine;
  }

  /** The registry as a compact binary image (see snapshot.ts), as of `appliedIndex`. */
  snapshot(): Uint8Array {
    return writeSnapshot(this.#s, this.#sessions);
  }

  /**
   * Begins the image of the registry as of `appliedIndex`, to be written in steps while entries
   * go on being applied: the job's bytes equal what `snapshot()` returns now.
   */
  beginSnapshot(): SnapshotJob {
    return new SnapshotJob(this.#s, this.#sessions);
  }

  /** Advances `appliedIndex` over an entry that carries no registry command (a no-op or a membership change). */
  markApplied(index: number): void {
    this.#advance(index);
  }

  #advance(index: number): void {
    if (!Number.isSafeInteger(index) || index <= this.#s.appliedIndex) {
      throw new RangeError(`apply: index ${index} does not follow the applied index ${this.#s.appliedIndex}`);
    }
    this.#s.appliedIndex = index;
  }

  /** Applies the command in a committed entry and answers it. Never throws on bad data: it answers INVALID_ARGUMENT. */
  apply(index: number, data: Uint8Array): ApplyResult {
    this.#advance(index);
    let header: EnvelopeHeader;
    try {
      header = decodeHeader(data);
    } catch (err) {
      if (err instanceof InvalidArgument) return refusal(index, 'INVALID_ARGUMENT', err.message);
      throw err;
    }
    const s = this.#s;
    s.clock = Math.max(s.clock, header.time);
    if (header.age !== undefined) s.age = Math.max(s.age, header.age);
    this.#lastStamp = { index, time: header.time };
    this.#sessions.expire(s.age);
    if (header.clientId === '') return this.#audit(header, this.#execute(index, header.op, true));
    const verdict = this.#sessions.check(header.clientId, header.seq, header.firstIncomplete, s.age);
    switch (verdict.kind) {
      case 'duplicate':
        // The remembered answer, marked so the client can say nothing was applied this time.
        return { ...verdict.result, duplicate: true };
      case 'stale':
        return refusal(index, 'DUPLICATE_STALE', `write ${header.seq} of client ${header.clientId} was already answered (the client has seen every answer below ${verdict.floor})`, {
          clientId: header.clientId,
          seq: header.seq,
          firstIncomplete: verdict.floor,
        });
      case 'window-full':
        // Not remembered: nothing was applied, so a retry once answers are acknowledged may go through.
        return refusal(index, 'FAILED_PRECONDITION', `client ${header.clientId} has too many unanswered writes in flight; wait for answers and retry`, {
          clientId: header.clientId,
        });
      case 'new': {
        const result = this.#audit(header, this.#execute(index, header.op, false));
        this.#sessions.remember(verdict.session, header.seq, result);
        return result;
      }
    }
  }

  /** Appends the audit entry of a write that names who made it (see audit-log.ts); answers `result`. */
  #audit(header: EnvelopeHeader, result: ApplyResult): ApplyResult {
    const by = header.by;
    const raw = header.op as { type?: unknown } | null;
    const type = typeof raw?.type === 'string' ? raw.type : '?';
    if (by === undefined || !audited(type)) return result;
    let args = '{}';
    let ring = auditRingOf({ type });
    try {
      const parsed = parseCommand(raw);
      args = auditArgs(parsed);
      ring = auditRingOf(parsed);
    } catch {
      // A command the registry refused as malformed: its type is all the log says of it.
    }
    // A recorded change carries its own operation and outcome; a refused record is shown as what it was.
    const record = result.ok && type === 'audit.record' ? (raw as { op: string; outcome: string }) : undefined;
    const outcome = record?.outcome ?? (result.ok ? 'ok' : `${result.code}: ${result.message}`);
    const op = record?.op ?? type;
    this.#s.audit.append(auditEntry(result.index, this.#s.clock, by, op, args, outcome), ring);
    return result;
  }

  #execute(index: number, raw: unknown, internal: boolean): ApplyResult {
    let op: Command;
    try {
      op = parseCommand(raw);
    } catch (err) {
      if (err instanceof InvalidArgument) return refusal(index, 'INVALID_ARGUMENT', err.message);
      throw err;
    }
    // Only the leader decides that a lease ran out; a client's expiry would be a clock of its own.
    if (op.type === 'lease.expire' && !internal) return refusal(index, 'INVALID_ARGUMENT', 'lease.expire is proposed by the leader only');
    if (op.type === 'audit.record' && !internal) return refusal(index, 'INVALID_ARGUMENT', 'audit.record is proposed by a member only');
    // The table maps each type to its own handler; TypeScript cannot see that through the lookup.
    const handler = HANDLERS[op.type] as Handler<CommandType>;
    const sink = this.changes;
    const watched = sink === undefined ? undefined : captureBefore(this.#s, op, this.#s.clock);
    const mark = stateMark(this.#s);
    const outcome = handler(this.#s, op, { index, time: this.#s.clock, age: this.#s.age });
    if (outcome.ok) {
      const events = watched === undefined || watched.length === 0 ? [] : changesAfter(index, op, watched);
      if (events.length > 0) sink?.record(index, events);
      return { ok: true, index, value: outcome.value };
    }
    checkInvariant(stateMark(this.#s) === mark, 'handler-refusal-changes-nothing', () => `${op.type} at index ${index} refused (${outcome.code}: ${outcome.message}) after changing the registry`);
    return refusal(index, outcome.code, outcome.message, outcome.details);
  }

  // -------------------------------------------------------------------------------------------
  // What the node's leader needs to time leases and stamp entries (not replicated reads).
  // -------------------------------------------------------------------------------------------

  /** The registry age as of `appliedIndex` (see `FleetState.age`). */
  get age(): number {
    return this.#s.age;
  }

  /**
   * The wall time the last applied registry entry was stamped with, and that entry's index (not
   * replicated state: a member compares it with its own clock, for that entry only).
   */
  get lastStamp(): EntryStamp | undefined {
    return this.#lastStamp;
  }

  /** Changes whenever a lease is granted, renewed, released or expired. */
  get leaseVersion(): number {
    return this.#s.leaseVersion;
  }

  /** Every lease not yet expired, in no particular order. The records are frozen. */
  *liveLeases(): IterableIterator<LeaseView> {
    for (const lease of this.#s.leases.values()) if (!lease.expired) yield lease;
  }

  /**
   * Where reads get the registry age of "now" for `remainingMs`: the node installs its estimate
   * (the age applied plus what its monotonic clock counted since), so that an idle registry
   * still counts down. Unset, it is the age applied.
   */
  readerAge: (() => number) | undefined;

  /**
   * Gives the registry the member's etcd keyspace, where the user's KV lives once the cluster
   * reads data format 5 (kv-location.ts). Every member of a cluster attaches one; the member
   * attaches it again to a registry restored from an image.
   */
  attachKeyspace(port: KeyspacePort): void {
    this.#s.keyspace = port;
  }

  // -------------------------------------------------------------------------------------------
  // Reads: any replica, never mutating.
  // -------------------------------------------------------------------------------------------

  /** The registry clock: the largest leader time applied so far. */
  get clock(): number {
    return this.#s.clock;
  }

  /** One shard with its bound-cluster count. */
  getShard(id: string): ShardView | undefined {
    const rec = this.#s.shards.get(id);
    return rec === undefined ? undefined : this.#s.shardView(rec);
  }

  /** Every shard by id, with bound-cluster counts. */
  listShards(): ShardView[] {
    return [...this.#s.shards.keys()].sort().map((id) => this.#s.shardView(this.#s.shards.get(id)!));
  }

  /** One cluster. */
  getCluster(name: string): ClusterView | undefined {
    const slot = this.#s.clusters.slotOf(name);
    return slot === undefined ? undefined : this.#s.clusters.view(slot);
  }

  /** A page of clusters in name order; by shard (or unbound) it reads only that shard's index. */
  listClusters(opts: reads.ListClustersOptions = {}): Page<ClusterView> {
    return reads.listClusters(this.#s, opts);
  }

  /** Whether the registry remembers a session (exactly-once answers) for `clientId`. */
  hasSession(clientId: string): boolean {
    return this.#sessions.sessions.has(clientId);
  }

  /** Answers the session table remembers, in all sessions together (at most `LIMITS.maxRememberedAnswers`). */
  sessionAnswers(): number {
    return this.#sessions.answers;
  }

  /** Sizes of the registry. */
  counts(): RegistryCounts {
    return reads.counts(this.#s, this.#sessions.sessions.size);
  }

  /** Domain assignments by key and value, optionally of one shard. */
  listDomains(shard?: string): DomainView[] {
    return reads.listDomains(this.#s, shard);
  }

  /** Quotas by provider and region. */
  listQuotas(): QuotaView[] {
    return reads.listQuotas(this.#s);
  }

  /** Providers by name. */
  listProviders(): ProviderView[] {
    return reads.listProviders(this.#s);
  }

  /**
   * The refusal an acquire would get at the applied state, without applying anything: a lease
   * live and held by another. The leader answers such an acquire without writing it to the log
   * (FleetMember.write), so that a worker waiting for a lease fills neither the log nor the audit.
   */
  acquireRefusal(name: string, holder: string): ApplyFailure | undefined {
    const outcome = acquireRefusal(this.#s, name, holder);
    if (outcome === undefined || outcome.ok) return undefined;
    return { ok: false, index: this.appliedIndex, code: outcome.code, message: outcome.message, ...(outcome.details === undefined ? {} : { details: outcome.details }) };
  }

  /**
   * The registry's change events of leases the keyspace ended at `index` (an expiry or a revoke of
   * their etcd leases, applied by the keyspace, not here): call with the keys those leases held,
   * before the entry; the returned function, after it, records the events. Undefined when none of
   * the keys is a fleet lease's.
   */
  leasesEnding(index: number, keys: readonly string[]): (() => void) | undefined {
    const names = keys.map(liveLeaseName).filter((n): n is string => n !== undefined);
    const sink = this.changes;
    if (names.length === 0 || sink === undefined) return undefined;
    const book = leaseBook(this.#s);
    const before = names.map((name) => ({ name, view: book.get(name) }));
    return () => {
      const events = before.flatMap(({ name, view }) => {
        const after = leaseBook(this.#s).get(name);
        return view === after || (view?.expired === after?.expired && view?.token === after?.token) ? [] : [{ index, registry: 'leases' as const, type: 'lease.expire', ns: '', key: name, old: view ?? null, new: after ?? null }];
      });
      if (events.length > 0) sink.record(index, events);
    };
  }

  /**
   * Whether the KV lives in the keyspace (kv-location.ts): then every change of the keyspace, a
   * write of `fleet kv` and of an etcd client alike, is a KV change for `fleet watch`.
   */
  get kvInKeyspace(): boolean {
    return keyspaceOf(this.#s, '') !== undefined;
  }

  /** Leases by name; `remainingMs` is estimated at registry age `age` (default: the reader's age, see `readerAge`). */
  listLeases(age?: number): LeaseStatus[] {
    return reads.listLeases(this.#s, age ?? this.readerAge?.() ?? this.#s.age);
  }

  /** One KV entry. */
  kvGet(key: string, ns = ''): KvEntry | undefined {
    const rec = kvRead(this.#s, ns, key);
    return rec === undefined ? undefined : { ns, key, ...rec };
  }

  /** A page of KV entries of `ns` whose keys start with `prefix`, after the cursor `after`. */
  kvList(prefix = '', after?: string, limit?: number, ns = ''): Page<KvEntry> {
    return reads.kvList(this.#s, prefix, after, limit, ns);
  }

  /** The audit log, oldest first. */
  auditEntries(): AuditEntry[] {
    return [...this.#s.audit.entries()];
  }

  /** The latest progress of recent rebind plans, most recently updated first. */
  plans(): PlanView[] {
    return reads.listPlans(this.#s);
  }
}
