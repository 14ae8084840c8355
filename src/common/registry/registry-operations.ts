/**
 * The registry's writes, each declared once: its place in the WriteRequest and WriteResponse
 * oneofs, its arguments and its result, field by field, with the field numbers of
 * proto/fleet/v1/client.proto. Everything else is derived from this table:
 *
 * - the fleet wire, both ways (src/proto/registry-wire.ts): the client's encoder and result
 *   decoder, the member's command decoder and result encoder;
 * - the .proto messages and oneof members (scripts/gen-registry-proto.ts writes them between
 *   the GENERATED markers of client.proto; a test fails when the file and this table differ);
 * - the checks that this table covers every client write and names exactly the fields of each
 *   command and result type (registry-commands.ts here, client/types.ts in the client).
 *
 * Wire names follow from the command type: `shard.setState` is the oneof member
 * `shard_set_state` (`shardSetState` as the loader spells it), the message `ShardSetState` and
 * the result message `ShardSetStateResult`; a field `notSeenSinceMs` is `not_seen_since_ms`.
 * Fields are listed in the order the decoded objects have their keys (a command goes into the
 * Raft log as JSON, a result out to `--json`); field numbers decide the order on the wire.
 *
 * Invariant: a field number, once given, is never reused nor renumbered (golden test:
 * test/client/registry-wire-golden.test.ts).
 */
import type { CommandOf, CommandType } from './registry-commands.js';

/** The wire enums a registry field may carry (src/proto/enums.ts maps their names). */
export type WireEnum = 'ShardState' | 'PlanState';

/** The read views a result may carry, by message name (each side has its own codec of them). */
export type ViewMessage = 'ShardView' | 'ClusterView' | 'DomainView' | 'QuotaView' | 'ProviderView' | 'LeaseView' | 'KvMeta' | 'PlanView';

/** How an integer travels; each fits a JavaScript number. */
export type NumberWire = 'uint32' | 'uint64' | 'int64';

interface FieldBase {
  /** The field number in its message. */
  readonly no: number;
  /** A comment for the .proto, one line per entry. */
  readonly doc?: readonly string[];
}

/**
 * One field and how it travels. The kinds cover the registry's quirks, each in one place:
 * - `string`: always sent; `optionalString`: absent stays absent (proto3 `optional`);
 * - `nullableString`: `string | null`, null travels as an absent optional;
 * - `namespace`: a KV namespace, absent travels as '' and '' reads as absent;
 * - `casExpected`: kv.cas's expected value, null travels as absent, and absent reads as null
 *   only when the sibling `revision` field is absent too (else "any value");
 * - `number`: an integer, `optional` like optionalString;
 * - `bool`: absent is sent as false, and read as what was sent;
 * - `enum`: a name of src/proto/enums.ts's map for the wire enum;
 * - `map`: a record of strings or integers (an `optional` one absent is sent as {}, and read
 *   as {}); `list`: strings;
 * - `messages`: a list of a small message declared here (`fields`);
 * - `wrappedMap`: a record inside a message, so that absent ("leave them") and {} ("clear
 *   them") differ on the wire;
 * - `view`: a read view, encoded and decoded by the side's own view codec.
 */
export type Field =
  | (FieldBase & { readonly kind: 'string' | 'optionalString' | 'nullableString' | 'namespace' | 'bool' | 'list' })
  | (FieldBase & { readonly kind: 'casExpected'; readonly revision: string })
  | (FieldBase & { readonly kind: 'number'; readonly wire: NumberWire; readonly optional?: true })
  | (FieldBase & { readonly kind: 'enum'; readonly enum: WireEnum })
  | (FieldBase & { readonly kind: 'map'; readonly value: 'string' | 'uint64'; readonly optional?: true })
  | (FieldBase & { readonly kind: 'messages'; readonly message: string; readonly fields: Fields })
  | (FieldBase & { readonly kind: 'wrappedMap'; readonly message: string; readonly field: string })
  | (FieldBase & { readonly kind: 'view'; readonly message: ViewMessage });

/** A message's fields by their TypeScript name, in key order. */
export type Fields = Readonly<Record<string, Field>>;

/** One registry write. */
export interface Operation {
  /** Its field number in the WriteRequest `command` oneof and in the WriteResponse `result` oneof. */
  readonly no: number;
  /** A comment for the command message in the .proto. */
  readonly doc?: readonly string[];
  readonly args: Fields;
  readonly result: Fields;
  /**
   * `false`: the registry on etcd does not keep this write (the KV, whose etcd form is etcd's own
   * keys, see src/ops/etcd); it refuses it in one line naming the engine. Absent: it keeps it.
   */
  readonly etcd?: false;
}

