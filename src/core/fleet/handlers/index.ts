/** The table from command type to handler, checked by TypeScript to cover every command. */
import type { FleetState } from '../state.js';
import type { CommandType } from '../types.js';
import { clusterContact, clusterHeartbeat, clusterPrune, clusterRebind, clusterRebindBatch, clusterUnbind } from './clusters.js';
import { kvCas, kvDelete, kvPut } from './kv.js';
import { leaseAcquire, leaseExpire, leaseRelease, leaseRenew } from './leases.js';
import type { Handler } from './outcome.js';
import { auditRecord, planProgress } from './plans.js';
import { domainAssign, domainUnassign, providerAdd, providerRemove, quotaRemove, quotaSet } from './registry.js';
import { shardHeartbeat, shardRegister, shardRemove, shardSetState, shardUpdate } from './shards.js';

/** Every command's handler. A handler that refuses has changed nothing (checked by the state machine with `stateMark`). */
export const HANDLERS: { readonly [T in CommandType]: Handler<T> } = {
  'shard.register': shardRegister,
  'shard.update': shardUpdate,
  'shard.setState': shardSetState,
  'shard.remove': shardRemove,
  'shard.heartbeat': shardHeartbeat,
  'cluster.contact': clusterContact,
  'cluster.rebind': clusterRebind,
  'cluster.rebindBatch': clusterRebindBatch,
  'cluster.unbind': clusterUnbind,
  'cluster.heartbeat': clusterHeartbeat,
  'cluster.prune': clusterPrune,
  'domain.assign': domainAssign,
  'domain.unassign': domainUnassign,
  'quota.set': quotaSet,
  'quota.remove': quotaRemove,
  'provider.add': providerAdd,
  'provider.remove': providerRemove,
  'lease.acquire': leaseAcquire,
  'lease.renew': leaseRenew,
  'lease.release': leaseRelease,
  'lease.expire': leaseExpire,
  'kv.put': kvPut,
  'kv.delete': kvDelete,
  'kv.cas': kvCas,
  'plan.progress': planProgress,
  'audit.record': auditRecord,
};

/**
 * A number that moves with every change a handler can make to the count of records or to the
 * registry's counters: compared before and after a refusal, it catches a handler that refused
 * after adding, removing, granting or writing (not one that edited a record in place: comparing
 * whole records is O(state) per entry). Cheap and allocation-free.
 */
export function stateMark(s: FleetState): number {
  return s.shards.size + s.clusters.size + s.domains.size + s.quotas.size + s.providers.size + s.leases.size + s.kv.size + s.plans.size + s.leaseVersion + s.leaseToken + s.kvRevision + s.kvBytes + (s.keyspace?.revision ?? 0);
}
