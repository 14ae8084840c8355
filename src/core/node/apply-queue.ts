/**
 * The committed entries a member has yet to apply, applied in log order a slice at a time, beside
 * the Ready loop rather than inside it (etcd applies in a goroutine of its own beside its raft
 * loop). A slice ends once it has run SLICE_MS or `maxStepsPerSlice` steps (an entry, or a step
 * of an entry the machine applies in steps); the rest goes on at a later turn, after the I/O
 * waiting. Meanwhile the Ready loop goes on sending heartbeats and reading the peers' messages:
 * check perf's 60,000-key DeleteRange applied in one turn held a member's loop 386–701 ms, past
 * an election timeout (BENCHMARKS.md, session 38).
 *
 * When little is committed (nearly always), the whole batch is applied in the turn that hands it
 * over, as before: the slices cost nothing until a batch outgrows one.
 */
import type { Entry } from '../raft/index.js';
import type { EntryInSteps, EntryOutcome } from './node-types.js';
import type { NodeRuntime } from './runtime.js';

/** A slice's budget: a third of a 10 ms bound on any step (issue 59), leaving room for the rest of the turn. */
export const SLICE_MS = 4;

export interface ApplyHost {
  readonly rt: Pick<NodeRuntime, 'monoNow' | 'setImmediate'>;
  stopped(): boolean;
  /** Begins applying `e`: its outcome now, its steps, or undefined for an entry with nothing to apply (already applied, not the machine's). */
  begin(e: Entry): EntryOutcome | EntryInSteps | undefined;
  /** `e` is applied with `outcome`; false once the member halted (nothing more is applied). */
  applied(e: Entry, outcome: EntryOutcome): boolean;
  /** After each slice: the last entry it applied, how long it ran, and whether on a later turn than the batch was handed over in. */
  sliceEnded(last: Entry | undefined, ms: number, later: boolean): void;
  /** Runs a slice that goes on at a later turn (timed as the loop's step "apply"). */
  timed(fn: () => void): void;
}

interface Applied { readonly entry: Entry; readonly outcome: EntryOutcome }

export class ApplyQueue {
  private pending: Entry[] = [];
  private head = 0;
  /** The entry applied in steps, between two of them. */
  private current: { readonly entry: Entry; readonly steps: Generator<void, EntryOutcome, undefined> } | undefined;
  private running = false;
  private scheduled = false;

  constructor(
    private readonly host: ApplyHost,
    /** Steps per slice at most (the simulator sets a few, so that its seeds interleave applies with everything else). */
    private readonly maxStepsPerSlice = Infinity,
  ) {}

  /** Whether an entry is part-applied: no image may begin and no snapshot may replace the state until it ends. */
  get midEntry(): boolean {
    return this.current !== undefined;
  }

  /** How many entries wait, the part-applied one included. */
  get backlog(): number {
    return this.pending.length - this.head + (this.current === undefined ? 0 : 1);
  }

  /** Queues committed entries and applies what fits in this turn's slice. */
  push(entries: readonly Entry[]): void {
    for (const e of entries) this.pending.push(e);
    this.run(false, false);
  }

  /** Applies everything queued, in this turn: before a snapshot from the leader replaces the state. */
  finish(): void {
    this.run(false, true);
  }

  private run(later: boolean, toTheEnd: boolean): void {
    const h = this.host;
    if (this.running || h.stopped() || this.backlog === 0) return;
    this.running = true;
    const startedAt = h.rt.monoNow();
    let last: Entry | undefined;
    try {
      last = this.slice(startedAt, toTheEnd);
    } finally {
      this.running = false;
    }
    if (h.stopped()) return;
    h.sliceEnded(last, h.rt.monoNow() - startedAt, later);
    if (this.backlog > 0) this.scheduleRest();
  }

  /** Applies entries until the budget is spent or nothing is left; answers the last one applied. */
  private slice(startedAt: number, toTheEnd: boolean): Entry | undefined {
    const h = this.host;
    let last: Entry | undefined;
    for (let steps = 0; !h.stopped(); steps++) {
      if (!toTheEnd && steps > 0 && (steps >= this.maxStepsPerSlice || h.rt.monoNow() - startedAt >= SLICE_MS)) break;
      const done = this.current === undefined ? this.beginNext() : this.stepCurrent();
      if (done === 'empty') break;
      if (done === undefined) continue;
      last = done.entry;
      if (!h.applied(done.entry, done.outcome)) {
        this.clear();
        break;
      }
    }
    return last;
  }

  /** Takes the next entry: answers it once applied, undefined while it has steps left (or nothing to apply), 'empty' when none waits. */
  private beginNext(): Applied | undefined | 'empty' {
    const e = this.take();
    if (e === undefined) return 'empty';
    const begun = this.host.begin(e);
    if (begun === undefined) return undefined;
    if ('steps' in begun) {
      this.current = { entry: e, steps: begun.steps };
      return this.stepCurrent();
    }
    return { entry: e, outcome: begun };
  }

  private stepCurrent(): Applied | undefined {
    const c = this.current!;
    const r = c.steps.next();
    if (r.done !== true) return undefined;
    this.current = undefined;
    return { entry: c.entry, outcome: r.value };
  }

  private take(): Entry | undefined {
    if (this.head >= this.pending.length) {
      if (this.head > 0) this.clear();
      return undefined;
    }
    const e = this.pending[this.head++]!;
    // Drop what was taken once it is most of the array, so the queue does not keep it alive.
    if (this.head >= 1024 && this.head * 2 >= this.pending.length) {
      this.pending = this.pending.slice(this.head);
      this.head = 0;
    }
    return e;
  }

  private clear(): void {
    this.pending = [];
    this.head = 0;
  }

  private scheduleRest(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.host.rt.setImmediate(() => {
      this.scheduled = false;
      this.host.timed(() => this.run(true, false));
    });
  }
}
