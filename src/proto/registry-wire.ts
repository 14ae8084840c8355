/**
 * The fleet wire of the registry's writes, derived from their declaration
 * (src/common/registry/registry-operations.ts): one interpreter per field kind, used both ways. The
 * client encodes commands and decodes results with it, the member decodes commands and encodes
 * results; each side supplies what differs between them (its read views' codecs, how it reports
 * a bad enum value). Nothing here judges values: the registry's checks do.
 */
import {
  REGISTRY_OPERATIONS,
  oneofMember,
  snakeCase,
  type ClientCommandType,
  type Field,
  type Fields,
  type Operation,
  type ViewMessage,
  type WireEnum,
} from '../common/registry/registry-operations.js';
import { PLAN_STATES, SHARD_STATES, type EnumMap } from './enums.js';
import type { WriteRequest, WriteRequest__Output, WriteResponse, WriteResponse__Output } from './types.js';

/** A command's part of a WriteRequest: the oneof member set to the command's message. */
export type CommandPart = Omit<WriteRequest, 'clientId' | 'seq' | 'firstIncomplete' | 'command'>;

/** A result's part of a WriteResponse: the oneof member set to the result's message. */
export type ResultPart = Omit<WriteResponse, 'index' | 'duplicate' | 'error' | 'result'>;

/** The name of a write in the WriteRequest and WriteResponse oneofs, as the loader spells it. */
export type CommandKey = NonNullable<WriteRequest__Output['command']>;

/** A command the declaration cannot put on the wire (kv.cas's ambiguous expectations); the message says why. */
export class RegistryWireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistryWireError';
  }
}

/** The codecs of the read views one side uses, by message name. */
export type ViewCodecs = Readonly<Record<ViewMessage, (value: never) => unknown>>;

/** How a side reads a wire enum value that names no plain value (UNSPECIFIED, unknown). */
export type EnumFallback = (map: EnumMap<string, string>, value: unknown, field: string) => string;

const ENUMS: Readonly<Record<WireEnum, EnumMap<string, string>>> = { ShardState: SHARD_STATES, PlanState: PLAN_STATES };

type Plain = Record<string, unknown>;

/** A message's fields as a list. */
type FieldList = readonly (readonly [string, Field])[];

/**
 * What the codec needs of one write, worked out once from its declaration: these run for every
 * write on the session stream, so no name is rebuilt and no field list re-enumerated per call.
 */
interface Plan {
  readonly key: CommandKey;
  /** The oneof member in .proto spelling (`shard_set_state`), for the member's error messages. */
  readonly wireName: string;
  /** `kv cas`, for the client's error messages. */
  readonly label: string;
  readonly args: FieldList;
  readonly result: FieldList;
}

/** The field lists of every message the declaration describes, nested ones (a rebind's moves) included. */
const FIELD_LISTS: ReadonlyMap<Fields, FieldList> = (() => {
  const lists = new Map<Fields, FieldList>();
  const add = (fields: Fields): void => {
    lists.set(fields, Object.entries(fields));
    for (const f of Object.values(fields)) if (f.kind === 'messages') add(f.fields);
  };
  for (const op of Object.values(REGISTRY_OPERATIONS) as Operation[]) {
    add(op.args);
    add(op.result);
  }
  return lists;
})();

function fieldList(fields: Fields): FieldList {
  return FIELD_LISTS.get(fields) ?? Object.entries(fields);
}

const PLANS: ReadonlyMap<ClientCommandType, Plan> = new Map(
  (Object.entries(REGISTRY_OPERATIONS) as [ClientCommandType, Operation][]).map(([type, op]) => {
    const key = oneofMember(type) as CommandKey;
    return [type, { key, wireName: snakeCase(key), label: type.replace('.', ' '), args: fieldList(op.args), result: fieldList(op.result) }];
  }),
);

function plan(type: ClientCommandType): Plan {
  const p = PLANS.get(type);
  if (p === undefined) throw new Error(`${type}: not a declared registry write`);
  return p;
}

/** Every oneof member, to its command type. */
const BY_KEY: ReadonlyMap<string, ClientCommandType> = new Map([...PLANS].map(([type, p]) => [p.key, type]));

/** The oneof member of a client command type: `shard.setState` → `shardSetState`. */
export function commandKey(type: ClientCommandType): CommandKey {
  return plan(type).key;
}

/** The command type of a oneof member, if it is one. */
export function commandTypeOf(key: string): ClientCommandType | undefined {
  return BY_KEY.get(key);
}

/** Every oneof member in .proto spelling, for error messages. */
export const COMMAND_WIRE_NAMES: readonly string[] = [...BY_KEY.keys()].map(snakeCase);

// ---------------------------------------------------------------------------------------------
// To the wire
// ---------------------------------------------------------------------------------------------