const field = <F extends Field>(f: F): F => f;
const doc = (d: string | readonly string[] | undefined): { doc?: readonly string[] } => (d === undefined ? {} : { doc: typeof d === 'string' ? [d] : d });

// Constructors, so that the table below reads as a schema.
const text = (no: number, d?: string) => field({ kind: 'string', no, ...doc(d) });
const optText = (no: number, d?: string) => field({ kind: 'optionalString', no, ...doc(d) });
const nullText = (no: number, d?: string) => field({ kind: 'nullableString', no, ...doc(d) });
const namespace = (no: number) => field({ kind: 'namespace', no });
const u64 = (no: number) => field({ kind: 'number', wire: 'uint64', no });
const optU64 = (no: number, d?: string | readonly string[]) => field({ kind: 'number', wire: 'uint64', optional: true, no, ...doc(d) });
const i64 = (no: number) => field({ kind: 'number', wire: 'int64', no });
const flag = (no: number, d?: string) => field({ kind: 'bool', no, ...doc(d) });
const enumOf = <E extends WireEnum>(no: number, e: E) => field({ kind: 'enum', enum: e, no });
const textMap = (no: number) => field({ kind: 'map', value: 'string', optional: true, no });
const u64Map = (no: number) => field({ kind: 'map', value: 'uint64', no });
const texts = (no: number) => field({ kind: 'list', no });
const view = <V extends ViewMessage>(no: number, message: V) => field({ kind: 'view', message, no });

/** The moves of a rebind batch: a small message of its own. */
const REBIND_MOVE = {
  cluster: text(1),
  from: nullText(2, 'Absent: the cluster is expected to be unbound.'),
  to: text(3),
} as const satisfies Fields;

/**
 * Every registry write a client may send, by command type. (`lease.expire` and `audit.record`
 * are proposed by members only and have no place on the client wire.)
 */
