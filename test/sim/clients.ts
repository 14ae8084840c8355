/**
 * Simulated clients: each runs one operation at a time on a few registers — writes of unique
 * values, compare-and-sets and linearizable reads — against the member it believes leads,
 * and records every operation in a Jepsen-style history. A write may be attempted several
 * times (redirects, lost connections, timeouts) under one (client, seq): the state machine's
 * session table applies it at most once, so retrying is safe and the history stays honest.
 */
import type { HistoryRecorder, OpFunction } from '../../src/ops/history/index.js';
import type { NodeId } from '../../src/core/raft/types.js';
import type { TraceDigest } from './digest.js';
import type { ClientSink, Host, SubmitOutcome, WriteOutcome } from './host.js';
import { encodeCommand, type KvCommand, type RegisterValue } from './kv-model.js';
import type { Prng } from './prng.js';

/** Timeouts, in ticks. An attempt times out and is retried; an operation gives up at its deadline. */
export const CLIENT_TIMEOUTS = { writeAttempt: 30, readAttempt: 20, operation: 120 } as const;

/** What the clients see of the cluster: member ids, and each member's host (its client endpoint). */
export interface ClientTarget {
  readonly nodeIds: readonly NodeId[];
  host(id: NodeId): Host;
}

/** Client settings drawn from the run's seed. */
export interface ClientSettings {
  readonly clients: number;
  readonly keys: number;
  /** Per-tick probability that an idle client starts an operation. */
  readonly rate: number;
}

/** Counters for the run summary. */
export interface ClientStats {
  invoked: number;
  ok: number;
  fail: number;
  info: number;
}

interface Attempt {
  readonly reqId: number;
  readonly expiresAt: number;
}

interface Operation {
  readonly f: OpFunction;
  readonly key: string;
  readonly cmd: KvCommand | undefined;
  readonly data: Uint8Array | undefined;
  deadline: number;
  /** Some attempt's proposal was accepted into a log: from then on it may apply. */
  accepted: boolean;
  attempt: Attempt | undefined;
  retryAt: number;
  readonly invokedAt: number;
}

interface Client {
  readonly index: number;
  process: number;
  seq: number;
  leaderGuess: NodeId;
  op: Operation | undefined;
  /** The last value this client saw per key: what its next cas expects. */
  readonly known: Map<string, RegisterValue>;
}

const FUNCTION_CODE: Readonly<Record<OpFunction, number>> = { read: 1, write: 2, cas: 3 };

/**
 * All clients of a run. Invariant: each client has at most one operation outstanding, and
 * each attempt of it is known by a unique request id, so a late answer to an abandoned
 * attempt is recognised and ignored.
 */
export class Clients implements ClientSink {
  private readonly clients: Client[] = [];
  private readonly byRequest = new Map<number, Client>();
  private nextRequest = 1;
  private nextProcess: number;
  private tick = 0;
  private mode: 'faults' | 'liveness' | 'drain' = 'faults';
  readonly stats: ClientStats = { invoked: 0, ok: 0, fail: 0, info: 0 };

  constructor(
    private readonly prng: Prng,
    private readonly settings: ClientSettings,
    private readonly target: ClientTarget,
    private readonly history: HistoryRecorder,
    private readonly digest: TraceDigest,
  ) {
    for (let i = 0; i < settings.clients; i++) this.clients.push({ index: i, process: i, seq: 0, leaderGuess: '', op: undefined, known: new Map() });
    this.nextProcess = settings.clients;
  }

  /** One tick of every client: start, retry or give up operations. */
  step(tick: number): void {
    this.tick = tick;
    for (const c of this.clients) {
      if (c.op === undefined) {
        if (this.mode === 'drain' || !this.prng.chance(this.settings.rate)) continue;
        this.invoke(c);
      }
      this.drive(c, c.op as Operation);
    }
  }

  /** Liveness phase: no operation may give up any more; all must finish by `deadline`. */
  startLiveness(deadline: number): void {
    this.mode = 'liveness';
    for (const c of this.clients) if (c.op) c.op.deadline = deadline;
  }

  /** Stops starting operations, so the run can end once the outstanding ones finish. */
  drain(): void {
    this.mode = 'drain';
  }

  /** Operations still outstanding. */
  outstanding(): number {
    return this.clients.filter((c) => c.op !== undefined).length;
  }

  /** Descriptions of the operations still outstanding, for a liveness failure's report. */
  describeOutstanding(): string[] {
    const lines: string[] = [];
    for (const c of this.clients) {
      const op = c.op;
      if (op !== undefined) lines.push(`client ${c.index}'s ${op.f} of ${op.key} (invoked at tick ${op.invokedAt}${op.accepted ? ', accepted' : ''})`);
    }
    return lines;
  }

