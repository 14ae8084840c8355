/**
 * Wire writes to registry commands. This only reshapes: the registry's own checks
 * (`checkCommand`) judge the values, and their messages name the field.
 */
import { PLAN_STATES, SHARD_STATES, type WriteRequest__Output } from '../../proto/index.js';
import { checkCommand, type Command } from '../fleet/index.js';
import type { WriteRequest } from '../node/api.js';
import { WireError, enumFromWire, nullable } from './wire.js';

/** The name of a command in the WriteRequest oneof (camelCase, as the loader gives it). */
export type CommandKey = NonNullable<WriteRequest__Output['command']>;

type CommandMessage<K extends CommandKey> = NonNullable<WriteRequest__Output[K]>;

/** Keeps absent optional fields absent, so the command reads the same as one built in TypeScript. */
function present<T extends object>(fields: T): T {
  for (const key of Object.keys(fields) as (keyof T)[]) if (fields[key] === undefined) delete fields[key];
  return fields;
}

/** The default namespace travels as ''; the registry spells it as an absent `ns`. */
function ns(value: string): { ns?: string } {
  return value === '' ? {} : { ns: value };
}

const FROM_WIRE: { readonly [K in CommandKey]: (m: CommandMessage<K>) => Command } = {
  shardRegister: (m) => ({ type: 'shard.register', id: m.id, address: m.address, region: m.region, zone: m.zone, capacity: m.capacity, labels: { ...m.labels } }),
  shardUpdate: (m) =>
    present({
      type: 'shard.update',
      id: m.id,
      address: m.address,
      region: m.region,
      zone: m.zone,
      capacity: m.capacity,
      labels: m.labels === null ? undefined : { ...m.labels.labels },
    }),
  shardSetState: (m) => ({ type: 'shard.setState', id: m.id, state: enumFromWire(SHARD_STATES, m.state, 'shard_set_state.state') }),
  shardRemove: (m) => ({ type: 'shard.remove', id: m.id, force: m.force }),
  shardHeartbeat: (m) => ({ type: 'shard.heartbeat', id: m.id }),
  clusterContact: (m) => ({ type: 'cluster.contact', cluster: m.cluster, shard: m.shard }),
  clusterRebind: (m) => ({ type: 'cluster.rebind', cluster: m.cluster, from: nullable(m.from), to: m.to, force: m.force }),
  clusterRebindBatch: (m) =>
    present({
      type: 'cluster.rebindBatch',
      moves: m.moves.map((move) => ({ cluster: move.cluster, from: nullable(move.from), to: move.to })),
      force: m.force,
      planId: m.planId,
    }),
  clusterUnbind: (m) => ({ type: 'cluster.unbind', cluster: m.cluster }),
  clusterHeartbeat: (m) => ({ type: 'cluster.heartbeat', cluster: m.cluster }),
  clusterPrune: (m) => ({ type: 'cluster.prune', notSeenSinceMs: m.notSeenSinceMs }),
  domainAssign: (m) => ({ type: 'domain.assign', key: m.key, value: m.value, shard: m.shard }),
  domainUnassign: (m) => ({ type: 'domain.unassign', key: m.key, value: m.value }),
  quotaSet: (m) => ({ type: 'quota.set', provider: m.provider, region: m.region, total: m.total, slices: { ...m.slices } }),
  quotaRemove: (m) => ({ type: 'quota.remove', provider: m.provider, region: m.region }),
  providerAdd: (m) => ({ type: 'provider.add', name: m.name, kind: m.kind, regions: [...m.regions], endpoint: m.endpoint }),
  providerRemove: (m) => ({ type: 'provider.remove', name: m.name }),
  leaseAcquire: (m) => ({ type: 'lease.acquire', name: m.name, holder: m.holder, ttlMs: m.ttlMs }),
  leaseRenew: (m) => present({ type: 'lease.renew', name: m.name, holder: m.holder, token: m.token, ttlMs: m.ttlMs }),
  leaseRelease: (m) => ({ type: 'lease.release', name: m.name, holder: m.holder, token: m.token }),
  kvPut: (m) => ({ type: 'kv.put', key: m.key, value: m.value, ...ns(m.ns) }),
  kvDelete: (m) => ({ type: 'kv.delete', key: m.key, ...ns(m.ns) }),
  // With a revision to compare, an absent `expected` means "any value", not "absent".
  kvCas: (m) => present({
    type: 'kv.cas',
    key: m.key,
    expected: m.expectRevision === undefined ? nullable(m.expected) : m.expected,
    expectRevision: m.expectRevision,
    value: m.value,
    ...ns(m.ns),
  }),
  planProgress: (m) => ({
    type: 'plan.progress',
    planId: m.planId,
    startedBy: m.startedBy,
    done: m.done,
    total: m.total,
    state: enumFromWire(PLAN_STATES, m.state, 'plan_progress.state'),
  }),
};

/** The oneof names in .proto spelling, for error messages. */
const SNAKE_KEYS = (Object.keys(FROM_WIRE) as CommandKey[]).map(snakeCase);

/** `shardSetState` → `shard_set_state`. */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * KV namespaces that hold fleet's own replicated settings (autopilot's, in fleet.system): only
 * their own commands write them, so a script's `kv put` cannot switch a cluster's autopilot.
 */
const RESERVED_NS_PREFIX = 'fleet.';

/** The command of a wire write, reshaped and checked; throws WireError. */
export function commandFromWire(req: WriteRequest__Output): Command {
  const key = req.command;
  if (key === undefined || !Object.hasOwn(FROM_WIRE, key)) throw new WireError(`command: none set; set one of ${SNAKE_KEYS.join(', ')}`);
  const message = req[key];
  if (message === undefined || message === null) throw new WireError(`${snakeCase(key)}: the message is missing`);
  // The table maps each oneof member to its own converter; TypeScript cannot correlate the two lookups.
  const op = (FROM_WIRE[key] as (m: typeof message) => Command)(message);
  const problem = checkCommand(op);
  if (problem !== undefined) throw new WireError(`${snakeCase(key)}: ${problem}`);
  if ('ns' in op && typeof op.ns === 'string' && op.ns.startsWith(RESERVED_NS_PREFIX)) {
    throw new WireError(`${snakeCase(key)}: the namespace ${op.ns} holds fleet's own settings and is written only by its commands (fleet autopilot set)`);
  }
  return op;
}

/** A wire write as the node takes it; throws WireError. */
export function writeRequestFromWire(req: WriteRequest__Output): WriteRequest {
  return { clientId: req.clientId, seq: req.seq, firstIncomplete: req.firstIncomplete, op: commandFromWire(req) };
}
