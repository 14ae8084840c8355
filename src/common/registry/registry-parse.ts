/**
 * Turns untrusted JSON into typed commands. Every replica runs the same checks on the same
 * bytes, so a malformed entry is refused identically everywhere (and never throws out of
 * `apply`). The leader may run `checkCommand` before proposing to spare the log bad entries, and
 * the registry on etcd runs it before writing, so both engines refuse the same input the same way.
 */
import { firstUnprintable, printable } from '../printable.js';
import { LIMITS } from './registry-limits.js';
import type { Actor, Command, CommandEnvelope, CommandOf, CommandType, PlanState, RebindMove, ShardState } from './registry-commands.js';
import {
  InvalidArgument,
  asRecord,
  checkAddress,
  checkName,
  onlyFields,
  readArray,
  readEnum,
  readFlag,
  readInt,
  readLabels,
  readName,
  readNullableName,
  readOptionalInt,
  readOptionalName,
  readText,
  show,
  type Raw,
} from './registry-validate.js';

const SHARD_STATES: readonly ShardState[] = ['active', 'draining', 'cordoned'];
const PLAN_STATES: readonly PlanState[] = ['running', 'paused', 'completed', 'failed', 'aborted'];
const MAX_TIME = 8.64e15; // the largest millisecond a JS Date can hold

type Parser<T extends CommandType> = (op: Raw, what: T) => CommandOf<T>;

/** Copies the optional fields that are present, so absent stays absent (and JSON stays small). */
function present<T extends object>(fields: T): T {
  for (const key of Object.keys(fields) as (keyof T)[]) if (fields[key] === undefined) delete fields[key];
  return fields;
}

function parseRegister(op: Raw, what: 'shard.register'): CommandOf<'shard.register'> {
  onlyFields(op, ['type', 'id', 'address', 'region', 'zone', 'capacity', 'labels'], what);
  return {
    type: what,
    id: readName(op, 'id', what),
    address: checkAddress(op.address, `${what}: 'address'`),
    region: readName(op, 'region', what),
    zone: readName(op, 'zone', what),
    capacity: readInt(op, 'capacity', what, 0, LIMITS.maxCapacity),
    labels: op.labels === undefined ? {} : readLabels(op, 'labels', what),
  };
}

function parseUpdate(op: Raw, what: 'shard.update'): CommandOf<'shard.update'> {
  onlyFields(op, ['type', 'id', 'address', 'region', 'zone', 'capacity', 'labels'], what);
  const update = present({
    type: what,
    id: readName(op, 'id', what),
    address: op.address === undefined ? undefined : checkAddress(op.address, `${what}: 'address'`),
    region: readOptionalName(op, 'region', what),
    zone: readOptionalName(op, 'zone', what),
    capacity: readOptionalInt(op, 'capacity', what, 0, LIMITS.maxCapacity),
    labels: op.labels === undefined ? undefined : readLabels(op, 'labels', what),
  });
  if (Object.keys(update).length === 2) throw new InvalidArgument(`${what}: nothing to change (give address, region, zone, capacity or labels)`);
  return update;
}

function parseSetState(op: Raw, what: 'shard.setState'): CommandOf<'shard.setState'> {
  onlyFields(op, ['type', 'id', 'state'], what);
  return { type: what, id: readName(op, 'id', what), state: readEnum(op, 'state', what, SHARD_STATES) };
}

function parseShardRemove(op: Raw, what: 'shard.remove'): CommandOf<'shard.remove'> {
  onlyFields(op, ['type', 'id', 'force'], what);
  return { type: what, id: readName(op, 'id', what), force: readFlag(op, 'force', what) };
}

function parseShardHeartbeat(op: Raw, what: 'shard.heartbeat'): CommandOf<'shard.heartbeat'> {
  onlyFields(op, ['type', 'id'], what);
  return { type: what, id: readName(op, 'id', what) };
}

function parseContact(op: Raw, what: 'cluster.contact'): CommandOf<'cluster.contact'> {
  onlyFields(op, ['type', 'cluster', 'shard'], what);
  return { type: what, cluster: readName(op, 'cluster', what), shard: readName(op, 'shard', what) };
}

