/**
 * The workload's view of the cluster: registers that can be read, written and compared-and-set
 * — plus the one rule that decides how an operation that threw is recorded. Getting that rule
 * wrong in the unsafe direction (calling "fail" a write that may have applied) would make the
 * checker report violations that did not happen, so anything uncertain is `info`.
 */
import type { FleetClient, FleetClientError } from '../../client/index.js';
import type { Outcome } from './types.js';

/** A register's value and how many times it was written (the KV version; 0 when absent). */
export interface RegisterValue {
  readonly value: string | null;
  readonly version: number;
}

/** What an acknowledgement says besides success, when the client can tell. */
export interface WriteAck {
  /** The address of the member that acknowledged the write: the leader that committed it. */
  readonly by?: string | undefined;
}

/** What a workload client needs. Every method throws on failure (a FleetClientError for cluster answers). */
export interface RegisterClient {
  put(key: string, value: string): Promise<WriteAck | void>;
  /** Writes `value` if the register holds `expected` (null: absent); a mismatch throws a precondition error. */
  cas(key: string, expected: string | null, value: string): Promise<WriteAck | void>;
  /** A linearizable read. */
  get(key: string): Promise<RegisterValue>;
  delete(key: string): Promise<void>;
  close(): void;
}

/** The KV namespace drills write to, so a drill never touches an operator's keys. */
export const DRILL_NAMESPACE = 'drill';

/**
 * A RegisterClient over FleetClient, in the `drill` namespace under `prefix`. Writes use
 * `writeAck`, which does not decode a result: members started with `--unsafe-ack-before-commit`
 * answer without one, and the drill must still run against them to catch what they lose.
 * Who acknowledged a write is the client's leader right after the answer: members answer writes
 * only as leader (a follower answers NOT_LEADER), and a workload client has one call in flight.
 */
export function fleetRegisterClient(client: FleetClient, prefix: string): RegisterClient {
  const ns = DRILL_NAMESPACE;
  const k = (key: string): string => `${prefix}/${key}`;
  const acked = async (write: Promise<number>): Promise<WriteAck> => {
    await write;
    return { by: client.leaderEndpoint };
  };
  return {
    put: (key, value) => acked(client.writeAck({ type: 'kv.put', key: k(key), value, ns })),
    cas: (key, expected, value) => acked(client.writeAck({ type: 'kv.cas', key: k(key), expected, value, ns })),
    get: async (key) => {
      const entry = await client.kvGet(k(key), { ns, consistency: 'linearizable' });
      return entry === undefined ? { value: null, version: 0 } : { value: entry.value, version: entry.version };
    },
    delete: async (key) => void (await client.writeAck({ type: 'kv.delete', key: k(key), ns })),
    close: () => client.close(),
  };
}

function isClientError(err: unknown): err is FleetClientError {
  return err instanceof Error && err.name === 'FleetClientError' && typeof (err as { kind?: unknown }).kind === 'string';
}

/** The error label an OpRecord keeps: `refused` for a definite refusal, else the client's error kind. */
export function errorLabel(err: unknown): string {
  if (!isClientError(err)) return 'internal';
  return isDefiniteRefusal(err) ? 'refused' : err.kind;
}

/**
 * Whether the cluster answered the write and said it did not apply it. Registry refusals
 * (CAS_FAILED and the like) are answers from the state machine after the entry committed, so
 * they are definite — except DUPLICATE_STALE, which means "a retry whose answer was forgotten":
 * the original may well have applied.
 */
function isDefiniteRefusal(err: FleetClientError): boolean {
  if (err.code !== undefined) return err.code !== 'DUPLICATE_STALE';
  return err.kind === 'invalid' || err.kind === 'unauthenticated' || err.kind === 'permission-denied';
}

/**
 * How a failed write or cas is recorded. Only a definite refusal is `fail`. Everything else is
 * `info`: FleetClient retries one sequence number across attempts and members, and its final
 * error (even NOT_LEADER) says nothing about whether an earlier attempt reached a leader that
 * went on to commit it.
 */
export function writeOutcome(err: unknown): Exclude<Outcome, 'ok'> {
  return isClientError(err) && isDefiniteRefusal(err) ? 'fail' : 'info';
}

/** A failed read changed nothing, so it is always `fail`. */
export function readOutcome(): Exclude<Outcome, 'ok'> {
  return 'fail';
}