  private invoke(c: Client): void {
    const key = `k${this.prng.int(this.settings.keys)}`;
    const roll = this.prng.int(100);
    const f: OpFunction = roll < 40 ? 'write' : roll < 65 ? 'cas' : 'read';
    c.seq++;
    const value = c.seq * 16 + c.index + 1;
    let cmd: KvCommand | undefined;
    if (f === 'write') cmd = { kind: 'write', client: c.index, seq: c.seq, key, value };
    if (f === 'cas') {
      const expected = this.prng.chance(0.8) ? (c.known.get(key) ?? null) : null;
      cmd = { kind: 'cas', client: c.index, seq: c.seq, key, expected, value };
    }
    const invokeValue = cmd === undefined ? null : cmd.kind === 'cas' ? [cmd.expected, cmd.value] : cmd.value;
    this.history.invoke(c.process, f, key, invokeValue);
    this.stats.invoked++;
    this.digest.add(c.process, FUNCTION_CODE[f], value);
    c.op = {
      f,
      key,
      cmd,
      data: cmd === undefined ? undefined : encodeCommand(cmd),
      deadline: this.tick + CLIENT_TIMEOUTS.operation,
      accepted: false,
      attempt: undefined,
      retryAt: this.tick,
      invokedAt: this.tick,
    };
  }

  private drive(c: Client, op: Operation): void {
    if (this.tick >= op.deadline) {
      if (this.mode === 'faults') this.giveUp(c, op);
      return;
    }
    if (op.attempt !== undefined && this.tick >= op.attempt.expiresAt) {
      this.abandonAttempt(c, op);
      op.retryAt = this.tick;
    }
    // A redirect is followed at once, but at most twice per tick.
    for (let hops = 0; hops < 3 && op.attempt === undefined && this.tick >= op.retryAt && c.op === op; hops++) this.submit(c, op);
  }

  private submit(c: Client, op: Operation): void {
    const node = c.leaderGuess !== '' ? c.leaderGuess : this.prng.pick(this.target.nodeIds);
    const host = this.target.host(node);
    const reqId = this.nextRequest++;
    this.byRequest.set(reqId, c);
    op.attempt = { reqId, expiresAt: this.tick + (op.f === 'read' ? CLIENT_TIMEOUTS.readAttempt : CLIENT_TIMEOUTS.writeAttempt) };
    const outcome: SubmitOutcome = op.cmd === undefined ? host.submitRead(reqId, op.key) : host.submitWrite(reqId, op.cmd, op.data as Uint8Array);
    if (outcome.kind === 'accepted') {
      if (op.cmd !== undefined) op.accepted = true;
      c.leaderGuess = node;
      return;
    }
    this.byRequest.delete(reqId);
    op.attempt = undefined;
    if (outcome.kind === 'down') {
      c.leaderGuess = '';
      op.retryAt = this.tick + 1;
    } else if (outcome.error === 'not-leader') {
      c.leaderGuess = outcome.leader === node ? '' : outcome.leader;
      op.retryAt = c.leaderGuess === '' ? this.tick + 1 : this.tick;
    } else {
      // Transfer in progress, too many uncommitted bytes: the leader asks us to back off.
      op.retryAt = this.tick + this.prng.between(1, 3);
    }
  }

  private abandonAttempt(c: Client, op: Operation): void {
    const attempt = op.attempt;
    if (attempt === undefined) return;
    this.byRequest.delete(attempt.reqId);
    op.attempt = undefined;
    c.leaderGuess = '';
    for (const id of this.target.nodeIds) this.target.host(id).cancel(attempt.reqId);
  }

  private giveUp(c: Client, op: Operation): void {
    this.abandonAttempt(c, op);
    // A read changes nothing, and a write never accepted into any log cannot apply: both definitely failed.
    this.complete(c, op.f !== 'read' && op.accepted ? 'info' : 'fail');
  }

  writeDone(reqId: number, outcome: WriteOutcome): void {
    const c = this.ownerOf(reqId);
    if (c === undefined || c.op === undefined) return;
    if (outcome === 'lost') {
      this.retrySoon(c, c.op);
      return;
    }
    const cmd = c.op.cmd as KvCommand;
    if (outcome === 'ok') c.known.set(cmd.key, cmd.value);
    this.complete(c, outcome === 'ok' ? 'ok' : 'fail');
  }

  readDone(reqId: number, value: RegisterValue | 'lost'): void {
    const c = this.ownerOf(reqId);
    if (c === undefined || c.op === undefined) return;
    if (value === 'lost') {
      this.retrySoon(c, c.op);
      return;
    }
    c.known.set(c.op.key, value);
    this.complete(c, 'ok', value);
  }

  /** The client whose current attempt is `reqId`, if that attempt is still current. */
  private ownerOf(reqId: number): Client | undefined {
    const c = this.byRequest.get(reqId);
    this.byRequest.delete(reqId);
    return c?.op?.attempt?.reqId === reqId ? c : undefined;
  }

  private retrySoon(c: Client, op: Operation): void {
    op.attempt = undefined;
    c.leaderGuess = '';
    op.retryAt = this.tick + 1;
  }

  private complete(c: Client, type: 'ok' | 'fail' | 'info', value?: RegisterValue): void {
    this.history.complete(c.process, type, value);
    this.stats[type]++;
    this.digest.add(c.process, type === 'ok' ? 10 : type === 'fail' ? 11 : 12, value ?? -1);
    c.op = undefined;
    // After `info` the operation may still take effect at any time: Jepsen retires the process.
    if (type === 'info') c.process = this.nextProcess++;
  }
}