function parseMove(raw: Raw, what: string): RebindMove {
  const move = { cluster: readName(raw, 'cluster', what), from: readNullableName(raw, 'from', what), to: readName(raw, 'to', what) };
  if (move.from === move.to) throw new InvalidArgument(`${what}: 'from' and 'to' are both ${show(move.to)}; nothing to move`);
  return move;
}

function parseRebind(op: Raw, what: 'cluster.rebind'): CommandOf<'cluster.rebind'> {
  onlyFields(op, ['type', 'cluster', 'from', 'to', 'force'], what);
  const move = parseMove(op, what);
  return { type: what, ...move, force: readFlag(op, 'force', what) };
}

function parseRebindBatch(op: Raw, what: 'cluster.rebindBatch'): CommandOf<'cluster.rebindBatch'> {
  onlyFields(op, ['type', 'moves', 'force', 'planId'], what);
  const seen = new Set<string>();
  const moves = readArray(op, 'moves', what, LIMITS.maxBatchMoves).map((raw, i) => {
    const where = `${what}: moves[${i}]`;
    const fields = asRecord(raw, where);
    onlyFields(fields, ['cluster', 'from', 'to'], where);
    const move = parseMove(fields, where);
    if (seen.has(move.cluster)) throw new InvalidArgument(`${what}: moves[${i}] moves cluster ${show(move.cluster)} a second time`);
    seen.add(move.cluster);
    return move;
  });
  return present({ type: what, moves, force: readFlag(op, 'force', what), planId: readOptionalName(op, 'planId', what) });
}

function parseClusterOnly<T extends 'cluster.unbind' | 'cluster.heartbeat'>(op: Raw, what: T): CommandOf<T> {
  onlyFields(op, ['type', 'cluster'], what);
  return { type: what, cluster: readName(op, 'cluster', what) } as CommandOf<T>;
}

function parsePrune(op: Raw, what: 'cluster.prune'): CommandOf<'cluster.prune'> {
  onlyFields(op, ['type', 'notSeenSinceMs'], what);
  return { type: what, notSeenSinceMs: readInt(op, 'notSeenSinceMs', what, 0, MAX_TIME) };
}

function parseDomainAssign(op: Raw, what: 'domain.assign'): CommandOf<'domain.assign'> {
  onlyFields(op, ['type', 'key', 'value', 'shard'], what);
  return { type: what, key: readName(op, 'key', what), value: readName(op, 'value', what), shard: readName(op, 'shard', what) };
}

function parseDomainUnassign(op: Raw, what: 'domain.unassign'): CommandOf<'domain.unassign'> {
  onlyFields(op, ['type', 'key', 'value'], what);
  return { type: what, key: readName(op, 'key', what), value: readName(op, 'value', what) };
}

function parseSlices(op: Raw, what: string): Record<string, number> {
  const raw = asRecord(op.slices, `${what}: 'slices'`);
  const shards = Object.keys(raw).sort();
  if (shards.length > LIMITS.maxQuotaSlices) throw new InvalidArgument(`${what}: at most ${LIMITS.maxQuotaSlices} slices`);
  const slices: Record<string, number> = {};
  for (const shard of shards) slices[checkName(shard, `${what}: slice shard id`)] = readInt(raw, shard, `${what}: slices`, 0, Number.MAX_SAFE_INTEGER);
  return slices;
}

function parseQuotaSet(op: Raw, what: 'quota.set'): CommandOf<'quota.set'> {
  onlyFields(op, ['type', 'provider', 'region', 'total', 'slices'], what);
  const total = readInt(op, 'total', what, 0, Number.MAX_SAFE_INTEGER);
  const slices = op.slices === undefined ? {} : parseSlices(op, what);
  const sum = Object.values(slices).reduce((a, b) => a + b, 0);
  if (sum > total) throw new InvalidArgument(`${what}: slices add up to ${sum}, more than the total ${total}`);
  return { type: what, provider: readName(op, 'provider', what), region: readName(op, 'region', what), total, slices };
}

function parseQuotaRemove(op: Raw, what: 'quota.remove'): CommandOf<'quota.remove'> {
  onlyFields(op, ['type', 'provider', 'region'], what);
  return { type: what, provider: readName(op, 'provider', what), region: readName(op, 'region', what) };
}