export const REGISTRY_OPERATIONS = {
  'shard.register': {
    no: 10,
    args: { id: text(1), address: text(2), region: text(3), zone: text(4), capacity: u64(5), labels: textMap(6) },
    result: { shard: view(1, 'ShardView'), created: flag(2) },
  },
  'shard.update': {
    no: 11,
    doc: ['Absent fields stay; a present `labels` replaces the whole set.'],
    args: {
      id: text(1),
      address: optText(2),
      region: optText(3),
      zone: optText(4),
      capacity: optU64(5),
      labels: field({ kind: 'wrappedMap', message: 'LabelSet', field: 'labels', no: 6 }),
    },
    result: { shard: view(1, 'ShardView') },
  },
  'shard.setState': {
    no: 12,
    args: { id: text(1), state: enumOf(2, 'ShardState') },
    result: { shard: view(1, 'ShardView'), previousState: enumOf(2, 'ShardState') },
  },
  'shard.remove': {
    no: 13,
    args: { id: text(1), force: flag(2) },
    result: { id: text(1), unboundClusters: u64(2), unassignedDomains: u64(3), droppedQuotaSlices: u64(4) },
  },
  'shard.heartbeat': {
    no: 14,
    args: { id: text(1) },
    result: { id: text(1), lastHeartbeat: i64(2) },
  },
  'cluster.contact': {
    no: 20,
    args: { cluster: text(1), shard: text(2) },
    result: { cluster: view(1, 'ClusterView'), created: flag(2), bound: flag(3, 'Whether this contact made the binding (false: it was already bound there).') },
  },
  'cluster.rebind': {
    no: 21,
    args: { cluster: text(1), from: nullText(2, 'Absent: the cluster is expected to be unbound.'), to: text(3), force: flag(4) },
    result: { cluster: view(1, 'ClusterView'), from: nullText(2, 'Absent: it was unbound.') },
  },
  'cluster.rebindBatch': {
    no: 22,
    args: { moves: field({ kind: 'messages', message: 'RebindMove', fields: REBIND_MOVE, no: 1 }), force: flag(2), planId: optText(3) },
    result: { moved: u64(1), planId: nullText(2) },
  },
  'cluster.unbind': {
    no: 23,
    args: { cluster: text(1) },
    result: { cluster: view(1, 'ClusterView'), previousShard: nullText(2) },
  },
  'cluster.heartbeat': {
    no: 24,
    args: { cluster: text(1) },
    result: { cluster: text(1), lastSeen: i64(2) },
  },
  'cluster.prune': {
    no: 25,
    args: { notSeenSinceMs: u64(1) },
    result: { pruned: u64(1) },
  },
  'domain.assign': {
    no: 30,
    args: { key: text(1), value: text(2), shard: text(3) },
    result: { domain: view(1, 'DomainView'), previousShard: nullText(2) },
  },
  'domain.unassign': {
    no: 31,
    args: { key: text(1), value: text(2) },
    result: { key: text(1), value: text(2), shard: text(3) },
  },
  'quota.set': {
    no: 40,
    args: { provider: text(1), region: text(2), total: u64(3), slices: u64Map(4) },
    result: { quota: view(1, 'QuotaView'), created: flag(2) },
  },
  'quota.remove': {
    no: 41,
    args: { provider: text(1), region: text(2) },
    result: { provider: text(1), region: text(2) },
  },
  'provider.add': {
    no: 50,
    args: { name: text(1), kind: text(2), regions: texts(3), endpoint: text(4) },
    result: { provider: view(1, 'ProviderView'), created: flag(2) },
  },
  'provider.remove': {
    no: 51,
    args: { name: text(1) },
    result: { name: text(1) },
  },
  'lease.acquire': {
    no: 60,
    args: { name: text(1), holder: text(2), ttlMs: u64(3) },
    result: { lease: view(1, 'LeaseView'), renewed: flag(2) },
  },
  'lease.renew': {
    no: 61,
    args: { name: text(1), holder: text(2), token: u64(3), ttlMs: optU64(4, 'Absent: the ttl the lease was acquired with.') },
    result: { lease: view(1, 'LeaseView') },
  },
  'lease.release': {
    no: 62,
    args: { name: text(1), holder: text(2), token: u64(3) },
    result: { name: text(1), token: u64(2) },
  },
  'kv.put': {
    no: 70,
    etcd: false,
    doc: ["`ns` '' is the default namespace."],
    args: { key: text(1), value: text(2), ns: namespace(3) },
    result: { kv: view(1, 'KvMeta'), revision: u64(2) },
  },
  'kv.delete': {
    no: 71,
    etcd: false,
    args: { key: text(1), ns: namespace(2) },
    result: { deleted: flag(1), revision: u64(2) },
  },
  'kv.cas': {
    no: 72,
    etcd: false,
    args: {
      key: text(1),
      expected: field({ kind: 'casExpected', revision: 'expectRevision', no: 2, doc: ['Absent: the key must not exist.'] }),
      expectRevision: optU64(104, [
        "Set: compare the key's mod revision instead (0: the key must be absent); `expected`, if",
        'set too, must also match. Unset: compare on `expected` alone (as before this field).',
      ]),
      value: text(3),
      ns: namespace(4),
    },
    result: { kv: view(1, 'KvMeta'), revision: u64(2) },
  },
  'plan.progress': {
    no: 80,
    args: { planId: text(1), startedBy: text(2), done: u64(3), total: u64(4), state: enumOf(5, 'PlanState') },
    result: { plan: view(1, 'PlanView') },
  },
} as const satisfies Readonly<Record<ClientCommandType, Operation>>;

/** The registry writes only members propose: they have no place on the client wire. */
export type MemberOnlyCommandType = 'lease.expire' | 'audit.record';

/** The registry writes a client may send. */
export type ClientCommandType = Exclude<CommandType, MemberOnlyCommandType>;

/** The declaration of every client write, by type. */
export type RegistryOperations = typeof REGISTRY_OPERATIONS;

/** The client writes, in declaration order. */
export const CLIENT_COMMAND_TYPES = Object.keys(REGISTRY_OPERATIONS) as ClientCommandType[];

/** The writes the registry on etcd keeps: every client write not declared `etcd: false`. */
export type EtcdCommandType = { [T in ClientCommandType]: RegistryOperations[T] extends { readonly etcd: false } ? never : T }[ClientCommandType];

/** The writes the registry on etcd keeps, in declaration order. */
export const ETCD_COMMAND_TYPES = CLIENT_COMMAND_TYPES.filter((t) => !('etcd' in REGISTRY_OPERATIONS[t])) as EtcdCommandType[];

