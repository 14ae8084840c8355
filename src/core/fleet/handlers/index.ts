/** The table from command type to handler, checked by TypeScript to cover every command. */
import type { CommandType } from '../types.js';
import { clusterContact, clusterHeartbeat, clusterPrune, clusterRebind, clusterRebindBatch, clusterUnbind } from './clusters.js';
import { kvCas, kvDelete, kvPut } from './kv.js';
import { leaseAcquire, leaseExpire, leaseRelease, leaseRenew } from './leases.js';
import type { Handler } from './outcome.js';
import { auditRecord, planProgress } from './plans.js';
import { domainAssign, domainUnassign, providerAdd, providerRemove, quotaRemove, quotaSet } from './registry.js';
import { shardHeartbeat, shardRegister, shardRemove, shardSetState, shardUpdate } from './shards.js';

/** Every command's handler. Invariant: a handler that refuses has changed nothing. */
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