function parseProviderAdd(op: Raw, what: 'provider.add'): CommandOf<'provider.add'> {
  onlyFields(op, ['type', 'name', 'kind', 'regions', 'endpoint'], what);
  const regions = readArray(op, 'regions', what, LIMITS.maxProviderRegions).map((r) => checkName(r, `${what}: region`));
  const duplicate = regions.find((r, i) => regions.indexOf(r) !== i);
  if (duplicate !== undefined) throw new InvalidArgument(`${what}: region ${show(duplicate)} is listed twice`);
  const endpoint = readText(op, 'endpoint', what, LIMITS.maxEndpointLength);
  if (/\s/.test(endpoint)) throw new InvalidArgument(`${what}: 'endpoint' must not contain spaces, got ${show(endpoint)}`);
  return { type: what, name: readName(op, 'name', what), kind: readName(op, 'kind', what), regions, endpoint };
}

function parseProviderRemove(op: Raw, what: 'provider.remove'): CommandOf<'provider.remove'> {
  onlyFields(op, ['type', 'name'], what);
  return { type: what, name: readName(op, 'name', what) };
}

function parseLeaseAcquire(op: Raw, what: 'lease.acquire'): CommandOf<'lease.acquire'> {
  onlyFields(op, ['type', 'name', 'holder', 'ttlMs'], what);
  return {
    type: what,
    name: readName(op, 'name', what),
    holder: readName(op, 'holder', what),
    ttlMs: readInt(op, 'ttlMs', what, 1, LIMITS.maxLeaseTtlMs),
  };
}

function parseLeaseRenew(op: Raw, what: 'lease.renew'): CommandOf<'lease.renew'> {
  onlyFields(op, ['type', 'name', 'holder', 'token', 'ttlMs'], what);
  return present({
    type: what,
    name: readName(op, 'name', what),
    holder: readName(op, 'holder', what),
    token: readInt(op, 'token', what, 1, Number.MAX_SAFE_INTEGER),
    ttlMs: readOptionalInt(op, 'ttlMs', what, 1, LIMITS.maxLeaseTtlMs),
  });
}

function parseLeaseRelease(op: Raw, what: 'lease.release'): CommandOf<'lease.release'> {
  onlyFields(op, ['type', 'name', 'holder', 'token'], what);
  return {
    type: what,
    name: readName(op, 'name', what),
    holder: readName(op, 'holder', what),
    token: readInt(op, 'token', what, 1, Number.MAX_SAFE_INTEGER),
  };
}

function parseLeaseExpire(op: Raw, what: 'lease.expire'): CommandOf<'lease.expire'> {
  onlyFields(op, ['type', 'name', 'token', 'renewedIndex'], what);
  return {
    type: what,
    name: readName(op, 'name', what),
    token: readInt(op, 'token', what, 1, Number.MAX_SAFE_INTEGER),
    renewedIndex: readInt(op, 'renewedIndex', what, 1, Number.MAX_SAFE_INTEGER),
  };
}

function readKvKey(op: Raw, what: string): { key: string; ns: string } {
  const key = op.key;
  if (typeof key !== 'string' || key.length === 0 || key.length > LIMITS.maxKvKeyLength || key.includes('\u0000')) {
    throw new InvalidArgument(`${what}: 'key' must be a string of 1-${LIMITS.maxKvKeyLength} characters without NUL, got ${show(key)}`);
  }
  return { key, ns: op.ns === undefined || op.ns === '' ? '' : readName(op, 'ns', what) };
}

function readKvValue(op: Raw, key: string, what: string): string {
  const value = op[key];
  if (typeof value !== 'string') throw new InvalidArgument(`${what}: '${key}' must be a string, got ${show(value)}`);
  // UTF-8 is at most 3 bytes per UTF-16 unit: only measure strings that could be too large.
  if (value.length * 3 > LIMITS.maxKvValueBytes && Buffer.byteLength(value, 'utf8') > LIMITS.maxKvValueBytes) {
    throw new InvalidArgument(`${what}: '${key}' is larger than ${LIMITS.maxKvValueBytes} bytes`);
  }
  return value;
}

function parseKvPut(op: Raw, what: 'kv.put'): CommandOf<'kv.put'> {
  onlyFields(op, ['type', 'key', 'value', 'ns'], what);
  const { key, ns } = readKvKey(op, what);
  return { type: what, key, value: readKvValue(op, 'value', what), ns };
}

function parseKvDelete(op: Raw, what: 'kv.delete'): CommandOf<'kv.delete'> {
  onlyFields(op, ['type', 'key', 'ns'], what);
  return { type: what, ...readKvKey(op, what) };
}