/** `shard.setState` → `shardSetState`: the oneof member as the loader spells it. */
export function oneofMember(type: string): string {
  return type.replace(/\.([a-z])/, (_m, c: string) => c.toUpperCase());
}

/** `shardSetState` → `shard_set_state`: a name in .proto spelling. */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** `shard.setState` → `ShardSetState`: the command's message name. */
export function messageName(type: string): string {
  const member = oneofMember(type);
  return member.charAt(0).toUpperCase() + member.slice(1);
}

// ---------------------------------------------------------------------------------------------
// The types a declaration describes, to check the hand-written command and result types against.
// ---------------------------------------------------------------------------------------------

/** The TypeScript value of one field; `View` gives the side's view types. */
export type ValueOf<F extends Field, View extends Record<ViewMessage, unknown>> = F extends { readonly kind: 'string' | 'optionalString' | 'namespace' }
  ? string
  : F extends { readonly kind: 'nullableString' }
    ? string | null
    : F extends { readonly kind: 'casExpected' }
      ? string | null
      : F extends { readonly kind: 'number' }
        ? number
        : F extends { readonly kind: 'bool' }
          ? boolean
          : F extends { readonly kind: 'enum'; readonly enum: 'ShardState' }
            ? 'active' | 'draining' | 'cordoned'
            : F extends { readonly kind: 'enum'; readonly enum: 'PlanState' }
              ? 'running' | 'paused' | 'completed' | 'failed' | 'aborted'
              : F extends { readonly kind: 'map'; readonly value: 'string' }
                ? Readonly<Record<string, string>>
                : F extends { readonly kind: 'map' }
                  ? Readonly<Record<string, number>>
                  : F extends { readonly kind: 'list' }
                    ? readonly string[]
                    : F extends { readonly kind: 'messages'; readonly fields: infer M extends Fields }
                      ? readonly ObjectOf<M, View>[]
                      : F extends { readonly kind: 'wrappedMap' }
                        ? Readonly<Record<string, string>>
                        : F extends { readonly kind: 'view'; readonly message: infer V extends ViewMessage }
                          ? View[V]
                          : never;

/** Fields a command may leave out: what is sent as a default or as an absent optional. */
type MayBeAbsent<F extends Field> = F extends { readonly kind: 'optionalString' | 'namespace' | 'casExpected' | 'bool' | 'wrappedMap' }
  ? true
  : F extends { readonly kind: 'number' | 'map'; readonly optional: true }
    ? true
    : false;

type OptionalKeys<M extends Fields> = { [K in keyof M]: MayBeAbsent<M[K]> extends true ? K : never }[keyof M];

/** The object a message's fields describe, as a command spells it (absent-able fields optional). */
export type ObjectOf<M extends Fields, View extends Record<ViewMessage, unknown>> = {
  readonly [K in Exclude<keyof M, OptionalKeys<M>>]: ValueOf<M[K], View>;
} & { readonly [K in OptionalKeys<M>]?: ValueOf<M[K], View> };

/** The object a result's fields describe: every field present (a result has no optional fields). */
export type ResultObjectOf<M extends Fields, View extends Record<ViewMessage, unknown>> = { readonly [K in keyof M]: ValueOf<M[K], View> };

/** `true` when A and B are the same type, up to readonly (mutually assignable, same keys). */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? ([keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false) : false) : false;

/** The command types whose declared arguments differ from `Commands` (never: none). */
export type ArgsMismatch<Commands extends Record<ClientCommandType, object>, View extends Record<ViewMessage, unknown>> = {
  [T in ClientCommandType]: Same<ObjectOf<RegistryOperations[T]['args'], View>, Omit<Commands[T], 'type'>> extends true ? never : T;
}[ClientCommandType];

/** The command types whose declared results differ from `Results` (never: none). */
export type ResultMismatch<Results extends Record<ClientCommandType, object>, View extends Record<ViewMessage, unknown>> = {
  [T in ClientCommandType]: Same<ResultObjectOf<RegistryOperations[T]['result'], View>, Results[T]> extends true ? never : T;
}[ClientCommandType];

/** Holds only for `true`: a compile-time assertion. */
export type Assert<T extends true> = T;

/** Compile-time: the declaration names exactly the arguments of every client command (registry-commands.ts), with their types. */
export type DeclaredArgsMatchCommands = Assert<[ArgsMismatch<{ [T in ClientCommandType]: CommandOf<T> }, Record<ViewMessage, never>>] extends [never] ? true : false>;
