/**
 * Client requests to the wire: registry writes to WriteRequest's command oneof, reads to
 * ReadRequest. Values are not judged here; the member checks them and names any bad field.
 */
import { PLAN_STATES, SHARD_STATES } from '../proto/index.js';
import type * as wire from '../proto/index.js';
import { FleetClientError } from './errors.js';
import type { Command, CommandOf, CommandType, Consistency } from './types.js';

/** The oneof member of a command type: `shard.setState` → `shardSetState`. */
export function oneofKey(type: CommandType): string {
  return type.replace(/\.([a-z])/, (_m, c: string) => c.toUpperCase());
}

/** A command's part of a WriteRequest: the oneof member set to the command's message. */
type CommandPart = Omit<wire.WriteRequest, 'clientId' | 'seq' | 'firstIncomplete' | 'command'>;

const TO_WIRE: { readonly [T in CommandType]: (c: CommandOf<T>) => CommandPart } = {
  'shard.register': (c) => ({ shardRegister: { id: c.id, address: c.address, region: c.region, zone: c.zone, capacity: c.capacity, labels: { ...c.labels } } }),
  'shard.update': (c) => ({
    shardUpdate: {
      id: c.id,
      address: c.address,
      region: c.region,
      zone: c.zone,
      capacity: c.capacity,
      labels: c.labels === undefined ? null : { labels: { ...c.labels } },
    },
  }),
  'shard.setState': (c) => ({ shardSetState: { id: c.id, state: SHARD_STATES.toWire(c.state) } }),
  'shard.remove': (c) => ({ shardRemove: { id: c.id, force: c.force ?? false } }),
  'shard.heartbeat': (c) => ({ shardHeartbeat: { id: c.id } }),
  'cluster.contact': (c) => ({ clusterContact: { cluster: c.cluster, shard: c.shard } }),
  'cluster.rebind': (c) => ({ clusterRebind: { cluster: c.cluster, from: c.from ?? undefined, to: c.to, force: c.force ?? false } }),
  'cluster.rebindBatch': (c) => ({
    clusterRebindBatch: {
      moves: c.moves.map((m) => ({ cluster: m.cluster, from: m.from ?? undefined, to: m.to })),
      force: c.force ?? false,
      planId: c.planId,
    },
  }),
  'cluster.unbind': (c) => ({ clusterUnbind: { cluster: c.cluster } }),
  'cluster.heartbeat': (c) => ({ clusterHeartbeat: { cluster: c.cluster } }),
  'cluster.prune': (c) => ({ clusterPrune: { notSeenSinceMs: c.notSeenSinceMs } }),
  'domain.assign': (c) => ({ domainAssign: { key: c.key, value: c.value, shard: c.shard } }),
  'domain.unassign': (c) => ({ domainUnassign: { key: c.key, value: c.value } }),
  'quota.set': (c) => ({ quotaSet: { provider: c.provider, region: c.region, total: c.total, slices: { ...c.slices } } }),
  'quota.remove': (c) => ({ quotaRemove: { provider: c.provider, region: c.region } }),
  'provider.add': (c) => ({ providerAdd: { name: c.name, kind: c.kind, regions: [...c.regions], endpoint: c.endpoint } }),
  'provider.remove': (c) => ({ providerRemove: { name: c.name } }),
  'lease.acquire': (c) => ({ leaseAcquire: { name: c.name, holder: c.holder, ttlMs: c.ttlMs } }),
  'lease.renew': (c) => ({ leaseRenew: { name: c.name, holder: c.holder, token: c.token, ttlMs: c.ttlMs } }),
  'lease.release': (c) => ({ leaseRelease: { name: c.name, holder: c.holder, token: c.token } }),
  'kv.put': (c) => ({ kvPut: { key: c.key, value: c.value, ns: c.ns ?? '' } }),
  'kv.delete': (c) => ({ kvDelete: { key: c.key, ns: c.ns ?? '' } }),
  'kv.cas': (c) => {
    // On the wire an absent `expected` means "absent key" unless a revision is compared; null and a revision together would be ambiguous.
    if (c.expectRevision !== undefined && c.expected === null) throw new FleetClientError('invalid', 'kv cas: compare a revision, or require an absent key, not both (revision 0 is an absent key)');
    if (c.expectRevision === undefined && c.expected === undefined) throw new FleetClientError('invalid', 'kv cas: give the expected value (null: absent) or the expected revision');
    return { kvCas: { key: c.key, expected: c.expected ?? undefined, value: c.value, ns: c.ns ?? '', ...(c.expectRevision === undefined ? {} : { expectRevision: c.expectRevision }) } };
  },
  'plan.progress': (c) => ({
    planProgress: { planId: c.planId, startedBy: c.startedBy, done: c.done, total: c.total, state: PLAN_STATES.toWire(c.state) },
  }),
};

/** A command as the oneof part of a WriteRequest. */
export function commandToWire(command: Command): CommandPart {
  // The table maps each type to the encoder of its own command; TypeScript cannot correlate the lookups.
  return (TO_WIRE[command.type] as (c: Command) => CommandPart)(command);
}

/** The consistency oneof of a ReadRequest; `highestSeen` resolves read-your-writes. */
export function consistencyToWire(consistency: Consistency | undefined, highestSeen: number): Pick<wire.ReadRequest, 'linearizable' | 'minIndex' | 'maxStalenessMs'> {
  if (consistency === undefined || consistency === 'linearizable') return { linearizable: {} };
  if (consistency === 'read-your-writes') return { minIndex: highestSeen };
  if ('minIndex' in consistency) return { minIndex: consistency.minIndex };
  return { maxStalenessMs: consistency.maxStalenessMs };
}

/** Whether a read may be served by any member (anything but linearizable). */
export function isFollowerRead(consistency: Consistency | undefined): boolean {
  return consistency !== undefined && consistency !== 'linearizable';
}
