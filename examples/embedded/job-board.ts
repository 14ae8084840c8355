/**
 * The example's own state machine: a job board. Each job is a key whose state moves one way,
 * `posted` → `claimed:<worker>` → `done`, each step a compare-and-set on the state it expects,
 * so a job is claimed by one worker at most and a finished job never comes back. A member whose
 * copy broke that (a non-deterministic apply) would hand one job to two workers: fleet's state
 * checks catch the divergence first.
 */
import type { AppCommand, AppliedAt, StateMachine } from 'fleet/embed';

/** One step: the job `key` from state `from` (null: no such job yet) to state `to`. */
export interface Step {
  readonly key: string;
  readonly from: string | null;
  readonly to: string;
}

/** A step's answer: applied, or the state the job was found in. */
export type StepAnswer = { readonly ok: true } | { readonly ok: false; readonly found: string | null };

const utf8 = new TextDecoder();

/** Steps a job may take; anything else is refused as an answer, never thrown (a throw stops the member). */
function allowed(from: string | null, to: string): boolean {
  if (from === null) return to === 'posted';
  if (from === 'posted') return to.startsWith('claimed:');
  return from.startsWith('claimed:') && to === 'done';
}

export class JobBoard implements StateMachine {
  private jobs = new Map<string, string>();

  apply(command: AppCommand, _at: AppliedAt): StepAnswer | { readonly ok: false; readonly refused: string } {
    if (command.op !== 'step') return { ok: false, refused: `unknown operation ${command.op}` };
    const step = JSON.parse(utf8.decode(command.payload)) as Step;
    if (!allowed(step.from, step.to)) return { ok: false, refused: `a job does not go from ${String(step.from)} to ${step.to}` };
    const found = this.jobs.get(step.key) ?? null;
    if (found !== step.from) return { ok: false, found };
    this.jobs.set(step.key, step.to);
    return { ok: true };
  }

  get(key: string): string | null {
    return this.jobs.get(key) ?? null;
  }

  counts(): Record<string, number> {
    const counts: Record<string, number> = { posted: 0, claimed: 0, done: 0 };
    for (const state of this.jobs.values()) counts[state.startsWith('claimed:') ? 'claimed' : state]! += 1;
    return counts;
  }

  snapshot(): Uint8Array {
    // Sorted: equal boards give equal bytes, so the state hashes of members compare.
    return Buffer.from(JSON.stringify([...this.jobs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
  }

  restore(image: Uint8Array): void {
    this.jobs = new Map(image.length === 0 ? [] : (JSON.parse(utf8.decode(image)) as [string, string][]));
  }
}
