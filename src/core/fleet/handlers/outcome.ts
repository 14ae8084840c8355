/**
 * What a handler decides, before the state machine stamps it with the entry's index. Handlers
 * either change state and answer `ok`, or change nothing and answer `fail`: a refused write
 * must leave no trace but the client's session.
 */
import type { FleetState } from '../state.js';
import type { CommandOf, CommandType, FleetErrorCode, ResultOf } from '../types.js';

/** A handler's answer. */
export type Outcome<V> =
  | { readonly ok: true; readonly value: V }
  | { readonly ok: false; readonly code: FleetErrorCode; readonly message: string; readonly details?: Readonly<Record<string, unknown>> };

/** What a handler knows about the entry it applies. */
export interface ApplyContext {
  /** The Raft index of the entry. */
  readonly index: number;
  /** The registry clock after this entry (leader wall time, never going back): for stamps, never to decide expiry. */
  readonly time: number;
  /** The registry age after this entry (leaders' monotonic milliseconds; see `FleetState.age`). */
  readonly age: number;
}

/** A command's handler: deterministic in (state, op, ctx), and all-or-nothing. */
export type Handler<T extends CommandType> = (s: FleetState, op: CommandOf<T>, ctx: ApplyContext) => Outcome<ResultOf<T>>;

/** A success. */
export function ok<V>(value: V): Outcome<V> {
  return { ok: true, value };
}

/** A refusal. */
export function fail(code: FleetErrorCode, message: string, details?: Record<string, unknown>): Outcome<never> {
  return details === undefined ? { ok: false, code, message } : { ok: false, code, message, details };
}

/** The refusal for an id that names nothing. */
export function notFound(what: string, id: string): Outcome<never> {
  return fail('NOT_FOUND', `${what} ${JSON.stringify(id)} does not exist`, { [what]: id });
}
