/**
 * The recorded workload: `clients` closed-loop clients doing linearizable reads, writes of
 * unique values and compare-and-sets on a round's registers, every operation recorded (invoke
 * and completion) in the drill's history and as an OpRecord for the measurements.
 */
import { COMPARE_FAILED, type HistoryRecorder } from '../history/index.js';
import type { DrillClock } from './clock.js';
import { errorLabel, readOutcome, writeOutcome, type RegisterClient, type WriteAck } from './register-client.js';
import type { OpRecord, Outcome } from './types.js';

/** Hands out history process numbers; a number is never reused within a drill. */
export class ProcessNumbers {
  #next = 0;

  /** A fresh process number. */
  next(): number {
    return this.#next++;
  }
}

/** What a round's workload runs against. */
export interface WorkloadOptions {
  readonly round: number;
  readonly clients: number;
  /** The registers (history keys) of this round. */
  readonly keys: readonly string[];
  readonly processes: ProcessNumbers;
  readonly recorder: HistoryRecorder;
  readonly clock: DrillClock;
  /** One client per simulated client (each with its own connections and session). */
  readonly newClient: () => RegisterClient;
  /** Uniform in [0, 1): picks keys and operations (default Math.random). */
  readonly random?: () => number;
}

/** Counts of a workload's operations so far. */
export interface WorkloadStats {
  readonly ops: number;
  /** Writes and cas acknowledged. */
  readonly acknowledged: number;
  /** Compare-and-sets that found another value: a definite answer of a working cluster, not a failure. */
  readonly compareFailed: number;
  readonly failed: number;
  readonly indeterminate: number;
}

/** Mix of operations: 40% reads, 40% writes, 20% compare-and-sets. */
const READ_SHARE = 0.4;
const WRITE_SHARE = 0.4;

/**
 * A running workload. Invariants: each client has at most one operation outstanding (one
 * history process at a time); after an `info` outcome the client takes a fresh process number,
 * as Jepsen does, because its old operation may still take effect.
 */
export class Workload {
  readonly #opts: WorkloadOptions;
  readonly #records: OpRecord[] = [];
  readonly #clients: RegisterClient[] = [];
  readonly #random: () => number;
  #loops: Promise<void>[] = [];
  #stopping = false;
  #acknowledged = 0;
  #compareFailed = 0;
  #failed = 0;
  #indeterminate = 0;
  #lastError: string | undefined;

  constructor(opts: WorkloadOptions) {
    this.#opts = opts;
    this.#random = opts.random ?? Math.random;
  }

  /** Starts every client. */
  start(): void {
    for (let i = 0; i < this.#opts.clients; i++) {
      const client = this.#opts.newClient();
      this.#clients.push(client);
      this.#loops.push(this.#loop(i, client));
    }
  }

  /** Stops issuing operations, waits for those in flight to end, and closes the clients. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.#loops);
    this.#loops = [];
    for (const c of this.#clients.splice(0)) c.close();
  }

  /** Every completed operation, in completion order. */
  get records(): readonly OpRecord[] {
    return this.#records;
  }

