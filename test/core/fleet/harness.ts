/**
 * Drives a FleetStateMachine the way the Raft node does: encoded envelopes at increasing
 * indices, with leader time that the test moves by hand.
 */
import { expect } from 'vitest';
import { FleetStateMachine, encodeCommand, type ApplyFailure, type ApplyResult, type Command, type ResultOf } from '../../../src/core/fleet/index.js';

/** Leader time at the start of every test: a fixed instant, never the test machine's clock. */
export const T0 = 1_700_000_000_000;

/** Who sends an entry; absent means an internal entry (clientId '', no dedup). */
export interface Sender {
  readonly clientId?: string;
  readonly seq?: number;
  readonly firstIncomplete?: number;
  readonly time?: number;
  readonly age?: number;
}

/** A state machine with its own log position, leader wall clock and registry age. */
export class Harness {
  index = 0;
  time = T0;
  /** The registry age stamped into entries (leaders' monotonic milliseconds). */
  age = 0;

  constructor(readonly sm: FleetStateMachine = new FleetStateMachine()) {
    this.index = sm.appliedIndex;
  }

  /** Applies one entry and returns the answer. */
  run(op: Command | Record<string, unknown>, from: Sender = {}): ApplyResult {
    const env = { clientId: from.clientId ?? '', seq: from.seq ?? 0, firstIncomplete: from.firstIncomplete ?? 0, time: from.time ?? this.time, age: from.age ?? this.age, op };
    return this.sm.apply(++this.index, encodeCommand(env as never));
  }

  /** Applies raw bytes as the next entry. */
  raw(data: Uint8Array): ApplyResult {
    return this.sm.apply(++this.index, data);
  }

  /** Applies a command that must succeed; returns its value. */
  ok<C extends Command>(op: C, from: Sender = {}): ResultOf<C['type']> {
    const r = this.run(op, from);
    if (!r.ok) expect.fail(`${op.type} refused: ${r.code} ${r.message}`);
    expect(r.index).toBe(this.index);
    return r.value as ResultOf<C['type']>;
  }

  /** Applies a command that must be refused with `code`; returns the refusal. */
  err(op: Command | Record<string, unknown>, code: ApplyFailure['code'], from: Sender = {}): ApplyFailure {
    const r = this.run(op, from);
    if (r.ok) expect.fail(`expected ${code}, got success ${JSON.stringify(r.value)}`);
    expect(r.code, r.message).toBe(code);
    return r;
  }

  /** Moves leader wall time and the registry age forward together (clocks that agree). */
  advance(ms: number): void {
    this.time += ms;
    this.age += ms;
  }

  /** Registers a shard with defaults. */
  shard(id: string, capacity = 100, extra: Partial<Extract<Command, { type: 'shard.register' }>> = {}): void {
    const k = this.#shards++;
    const address = `10.0.${Math.floor(k / 250)}.${(k % 250) + 1}:7000`;
    this.ok({ type: 'shard.register', id, address, region: 'us-east-1', zone: 'us-east-1a', capacity, ...extra });
  }

  #shards = 0;

  /** A first contact that must succeed. */
  contact(cluster: string, shard: string): void {
    this.ok({ type: 'cluster.contact', cluster, shard });
  }

  /** The snapshot after a restore of the current snapshot: must equal `snapshot()`. */
  restored(): FleetStateMachine {
    return FleetStateMachine.restore(this.sm.snapshot());
  }
}
