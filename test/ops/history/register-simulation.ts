import type { HistoryEvent, OpFunction } from '../../../src/ops/history/index.js';

/** Where one simulated history comes from: `random(bound)` returns an integer in [0, bound). */
export interface SimulationConfig {
  readonly processes: number;
  readonly keys: number;
  readonly ops: number;
  readonly random: (bound: number) => number;
}

interface InFlight {
  readonly f: OpFunction;
  readonly key: string;
  readonly value: unknown;
  applied: boolean;
  result: unknown;
  succeeded: boolean;
}

/**
 * Runs real sequential registers under concurrent clients and records what the clients saw.
 * Each operation takes effect atomically at one instant between its invoke and completion;
 * an `info` operation may take effect before its completion, later (even after the history
 * ends) or never, and a `fail` one never does. So the history is linearizable by construction.
 * Written values are unique numbers; a cas expects the current value or an older one.
 */
export function simulateRegisterHistory(config: SimulationConfig): HistoryEvent[] {
  return new RegisterSimulation(config).run();
}

class RegisterSimulation {
  private readonly events: HistoryEvent[] = [];
  private readonly registers = new Map<string, unknown>();
  private readonly written = new Map<string, unknown[]>();
  private readonly busy = new Map<number, InFlight>();
  // Ops whose clients were told "unknown" before they took effect: they may still apply.
  private readonly ghosts: InFlight[] = [];
  private time = 0;
  private invoked = 0;
  private counter = 0;

  constructor(private readonly config: SimulationConfig) {}

  run(): HistoryEvent[] {
    const { random, processes } = this.config;
    while (this.invoked < this.config.ops) {
      this.tick();
      const p = random(processes);
      const op = this.busy.get(p);
      if (!op) this.invoke(p);
      else if (!op.applied) this.progress(p, op);
      else this.finish(p, op, random(10) === 0 ? 'info' : 'ok');
      if (this.ghosts.length > 0 && random(8) === 0) this.apply(this.ghosts.splice(random(this.ghosts.length), 1)[0]!);
    }
    for (const [p, op] of this.busy) this.drain(p, op);
    return this.events;
  }

  private tick(): void {
    // Time sometimes stands still, so that events share an instant.
    this.time += this.config.random(3) === 0 ? 0 : 1;
  }

  private invoke(p: number): void {
    const { random } = this.config;
    const f = (['read', 'write', 'cas'] as const)[random(3)]!;
    const key = `k${random(this.config.keys)}`;
    const value = f === 'read' ? null : f === 'write' ? ++this.counter : [this.expectation(key), ++this.counter];
    this.busy.set(p, { f, key, value, applied: false, result: null, succeeded: false });
    this.invoked++;
    this.record(p, 'invoke', f, key, value);
  }

  /** Half the time the current value (so that cas often succeeds), otherwise null or any older value. */
  private expectation(key: string): unknown {
    if (this.config.random(2) === 0) return this.registers.get(key) ?? null;
    const old = this.written.get(key) ?? [];
    const pick = this.config.random(old.length + 1);
    return pick < old.length ? old[pick] : null;
  }

  private progress(p: number, op: InFlight): void {
    const choice = this.config.random(10);
    if (choice === 0) return this.finish(p, op, 'fail');
    if (choice === 1) {
      if (op.f !== 'read') this.ghosts.push(op);
      return this.finish(p, op, 'info');
    }
    this.apply(op);
  }

  private apply(op: InFlight): void {
    const current = this.registers.get(op.key) ?? null;
    op.applied = true;
    if (op.f === 'read') op.result = current;
    if (op.f === 'cas') op.succeeded = current === (op.value as unknown[])[0];
    const next = op.f === 'write' ? op.value : op.f === 'cas' && op.succeeded ? (op.value as unknown[])[1] : undefined;
    if (next === undefined) return;
    this.registers.set(op.key, next);
    this.written.set(op.key, [...(this.written.get(op.key) ?? []), next]);
  }

  private finish(p: number, op: InFlight, type: 'ok' | 'fail' | 'info'): void {
    this.busy.delete(p);
    // A cas that found another value did not apply: its client is told so.
    const outcome = type === 'ok' && op.f === 'cas' && !op.succeeded ? 'fail' : type;
    this.record(p, outcome, op.f, op.key, op.f === 'read' ? (outcome === 'ok' ? op.result : null) : op.value);
  }

  /** At the end some clients crash mid-operation (no completion); the rest complete. */
  private drain(p: number, op: InFlight): void {
    this.tick();
    if (this.config.random(4) === 0) {
      if (!op.applied && op.f !== 'read') this.ghosts.push(op);
      return;
    }
    if (!op.applied) this.apply(op);
    this.finish(p, op, 'ok');
  }

  private record(process: number, type: HistoryEvent['type'], f: OpFunction, key: string, value: unknown): void {
    this.events.push({ process, type, f, key, value, time: this.time });
  }
}