  /** Counts so far. */
  stats(): WorkloadStats {
    return { ops: this.#records.length, acknowledged: this.#acknowledged, compareFailed: this.#compareFailed, failed: this.#failed, indeterminate: this.#indeterminate };
  }

  /** The message of the latest failure, for a one-line diagnosis when nothing succeeds. */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** Operations completed in the last `windowMs`, per second. */
  opsPerSec(windowMs = 1_000): number {
    const since = this.#opts.clock.nowNs() - windowMs * 1e6;
    let n = 0;
    for (let i = this.#records.length - 1; i >= 0 && this.#records[i]!.endNs >= since; i--) n++;
    return Math.round((n * 1_000) / windowMs);
  }

  async #loop(index: number, client: RegisterClient): Promise<void> {
    let process = this.#opts.processes.next();
    let written = 0;
    // The last value this client saw in each register: what its compare-and-sets expect.
    const seen = new Map<string, string | null>();
    while (!this.#stopping) {
      const key = this.#opts.keys[Math.floor(this.#random() * this.#opts.keys.length)]!;
      const dice = this.#random();
      const value = `${this.#opts.round}.${index}.${written++}`;
      let outcome: Outcome;
      if (dice < READ_SHARE) outcome = await this.#read(process, client, key, seen);
      else if (dice < READ_SHARE + WRITE_SHARE) outcome = await this.#write(process, key, value, () => client.put(key, value), seen);
      else outcome = await this.#cas(process, client, key, seen.get(key) ?? null, value, seen);
      if (outcome === 'info') process = this.#opts.processes.next();
    }
  }

  async #read(process: number, client: RegisterClient, key: string, seen: Map<string, string | null>): Promise<Outcome> {
    const start = this.#opts.recorder.invoke(process, 'read', key).time;
    try {
      const { value } = await client.get(key);
      seen.set(key, value);
      return this.#complete({ process, f: 'read', key, input: null, output: value, outcome: 'ok', startNs: start }, value);
    } catch (err) {
      this.#noteError(err);
      return this.#complete({ process, f: 'read', key, input: null, output: null, outcome: readOutcome(), startNs: start, error: errorLabel(err) });
    }
  }

  async #write(process: number, key: string, value: string, run: () => Promise<WriteAck | void>, seen: Map<string, string | null>): Promise<Outcome> {
    const start = this.#opts.recorder.invoke(process, 'write', key, value).time;
    return this.#settle({ process, f: 'write', key, input: value, output: null, startNs: start }, run, () => seen.set(key, value));
  }

  async #cas(process: number, client: RegisterClient, key: string, expected: string | null, value: string, seen: Map<string, string | null>): Promise<Outcome> {
    const input = [expected, value];
    const start = this.#opts.recorder.invoke(process, 'cas', key, input).time;
    return this.#settle({ process, f: 'cas', key, input, output: null, startNs: start }, () => client.cas(key, expected, value), () => seen.set(key, value));
  }

  /** Runs a write or cas and records it: ok (with who acknowledged it), a definite refusal (`fail`), or unknown (`info`). */
  async #settle(op: Omit<OpRecord, 'outcome' | 'endNs'>, run: () => Promise<WriteAck | void>, onOk: () => void): Promise<Outcome> {
    try {
      const ack = await run();
      onOk();
      return this.#complete({ ...op, outcome: 'ok', ...(ack?.by === undefined ? {} : { by: ack.by }) });
    } catch (err) {
      if (errorLabel(err) !== 'refused') this.#noteError(err);
      return this.#complete({ ...op, outcome: writeOutcome(err), error: errorLabel(err) }, undefined, isCompareFailure(err));
    }
  }

  #noteError(err: unknown): void {
    this.#lastError = err instanceof Error ? err.message : String(err);
  }

  #complete(op: Omit<OpRecord, 'endNs'>, readValue?: string | null, compareFailed = false): Outcome {
    const error = compareFailed ? COMPARE_FAILED : undefined;
    const event = this.#opts.recorder.complete(op.process, op.outcome, op.f === 'read' ? (readValue ?? null) : undefined, error);
    this.#records.push({ ...op, endNs: event.time });
    if (op.outcome === 'ok' && op.f !== 'read') this.#acknowledged++;
    else if (compareFailed) this.#compareFailed++;
    else if (op.outcome === 'fail') this.#failed++;
    else if (op.outcome === 'info') this.#indeterminate++;
    return op.outcome;
  }
}

/** The history keys of a round's registers: `r<round>-k<i>`. */
export function roundKeys(round: number, keys: number): string[] {
  const width = String(keys - 1).length;
  return Array.from({ length: keys }, (_, i) => `r${round}-k${String(i).padStart(width, '0')}`);
}

/** Whether a write failed because its compare found another value (the cluster worked; the guess was stale). */
function isCompareFailure(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'CAS_FAILED';
}