function parseKvCas(op: Raw, what: 'kv.cas'): CommandOf<'kv.cas'> {
  onlyFields(op, ['type', 'key', 'expected', 'expectRevision', 'value', 'ns'], what);
  const byRevision = 'expectRevision' in op;
  if (!('expected' in op) && !byRevision) throw new InvalidArgument(`${what}: 'expected' or 'expectRevision' is required (null, or revision 0, means the key must be absent)`);
  const { key, ns } = readKvKey(op, what);
  const value = readKvValue(op, 'value', what);
  const expectRevision = byRevision ? readInt(op, 'expectRevision', what, 0, Number.MAX_SAFE_INTEGER) : undefined;
  const expected = !('expected' in op) ? undefined : op.expected === null ? null : readKvValue(op, 'expected', what);
  return { type: what, key, ...(expected === undefined ? {} : { expected }), ...(expectRevision === undefined ? {} : { expectRevision }), value, ns };
}

function parsePlanProgress(op: Raw, what: 'plan.progress'): CommandOf<'plan.progress'> {
  onlyFields(op, ['type', 'planId', 'startedBy', 'done', 'total', 'state'], what);
  const total = readInt(op, 'total', what, 0, Number.MAX_SAFE_INTEGER);
  return {
    type: what,
    planId: readName(op, 'planId', what),
    startedBy: readName(op, 'startedBy', what),
    done: readInt(op, 'done', what, 0, total),
    total,
    state: readEnum(op, 'state', what, PLAN_STATES),
  };
}

function parseAuditRecord(op: Raw, what: 'audit.record'): CommandOf<'audit.record'> {
  onlyFields(op, ['type', 'op', 'args', 'outcome'], what);
  const args = asRecord(op.args, `${what}.args`);
  if (JSON.stringify(args).length > LIMITS.maxAuditText) throw new InvalidArgument(`${what}: 'args' is longer than ${LIMITS.maxAuditText} characters as JSON`);
  return { type: what, op: readText(op, 'op', what, LIMITS.maxAuditText), args, outcome: readText(op, 'outcome', what, LIMITS.maxAuditText, true) };
}

/** The actor an envelope names, if any. */
function readActor(env: Raw): Actor | undefined {
  if (env.by === undefined) return undefined;
  const by = asRecord(env.by, 'entry.by');
  onlyFields(by, ['token', 'client'], 'entry.by');
  return { token: readText(by, 'token', 'entry.by', LIMITS.maxNameLength), client: readText(by, 'client', 'entry.by', LIMITS.maxNameLength, true) };
}

const PARSERS: { readonly [T in CommandType]: Parser<T> } = {
  'shard.register': parseRegister,
  'shard.update': parseUpdate,
  'shard.setState': parseSetState,
  'shard.remove': parseShardRemove,
  'shard.heartbeat': parseShardHeartbeat,
  'cluster.contact': parseContact,
  'cluster.rebind': parseRebind,
  'cluster.rebindBatch': parseRebindBatch,
  'cluster.unbind': parseClusterOnly,
  'cluster.heartbeat': parseClusterOnly,
  'cluster.prune': parsePrune,
  'domain.assign': parseDomainAssign,
  'domain.unassign': parseDomainUnassign,
  'quota.set': parseQuotaSet,
  'quota.remove': parseQuotaRemove,
  'provider.add': parseProviderAdd,
  'provider.remove': parseProviderRemove,
  'lease.acquire': parseLeaseAcquire,
  'lease.renew': parseLeaseRenew,
  'lease.release': parseLeaseRelease,
  'lease.expire': parseLeaseExpire,
  'kv.put': parseKvPut,
  'kv.delete': parseKvDelete,
  'kv.cas': parseKvCas,
  'plan.progress': parsePlanProgress,
  'audit.record': parseAuditRecord,
};

/** The command types the registry knows, in a stable order. */
export const COMMAND_TYPES = Object.keys(PARSERS) as readonly CommandType[];

