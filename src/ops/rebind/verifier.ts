/**
 * `fleet rebind plan verify`: for each move, whether its cluster is in place (on `to`), not
 * yet moved (on `from`) or conflicting (anywhere else, or gone). A plan is verified only when
 * every move is in place.
 */
import { locate, moveStates, type LocateOptions, type LocateSource } from './locate.js';
import type { MoveStatus, RebindPlan } from './types.js';

/** A move that is not in place. */
export interface Unverified {
  readonly moveIndex: number;
  readonly cluster: string;
  readonly from: string;
  readonly to: string;
  readonly status: Exclude<MoveStatus, 'in-place'>;
  /** Where the cluster is (null: unbound; undefined: it does not exist). */
  readonly actual: string | null | undefined;
}

/** The verdict (the `--json` document of verify). */
export interface VerifyReport {
  readonly planId: string;
  readonly total: number;
  readonly inPlace: number;
  readonly notYet: number;
  readonly conflicting: number;
  /** At most `limit` of the moves not in place, in plan order. */
  readonly unverified: readonly Unverified[];
  readonly verified: boolean;
}

/** Verifies every move of `plan` against the live bindings. */
export async function verifyPlan(registry: LocateSource, plan: RebindPlan, opts: LocateOptions & { limit?: number } = {}): Promise<VerifyReport> {
  const live = await locate(registry, plan, opts);
  const states = moveStates(plan.moves, live.actual);
  const unverified: Unverified[] = [];
  let inPlace = 0;
  let notYet = 0;
  for (const s of states) {
    if (s.status === 'in-place') {
      inPlace++;
      continue;
    }
    if (s.status === 'pending') notYet++;
    if (unverified.length < (opts.limit ?? 100)) unverified.push({ moveIndex: s.index, cluster: s.move.cluster, from: s.move.from, to: s.move.to, status: s.status, actual: s.actual });
  }
  const conflicting = states.length - inPlace - notYet;
  return { planId: plan.id, total: states.length, inPlace, notYet, conflicting, unverified, verified: inPlace === states.length };
}