/** One field's value on the wire; undefined leaves it unset. */
function fieldToWire(f: Field, value: unknown, from: Plain, views: ViewCodecs | undefined, where: string): unknown {
  switch (f.kind) {
    case 'string':
    case 'optionalString':
    case 'number':
      return value;
    case 'nullableString':
      return value ?? undefined;
    case 'namespace':
      return value ?? '';
    case 'casExpected':
      return casExpectedToWire(value, from[f.revision], where);
    case 'bool':
      return value ?? false;
    case 'enum':
      return ENUMS[f.enum].toWire(value as string);
    case 'map':
      return { ...(value as Plain | undefined) };
    case 'list':
      return [...(value as readonly unknown[])];
    case 'messages':
      return (value as readonly Plain[]).map((m) => messageToWire(fieldList(f.fields), m, views, where));
    case 'wrappedMap':
      return value === undefined ? null : { [f.field]: { ...(value as Plain) } };
    case 'view':
      if (views === undefined) throw new Error(`${where}: a view in a command`);
      return views[f.message](value as never);
  }
}

/**
 * kv.cas: null travels as absent, which reads back as "the key must be absent" only without a
 * revision to compare; so null together with a revision, or neither, cannot be sent.
 */
function casExpectedToWire(value: unknown, revision: unknown, where: string): unknown {
  if (revision !== undefined && value === null) throw new RegistryWireError(`${where}: compare a revision, or require an absent key, not both (revision 0 is an absent key)`);
  if (revision === undefined && value === undefined) throw new RegistryWireError(`${where}: give the expected value (null: absent) or the expected revision`);
  return value ?? undefined;
}

/** A message of declared fields on the wire. */
function messageToWire(fields: FieldList, message: object, views: ViewCodecs | undefined, where: string): Plain {
  const from = message as Plain;
  const out: Plain = {};
  for (const [name, f] of fields) {
    const value = fieldToWire(f, from[name], from, views, where);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** A command as the oneof part of a WriteRequest (the client's encoder). Throws RegistryWireError. */
export function commandToWirePart(command: { readonly type: ClientCommandType }): CommandPart {
  const p = plan(command.type);
  return { [p.key]: messageToWire(p.args, command, undefined, p.label) } as CommandPart;
}

/** A result as the oneof part of a WriteResponse (the member's encoder); `views` encodes its read views. */
export function resultToWirePart(type: ClientCommandType, value: object, views: ViewCodecs): ResultPart {
  const p = plan(type);
  return { [p.key]: messageToWire(p.result, value as Plain, views, type) } as ResultPart;
}

// ---------------------------------------------------------------------------------------------
// From the wire
// ---------------------------------------------------------------------------------------------

/** How one side reads what the declaration describes. */
export interface DecodeOptions {
  readonly views?: ViewCodecs;
  readonly badEnum: EnumFallback;
}

/** One field's value read from the wire message `m`; undefined leaves it out. */
function fieldFromWire(f: Field, name: string, m: Plain, opts: DecodeOptions, where: string): unknown {
  const value = m[name];
  switch (f.kind) {
    case 'string':
    case 'optionalString':
    case 'number':
    case 'bool':
      return value;
    case 'nullableString':
      return value ?? null;
    case 'namespace':
      return value === '' ? undefined : value;
    case 'casExpected':
      // With a revision to compare, an absent `expected` means "any value", not "absent".
      return m[f.revision] === undefined ? (value ?? null) : value;
    case 'enum': {
      const map = ENUMS[f.enum];
      return map.fromWire(value as string) ?? opts.badEnum(map, value, `${where}.${snakeCase(name)}`);
    }
    case 'map':
      return { ...(value as Plain) };
    case 'list':
      return [...(value as readonly unknown[])];
    case 'messages':
      return (value as readonly Plain[]).map((item) => messageFromWire(fieldList(f.fields), item, opts, where));
    case 'wrappedMap':
      return value === null || value === undefined ? undefined : { ...((value as Plain)[f.field] as Plain) };
    case 'view':
      if (opts.views === undefined) throw new Error(`${where}: a view in a command`);
      return opts.views[f.message]((value ?? null) as never);
  }
}

/** A message of declared fields read from the wire, absent optionals left out. */
function messageFromWire(fields: FieldList, message: object, opts: DecodeOptions, where: string, out: Plain = {}): Plain {
  const m = message as Plain;
  for (const [name, f] of fields) {
    const value = fieldFromWire(f, name, m, opts, where);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/**
 * The command of a WriteRequest's oneof (the member's decoder), unchecked; undefined when no
 * known member is set. Keys come in declaration order, absent optional fields absent.
 */
export function commandFromWirePart(req: WriteRequest__Output, badEnum: EnumFallback): { readonly type: ClientCommandType; readonly wireName: string; readonly message: unknown } | undefined {
  const type = req.command === undefined ? undefined : commandTypeOf(req.command);
  if (type === undefined) return undefined;
  const p = plan(type);
  const message = req[p.key];
  if (message === undefined || message === null) return { type, wireName: p.wireName, message: undefined };
  return { type, wireName: p.wireName, message: messageFromWire(p.args, message, { badEnum }, p.wireName, { type }) };
}

/** The result of a WriteResponse for a write of `type` (the client's decoder); undefined when its message is missing. */
export function resultFromWirePart(type: ClientCommandType, r: WriteResponse__Output, opts: DecodeOptions): object | undefined {
  const p = plan(type);
  const message = r[p.key];
  if (message === undefined || message === null) return undefined;
  return messageFromWire(p.result, message, opts, p.wireName);
}