/** Parses and checks one command; throws `InvalidArgument`. The result is normalized (sorted labels, defaults filled in). */
export function parseCommand(value: unknown): Command {
  const op = asRecord(value, 'op');
  const type = op.type;
  if (typeof type !== 'string' || !Object.hasOwn(PARSERS, type)) {
    throw new InvalidArgument(`op: unknown command type ${show(type)} (known: ${COMMAND_TYPES.join(', ')})`);
  }
  // The table maps each type to its own parser; TypeScript cannot see that through the lookup.
  return (PARSERS[type as CommandType] as Parser<CommandType>)(op, type as CommandType);
}

/** An envelope whose command is not parsed yet: a bad command is still an answer to remember for `seq`. */
export type EnvelopeHeader = Omit<CommandEnvelope, 'op'> & { readonly op: unknown };

/** Parses and checks an envelope's own fields (not its command); throws `InvalidArgument`. */
export function parseHeader(value: unknown): EnvelopeHeader {
  const env = asRecord(value, 'entry');
  onlyFields(env, ['clientId', 'seq', 'firstIncomplete', 'time', 'age', 'by', 'op'], 'entry');
  const clientId = env.clientId === '' ? '' : readName(env, 'clientId', 'entry');
  const seq = readInt(env, 'seq', 'entry', 0, Number.MAX_SAFE_INTEGER);
  const firstIncomplete = readInt(env, 'firstIncomplete', 'entry', 0, Number.MAX_SAFE_INTEGER);
  const time = readInt(env, 'time', 'entry', 0, MAX_TIME);
  const age = readOptionalInt(env, 'age', 'entry', 0, MAX_TIME);
  const by = readActor(env);
  return { clientId, seq, firstIncomplete, time, ...(age === undefined ? {} : { age }), ...(by === undefined ? {} : { by }), op: env.op };
}

/** Parses and checks an envelope and its command; throws `InvalidArgument`. */
export function parseEnvelope(value: unknown): CommandEnvelope {
  const header = parseHeader(value);
  return { ...header, op: parseCommand(header.op) };
}

/**
 * Checks a command without state, as the leader may before proposing it: returns the reason it
 * would be refused with INVALID_ARGUMENT, or undefined when it is well-formed.
 *
 * This is the edge: what a client sends is checked here, before it is proposed (the fleet.v1
 * write and session paths, src/core/server/fleet-api/wire-commands.ts) or written (the registry on etcd).
 * It is stricter than `parseCommand`, which every replica also runs when it applies an entry: the
 * text of a command may carry none of the characters printable() escapes (C1 controls such as
 * U+009B, bidirectional formatting such as U+202E, line separators) — see `spoofingProblem`.
 * `parseCommand` keeps the rule entries were applied under, so that a member replaying an old
 * log, or a new member catching up, applies exactly what the cluster once applied: a rule
 * tightened at apply would refuse an entry the others accepted, and the registries would
 * diverge. Records written before the rule stay, and print escaped.
 */
export function checkCommand(op: unknown): string | undefined {
  try {
    return spoofingProblem(parseCommand(op));
  } catch (err) {
    if (err instanceof InvalidArgument) return err.message;
    throw err;
  }
}

/**
 * Why a well-formed command's text could print as something else than it is (a C1 control, a
 * bidirectional override, a line separator), or undefined. Names are plain ASCII already; this
 * covers the free text: label values, a provider's endpoint, and any text field added later. A KV
 * key or value is data, stored and returned as given (as etcd does), and printed escaped.
 */
function spoofingProblem(command: Command): string | undefined {
  const data = command.type === 'kv.put' || command.type === 'kv.delete' || command.type === 'kv.cas' ? new Set(['key', 'value', 'expected']) : new Set<string>();
  const visit = (value: unknown, path: string): string | undefined => {
    if (typeof value === 'string') {
      const bad = firstUnprintable(value);
      if (bad === undefined) return undefined;
      const code = `U+${bad.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
      return `${command.type}: ${path} must not contain control or bidirectional formatting characters (it holds ${code}), got ${printable(show(value))}`;
    }
    if (typeof value !== 'object' || value === null) return undefined;
    for (const [key, inner] of Object.entries(value)) {
      const problem = visit(key, `a key of '${path}'`) ?? visit(inner, path === '' ? `'${key}'` : `${path}.${key}`);
      if (problem !== undefined) return problem;
    }
    return undefined;
  };
  for (const [key, value] of Object.entries(command)) {
    if (data.has(key)) continue;
    const problem = visit(value, `'${key}'`);
    if (problem !== undefined) return problem;
  }
  return undefined;
}
